/**
 * The HTTP API against a real embedded store: a small synthetic dataset, the Fastify app in-process listening on
 * 127.0.0.1 (real HTTP: app.inject's light-my-request needs an ESM-only package that jest cannot load on Node 20),
 * a local stand-in for Grafana's annotations API and for Ollama. One store for the whole file (chdb allows one data
 * folder per process); a "restart" closes the app and builds a new one on the same store.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../pkg/api/app';
import { loadConfigFile, type LoadedConfig } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';
import { pushAnnotations } from '../../pkg/service/grafana';
import { RESTART_REASON, SHUTDOWN_REASON } from '../../pkg/service/runs';
import { watchTablePrefix } from '../../pkg/pipeline/watch';
import { opportunityId } from '../../pkg/store/leads';
import { startOllamaStandin, type OllamaStandin } from '../support/ollama-standin';

const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const PUBLIC_URL = 'http://grafana.test:3000/a/surfacer-opportunities-app';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

/** Grafana's POST /api/annotations, as documented: 200 {"message":"Annotation added","id":N}; or failing on demand. */
async function grafanaStandin(): Promise<{ url: string; requests: Recorded[]; failNext: (n: number) => void; close: () => Promise<void> }> {
  const requests: Recorded[] = [];
  let failures = 0;
  let id = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined });
      res.setHeader('Content-Type', 'application/json');
      if (failures > 0) {
        failures--;
        res.statusCode = 500;
        return res.end(JSON.stringify({ message: 'Failed to save annotation' }));
      }
      if (req.method !== 'POST' || req.url !== '/api/annotations') {
        res.statusCode = 404;
        return res.end(JSON.stringify({ message: 'Not found' }));
      }
      if (req.headers.authorization !== 'Bearer glsa_test_token') {
        res.statusCode = 401;
        return res.end(JSON.stringify({ message: 'Unauthorized' }));
      }
      res.end(JSON.stringify({ message: 'Annotation added', id: ++id }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (n) => (failures = n),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

jest.setTimeout(120_000);

describe('HTTP API on an embedded store', () => {
  let dir: string;
  let ex: Executor;
  let cfg: LoadedConfig;
  let app: FastifyInstance;
  let grafana: Awaited<ReturnType<typeof grafanaStandin>>;
  let ollama: OllamaStandin;

  let base = '';
  const call = async (opts: { method: string; url: string; payload?: unknown; headers?: Record<string, string>; auth?: boolean }) => {
    const { auth = true } = opts;
    const headers: Record<string, string> = { ...(auth ? AUTH : {}), ...(opts.headers ?? {}) };
    let body: string | undefined;
    if (opts.payload !== undefined) {
      body = typeof opts.payload === 'string' ? opts.payload : JSON.stringify(opts.payload);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${base}${opts.url}`, { method: opts.method, headers, body });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, body: text ? (type.includes('json') ? JSON.parse(text) : text) : undefined, headers: Object.fromEntries(res.headers) as Record<string, string> };
  };
  const get = (url: string) => call({ method: 'GET', url });
  const post = (url: string, payload?: unknown) => call({ method: 'POST', url, payload: payload as never });
  const patch = (url: string, payload?: unknown) => call({ method: 'PATCH', url, payload: payload as never });

  /** Polls a run until it ends; returns it and the (stage, done, total) seen on the way. */
  const waitRun = async (id: string, timeoutMs = 90_000) => {
    const seen: { status: string; stage: string; done: number; total: number }[] = [];
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = await get(`/api/runs/${id}`);
      expect(r.status).toBe(200);
      const p = r.body.progress;
      const last = seen[seen.length - 1];
      if (!last || last.stage !== p.stage || last.done !== p.done || last.status !== r.body.status) seen.push({ status: r.body.status, stage: p.stage, done: p.done, total: p.total });
      if (!['queued', 'running'].includes(r.body.status)) return { run: r.body, seen };
      if (Date.now() > until) throw new Error(`run ${id} still ${r.body.status} (${p.stage}) after ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 40));
    }
  };
  const waitStage = async (id: string, stages: string[], timeoutMs = 60_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = await get(`/api/runs/${id}`);
      if (r.body.status === 'running' && stages.includes(r.body.progress.stage)) return r.body;
      if (!['queued', 'running'].includes(r.body.status)) throw new Error(`run ${id} ended (${r.body.status}) before reaching ${stages.join('/')}`);
      if (Date.now() > until) throw new Error(`run ${id} did not reach ${stages.join('/')}`);
      await new Promise((res) => setTimeout(res, 20));
    }
  };
  const start = async () => {
    app = await buildApp({ cfg, executor: ex, logger: false, schedulerIntervalMs: 0 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  };
  const restart = async (change?: (c: LoadedConfig) => void) => {
    await app.close();
    change?.(cfg);
    await start();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-api-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 120_000, seed: 5, outDir: dir });
    grafana = await grafanaStandin();
    ollama = await startOllamaStandin();
    cfg = loadConfigFile(g.files.config);
    // Every scheduled run a watch, small as this dataset is (watch-incremental.test covers the size floor).
    cfg.analysis.watch_min_events = 0;
    cfg.server.token = TOKEN;
    cfg.server.public_url = PUBLIC_URL;
    cfg.grafana = { url: grafana.url, token: 'glsa_test_token', dashboard_uid: 'dash-1', tags: ['surfacer'] };
    await start();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await ex?.close();
    await grafana?.close();
    await ollama?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('auth', () => {
    it('serves /api/health without a token', async () => {
      const r = await call({ method: 'GET', url: '/api/health', auth: false });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: 'ok', store: 'embedded', schema_version: 2, store_writable: true, store_error: null });
    });

    it.each([
      ['no token', {}, /missing Authorization header/],
      ['a wrong token', { authorization: 'Bearer not-the-token-at-all' }, /invalid token/],
      ['a token of another length', { authorization: `Bearer ${TOKEN}x` }, /invalid token/],
      ['another scheme', { authorization: `Basic ${TOKEN}` }, /not "Bearer <token>"/],
    ])('answers 401 with %s, on every other route', async (_what, headers, message) => {
      for (const [method, url] of [
        ['GET', '/api/openapi.json'],
        ['GET', '/api/runs'],
        ['POST', '/api/runs'],
        ['GET', '/api/opportunities'],
        ['PATCH', `/api/opportunities/${'a'.repeat(24)}`],
        ['GET', '/api/dataset'],
        ['GET', '/api/no-such-route'],
      ] as const) {
        const r = await call({ method, url, auth: false, headers, payload: method === 'GET' ? undefined : {} });
        expect([method, url, r.status]).toEqual([method, url, 401]);
        expect(r.body.message).toMatch(message);
        expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    });

    it('refuses to start without a token unless told to serve without auth', async () => {
      const noToken = { ...cfg, server: { ...cfg.server, token: undefined } };
      await expect(buildApp({ cfg: noToken, executor: ex, logger: false, schedulerIntervalMs: 0 })).rejects.toThrow(/no API token: set SURFACER_TOKEN/);
      const open = await buildApp({ cfg: noToken, executor: ex, logger: false, schedulerIntervalMs: 0, insecureNoAuth: true });
      try {
        await open.listen({ host: '127.0.0.1', port: 0 });
        const res = await fetch(`http://127.0.0.1:${(open.server.address() as AddressInfo).port}/api/kpis`);
        expect(res.status).toBe(200);
      } finally {
        await open.close();
      }
    });
  });

  it('documents every route in /api/openapi.json, generated from the zod schemas', async () => {
    const r = await get('/api/openapi.json');
    expect(r.status).toBe(200);
    const doc = r.body;
    expect(doc.openapi).toMatch(/^3\./);
    const routes: [string, string][] = [
      ['get', '/api/health'],
      ['get', '/api/openapi.json'],
      ['get', '/api/dataset'],
      ['get', '/api/kpis'],
      ['get', '/api/templates'],
      ['post', '/api/runs'],
      ['get', '/api/runs'],
      ['get', '/api/runs/{id}'],
      ['get', '/api/runs/{id}/plan'],
      ['get', '/api/scope'],
      ['get', '/api/scope/kpis'],
      ['post', '/api/runs/{id}/cancel'],
      ['get', '/api/opportunities'],
      ['get', '/api/opportunities/{id}'],
      ['get', '/api/opportunities/{id}/context'],
      ['patch', '/api/opportunities/{id}'],
      ['get', '/api/investigations'],
      ['post', '/api/investigations'],
      ['get', '/api/investigations/{id}'],
      ['patch', '/api/investigations/{id}'],
      ['delete', '/api/investigations/{id}'],
      ['post', '/api/investigations/{id}/runs'],
    ];
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(documented.sort()).toEqual(routes.map(([m, p]) => `${m} ${p}`).sort());
    // Schemas come from zod: the run request's fields, the triage statuses, the lead's evidence.
    const runBody = doc.paths['/api/runs'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(runBody.properties)).toEqual(expect.arrayContaining(['prompt', 'kpis', 'families', 'params', 'from', 'to']));
    const triage = doc.paths['/api/opportunities/{id}'].patch.requestBody.content['application/json'].schema;
    expect(triage.properties.status.enum).toEqual(['new', 'acknowledged', 'useful', 'dismissed']);
    const lead = doc.paths['/api/opportunities/{id}'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(lead.properties.evidence.properties)).toEqual(expect.arrayContaining(['series', 'example_groups', 'sql']));
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/health'].get.security).toEqual([]);
  });

  it('describes the dataset, its KPIs and the template catalog', async () => {
    const d = await get('/api/dataset');
    expect(d.status).toBe(200);
    expect(d.body.events).toMatchObject({ group: 'session_id', user: 'user_id', event: 'event_name' });
    expect(d.body.columns.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['ts', 'session_id', 'event_name', 'country']));
    expect(d.body.kpis.map((k: { name: string }) => k.name)).toEqual(cfg.kpis.map((k) => k.name));
    expect(d.body.kpis[0]).toMatchObject({ name: 'payment_conversion', kind: 'funnel', outcome_events: ['payment_complete'] });
    expect(d.body.event_names.length).toBeGreaterThan(10);
    expect(d.body.total_events).toBeGreaterThan(100_000);
    const k = await get('/api/kpis');
    expect(k.body.find((x: { name: string }) => x.name === 'page_load_ms')).toMatchObject({ kind: 'numeric', definition: { numeric: expect.any(String) } });
    const t = await get('/api/templates');
    expect(t.body.map((x: { name: string }) => x.name)).toEqual(['ngram', 'ordered_pattern', 'absence', 'lifecycle', 'indirect', 'static', 'stateful', 'nonlocal']);
    expect(t.body[1].params_schema.properties).toHaveProperty('within');
  });

  describe('bad requests get a 4xx naming the problem', () => {
    it.each([
      ['an unknown KPI', { kpis: ['payment_conversion', 'revenue'] }, /body\.kpis\[1\]: unknown KPI "revenue"; KPIs are: payment_conversion, /],
      ['an unknown family', { families: ['ngram', 'telepathy'] }, /body\.families\[1\]: Invalid option/],
      ['a bad parameter', { params: { ordered_pattern: { max_steps: 9 } } }, /body\.params\.ordered_pattern\.max_steps: Too big/],
      ['an unknown parameter', { params: { static: { colour: 'red' } } }, /body\.params\.static: Unrecognized key: "colour"/],
      ['parameters of a family not asked for', { families: ['ngram'], params: { static: {} } }, /body\.params\.static: parameters for static, which is not among the requested families/],
      ['an unknown field', { kpi: 'payment_conversion' }, /body: unknown field\(s\) "kpi"/],
      ['a window that ends before it starts', { from: '2026-10-10', to: '2026-10-01' }, /body\.to: must be after from/],
      ['a date that is not one', { from: 'yesterday' }, /body\.from: expected an ISO 8601 date/],
      ['the LLM planner when none is configured', { planner: 'llm' }, /body\.planner: the LLM planner is not configured/],
      ['a prompt that is not text', { prompt: 42 }, /body\.prompt: Invalid input: expected string/],
      ['a body that is not an object', [1, 2], /body: Invalid input: expected object/],
    ])('POST /api/runs with %s → 400', async (_what, payload, message) => {
      const r = await post('/api/runs', payload);
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(message);
      expect(r.body.issues[0].path).toMatch(/^body/);
    });

    it('names broken JSON and unknown ids', async () => {
      const bad = await call({ method: 'POST', url: '/api/runs', payload: '{"prompt": ', headers: { 'content-type': 'application/json' } });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/JSON/);
      const id = '00000000-0000-4000-8000-000000000000';
      expect(await get(`/api/runs/${id}`)).toMatchObject({ status: 404, body: { message: `no run with id ${id}` } });
      expect(await get(`/api/runs/${id}/plan`)).toMatchObject({ status: 404, body: { message: `no run with id ${id}` } });
      expect(await post(`/api/runs/${id}/cancel`)).toMatchObject({ status: 404, body: { message: `no run with id ${id}` } });
      const lead = 'abcdef0123456789abcdef01';
      expect(await get(`/api/opportunities/${lead}`)).toMatchObject({ status: 404, body: { message: `no opportunity with id ${lead}` } });
      expect(await patch(`/api/opportunities/${lead}`, { status: 'useful' })).toMatchObject({ status: 404, body: { message: `no opportunity with id ${lead}` } });
      expect((await get('/api/opportunities/not-an-id')).body.message).toMatch(/params\.id: expected an opportunity id \(24 hex characters\)/);
      expect(await get(`/api/investigations/${id}`)).toMatchObject({ status: 404, body: { message: `no investigation with id ${id}` } });
      expect(await get('/api/nothing-here')).toMatchObject({ status: 404, body: { message: 'no route GET /api/nothing-here' } });
    });

    it.each([
      ['status=maybe', /querystring\.status: unknown status maybe; statuses are: new, acknowledged, useful, dismissed/],
      ['kpi=revenue', /querystring\.kpi: unknown KPI revenue/],
      ['template=ngram,telepathy', /querystring\.template: unknown template telepathy/],
      ['from=soon', /querystring\.from: expected an ISO 8601 date/],
      ['from=2026-10-10&to=2026-10-01', /querystring\.to: must be after from/],
      ['limit=0', /querystring\.limit: Too small/],
      ['limit=many', /querystring\.limit: Invalid input: expected number/],
      ['sort=random', /querystring\.sort: Invalid option/],
      ['colour=red', /querystring: unknown field\(s\) "colour"/],
    ])('GET /api/opportunities?%s → 400', async (qs, message) => {
      const r = await get(`/api/opportunities?${qs}`);
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(message);
    });

    it('names an unknown run filter and a bad triage', async () => {
      expect((await get('/api/opportunities?run=00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await get('/api/runs?status=done')).body.message).toMatch(/querystring\.status: unknown status done/);
    });
  });

  // The main story: a run from a prompt, its progress, its leads, triage, a re-run, a restart.
  let run1: any;
  let leads1: any[];

  it('starts a run from a prompt, answering at once, and reports its progress until it succeeds', async () => {
    const started = Date.now();
    const r = await post('/api/runs', { prompt: 'why do payments fail?' });
    expect(r.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r.body).toMatchObject({ status: expect.stringMatching(/queued|running/), request: { prompt: 'why do payments fail?' }, plan: null });
    expect(r.headers.location).toBe(`/api/runs/${r.body.id}`);
    const { run, seen } = await waitRun(r.body.id);
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    run1 = run;
    // Progress went through the stages, with counts for the aggregate queries.
    const stages = seen.map((s) => s.stage);
    expect(stages[stages.length - 1]).toBe('done');
    expect(stages.filter((s) => !['queued', 'inspect', 'plan', 'done'].includes(s)).length).toBeGreaterThan(0);
    for (const s of seen.filter((x) => x.stage === 'aggregate')) expect(s.total).toBeGreaterThan(0);
    expect(run.summary).toMatchObject({ hypotheses_tested: expect.any(Number), leads: expect.any(Number) });
    expect(run.summary.hypotheses_tested).toBeGreaterThan(100);
    expect(run.summary.leads).toBeGreaterThan(0);
    expect(run.summary.new_leads).toBe(run.summary.leads);
    expect(run.summary.kpis.map((k: { name: string }) => k.name)).toContain('payment_conversion');
  });

  it("stores the run's plan: the hypothesis classes chosen and why", async () => {
    const p = await get(`/api/runs/${run1.id}/plan`);
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ run_id: run1.id, planner: 'deterministic', fallback: null, feedback: null });
    expect(p.body.kpis).toContain('payment_conversion');
    expect(p.body.items.map((i: { template: string }) => i.template)).toEqual(expect.arrayContaining(['ordered_pattern', 'static', 'nonlocal']));
    for (const i of p.body.items) expect(i.reason).toEqual(expect.any(String));
    expect(p.body.notes.join('\n')).toMatch(/KPIs: payment_conversion \(prompt mentions/);
    expect((await get(`/api/runs/${run1.id}`)).body.plan).toEqual(p.body);
  });

  it('lists leads with filters and paging', async () => {
    const all = await get(`/api/opportunities?run=${run1.id}&limit=500`);
    expect(all.status).toBe(200);
    leads1 = all.body.items;
    expect(all.body.total).toBe(run1.summary.leads);
    expect(leads1.map((l) => l.id).sort()).toEqual([...run1.summary.lead_ids].sort());
    for (const l of leads1) {
      expect(l).toMatchObject({ status: 'new', known: false, runs_seen: 1, first_run_id: run1.id, last_run_id: run1.id, note: '' });
      expect(l.id).toBe(opportunityId(l.fingerprint));
      expect(l.link).toBe(`${PUBLIC_URL}/opportunities/${l.id}`);
    }
    // Sorted by impact by default.
    const impacts = leads1.map((l) => l.impact);
    expect(impacts).toEqual([...impacts].sort((a, b) => b - a));
    const pay = await get('/api/opportunities?kpi=payment_conversion');
    expect(pay.body.items.length).toBeGreaterThan(0);
    for (const l of pay.body.items) expect(l.kpi).toBe('payment_conversion');
    const tpl = leads1[0].template;
    const byTemplate = await get(`/api/opportunities?template=${tpl}&status=new,acknowledged`);
    expect(byTemplate.body.items.every((l: { template: string }) => l.template === tpl)).toBe(true);
    expect(byTemplate.body.total).toBe(leads1.filter((l) => l.template === tpl).length);
    const page1 = await get('/api/opportunities?limit=1&offset=0');
    const page2 = await get('/api/opportunities?limit=1&offset=1');
    expect(page1.body).toMatchObject({ limit: 1, offset: 0, total: leads1.length });
    expect(page2.body.items[0].id).not.toBe(page1.body.items[0].id);
    expect((await get('/api/opportunities?from=2000-01-01&to=2000-01-02')).body.total).toBe(0);
    expect((await get(`/api/opportunities?from=${new Date(Date.now() - 3_600_000).toISOString()}`)).body.total).toBe(leads1.length);
    expect((await get('/api/opportunities?known=true')).body.total).toBe(0);
  });

  it('shows one lead with its evidence: cohort vs rest over time, example group ids, SQL', async () => {
    const l = await get(`/api/opportunities/${leads1[0].id}`);
    expect(l.status).toBe(200);
    const b = l.body;
    expect(b).toMatchObject({ id: leads1[0].id, title: leads1[0].title, triage: [], evidence: { run_id: run1.id, group_column: 'session_id' } });
    expect(b.statement).toMatch(/associated with/);
    expect(b.opportunity.fingerprint).toBe(b.fingerprint);
    expect(b.evidence.sql).toMatch(/^WITH /);
    expect(b.evidence.example_error).toBeUndefined();
    expect(b.evidence.example_groups.length).toBeGreaterThan(0);
    expect(b.evidence.example_groups.length).toBeLessThanOrEqual(20);
    for (const g of b.evidence.example_groups) expect(g).toMatch(/^\d+$/);
    // The example ids are in the cohort: the lead's own SQL selects them.
    const cohort = await ex.query<{ n: number }>(
      `SELECT count() AS n FROM (${b.evidence.sql}) WHERE toString(session_id) IN {ids:Array(String)}`,
      { ids: b.evidence.example_groups },
    );
    expect(Number(cohort[0]!.n)).toBe(b.evidence.example_groups.length);
    // Over time: the halves of the window (and the per-bucket series once the analysis provides it).
    expect(b.evidence.halves).toHaveLength(2);
    expect(b.evidence.halves[0]).toMatchObject({ cohort_groups: expect.any(Number), kpi_cohort: expect.any(Number) });
    if (b.evidence.series) expect(b.evidence.series.cohort.length).toBe(b.evidence.series.rest.length);
    expect(b.history).toEqual([expect.objectContaining({ run_id: run1.id, is_new: true })]);
  });

  it('pushes each new lead to Grafana as an annotation', async () => {
    const posts = grafana.requests.filter((r) => r.path === '/api/annotations');
    expect(posts).toHaveLength(leads1.length);
    for (const p of posts) {
      expect(p.headers.authorization).toBe('Bearer glsa_test_token');
      const lead = leads1.find((l) => p.body.text.includes(l.link));
      expect(lead).toBeDefined();
      expect(p.body).toEqual({ time: Date.parse(lead.first_seen), tags: ['surfacer', lead.kpi, lead.template], text: `${lead.title}\n${lead.link}`, dashboardUID: 'dash-1' });
    }
  });

  it('triages leads (status and note), logging who and when', async () => {
    expect(leads1.length).toBeGreaterThanOrEqual(2);
    const [a, b] = leads1;
    const r1 = await patch(`/api/opportunities/${a.id}`, { status: 'useful', note: 'confirmed with the payments team', by: 'alice' });
    expect(r1.status).toBe(200);
    expect(r1.body).toMatchObject({ id: a.id, status: 'useful', note: 'confirmed with the payments team', triaged_by: 'alice', known: false });
    const r2 = await patch(`/api/opportunities/${b.id}`, { status: 'dismissed' });
    expect(r2.body).toMatchObject({ status: 'dismissed', triaged_by: 'api', note: '' });
    const r3 = await patch(`/api/opportunities/${a.id}`, { note: 'ticket PAY-42' });
    expect(r3.body).toMatchObject({ status: 'useful', note: 'ticket PAY-42' });
    expect((await patch(`/api/opportunities/${a.id}`, {})).body.message).toMatch(/body: give a status or a note/);
    expect((await patch(`/api/opportunities/${a.id}`, { status: 'great' })).body.message).toMatch(/body\.status: Invalid option/);
    const detail = await get(`/api/opportunities/${a.id}`);
    expect(detail.body.triage).toEqual([
      expect.objectContaining({ status: 'useful', previous_status: 'new', by: 'alice', note: 'confirmed with the payments team' }),
      expect.objectContaining({ status: 'useful', previous_status: 'useful', by: 'api', note: 'ticket PAY-42' }),
    ]);
    expect((await get('/api/opportunities?status=useful')).body.items.map((l: { id: string }) => l.id)).toEqual([a.id]);
    expect((await get('/api/opportunities?status=dismissed')).body.items.map((l: { id: string }) => l.id)).toEqual([b.id]);
  });

  it('keeps a documented table for Grafana: time, kpi, title, impact, status, link', async () => {
    const rows = await ex.query<Record<string, any>>(`SELECT time, kpi, title, impact, status, link, known, id FROM surfacer.leads`);
    const api = (await get('/api/opportunities?limit=500')).body.items;
    expect(rows).toHaveLength(api.length);
    for (const row of rows) {
      const l = api.find((x: { id: string }) => x.id === row.id);
      expect(row).toEqual({ time: l.first_seen.slice(0, 19).replace('T', ' '), kpi: l.kpi, title: l.title, impact: l.impact, status: l.status, link: l.link, known: 0, id: l.id });
    }
    const types = await ex.query<{ name: string; type: string }>(`SELECT name, type FROM system.columns WHERE database = 'surfacer' AND table = 'leads'`);
    expect(Object.fromEntries(types.map((t) => [t.name, t.type]))).toMatchObject({ time: "DateTime('UTC')", impact: 'Float64', known: 'UInt8' });
    // The alert on new leads, as in the README.
    const alert = await ex.query<{ n: number }>(`SELECT count() AS n FROM surfacer.leads WHERE status = 'new' AND time > now() - INTERVAL 1 HOUR`);
    expect(Number(alert[0]!.n)).toBe(leads1.length - 2);
  });

  let run2: any;
  it('re-runs and marks the same leads known, keeping their triage (a dismissed lead stays dismissed)', async () => {
    const before = grafana.requests.length;
    const r = await post('/api/runs', { prompt: 'why do payments fail?' });
    const { run } = await waitRun(r.body.id);
    expect(run.status).toBe('succeeded');
    run2 = run;
    expect(run.summary.lead_ids.sort()).toEqual(leads1.map((l) => l.id).sort());
    expect(run.summary).toMatchObject({ new_leads: 0, known_leads: leads1.length });
    const now = (await get(`/api/opportunities?run=${run.id}&limit=500`)).body.items;
    for (const l of now) {
      const was = leads1.find((x) => x.id === l.id);
      expect(l).toMatchObject({ known: true, runs_seen: 2, first_seen: was.first_seen, first_run_id: run1.id, last_run_id: run2.id });
      expect(Date.parse(l.last_seen)).toBeGreaterThan(Date.parse(was.last_seen));
    }
    expect(now.find((l: { id: string }) => l.id === leads1[0].id).status).toBe('useful');
    expect(now.find((l: { id: string }) => l.id === leads1[1].id).status).toBe('dismissed');
    // Known leads are not announced again.
    expect(grafana.requests.length).toBe(before);
    const detail = await get(`/api/opportunities/${leads1[0].id}`);
    expect(detail.body.history.map((h: { run_id: string }) => h.run_id)).toEqual([run2.id, run1.id]);
    expect(detail.body.evidence.run_id).toBe(run2.id);
    expect((await get(`/api/opportunities/${leads1[0].id}?run=${run1.id}`)).body.evidence.run_id).toBe(run1.id);
  });

  it("feeds triage back into the next plan, visible in its reasons", async () => {
    const p = (await get(`/api/runs/${run2.id}/plan`)).body;
    const useful = leads1[0];
    const dismissed = leads1[1];
    expect(p.feedback.byFamily[`${useful.template}:${useful.region}`]).toMatchObject({ useful: 1 });
    expect(p.feedback.byFamily[`${dismissed.template}:${dismissed.region}`]).toMatchObject({ dismissed: 1 });
    const item = p.items.find((i: { template: string }) => i.template === useful.template);
    expect(item.reason).toMatch(/marked useful once/);
    // Families marked useful go first.
    expect(p.items[0].template).toBe(useful.template);
    expect(p.notes.join('\n')).toMatch(new RegExp(`earlier triage: ${useful.template} first`));
  });

  it('cancels a queued run and a running one', async () => {
    const a = await post('/api/runs', {});
    const b = await post('/api/runs', { kpis: ['error_rate'] });
    // One run at a time (server.max_concurrent_runs = 1): b waits.
    expect((await get(`/api/runs/${b.body.id}`)).body.status).toBe('queued');
    const cb = await post(`/api/runs/${b.body.id}/cancel`);
    expect(cb.status).toBe(200);
    expect(cb.body).toMatchObject({ status: 'cancelled', error: 'cancelled by request' });
    await waitStage(a.body.id, ['sessionize', 'profile', 'compile', 'aggregate', 'experts']);
    const t0 = Date.now();
    const ca = await post(`/api/runs/${a.body.id}/cancel`);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(ca.body).toMatchObject({ status: 'cancelled', error: 'cancelled by request' });
    expect((await get(`/api/runs/${a.body.id}`)).body.status).toBe('cancelled');
    expect((await post(`/api/runs/${a.body.id}/cancel`))).toMatchObject({ status: 409, body: { message: `run ${a.body.id} is already cancelled` } });
    expect((await get('/api/runs?status=cancelled')).body.total).toBe(2);
    // Nothing of the cancelled run is left running (KILL QUERY … ASYNC takes a moment).
    let busy = -1;
    for (let i = 0; i < 50 && busy !== 0; i++) {
      if (i) await new Promise((res) => setTimeout(res, 100));
      busy = Number((await ex.query<{ n: number }>("SELECT count() AS n FROM system.processes WHERE query LIKE '%surfacer:%' AND query NOT LIKE '%system.processes%'"))[0]!.n);
    }
    expect(busy).toBe(0);
  });

  let inv: any;
  it('saves an investigation with a schedule and runs it when due', async () => {
    const bad = await post('/api/investigations', { name: 'x', request: { kpis: ['nope'] }, schedule: { every: '10s' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/body\.schedule\.every: expected an interval of minutes, hours or days/);
    const bad2 = await post('/api/investigations', { name: 'x', request: { kpis: ['nope'] } });
    expect(bad2.body.message).toMatch(/body\.request\.kpis\[0\]: unknown KPI "nope"/);
    const r = await post('/api/investigations', { name: 'slow pages by segment', request: { kpis: ['page_load_ms'], families: ['static'] }, schedule: { every: '1h' } });
    expect(r.status).toBe(201);
    inv = r.body;
    expect(inv).toMatchObject({ name: 'slow pages by segment', enabled: true, schedule: { every: '1h', every_ms: 3_600_000 }, last_run_id: null });
    expect(Date.parse(inv.next_run_at) - Date.parse(inv.created_at)).toBe(3_600_000);
    // Not due yet; due an hour later.
    expect(await app.surfacer.scheduler.tick(Date.now())).toEqual([]);
    const started = await app.surfacer.scheduler.tick(Date.now() + 3_600_001);
    expect(started).toHaveLength(1);
    const { run } = await waitRun(started[0]!);
    expect(run).toMatchObject({ status: 'succeeded', investigation_id: inv.id, request: { kpis: ['page_load_ms'], families: ['static'] } });
    const after = (await get(`/api/investigations/${inv.id}`)).body;
    expect(after.last_run_id).toBe(run.id);
    expect(Date.parse(after.next_run_at)).toBeGreaterThan(Date.now() + 3_600_000);
    // Scheduled runs are watch runs: the first one full, the next one only the slices that can have changed.
    expect(run.summary.watch).toMatchObject({ incremental: false, reason: 'full run: first run of this watch' });
    const again = await app.surfacer.scheduler.tick(Date.parse(after.next_run_at) + 1);
    expect(again).toHaveLength(1);
    const second = (await waitRun(again[0]!)).run;
    expect(second.status).toBe('succeeded');
    expect(second.summary.watch.incremental).toBe(true);
    expect(second.summary.watch.slices_computed).toBeLessThan(second.summary.watch.slices_in_window);
    expect(second.summary.groups).toBe(run.summary.groups);
    expect(second.summary.hypotheses_tested).toBe(run.summary.hypotheses_tested);
    expect((await get(`/api/runs?investigation=${inv.id}`)).body.items.map((x: { id: string }) => x.id).sort()).toEqual([run.id, second.id].sort());
    // Edit, run on demand, delete.
    const off = await patch(`/api/investigations/${inv.id}`, { enabled: false, name: 'slow pages' });
    expect(off.body).toMatchObject({ enabled: false, name: 'slow pages' });
    const other = await post('/api/investigations', { name: 'to delete', request: {} });
    expect(other.body.schedule).toBeNull();
    // Deleting an investigation drops what its watch stored (a table named as its watch names them, here), and
    // leaves other investigations' watch tables alone.
    const db = cfg.store.results_database;
    const tablesOf = async (id: string) =>
      (await ex.query<{ name: string }>('SELECT name FROM system.tables WHERE database = {db:String} AND startsWith(name, {p:String})', { db, p: watchTablePrefix(id) })).map((r) => r.name);
    await ex.command(`CREATE TABLE \`${db}\`.\`${watchTablePrefix(other.body.id)}p1_sessions\` (g String) ENGINE = MergeTree ORDER BY g`);
    const kept = await tablesOf(inv.id);
    expect(kept.length).toBeGreaterThan(3);
    expect((await call({ method: 'DELETE', url: `/api/investigations/${other.body.id}` })).status).toBe(204);
    expect(await tablesOf(other.body.id)).toEqual([]);
    expect(await tablesOf(inv.id)).toEqual(kept);
    expect((await get(`/api/investigations/${other.body.id}`)).status).toBe(404);
    expect((await get('/api/investigations')).body).toMatchObject({ items: [{ id: inv.id }], total: 1, limit: 50, offset: 0 });
  });

  it('restarts without losing anything; a run interrupted by a restart is marked failed with its reason', async () => {
    const runsBefore = (await get('/api/runs?limit=500')).body;
    const leadsBefore = (await get('/api/opportunities?limit=500')).body;
    const triageBefore = (await get(`/api/opportunities/${leads1[0].id}`)).body.triage;
    const planBefore = (await get(`/api/runs/${run2.id}/plan`)).body;
    // An investigation deleted while its watch tables could not be dropped (deleted in the store alone, here): the
    // restarted service drops them; a live investigation's stay.
    const db = cfg.store.results_database;
    const watchTables = async (id: string) =>
      (await ex.query<{ name: string }>('SELECT name FROM system.tables WHERE database = {db:String} AND startsWith(name, {p:String})', { db, p: watchTablePrefix(id) })).map((r) => r.name);
    const gone = (await post('/api/investigations', { name: 'deleted, tables left', request: {} })).body;
    expect(await app.surfacer.store.deleteInvestigation(gone.id)).toBe(true);
    await ex.command(`CREATE TABLE \`${db}\`.\`${watchTablePrefix(gone.id)}p1_sessions\` (g String) ENGINE = MergeTree ORDER BY g`);
    const liveWatch = await watchTables(inv.id);
    expect(liveWatch.length).toBeGreaterThan(3);
    const invBefore = (await get('/api/investigations')).body;

    // A graceful stop while a run is going: the run ends failed, saying why.
    const going = await post('/api/runs', { kpis: ['server_errors'] });
    await waitStage(going.body.id, ['sessionize', 'profile', 'compile', 'aggregate', 'experts']);
    // A crash: a run left `running` in the table by a process that is gone.
    const now = Date.now();
    await app.surfacer.store.saveRun({
      id: '11111111-2222-4333-8444-555555555555',
      status: 'running',
      created_at: now,
      started_at: now,
      finished_at: null,
      updated_at: now,
      request: { prompt: 'interrupted' },
      progress: { stage: 'aggregate', done: 1, total: 3, updated_at: now },
      planner: 'deterministic',
      error: '',
      summary: null,
      investigation_id: '',
    });
    await restart();

    const stopped = (await get(`/api/runs/${going.body.id}`)).body;
    expect(stopped).toMatchObject({ status: 'failed', error: SHUTDOWN_REASON });
    const interrupted = (await get('/api/runs/11111111-2222-4333-8444-555555555555')).body;
    expect(interrupted).toMatchObject({ status: 'failed', error: RESTART_REASON, progress: { stage: 'aggregate' } });
    expect(app.surfacer.interrupted).toEqual(['11111111-2222-4333-8444-555555555555']);

    // Everything reads back.
    const runsAfter = (await get('/api/runs?limit=500')).body;
    expect(runsAfter.total).toBe(runsBefore.total + 2);
    for (const r of runsBefore.items) {
      const a = runsAfter.items.find((x: { id: string }) => x.id === r.id);
      expect(a).toEqual(r);
    }
    expect((await get('/api/opportunities?limit=500')).body).toEqual(leadsBefore);
    expect((await get(`/api/opportunities/${leads1[0].id}`)).body.triage).toEqual(triageBefore);
    expect((await get(`/api/runs/${run2.id}/plan`)).body).toEqual(planBefore);
    expect((await get('/api/investigations')).body).toEqual(invBefore);
    expect((await get(`/api/runs/${run1.id}`)).body.summary).toEqual(run1.summary);
    expect(await watchTables(gone.id)).toEqual([]);
    expect(await watchTables(inv.id)).toEqual(liveWatch);
  });

  it('plans with the LLM planner when configured, telling it what earlier triage said', async () => {
    const useful = leads1[0];
    ollama.script({
      content: JSON.stringify({
        kpis: ['payment_conversion'],
        items: [{ template: useful.template, params: {}, kpis: ['payment_conversion'], reason: 'the operator asks about payment failures' }],
        notes: 'this family was useful before',
      }),
    });
    await restart((c) => {
      c.planner.llm = { host: ollama.host, model: 'qwen2.5:7b-instruct', timeout_s: 30 };
    });
    const families = [...new Set([useful.template, 'static'])];
    const r = await post('/api/runs', { prompt: 'payment failures', kpis: ['payment_conversion'], families });
    const { run } = await waitRun(r.body.id);
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    expect(run.planner).toBe('llm');
    const p = run.plan;
    expect(p).toMatchObject({ planner: 'llm', fallback: null });
    expect(p.items[0].template).toBe(useful.template);
    expect(p.items[0].reason).toMatch(new RegExp(`^the operator asks about payment failures; earlier triage: family ${useful.template} was marked useful once`));
    // The model was told: earlier triage per family and parameter region, with effect sizes.
    const chat = ollama.chats().at(-1)!;
    const user = chat.body.messages.find((m: { role: string }) => m.role === 'user').content as string;
    const triage = JSON.parse(/earlier_triage: (.*)/.exec(user)![1]!);
    expect(triage.by_family[`${useful.template}:${useful.region}`]).toMatchObject({ useful: 1, meanEffect: expect.any(Number) });
    expect(triage.notes.join('\n')).toContain(useful.title);
  });

  it('logs a failed annotation push and goes on', async () => {
    const warnings: object[] = [];
    const log = { info: () => undefined, warn: (o: object) => void warnings.push(o) };
    const lead = (await get(`/api/opportunities/${leads1[0].id}`)).body;
    grafana.failNext(1);
    const r = await pushAnnotations(cfg.grafana, [{ ...lead, first_seen: Date.parse(lead.first_seen) }, { ...lead, first_seen: Date.parse(lead.first_seen) }], log);
    expect(r).toEqual({ sent: 1, failed: 1 });
    expect(warnings[0]).toMatchObject({ lead: lead.id, error: expect.stringMatching(/HTTP 500/) });
    const dead = await pushAnnotations({ ...cfg.grafana!, url: 'http://127.0.0.1:1' }, [{ ...lead, first_seen: 0 }], log);
    expect(dead).toEqual({ sent: 0, failed: 1 });
    expect(await pushAnnotations(undefined, [lead], log)).toEqual({ sent: 0, failed: 0 });
  });
});
