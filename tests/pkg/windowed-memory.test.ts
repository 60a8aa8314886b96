import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, type LoadedConfig } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { inspectDataset, type Dataset } from '../../pkg/dataset/inspect';
import { Executor } from '../../pkg/execute/executor';
import type { Observation } from '../../pkg/experts/types';
import { observeFastPath, type FastPath } from '../../pkg/pipeline/analyze';
import { PEAK_BYTES_PER_EVENT } from '../../pkg/pipeline/partitions';
import { observeWatch, watchWindow } from '../../pkg/pipeline/watch';

/**
 * A run over the last days of long data sessionizes the lookback before its window too (users' history for the
 * lifecycle columns): many times the window's events. Its memory layout must follow those events, or a window
 * that looks small runs out of memory (a watch's first run over a week of 100M events did, at 8 GB).
 */
describe('a windowed run sizes its memory by the events it sessionizes, lookback included (embedded ClickHouse)', () => {
  const DAY = 86_400_000;
  let dir: string;
  let ex: Executor;
  let cfg: LoadedConfig;
  let window: { from: number; to: number };
  let d: Dataset;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-windowed-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    // 45 days of traffic; the window is its last 4 days, and the default lookback (90 days) reaches its first event.
    const g = await generateSynthetic(ex, { events: 60_000, seed: 17, outDir: dir });
    cfg = loadConfigFile(g.files.config);
    cfg.analysis.min_support = 10;
    const all = await inspectDataset(ex, cfg, {});
    window = watchWindow(all.range.to - 4 * DAY, all.range.to);
    d = await inspectDataset(ex, cfg, window);
  }, 300_000);

  afterAll(async () => {
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The budget holds twice the window's events, not the events with their lookback: a windowed run must split. */
  const tight = (): LoadedConfig => ({
    ...cfg,
    analysis: { ...cfg.analysis, memory_budget_gb: (2 * d.totalEvents * PEAK_BYTES_PER_EVENT) / 1024 ** 3 },
  });

  it('counts the events before the window that the lookback reads', async () => {
    const [c] = await ex.query<{ window: number; lookback: number }>(
      `SELECT countIf(t >= {from:Int64}) AS window, countIf(t < {from:Int64}) AS lookback
       FROM (SELECT ${d.timeMs} AS t FROM ${d.events.from}) WHERE t >= {from:Int64} - {lb:Int64} AND t < {to:Int64}`,
      { ...d.events.params, ...window, lb: cfg.analysis.lookback_days * DAY }
    );
    expect(d.totalEvents).toBe(Number(c!.window));
    expect(d.sessionizedEvents).toBe(Number(c!.window) + Number(c!.lookback));
    expect(d.sessionizedEvents!).toBeGreaterThan(5 * d.totalEvents);
    // All the data: the window starts at the first event, and nothing before it is read.
    const all = await inspectDataset(ex, cfg, {});
    expect(all.sessionizedEvents).toBe(all.totalEvents);
  }, 120_000);

  it('splits analyze and a watch’s first run into parts of the users, and they observe what one pass observes', async () => {
    const expected = Math.ceil((d.sessionizedEvents! * PEAK_BYTES_PER_EVENT) / (tight().analysis.memory_budget_gb * 1024 ** 3));
    expect(expected).toBeGreaterThan(1);
    const partsSeen = (into: string[]) => (p: { message?: string }) => {
      const m = /sessionizing part (\d+) of (\d+)/.exec(p.message ?? '');
      if (m) into.push(`${m[1]}/${m[2]}`);
    };
    const runs: FastPath[] = [];
    try {
      const analyzed: string[] = [];
      const parted = await observeFastPath(ex, tight(), { ...window, onProgress: partsSeen(analyzed) });
      runs.push(parted);
      expect(analyzed).toEqual(Array.from({ length: expected }, (_, i) => `${i + 1}/${expected}`));

      const watched: string[] = [];
      const watch = await observeWatch(ex, tight(), { watch: 'inv-windowed', ...window, onProgress: partsSeen(watched) });
      runs.push(watch.fast);
      expect(watch.info.incremental).toBe(false);
      expect(watched).toEqual(analyzed);
      // Its scratch tables (the window's sessions the leads read) went to disk, as a partitioned analyze's do.
      const name = watch.fast.sess.slice(watch.fast.sess.lastIndexOf('.') + 1).replace(/`/g, '');
      const [t] = await ex.query<{ engine: string }>('SELECT engine FROM system.tables WHERE name = {name:String}', { name });
      expect(t!.engine).toBe('MergeTree');

      // One pass in memory, with the watch's pinned inputs so keys mean the same.
      const one = await observeFastPath(ex, { ...cfg, analysis: { ...cfg.analysis, partitions: 1 } }, {
        ...window,
        dataset: { ...d, vocab: watch.fast.d.vocab },
        plan: watch.fast.plan,
        pinned: watch.pinned,
      });
      runs.push(one);
      const counts = (obs: Observation[]) =>
        obs.map((o) => `${o.kpi.kpi.name} ${o.node} ${o.key} ${o.groups} ${o.cohort.a} ${o.kpi.binary ? o.cohort.s : ''}`).sort();
      expect(one.observations.length).toBeGreaterThan(100);
      expect(counts(watch.fast.observations)).toEqual(counts(one.observations));
      expect(counts(parted.observations)).toEqual(counts(one.observations));
    } finally {
      for (const r of runs) await r.drop();
    }
  }, 600_000);
});
