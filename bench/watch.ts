/**
 * The watch figure (npm run bench -- --watch): on one bench dataset, a 7-day window analyzed in full, then as a
 * watch (its first, full run stores the per-slice partials), then the watch re-run after one more hour of data,
 * and a plain full run of that same later window for comparison. Runs in its own child process.
 */
import { join } from 'node:path';
import { loadConfigFile } from '../pkg/config/load';
import { Executor } from '../pkg/execute/executor';
import { analyze, type Report } from '../pkg/pipeline/analyze';
import { inspectDataset } from '../pkg/dataset/inspect';
import { recordingExecutor } from './recording';
import { dropWatch, watchAnalyze, watchPins, watchWindow, type WatchInfo } from '../pkg/pipeline/watch';

const log = (m: string) => process.stderr.write(`${m}\n`);
const H = 3_600_000;
const DAY = 24 * H;

export interface WatchRun {
  wall_s: number;
  /** The run's slowest query labels (summed seconds), to see what a re-run still pays for. */
  slowest_queries?: Record<string, { n: number; seconds: number }>;
  stages: Record<string, number>;
  leads: number;
  watch?: WatchInfo;
}

export interface WatchFigure {
  window_days: number;
  /** Events and groups in the re-run's window (the dataset holds more: it spans longer than the window). */
  window_events: number;
  window_groups: number;
  full: WatchRun;
  watch_first: WatchRun;
  watch_rerun: WatchRun;
  /** watch_rerun.wall_s / full.wall_s: what a re-run after one more hour costs against a full run of its window. */
  rerun_over_full: number;
  /** The same without the experts stage (leads' memberships, grouping, robust inference read the whole window). */
  rerun_over_full_before_experts: number;
  /** The re-run's leads (KPI/hypothesis, cohort size, p to 6 digits) equal a full run's with the same pinned inputs. */
  same_leads: boolean;
  /** Peak resident memory of the process that ran all four runs (the watch's first run is the largest). */
  peak_rss_mb: number;
}

const runOf = (r: Report & { watch?: WatchInfo }, wall: number): WatchRun => ({
  wall_s: +wall.toFixed(3),
  stages: Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, +v.toFixed(3)])),
  leads: r.opportunities.length,
  ...(r.watch ? { watch: r.watch } : {}),
});

const slowest = (m: Map<string, { n: number; seconds: number }>) =>
  Object.fromEntries(
    [...m]
      .sort((a, b) => b[1].seconds - a[1].seconds)
      .slice(0, 12)
      .map(([k, v]) => [k, { n: v.n, seconds: +v.seconds.toFixed(3) }])
  );

const leadKeys = (r: Report) => r.opportunities.map((o) => `${o.fingerprint} ${o.cohort_size} ${o.p_value.toPrecision(6)}`).join('\n');

export async function watchChild(dir: string): Promise<WatchFigure> {
  const cfg = loadConfigFile(join(dir, 'surfacer.yaml'));
  const ex = await Executor.open(cfg.store, {
    maxExecutionTimeS: cfg.analysis.max_execution_time_s,
    maxMemoryBytes: Math.round(cfg.analysis.max_memory_gb * 1024 ** 3),
  });
  const watch = `bench-${Date.now()}`;
  try {
    const [range] = await ex.query<{ hi: number }>(
      `SELECT toUnixTimestamp64Milli(max(ts)) AS hi FROM file({f:String})`,
      { f: join(dir, 'events.parquet') },
      { label: 'data end' }
    );
    // The later window ends on the last whole hour of the data; the earlier one an hour before.
    const end = Math.floor(Number(range!.hi) / H) * H;
    // Both start on a slice (3 h) boundary, as a watch rounds them; the later one is the earlier one plus an hour of data.
    const W2 = watchWindow(end - 7 * DAY, end);
    const W1 = { from: W2.from, to: W2.to - H };
    const timed = async <T>(what: string, fn: () => Promise<T>): Promise<[T, number]> => {
      const s = performance.now();
      const r = await fn();
      const wall = (performance.now() - s) / 1000;
      log(`  ${what}: ${wall.toFixed(1)} s`);
      return [r, wall];
    };
    const [first, firstWall] = await timed('watch, first (full) run', () => watchAnalyze(ex, cfg, { watch, ...W1, minEvents: 0 }));
    const recRerun = recordingExecutor(ex, { keepSessionTable: false });
    const [rerun, rerunWall] = await timed('watch re-run after one more hour', () => watchAnalyze(recRerun.ex, cfg, { watch, ...W2, minEvents: 0 }));
    log(`    ${rerun.watch.reason}`);
    // What a scheduled run costs today: a plain full run of the re-run's window.
    const recFull = recordingExecutor(ex, { keepSessionTable: false });
    const [full, fullWall] = await timed('full run of the same window', () => analyze(recFull.ex, cfg, W2));
    // The same window in full with the watch's pinned inputs (vocabulary, plan, profile, contexts): its leads must be
    // the re-run's.
    const pins = (await watchPins(ex, cfg, watch))!;
    const inspected = await inspectDataset(ex, cfg, W2);
    const [pinned] = await timed('full run of the same window with the pinned inputs (the equality check)', () =>
      analyze(ex, cfg, { ...W2, dataset: { ...inspected, vocab: pins.dataset.vocab }, plan: pins.plan, pinned: { profile: pins.profile, contexts: pins.contexts } })
    );
    const before = (r: WatchRun) => r.wall_s - (r.stages.experts ?? 0);
    const fullRun = runOf(full, fullWall);
    const rerunRun = runOf(rerun, rerunWall);
    return {
      window_days: 7,
      window_events: full.events,
      window_groups: full.groups,
      full: { ...fullRun, slowest_queries: slowest(recFull.byLabel) },
      watch_first: runOf(first, firstWall),
      watch_rerun: { ...rerunRun, slowest_queries: slowest(recRerun.byLabel) },
      rerun_over_full: +(rerunWall / fullWall).toFixed(4),
      rerun_over_full_before_experts: +(before(rerunRun) / before(fullRun)).toFixed(4),
      same_leads: leadKeys(pinned) === leadKeys(rerun),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    // The bench's watch is not anyone's investigation: its stored partials would stay in the dataset's store.
    await dropWatch(ex, cfg, watch).catch(() => undefined);
    await ex.close();
  }
}
