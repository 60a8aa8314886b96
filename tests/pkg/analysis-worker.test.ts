/**
 * Analyses in a worker thread (pkg/service/analysis-host.ts) on a real embedded store: the executor calls the worker
 * forwards (rows, ClickHouse errors with their code and label, cancellation that kills the running query), the same
 * leads as in-process, and a cancelled analysis that leaves no scratch table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, type LoadedConfig } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { CancelledError, Executor, QueryError } from '../../pkg/execute/executor';
import { answerCall, RemoteExecutor } from '../../pkg/execute/remote';
import { analyze } from '../../pkg/pipeline/analyze';
import { AnalysisOutOfMemory, analyzeInWorker } from '../../pkg/service/analysis-host';
import { ResultStore } from '../../pkg/store/store';

jest.setTimeout(240_000);

describe('analysis in a worker thread (embedded store, 30k events)', () => {
  let dir: string;
  let ex: Executor;
  let cfg: LoadedConfig;
  const scratch = async () =>
    (await ex.query<{ name: string }>("SELECT name FROM system.tables WHERE database = 'surfacer' AND name LIKE 'sess_%'")).map((r) => r.name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-worker-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 30_000, seed: 5, outDir: dir });
    cfg = loadConfigFile(g.files.config);
    await new ResultStore(ex.onControl(), cfg.store.results_database).migrate();
  });
  afterAll(async () => {
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('RemoteExecutor forwarding to the real executor (in one thread, the same messages)', () => {
    const remoteOn = (signal: AbortSignal) => {
      const remote: RemoteExecutor = new RemoteExecutor(ex.kind, ex.limits, ex.describeTarget, (c) => {
        // Through structuredClone, as postMessage copies them.
        void answerCall(ex, structuredClone(c), signal).then((r) => remote.receive(structuredClone(r)));
      });
      return remote;
    };

    it('returns rows, runs commands and inserts', async () => {
      const remote = remoteOn(new AbortController().signal);
      expect(await remote.query('SELECT number AS n FROM numbers({k:UInt32}) ORDER BY n', { k: 3 })).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
      await remote.command('CREATE TABLE surfacer.remote_probe (x UInt32) ENGINE = Memory');
      await remote.insert('surfacer.remote_probe', [{ x: 7 }, { x: 8 }]);
      expect(await ex.query('SELECT sum(x) AS s FROM surfacer.remote_probe')).toEqual([{ s: 15 }]);
      await remote.command('DROP TABLE surfacer.remote_probe');
    });

    it("rebuilds ClickHouse's error as a QueryError with its code, type and label", async () => {
      const remote = remoteOn(new AbortController().signal);
      const e = await remote.query('SELECT no_such_column FROM numbers(1)', {}, { label: 'probe step' }).catch((x) => x);
      expect(e).toBeInstanceOf(QueryError);
      expect(e).toMatchObject({ code: 47, label: 'probe step' });
      expect(e.summary).toMatch(/^probe step failed \(ClickHouse .*code 47\)$/);
    });

    it('cancels: the caller gets CancelledError and the query is killed on the store', async () => {
      const ac = new AbortController();
      const remote = remoteOn(ac.signal);
      const signal = new AbortController().signal; // the caller passes one: the owner uses the run's
      // About 6 s, one row per block (ClickHouse checks for a kill between blocks).
      const sql = 'SELECT sum(sleepEachRow(0.02)) AS s FROM numbers(300) SETTINGS max_block_size = 1';
      const running = remote.query(sql, {}, { label: 'long', signal }).catch((x) => x);
      const seen = async () =>
        (
          await ex.query<{ c: number }>(
            "SELECT is_cancelled AS c FROM system.processes WHERE query LIKE '%sleepEachRow(0.02)%' AND query NOT LIKE '%system.processes%'",
            {},
            { session: 'control' }
          )
        ).map((r) => Number(r.c));
      while ((await seen()).length === 0) await new Promise((r) => setTimeout(r, 20));
      ac.abort();
      const e = await running;
      expect(e).toBeInstanceOf(CancelledError);
      expect(e.message).toBe('cancelled: long');
      // The owner sent KILL QUERY for it: ClickHouse marks it cancelled (chdb keeps listing it so) or it is gone.
      let state = await seen();
      while (state[0] === 0) state = await seen();
      expect([[1], []]).toContainEqual(state);
    });
  });

  it('finds the same leads as the analysis in-process, and reports progress and the compiler notes', async () => {
    const req = { kpis: ['error_rate', 'payment_conversion'], families: ['static', 'absence'] as never };
    const inProcess = await analyze(ex, cfg, req);
    const stages: string[] = [];
    const plan = { ...inProcess.plan, notes: [] as string[] };
    const inWorker = await analyzeInWorker(ex, cfg, { ...req, plan, onProgress: (p) => stages.push(p.stage) }, { heapMb: 512 });
    const key = (r: typeof inProcess) => r.opportunities.map((o) => [o.fingerprint, o.cohort_size, o.kpi_cohort, o.q_value]);
    expect(inProcess.opportunities.length).toBeGreaterThan(0);
    expect(key(inWorker)).toEqual(key(inProcess));
    expect(inWorker.hypotheses_tested).toBe(inProcess.hypotheses_tested);
    expect(new Set(stages)).toEqual(new Set(['inspect', 'sessionize', 'profile', 'compile', 'aggregate', 'experts', 'done']));
    expect(plan.notes).toEqual(inWorker.plan.notes);
    expect(await scratch()).toEqual([]);
  });

  it("passes each KPI's leads out of the worker as soon as they are final, the report's own leads", async () => {
    const req = { kpis: ['error_rate', 'payment_conversion'], families: ['static', 'absence'] as never };
    const streamed: { kpi: string; keys: string[] }[] = [];
    const report = await analyzeInWorker(
      ex,
      cfg,
      { ...req, onKpiLeads: (kpi, opps) => streamed.push({ kpi, keys: opps.map((o) => o.fingerprint) }) },
      { heapMb: 512 }
    );
    // The report lists leads in the config's KPI order, as they are streamed.
    const byKpi = [...new Set(report.opportunities.map((o) => o.kpi))].map((kpi) => ({
      kpi,
      keys: report.opportunities.filter((o) => o.kpi === kpi).map((o) => o.fingerprint),
    }));
    expect(byKpi.length).toBe(2);
    expect(streamed).toEqual(byKpi);
  });

  it('cancels mid-analysis: CancelledError, no scratch table left, and the store answers after', async () => {
    const ac = new AbortController();
    const run = analyzeInWorker(ex, cfg, { signal: ac.signal, onProgress: (p) => p.stage === 'aggregate' && ac.abort() }, { heapMb: 512 }).catch((x) => x);
    expect(await run).toBeInstanceOf(CancelledError);
    expect(await scratch()).toEqual([]);
    expect(await ex.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('ends a cancelled worker that does not stop by itself, and drops the scratch tables it left', async () => {
    // In the worker (jest's mocks do not reach it): static's build() never returns, after the session table is made.
    process.env.SURFACER_WORKER_REQUIRE = join(__dirname, '..', 'support', 'static-build-spins.ts');
    try {
      const ac = new AbortController();
      let dropped: string[] = [];
      const run = analyzeInWorker(
        ex,
        cfg,
        { kpis: ['error_rate'], families: ['static'] as never, signal: ac.signal, onProgress: (p) => p.stage === 'compile' && ac.abort() },
        { heapMb: 512, onCleanup: (d) => (dropped = d) }
      ).catch((x) => x);
      expect(await run).toBeInstanceOf(CancelledError);
      expect(dropped.length).toBeGreaterThan(0);
      expect(dropped.every((t) => /^sess_[0-9a-f]{32}/.test(t))).toBe(true);
      expect(await scratch()).toEqual([]);
    } finally {
      delete process.env.SURFACER_WORKER_REQUIRE;
    }
  });

  it('fails with AnalysisOutOfMemory mid-analysis, and drops the scratch tables the worker left', async () => {
    // In the worker: static's build() (after the session table is made) keeps allocating until its heap is full.
    process.env.SURFACER_WORKER_REQUIRE = join(__dirname, '..', 'support', 'static-build-hoards.ts');
    try {
      let dropped: string[] = [];
      const stages: string[] = [];
      const e = await analyzeInWorker(
        ex,
        cfg,
        { kpis: ['error_rate'], families: ['static'] as never, onProgress: (p) => stages.push(p.stage) },
        { heapMb: 96, onCleanup: (d) => (dropped = d) }
      ).catch((x) => x);
      expect(e).toBeInstanceOf(AnalysisOutOfMemory);
      expect(e.message).toBe('the analysis ran out of its 96 MB heap (server.run_heap_limit_gb); narrow the request (fewer families or KPIs, a shorter window) or raise the limit');
      expect(stages).toContain('compile');
      expect(dropped.length).toBeGreaterThan(0);
      expect(await scratch()).toEqual([]);
      expect(await ex.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      delete process.env.SURFACER_WORKER_REQUIRE;
    }
  });

  it('fails with AnalysisOutOfMemory, naming the limit, when the worker runs out of heap at its start', async () => {
    const e = await analyzeInWorker(ex, cfg, {}, { heapMb: 1 }).catch((x) => x);
    expect(e).toBeInstanceOf(AnalysisOutOfMemory);
    expect(e.message).toBe('the analysis ran out of its 1 MB heap (server.run_heap_limit_gb); narrow the request (fewer families or KPIs, a shorter window) or raise the limit');
    expect(await ex.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
