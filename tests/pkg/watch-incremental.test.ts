import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, type LoadedConfig } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { inspectDataset } from '../../pkg/dataset/inspect';
import { Executor } from '../../pkg/execute/executor';
import type { KpiStats, Observation } from '../../pkg/experts/types';
import { analyze, observeFastPath, type AnalyzeOptions, type FastPath, type Report } from '../../pkg/pipeline/analyze';
import { dropWatch, observeWatch, sliceWidth, watchAnalyze, watchPins, watchTablePrefix, watchWindow } from '../../pkg/pipeline/watch';

/**
 * A watch re-run (only the new, still-open and lifecycle-changed hour slices sessionized and scanned; the rest
 * summed from stored partials) must observe exactly what a full run over the same window observes, with the same
 * pinned vocabulary, plan, profile and context windows. Counts (groups, applicable groups, failures) must be equal;
 * numeric moments are float sums added in another order, so they agree to 1e-9 relative.
 */
describe('watch re-run equals a full run (embedded ClickHouse)', () => {
  const H = 3_600_000;
  // Seven days (3-hour slices), ending mid-hour so the last slice's groups are cut at the window end (they gain
  // events later); the re-run's window is an hour later, which moves its start (rounded down to a slice) by a slice.
  const W = { from: Date.UTC(2026, 9, 23, 2), to: Date.UTC(2026, 9, 30, 5, 30) };
  const W2 = { from: W.from + H, to: W.to + H };
  const S = sliceWidth(W.from, W.to);
  let dir: string;
  let ex: Executor;
  let cfg: LoadedConfig;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-watch-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 300_000, seed: 31, outDir: dir });
    cfg = loadConfigFile(g.files.config);
    // A short lookback, so sliding the window by an hour drops some users' history: their ordinals and days away
    // change in slices the re-run did not otherwise recompute.
    cfg.analysis.lookback_days = 3;
    cfg.analysis.min_support = 10;
  }, 300_000);

  afterAll(async () => {
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A full run of the window with the watch's pinned inputs (so keys mean the same). */
  async function fullRun(requested: { from: number; to: number }, pinned: FastPath, pins: NonNullable<AnalyzeOptions['pinned']>): Promise<FastPath> {
    const w = watchWindow(requested.from, requested.to);
    const inspected = await inspectDataset(ex, cfg, w);
    return observeFastPath(ex, cfg, { ...w, dataset: { ...inspected, vocab: pinned.d.vocab }, plan: pinned.plan, pinned: pins });
  }

  function byKey(obs: Observation[]): Map<string, Observation> {
    return new Map(obs.map((o) => [`${o.kpi.kpi.name} ${o.node} ${o.key}`, o]));
  }

  /** Every difference between two runs' observations, in words (empty when they agree). */
  function differences(got: Observation[], want: Observation[]): string[] {
    const out: string[] = [];
    const g = byKey(got);
    const w = byKey(want);
    for (const k of w.keys()) if (!g.has(k)) out.push(`missing ${k}`);
    for (const k of g.keys()) if (!w.has(k)) out.push(`extra ${k}`);
    const close = (a: number | undefined, b: number | undefined) =>
      a === b || (a !== undefined && b !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));
    const stats = (what: string, a: KpiStats, b: KpiStats) => {
      // Counts (applicable groups; failures of a 0/1 KPI) exactly; sums of a numeric KPI's values to rounding.
      if (a.a !== b.a || !close(a.s, b.s) || (b.q === undefined && a.s !== b.s) || !close(a.q, b.q) || !close(a.l, b.l) || !close(a.m, b.m))
        out.push(`${what}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    };
    for (const [k, o] of w) {
      const x = g.get(k);
      if (!x) continue;
      if (x.groups !== o.groups) out.push(`${k}: groups ${x.groups} vs ${o.groups}`);
      stats(`${k} cohort`, x.cohort, o.cohort);
      stats(`${k} total`, x.total, o.total);
      if (Boolean(x.series) !== Boolean(o.series)) out.push(`${k}: series ${Boolean(x.series)} vs ${Boolean(o.series)}`);
      if (x.series && o.series) {
        if (x.series.from !== o.series.from || x.series.width !== o.series.width || x.series.cohort.length !== o.series.cohort.length)
          out.push(`${k}: buckets ${x.series.from}/${x.series.width}/${x.series.cohort.length} vs ${o.series.from}/${o.series.width}/${o.series.cohort.length}`);
        else x.series.cohort.forEach((c, b) => stats(`${k} bucket ${b}`, c, o.series!.cohort[b]!));
      }
    }
    return out.slice(0, 20);
  }

  it('a first run is full and observes what analyze observes; a re-run an hour later computes only changed slices and observes what a full run observes', async () => {
    const first = await observeWatch(ex, cfg, { watch: 'inv-1', ...W });
    try {
      expect(first.info.incremental).toBe(false);
      const full = await fullRun(W, first.fast, first.pinned);
      try {
        expect(first.fast.observations.length).toBeGreaterThan(200);
        expect(differences(first.fast.observations, full.observations)).toEqual([]);
      } finally {
        await full.drop();
      }
    } finally {
      await first.fast.drop();
    }

    const again = await observeWatch(ex, cfg, { watch: 'inv-1', ...W2 });
    try {
      expect(again.info.incremental).toBe(true);
      expect(watchWindow(W2.from, W2.to).from - watchWindow(W.from, W.to).from).toBe(S);
      // The new hour, the still-open one before it, and the slices of users whose history slid out of the lookback.
      expect(again.info.slices_computed).toBeGreaterThanOrEqual(2);
      expect(again.info.slices_computed).toBeLessThan(again.info.slices_in_window / 4);
      expect(again.info.reason).toMatch(/lifecycle history slid out/);
      const full = await fullRun(W2, first.fast, first.pinned);
      try {
        // The data has what the partials must get right: groups that start in one slice and go on into the next,
        // and users whose groups fall in several slices (ordinal, days away).
        const [shape] = await ex.query<{ straddle: number; returning: number }>(
          `SELECT countIf(intDiv(t0, ${S}) != intDiv(t1, ${S})) AS straddle,
                  countIf(ordinal > 1 AND away_days IS NOT NULL) AS returning FROM ${full.sess}`
        );
        expect(S).toBe(3 * H);
        expect(Number(shape!.straddle)).toBeGreaterThan(5);
        expect(Number(shape!.returning)).toBeGreaterThan(100);
        expect(again.fast.totals.groups).toBe(full.totals.groups);
        // What the leads' membership reads: the window's groups and the positioned families' stored keys, as a full
        // run stores them.
        const count = async (table: string) =>
          (await ex.query<{ n: number; h: string }>(`SELECT count() AS n, toString(sum(cityHash64(*))) AS h FROM ${table}`))[0]!;
        expect(await count(again.fast.sess)).toEqual(await count(full.sess));
        const stored = full.dag.queries.filter((q) => q.store);
        expect(stored.length).toBeGreaterThan(0);
        for (const q of stored) {
          const mine = again.fast.dag.queries.find((x) => x.id === q.id)!.store!.table;
          expect([q.id, await count(mine)]).toEqual([q.id, await count(q.store!.table)]);
        }
        expect(again.fast.observations.some((o) => o.hyp.template === 'lifecycle')).toBe(true);
        expect(differences(again.fast.observations, full.observations)).toEqual([]);
      } finally {
        await full.drop();
      }
    } finally {
      await again.fast.drop();
    }
  }, 600_000);

  it('reports the same leads as a full run after one more hour, and runs in full when the request changes', async () => {
    const W3 = { from: W2.from + H, to: W2.to + H };
    const tested = (into: string[]) => (tests: { kpi: string; p: number }[]) => into.push(...tests.map((x) => `${x.kpi} ${x.p.toPrecision(9)}`));
    const testsWatched: string[] = [];
    const testsFull: string[] = [];
    const watched: Report & { watch: { incremental: boolean } } = await watchAnalyze(ex, cfg, { watch: 'inv-1', ...W3, minEvents: 0, onTested: tested(testsWatched) });
    expect(watched.watch.incremental).toBe(true);
    const pins = (await watchPins(ex, cfg, 'inv-1'))!;
    const w3 = watchWindow(W3.from, W3.to);
    const inspected = await inspectDataset(ex, cfg, w3);
    const fullReport = await analyze(ex, cfg, {
      ...w3,
      dataset: { ...inspected, vocab: pins.dataset.vocab },
      plan: pins.plan,
      pinned: { profile: pins.profile, contexts: pins.contexts },
      onTested: tested(testsFull),
    });
    // Every expert test (KPI, p) is the same; so are the leads, in rank order, with what each folds in (ties between
    // cohorts over the same groups go by key, not by the order rows arrive in).
    expect(testsWatched.length).toBeGreaterThan(1000);
    expect(testsWatched.sort()).toEqual(testsFull.sort());
    const leads = (r: Report) => r.opportunities.map((o) => `${o.kpi} #${o.rank} ${o.fingerprint} related=${[...o.related].sort().join(',')}`);
    expect(fullReport.opportunities.length).toBeGreaterThan(0);
    expect(leads(watched)).toEqual(leads(fullReport));
    expect(watched.groups).toBe(fullReport.groups);
    expect(watched.events).toBe(fullReport.events);

    const changed = await observeWatch(ex, cfg, { watch: 'inv-1', ...W3, kpis: ['error_rate'] });
    await changed.fast.drop();
    expect(changed.info.incremental).toBe(false);
    expect(changed.info.reason).toMatch(/config or the request changed/);
    expect(changed.info.slices_computed).toBe(changed.info.slices_in_window);
  }, 600_000);

  it('runs a window with fewer events than analysis.watch_min_events in full, leaving the watch as it was', async () => {
    const W4 = { from: W2.from + 2 * H, to: W2.to + 2 * H };
    const before = JSON.stringify(await watchPins(ex, cfg, 'inv-1'));
    const events = (await inspectDataset(ex, cfg, W4)).totalEvents;
    const small = await watchAnalyze(ex, cfg, { watch: 'inv-1', ...W4, minEvents: events + 1 });
    expect(small.watch.incremental).toBe(false);
    expect(small.watch.reason).toBe(
      `full run: ${events.toLocaleString('en-US')} events in the window, fewer than analysis.watch_min_events (${(events + 1).toLocaleString('en-US')}), where a full run costs less than keeping per-slice partials`
    );
    expect(small.watch.window_copy_s).toBe(0);
    const plain = await analyze(ex, cfg, W4);
    expect(small.opportunities.map((o) => `${o.fingerprint} #${o.rank}`)).toEqual(plain.opportunities.map((o) => `${o.fingerprint} #${o.rank}`));
    // The stored partials and pins were not touched: the watch's next run goes on from them.
    expect(JSON.stringify(await watchPins(ex, cfg, 'inv-1'))).toBe(before);
  }, 600_000);

  it('ends a watch: its tables and pinned inputs go, and its next run starts over in full', async () => {
    const db = cfg.store.results_database;
    const tables = async () =>
      (await ex.query<{ name: string }>('SELECT name FROM system.tables WHERE database = {db:String} AND startsWith(name, {p:String})', { db, p: watchTablePrefix('inv-1') })).map((r) => r.name).sort();
    const before = await tables();
    // Sessions, per-slice partials and window sums of every scan, stored keys.
    expect(before.length).toBeGreaterThan(10);
    expect((await dropWatch(ex, cfg, 'inv-1')).sort()).toEqual(before);
    expect(await tables()).toEqual([]);
    expect(await watchPins(ex, cfg, 'inv-1')).toBeNull();
    const next = await observeWatch(ex, cfg, { watch: 'inv-1', ...W });
    await next.fast.drop();
    expect(next.info).toMatchObject({ incremental: false, reason: 'full run: first run of this watch' });
  }, 600_000);
});
