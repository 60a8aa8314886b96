/**
 * Hostile input and faults against the HTTP API on a real embedded store of 100k events (issue 13): every field of
 * every route with values a careless client or an attacker with a token sends, and the faults of a store that stops
 * taking writes, a results database overwritten by an import, scratch tables left by killed runs. Each case asserts
 * the answer (a 4xx naming the problem, or a 503 without ClickHouse's text) and that the canary (the stored runs,
 * leads and triage) is unchanged; /api/health answers throughout and the process stays under 2 GB.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../pkg/api/app';
import { loadConfigFile, parseConfig, type LoadedConfig } from '../../pkg/config/load';
import { importFile } from '../../pkg/dataset/import';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';

const TOKEN = 'hostile-token-0123456789abcdef';
const GB = 1024 ** 3;

jest.setTimeout(180_000);

describe('hostile input and faults (embedded store, 100k events)', () => {
  let dir: string;
  let ex: Executor;
  let cfg: LoadedConfig;
  let app: FastifyInstance;
  let base = '';
  let canary: unknown;
  let leadId = '';
  let maxRss = 0;

  const call = async (method: string, url: string, payload?: unknown) => {
    const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
    let body: string | undefined;
    if (payload !== undefined) {
      body = typeof payload === 'string' ? payload : JSON.stringify(payload);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(`${base}${url}`, { method, headers, body });
    const text = await res.text();
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
    return {
      status: res.status,
      body: text ? JSON.parse(text) : undefined,
      headers: Object.fromEntries(res.headers) as Record<string, string>,
    };
  };
  const get = (url: string) => call('GET', url);
  const post = (url: string, payload?: unknown) => call('POST', url, payload);

  const start = async (c = cfg) => {
    app = await buildApp({ cfg: c, executor: ex, logger: false, schedulerIntervalMs: 0 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  };
  const waitRun = async (id: string) => {
    for (;;) {
      const r = await get(`/api/runs/${id}`);
      if (!['queued', 'running'].includes(r.body.status)) return r.body;
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  /** What must never change: the stored runs, the leads with their triage. */
  const snapshot = async () => ({
    runs: (await get('/api/runs?limit=500')).body.items.map((r: { id: string; status: string; summary: unknown }) => [
      r.id,
      r.status,
      r.summary,
    ]),
    leads: (await get('/api/opportunities?limit=500')).body,
    triage: (await get(`/api/opportunities/${leadId}`)).body.triage,
  });
  const expectCanary = async () => {
    expect(await snapshot()).toEqual(canary);
    expect((await get('/api/health')).status).toBe(200);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-hostile-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 100_000, seed: 13, outDir: dir });
    cfg = loadConfigFile(g.files.config);
    cfg.server.token = TOKEN;
    await start();
    const run = await post('/api/runs', { kpis: ['error_rate'], families: ['static'] });
    expect(run.status).toBe(202);
    const done = await waitRun(run.body.id);
    expect(done).toMatchObject({ status: 'succeeded' });
    expect(done.summary.leads).toBeGreaterThan(0);
    leadId = done.summary.lead_ids[0];
    expect((await call('PATCH', `/api/opportunities/${leadId}`, { status: 'useful', note: 'canary' })).status).toBe(
      200
    );
    canary = await snapshot();
  });

  afterAll(async () => {
    await app?.close();
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('POST /api/runs refuses what it cannot run, before accepting it', () => {
    const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
    it.each([
      // Dates: strict ISO 8601, real days, 1970–2200, a window of at most 3660 days.
      [
        'a date 1000 years back (the lead series had a bucket per week)',
        { from: '1000-01-01' },
        /body\.from: expected an ISO 8601 date/,
      ],
      ['"1" (Date.parse: 2001-01-01)', { from: '1' }, /body\.from: expected an ISO 8601 date/],
      ['an injection as a date', { to: "buy_plan' OR '1'='1" }, /body\.to: expected an ISO 8601 date/],
      ['February 30th (Date.parse: March 2nd)', { from: '2026-02-30' }, /body\.from: expected an ISO 8601 date/],
      ['an hour 24', { from: '2026-10-01T24:00:00Z' }, /body\.from: expected an ISO 8601 date/],
      [
        'a window of two centuries',
        { from: '1971-01-01', to: '2199-01-01' },
        /body\.to: the window is longer than the 3660 days/,
      ],
      // Windows must hold data (they were accepted, and the run failed with "no events in the requested time range").
      [
        'a window after the data ends',
        { from: '2030-01-01', to: '2030-01-08' },
        /^body\.from: the window holds no data: the data covers 2026-\d\d-\d\dT[\d:.]+Z to 2026-\d\d-\d\dT[\d:.]+Z; choose a window that overlaps it/,
      ],
      ['a window before the data starts', { to: '2000-01-01' }, /^body\.to: the window holds no data: the data covers 2026-/],
      // Lists and parameters: bounded, so neither the heap nor ClickHouse's AST can be blown up by one request.
      [
        '100,000 excluded events (989 KB)',
        { params: { ngram: { exclude: many(100_000, (i) => `e${i}`) } } },
        /body\.params\.ngram\.exclude: Too big: expected array to have <=100 items/,
      ],
      [
        '100 count thresholds ("AST is too big")',
        { params: { stateful: { count_thresholds: many(100, (i) => i + 1) } } },
        /body\.params\.stateful\.count_thresholds: Too big: expected array to have <=20 items/,
      ],
      [
        'a token map of 1,000 entries',
        { params: { ngram: { tokens: Object.fromEntries(many(1000, (i) => [`e${i}`, 't'] as const)) } } },
        /body\.params\.ngram\.tokens: at most 100 entries/,
      ],
      [
        'an event name of 10,000 characters',
        { params: { ngram: { exclude: ['x'.repeat(10_000)] } } },
        /body\.params\.ngram\.exclude\[0\]: Too big: expected string to have <=200 characters/,
      ],
      // Durations: parsed and bounded when the request arrives.
      [
        'SQL as a duration',
        { params: { ordered_pattern: { within: "'); DROP TABLE events; --" } } },
        /body\.params\.ordered_pattern\.within: .*not a duration/,
      ],
      [
        'a negative duration',
        { params: { absence: { within: '-5s' } } },
        /body\.params\.absence\.within: not a duration: "-5s"/,
      ],
      [
        'a unit it does not know',
        { params: { absence: { within: '5sec' } } },
        /body\.params\.absence\.within: not a duration: "5sec"/,
      ],
      [
        'a duration of 10^300 days ("within Infinity ms")',
        { params: { ordered_pattern: { within: `${'9'.repeat(300)}d` } } },
        /body\.params\.ordered_pattern\.within: must be between 1ms and 7d/,
      ],
      // Names: checked against the data, with close matches.
      [
        'events the data does not have',
        { params: { ngram: { exclude: ['pay_ment', 'crash', 'no_such_event'] } } },
        /body\.params\.ngram\.exclude: unknown event names 'pay_ment' \(did you mean payment_\w+\?\), 'no_such_event'/,
      ],
      [
        'an attribute that is not configured',
        { params: { static: { attributes: ['contry'] } } },
        /body\.params\.static\.attributes: unknown attribute name 'contry' \(did you mean country\?\)/,
      ],
      [
        'a context that is not configured',
        { params: { nonlocal: { contexts: ['db_latency'] } } },
        /body\.params\.nonlocal\.contexts: unknown context name 'db_latency'/,
      ],
      [
        'hostile names in explicit pairs',
        { params: { absence: { pairs: [["x'); DROP TABLE events; --", 'crash']] } } },
        /body\.params\.absence\.pairs: unknown event name/,
      ],
      // Text that is not Unicode: the store would refuse it after the request was accepted.
      [
        'a lone surrogate in the prompt',
        '{"prompt":"slow \\ud800 checkout"}',
        /body\.prompt: text with a lone UTF-16 surrogate/,
      ],
      ['a lone surrogate in a KPI name', '{"kpis":["\\udc00"]}', /body\.kpis\[0\]: text with a lone UTF-16 surrogate/],
    ])('%s → 400', async (_what, payload, message) => {
      const r = await post('/api/runs', payload);
      expect([r.status, r.body.message]).toEqual([400, expect.stringMatching(message)]);
      expect(r.body.message.length).toBeLessThan(1000);
    });

    it('stores no run for any of them, and loses nothing', async () => {
      await expectCanary();
    });

    it('accepts a strict date-time with an offset and a bounded duration (a window starting before the data too)', async () => {
      const r = await post('/api/runs', {
        kpis: ['error_rate'],
        families: ['ordered_pattern'],
        from: '2026-10-01T00:00:00+02:00',
        params: { ordered_pattern: { within: '2m' } },
      });
      expect(r.status).toBe(202);
      expect(r.body.request.from).toBe('2026-10-01T00:00:00+02:00');
      await post(`/api/runs/${r.body.id}/cancel`);
      await app.surfacer.runs.idle();
      canary = await snapshot();
    });
  });

  describe('every other route', () => {
    it.each([
      [
        'GET',
        '/api/runs?offset=4294967296',
        /querystring\.offset: Too big: expected number to be <=1000000/,
        undefined,
      ],
      ['GET', '/api/opportunities?offset=4294967296', /querystring\.offset: Too big/, undefined],
      ['GET', '/api/investigations?offset=4294967296', /querystring\.offset: Too big/, undefined],
      ['GET', '/api/runs?limit=100000', /querystring\.limit: Too big/, undefined],
      ['GET', '/api/opportunities?from=1', /querystring\.from: expected an ISO 8601 date/, undefined],
      [
        'GET',
        `/api/opportunities?to=${encodeURIComponent("2026-01-01' OR '1'='1")}`,
        /querystring\.to: expected an ISO 8601 date/,
        undefined,
      ],
      ['GET', `/api/runs?investigation=${'x'.repeat(10_000)}`, /querystring\.investigation: Too big/, undefined],
      [
        'POST',
        '/api/investigations',
        /body\.schedule\.every: must be between 1m and 365d/,
        { name: 'x', request: {}, schedule: { every: '100000000d' } },
      ],
      [
        'POST',
        '/api/investigations',
        /body\.schedule\.every: must be between 1m and 365d/,
        { name: 'x', request: {}, schedule: { every: '0.5m' } },
      ],
      [
        'POST',
        '/api/investigations',
        /body\.name: text with a lone UTF-16 surrogate/,
        '{"name":"\\ud83d","request":{}}',
      ],
      [
        'POST',
        '/api/investigations',
        /body\.request\.params\.ngram\.exclude: unknown event name/,
        { name: 'x', request: { params: { ngram: { exclude: ['nope_nope'] } } } },
      ],
    ])('%s case %# → 400', async (method, url, message, payload) => {
      const r = await call(method, url, payload);
      expect([r.status, r.body.message]).toEqual([400, expect.stringMatching(message)]);
      expect(r.body.message.length).toBeLessThan(1000);
    });

    it('refuses a lone surrogate in a triage note (it answered 503 quoting a ClickHouse setting)', async () => {
      const r = await call('PATCH', `/api/opportunities/${leadId}`, '{"note":"bad \\udfff note"}');
      expect(r).toMatchObject({
        status: 400,
        body: { message: 'body.note: text with a lone UTF-16 surrogate (not valid Unicode)' },
      });
      await expectCanary();
    });

    it.each([
      [`/api/runs/${'x'.repeat(10_000)}`, /^params\.id: Too big: expected string to have <=100 characters$/],
      [`/api/opportunities/${'a'.repeat(10_000)}`, /^params\.id: expected an opportunity id \(24 hex characters\)$/],
      [`/api/investigations/${'i'.repeat(10_000)}/runs`, /^params\.id: Too big/],
    ])(
      'does not echo a 10,000-character id back (it answered 414 quoting the whole path; case %#)',
      async (url, message) => {
        const r = await call(url.endsWith('/runs') ? 'POST' : 'GET', url);
        expect([r.status, r.body.message]).toEqual([400, expect.stringMatching(message)]);
      }
    );

    it('does not echo a 10,000-character path back whole', async () => {
      const r = await get(`/api/${'y'.repeat(10_000)}`);
      expect(r.status).toBe(404);
      expect(r.body.message).toMatch(/^no route GET \/api\/y+… \(10005 characters\)$/);
      expect(r.body.message.length).toBeLessThan(200);
    });

    it('pages saved investigations', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await post('/api/investigations', { name: `inv ${i}`, request: { kpis: ['error_rate'] } })).body.id);
      const page = await get('/api/investigations?limit=2&offset=1');
      expect(page.body).toEqual({
        items: [expect.objectContaining({ id: ids[1] }), expect.objectContaining({ id: ids[2] })],
        total: 5,
        limit: 2,
        offset: 1,
      });
      for (const id of ids) expect((await call('DELETE', `/api/investigations/${id}`)).status).toBe(204);
      expect((await get('/api/investigations')).body.total).toBe(0);
    });
  });

  describe('faults', () => {
    it('answers 503 (not 202 and an id that is then 404) when the store does not take the run; health says why', async () => {
      await ex.command('DETACH TABLE surfacer.runs');
      try {
        const r = await post('/api/runs', { kpis: ['error_rate'], families: ['static'] });
        expect(r.status).toBe(503);
        expect(r.body.message).toMatch(
          /^the run was not started: the results store did not take its record \(results store: save run failed \(ClickHouse /
        );
        expect(r.body.message).toContain(`request id ${r.headers['x-request-id']}`);
        expect(app.surfacer.runs.counts()).toMatchObject({ queued: 0, running: 0 });
        const h = await get('/api/health');
        expect(h).toMatchObject({
          status: 200,
          body: { status: 'ok', store_writable: false, store_error: expect.stringMatching(/save run failed/) },
        });
        // A read the store cannot answer: 503 with a request id, without ClickHouse's text (SQL, paths).
        const list = await get('/api/runs');
        expect(list.status).toBe(503);
        expect(list.body.message).toMatch(
          /^the store could not answer: results store failed \(ClickHouse \w+, code \d+\); details in the service log under request id [0-9a-f-]{36}$/
        );
        expect(list.body.message).not.toMatch(/SELECT|FROM|\/tmp\//);
      } finally {
        await ex.command('ATTACH TABLE surfacer.runs');
      }
      const again = await post('/api/runs', { kpis: ['error_rate'], families: ['static'] });
      expect(again.status).toBe(202);
      expect((await get('/api/health')).body).toMatchObject({ store_writable: true, store_error: null });
      await post(`/api/runs/${again.body.id}/cancel`);
      await app.surfacer.runs.idle();
      canary = await snapshot();
    });

    it('keeps a finished run readable when the store refused its record, and stores it once it can', async () => {
      const r = await post('/api/runs', { kpis: ['error_rate'], families: ['static'] });
      expect(r.status).toBe(202);
      await ex.command('DETACH TABLE surfacer.runs');
      let done;
      try {
        done = await waitRun(r.body.id);
        expect(done).toMatchObject({ id: r.body.id, status: 'succeeded' });
      } finally {
        await ex.command('ATTACH TABLE surfacer.runs');
      }
      // The next save that goes through takes the kept record with it.
      const next = await post('/api/runs', { kpis: ['error_rate'], families: ['static'] });
      await waitRun(next.body.id);
      await app.surfacer.runs.idle();
      const stored = await app.surfacer.store.getRun(r.body.id);
      expect(stored).toMatchObject({ status: 'succeeded', summary: { leads: done.summary.leads } });
      canary = await snapshot();
    });

    it('fails a run whose analysis worker runs out of its heap, with a clear error; the API answers throughout and the next run succeeds', async () => {
      await app.close();
      // 1 MB: the worker's heap runs out for sure (while it loads the pipeline), the service's does not.
      await start({ ...cfg, server: { ...cfg.server, run_heap_limit_gb: 1 / 1024 } });
      const r = await post('/api/runs', { kpis: ['error_rate'], families: ['static'] });
      expect(r.status).toBe(202);
      const lists = [];
      let done;
      do {
        lists.push((await get('/api/opportunities?limit=500')).status, (await get('/api/health')).status);
        done = (await get(`/api/runs/${r.body.id}`)).body;
      } while (['queued', 'running'].includes(done.status));
      expect(done.status).toBe('failed');
      expect(done.error).toBe(
        'the analysis ran out of its 1 MB heap (server.run_heap_limit_gb); narrow the request (fewer families or KPIs, a shorter window) or raise the limit'
      );
      expect(new Set(lists)).toEqual(new Set([200]));
      expect((await get('/api/health')).body).toMatchObject({ status: 'ok', runs: { queued: 0, running: 0 } });
      expect(await ex.query("SELECT name FROM system.tables WHERE database = 'surfacer' AND name LIKE 'sess_%'")).toEqual([]);
      await app.close();
      await start();
      const next = await post('/api/runs', { kpis: ['error_rate'], families: ['static'] });
      expect(await waitRun(next.body.id)).toMatchObject({ status: 'succeeded' });
      canary = await snapshot();
    });

    it('leaves out a plan item that cannot be built, says so in the stored plan, and runs the rest (it failed the run)', async () => {
      // In the analysis worker (a thread of its own: jest's mocks do not reach it), static's build() throws.
      process.env.SURFACER_WORKER_REQUIRE = join(__dirname, '..', 'support', 'static-build-throws.ts');
      try {
        const r = await post('/api/runs', { kpis: ['error_rate'], families: ['static', 'ngram'] });
        expect(r.status).toBe(202);
        expect(await waitRun(r.body.id)).toMatchObject({ status: 'succeeded' });
        const plan = (await get(`/api/runs/${r.body.id}/plan`)).body;
        expect(plan.notes).toContain('skipped static for error_rate: it could not be built (an item the compiler cannot build)');
        const leads = (await get(`/api/opportunities?run=${r.body.id}&limit=500`)).body.items as { template: string }[];
        expect(leads.length).toBeGreaterThan(0);
        expect(new Set(leads.map((l) => l.template))).toEqual(new Set(['ngram']));
      } finally {
        delete process.env.SURFACER_WORKER_REQUIRE;
      }
      canary = await snapshot();
    });

    it('caps the queue: 429 with Retry-After beyond server.max_queued_runs', async () => {
      await app.close();
      await start({ ...cfg, server: { ...cfg.server, max_concurrent_runs: 1, max_queued_runs: 2 } });
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => post('/api/runs', { kpis: ['error_rate'], families: ['static'] }))
      );
      const codes = answers.map((a) => a.status).sort();
      expect(codes).toEqual([202, 202, 202, 429, 429, 429, 429, 429]);
      const refused = answers.find((a) => a.status === 429)!;
      expect(refused.headers['retry-after']).toBe('60');
      expect(refused.body.message).toMatch(/runs are waiting already \(server\.max_queued_runs = 2\); retry later/);
      expect((await get('/api/health')).body.runs).toMatchObject({ running: 1, queued: 2, max_queued: 2 });
      for (const a of answers.filter((x) => x.status === 202)) await post(`/api/runs/${a.body.id}/cancel`);
      await app.surfacer.runs.idle();
      await app.close();
      await start();
      canary = await snapshot();
    });

    it('drops scratch tables left by killed runs at startup', async () => {
      const stale = 'sess_0123456789abcdef0123456789abcdef';
      await ex.command(`CREATE TABLE surfacer.${stale} (g String) ENGINE = Memory`);
      await ex.command(`CREATE TABLE surfacer.${stale}_keys_ngram (g String) ENGINE = Memory`);
      await app.close();
      await start();
      const left = await ex.query<{ name: string }>(
        "SELECT name FROM system.tables WHERE database = 'surfacer' AND name LIKE 'sess_%'"
      );
      expect(left).toEqual([]);
      await expectCanary();
    });

    it('says so when store.url is not a ClickHouse server (it said "unknown column ts; columns are:")', async () => {
      const other = createServer((_req, res) => res.end('Ok.\n'));
      await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      try {
        await expect(Executor.open({ url })).rejects.toThrow(`${url} does not answer like a ClickHouse server (SELECT version() failed); check store.url`);
      } finally {
        await new Promise<void>((r) => other.close(() => r()));
      }
    });

    it('refuses to import into the results database or a system database, and to keep results in one', async () => {
      writeFileSync(join(dir, 'leads.csv'), 'id,title\n1,overwritten\n');
      await expect(
        importFile(ex, { file: join(dir, 'leads.csv'), table: 'surfacer.opportunities', replace: true })
      ).rejects.toThrow(
        /--table surfacer\.opportunities: surfacer is Surfacer's results database \(runs, leads, triage\); import into another one/
      );
      await expect(importFile(ex, { file: join(dir, 'leads.csv'), table: 'system.opportunities' })).rejects.toThrow(
        /system is a ClickHouse system database/
      );
      expect(() =>
        parseConfig(
          'store: {embedded: ./s, results_database: system}\ndataset:\n  events: {source: ev, time: ts, group: sid, event: ev}\nkpis:\n  - {name: k, failure_events: [x]}\n',
          dir
        )
      ).toThrow(/store\.results_database: must not be a system database/);
      await expectCanary();
    });

    it('analyzes imported events with hostile names: the leads name them verbatim and their SQL selects the cohort', async () => {
      const HOSTILE = "x'); DROP TABLE events; --";
      const others = ['a"b\\c', ' spaced ', '😀 ünï', '{{name}}', 'null'];
      const rows: string[] = [];
      for (let i = 0; i < 400; i++) {
        const names = i % 4 === 0 ? ['open', HOSTILE, 'crash'] : ['open', others[i % others.length]!, 'close'];
        names.forEach((ev, j) =>
          rows.push(JSON.stringify({ ts: `2026-10-01 00:${String(i % 60).padStart(2, '0')}:0${j}`, sid: `s${i}`, ev }))
        );
      }
      writeFileSync(join(dir, 'hostile.jsonl'), `${rows.join('\n')}\n`);
      await importFile(ex, { file: join(dir, 'hostile.jsonl'), table: 'hostile.events', orderBy: 'sid' });
      const hostile = parseConfig(
        `store: {embedded: ${JSON.stringify(join(dir, '.store'))}}\ndataset:\n  events: {source: hostile.events, time: ts, group: sid, event: ev}\nkpis:\n  - {name: crashes, failure_events: [crash]}\n`,
        dir
      );
      await app.close();
      await start({ ...hostile, server: { ...hostile.server, token: TOKEN } });
      try {
        const r = await post('/api/runs', { kpis: ['crashes'], families: ['ngram'] });
        expect(r.status).toBe(202);
        const done = await waitRun(r.body.id);
        expect(done.status).toBe('succeeded');
        const leads = (await get(`/api/opportunities?run=${r.body.id}&limit=500`)).body.items as { id: string; title: string }[];
        const lead = leads.find((l) => l.title.includes(HOSTILE));
        expect(lead).toBeDefined();
        const { evidence } = (await get(`/api/opportunities/${lead!.id}`)).body;
        const cohort = await ex.query<{ n: string }>(`SELECT count() AS n FROM (${evidence.sql})`);
        expect(Number(cohort[0]!.n)).toBe(100);
        expect(Number((await ex.query<{ n: string }>('SELECT count() AS n FROM hostile.events'))[0]!.n)).toBe(1200);
      } finally {
        await app.close();
        await start();
      }
      canary = await snapshot();
    });

    it('refuses to start on a results database whose tables were replaced, saying which and what to do', async () => {
      await ex.command('CREATE DATABASE IF NOT EXISTS replaced');
      await ex.command('CREATE TABLE replaced.opportunities (id String) ENGINE = MergeTree ORDER BY id');
      const other = { ...cfg, store: { ...cfg.store, results_database: 'replaced' } };
      await expect(buildApp({ cfg: other, executor: ex, logger: false, schedulerIntervalMs: 0 })).rejects.toThrow(
        /^replaced\.opportunities is not Surfacer's table \(engine MergeTree, expected ReplacingMergeTree\); it was replaced, e\.g\. by an import\. Restore it from a backup/
      );
      await expectCanary();
    });
  });

  it('stays under 2 GB of memory through all of it, with /api/health answering', async () => {
    expect((await get('/api/health')).status).toBe(200);
    expect(maxRss).toBeLessThan(2 * GB);
  });
});

/** `surfacer serve` as its own process on a store of its own (chdb opens one data directory per process). */
describe('the service process (kill -9, out of memory)', () => {
  const ROOT = join(__dirname, '..', '..');
  const CLI = join(ROOT, 'bin', 'surfacer.js');
  let dir: string;
  let config: string;
  const children: ChildProcess[] = [];

  type Served = { child: ChildProcess; base: string; stderr: () => string; exited: Promise<{ code: number | null; signal: string | null }> };
  const freePort = async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    return port;
  };
  const serve = async (nodeArgs: string[] = []): Promise<Served> => {
    const port = String(await freePort());
    const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '-c', config, '--port', port, '--insecure-no-auth'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<{ code: number | null; signal: string | null }>((res) =>
      child.on('exit', (code, signal) => res({ code, signal }))
    );
    const base = await new Promise<string>((res, rej) => {
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) res(m[1]);
      });
      void exited.then(() => rej(new Error(`serve exited before listening: ${err}`)));
    });
    return { child, base, stderr: () => err, exited };
  };
  const json = async (base: string, url: string, method = 'GET', body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: JSON.parse(await res.text()) };
  };
  const scratchTables = () => readdirSync(join(dir, '.store', 'metadata', 'surfacer')).filter((f) => f.startsWith('sess_'));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-process-'));
    execFileSync(process.execPath, [CLI, 'generate', '-n', '20000', '-s', '7', '-o', dir], { stdio: 'pipe' });
    config = join(dir, 'surfacer.yaml');
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks a run killed with the process (kill -9) failed on restart, keeps leads and triage, drops its scratch tables', async () => {
    let s = await serve();
    const first = await json(s.base, '/api/runs', 'POST', { kpis: ['error_rate'], families: ['static'] });
    let done;
    do done = (await json(s.base, `/api/runs/${first.body.id}`)).body;
    while (['queued', 'running'].includes(done.status));
    expect(done.status).toBe('succeeded');
    const lead = done.summary.lead_ids[0];
    expect((await json(s.base, `/api/opportunities/${lead}`, 'PATCH', { status: 'useful', note: 'canary' })).status).toBe(200);
    const leads = (await json(s.base, '/api/opportunities?limit=500')).body;

    const doomed = await json(s.base, '/api/runs', 'POST', {});
    expect(doomed.status).toBe(202);
    while (scratchTables().length === 0) await new Promise((r) => setTimeout(r, 20));
    s.child.kill('SIGKILL');
    expect(await s.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(scratchTables().length).toBeGreaterThan(0);

    s = await serve();
    try {
      expect((await json(s.base, `/api/runs/${doomed.body.id}`)).body).toMatchObject({
        status: 'failed',
        error: 'interrupted by a restart of the service',
      });
      expect(scratchTables()).toEqual([]);
      expect((await json(s.base, '/api/opportunities?limit=500')).body).toEqual(leads);
      expect((await json(s.base, `/api/opportunities/${lead}`)).body.triage).toMatchObject([{ status: 'useful', note: 'canary' }]);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it('ends at once when its JS heap runs out (chdb\'s SIGABRT handler hung it for minutes)', async () => {
    // A small heap only makes the test quick; what is tested is that the abort that follows ends the process.
    const s = await serve(['--max-old-space-size=128', '-r', join(ROOT, 'tests', 'support', 'heap-exhaustion.cjs')]);
    s.child.kill('SIGUSR2');
    expect(await s.exited).toEqual({ code: null, signal: 'SIGABRT' });
    expect(s.stderr()).toMatch(/JavaScript heap out of memory/);
  });
});
