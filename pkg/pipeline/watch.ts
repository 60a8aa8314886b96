import { createHash, randomUUID } from 'node:crypto';
import type { LoadedConfig } from '../config/load';
import { clusterSourceOf } from '../compile/cluster';
import { groupsForKpi, GROUPS } from '../compile/columns';
import { bucketsFor, compileDag, statsColumns, type AggregateQuery, type Dag } from '../compile/dag';
import { nodeContextBase, sessionizeSql } from '../compile/sessionize';
import { inspectDataset, sessionizedEventsOf, type Dataset } from '../dataset/inspect';
import type { Executor, Params } from '../execute/executor';
import { qualified, quoteIdent } from '../execute/sql';
import { DISK_SCRATCH } from '../compile/scratch';
import { deterministicPlan } from '../planner/deterministic';
import type { Plan } from '../planner/types';
import { canonicalJson, type NodeContext, type Profile } from '../templates/types';
import {
  analyze,
  contextWindows,
  followWithinOf,
  profileOf,
  type AnalyzeOptions,
  type FastPath,
  type Report,
  type Timer,
} from './analyze';
import { applySupportFloors, observe, readTotals } from './observe';
import { createPartitionedSessionTable, layoutFor, type Layout } from './partitions';

/**
 * Watch runs: a scheduled investigation over a sliding window that pays for new data only.
 *
 * A watch keeps, in the results database, the window's groups sessionized once (one row per group, tagged with the
 * absolute hour slice its first event falls in) and every aggregate scan's rows per slice, without support floors
 * (partials: counts and sums, additive over slices). A re-run sessionizes and scans only the slices that changed —
 * the new ones, the ones whose groups may still have been open at the last run, and the ones whose users' lifecycle
 * history slid out of the lookback — then sums the window's partials in ClickHouse (one GROUP BY per scan, the floor
 * in its HAVING) into the rows the scans would have returned over the whole window. The experts run unchanged.
 *
 * What the keys mean must not change between runs, so a full run pins the window-dependent inputs (the dataset's
 * vocabulary and KPIs, the plan, the transition profile, the context windows); re-runs reuse them until a full run
 * is due (see fullRunReason).
 */

/**
 * The slice: the window's time bucket (compile/dag.ts bucketsFor: 1 h … 7 d, UTC-aligned, at most 60 in a window),
 * so a slice's partials fall in one bucket of every series, and a re-run recomputes one or two of ~60 slices.
 */
export function sliceWidth(from: number, to: number): number {
  return bucketsFor(from, to).width;
}
/** The window a watch analyzes for a requested one: its start rounded down to a slice boundary. */
export function watchWindow(from: number, to: number): { from: number; to: number } {
  const width = sliceWidth(from, to);
  return { from: Math.floor(from / width) * width, to };
}

/** The session-table column of a group's slice (intDiv(t0, slice width)). */
const SLICE = 'wslice';

export interface WatchOptions extends AnalyzeOptions {
  /** The watch's id (e.g. the investigation's): its stored partials and pinned inputs are kept under it. */
  watch: string;
  /**
   * How long after a slice ends its groups can still gain events (the longest group, start to last event).
   * Slices ending less than this before the last run's window end are recomputed. Default 1 h.
   */
  settleMs?: number;
  /** A full run (new pins) when the window end moved this far since the last full run. Default 1 day. */
  maxPinAgeMs?: number;
  /** Windows with fewer events run as plain full runs; default analysis.watch_min_events (0: always a watch). */
  minEvents?: number;
}

export interface WatchInfo {
  /** True when only the changed slices were computed; false for a full run. */
  incremental: boolean;
  /** Why a full run was done, or what the incremental run recomputed. */
  reason: string;
  /** Slices sessionized and scanned by this run, of the window's slices. */
  slices_computed: number;
  slices_in_window: number;
  /** The slice width: the window's time bucket. */
  slice_hours: number;
  /** Seconds spent copying the window's stored groups to memory for the leads' membership (grows with the window). */
  window_copy_s: number;
}

/** What a full run pins, stored as JSON in `watch_state`. */
interface WatchState {
  /** Names this pin's tables: watch_<watch hash>_<pin>_… */
  pin: string;
  /** The config and request the pins were made for (configFingerprint). */
  fingerprint: string;
  dataset: Dataset;
  plan: Plan;
  profile: Profile;
  contexts: NodeContext['contexts'];
  /** Window end of the full run that pinned these. */
  pinnedTo: number;
  /** Set before a run changes the stored tables, cleared when it has finished: a run that died leaves it set. */
  pending?: boolean;
  /** The window of the last run (full or not) whose partials are stored. */
  from: number;
  to: number;
}

/** Runs the analysis as a watch: the report, and what the run computed. */
export async function watchAnalyze(
  ex: Executor,
  cfg: LoadedConfig,
  opts: WatchOptions
): Promise<Report & { watch: WatchInfo }> {
  // Keeping per-slice partials has costs a small window does not earn back (each scan's fixed cost, storing the
  // partials, copying the window for the memberships): below the configured size a scheduled run is a plain one.
  const minEvents = opts.minEvents ?? cfg.analysis.watch_min_events;
  if (minEvents > 0 && opts.from !== undefined && opts.to !== undefined) {
    const dataset = opts.dataset ?? (await inspectDataset(ex, cfg, { from: opts.from, to: opts.to }));
    if (dataset.totalEvents < minEvents) {
      const report = await analyze(ex, cfg, { ...opts, dataset });
      const width = sliceWidth(opts.from, opts.to);
      const { lo, hi } = sliceRange(watchWindow(opts.from, opts.to).from, opts.to, width);
      const n = (x: number) => x.toLocaleString('en-US');
      const reason = `full run: ${n(dataset.totalEvents)} events in the window, fewer than analysis.watch_min_events (${n(minEvents)}), where a full run costs less than keeping per-slice partials`;
      return {
        ...report,
        watch: { incremental: false, reason, slices_computed: hi - lo, slices_in_window: hi - lo, slice_hours: width / 3_600_000, window_copy_s: 0 },
      };
    }
    opts = { ...opts, dataset };
  }
  let info: WatchInfo | undefined;
  const report = await analyze(ex, cfg, {
    ...opts,
    observer: async (ex2, cfg2, o, t) => {
      const r = await observeWatch(ex2, cfg2, { ...opts, ...o }, t);
      info = r.info;
      return r.fast;
    },
  });
  return { ...report, watch: info! };
}

/** The config and request a watch's pins depend on: a change means a full run. */
export function configFingerprint(cfg: LoadedConfig, opts: WatchOptions): string {
  const request = {
    dataset: cfg.dataset,
    kpis: (cfg as unknown as { kpis?: unknown }).kpis,
    lookback_days: cfg.analysis.lookback_days,
    sample: cfg.analysis.sample,
    vocab_limit: (cfg.analysis as Record<string, unknown>).vocab_limit,
    prompt: opts.prompt,
    request_kpis: opts.kpis,
    families: opts.families,
    params: opts.params,
    // Not the plan or the triage feedback: the plan is pinned with the vocabulary (a planner may plan differently
    // over each window), and feedback reaches the plan at the next full run.
  };
  return sha(canonicalJson(JSON.parse(JSON.stringify(request)) as unknown));
}

const sha = (s: string) => createHash('sha1').update(s).digest('hex');

/** Why this run must be a full one, or null when the stored partials can be reused. */
export function fullRunReason(
  state: WatchState | null,
  fingerprint: string,
  from: number,
  to: number,
  maxPinAgeMs: number,
  partialsComplete: boolean
): string | null {
  if (!state) return 'first run of this watch';
  if (state.fingerprint !== fingerprint) return 'the config or the request changed since the last full run';
  if (!partialsComplete) return 'stored partials of the last full run are missing';
  if (state.pending) return 'the last run did not finish (its partials may be half updated)';
  if (to - state.pinnedTo > maxPinAgeMs)
    return `the pinned vocabulary, plan and profile are ${((to - state.pinnedTo) / 3_600_000).toFixed(1)} h old (limit ${(maxPinAgeMs / 3_600_000).toFixed(0)} h)`;
  if (to < state.to || from < state.from) return 'the window moved back in time';
  if (from >= state.to) return 'the window does not overlap the last run';
  if (sliceWidth(from, to) !== sliceWidth(state.from, state.to)) return 'the window length changed its time buckets (slices)';
  return null;
}

interface WatchTables {
  state: string;
  sessions: string;
  partials: (scanId: string) => string;
  /** A positioned family's stored per-group keys (compile/dag.ts positionedQuery), per slice, for the leads' membership. */
  keys: (template: string) => string;
  /** A scan's rows summed over the window's slices (SummingMergeTree), kept up to date by adding and subtracting slices. */
  sums: (scanId: string) => string;
  /** LIKE pattern of every table of this watch (any pin). */
  prefix: string;
}

/** How a watch's tables are named: `watch_<hash of its id>_<pin>_…` (ids are free text; the hash is a name). */
export const watchTablePrefix = (watch: string): string => `watch_${sha(watch).slice(0, 12)}_`;

function tablesOf(db: string, watch: string, pin: string): WatchTables {
  const prefix = watchTablePrefix(watch);
  return {
    state: qualified(db, 'watch_state'),
    sessions: qualified(db, `${prefix}${pin}_sessions`),
    partials: (id) => qualified(db, `${prefix}${pin}_${id}`),
    sums: (id) => qualified(db, `${prefix}${pin}_${id}_sum`),
    keys: (template) => qualified(db, `${prefix}${pin}_keys_${template}`),
    prefix,
  };
}

async function loadState(ex: Executor, table: string, watch: string, signal?: AbortSignal): Promise<WatchState | null> {
  const rows = await ex.query<{ state: string }>(
    `SELECT state FROM ${table} WHERE watch = {watch:String} ORDER BY at DESC LIMIT 1`,
    { watch },
    { label: 'watch: pinned inputs', signal }
  );
  return rows[0] ? (JSON.parse(rows[0].state) as WatchState) : null;
}

async function saveState(ex: Executor, table: string, watch: string, state: WatchState): Promise<void> {
  await ex.command(
    `INSERT INTO ${table} (watch, at, state) VALUES ({watch:String}, now64(6), {state:String})`,
    { watch, state: JSON.stringify(state) },
    { label: 'watch: save pinned inputs' }
  );
}

/** The slice numbers [lo, hi) of a window: from its slice-aligned start to the slice holding its last instant. */
function sliceRange(from: number, to: number, width: number): { lo: number; hi: number } {
  return { lo: Math.floor(from / width), hi: Math.ceil(to / width) };
}

/**
 * Inspect (full run) or reuse the pins → sessionize the changed slices into the watch's session table → scan them
 * into per-slice partials → sum the window's partials into observations. The FastPath's session table is a view of
 * the window's stored groups, for the leads' membership.
 */
export async function observeWatch(
  ex: Executor,
  cfg: LoadedConfig,
  opts: WatchOptions,
  t: Timer = (_s, fn) => fn()
): Promise<{ fast: FastPath; info: WatchInfo; pinned: { profile: Profile; contexts: NodeContext['contexts'] } }> {
  if (clusterSourceOf(cfg))
    throw new Error('watch runs keep their partials on one node: they are not available with dataset.events.cluster');
  if (opts.to === undefined || opts.from === undefined)
    throw new Error('a watch run needs its window (from and to, epoch ms): the slices are counted from them');
  const signal = opts.signal;
  const db = cfg.store.results_database;
  // The window starts on a slice boundary (as its first time bucket already does), so it is whole slices (the last
  // one may be partial).
  const width = sliceWidth(opts.from, opts.to);
  const { from, to } = watchWindow(opts.from, opts.to);
  if (!(to > from)) throw new Error(`watch window is empty: from ${new Date(from).toISOString()} is not before to ${new Date(to).toISOString()}`);
  const settleMs = opts.settleMs ?? 3_600_000;
  const lookbackMs = cfg.analysis.lookback_days * 86_400_000;
  const fingerprint = configFingerprint(cfg, opts);
  const probe = tablesOf(db, opts.watch, 'x');
  await ex.command(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(db)}`, {}, { label: 'create results database', signal });
  await ex.command(
    `CREATE TABLE IF NOT EXISTS ${probe.state} (watch String, at DateTime64(6, 'UTC'), state String) ENGINE = MergeTree ORDER BY (watch, at)`,
    {},
    { label: 'watch: state table', signal }
  );
  const state = await loadState(ex, probe.state, opts.watch, signal);
  const complete = state ? await tableExists(ex, db, tablesOf(db, opts.watch, state.pin).sessions, signal) : false;
  const why = fullRunReason(state, fingerprint, from, to, opts.maxPinAgeMs ?? 86_400_000, complete);
  const { lo, hi } = sliceRange(from, to, width);
  const runTag = randomUUID().replace(/-/g, '');
  const view = qualified(db, `sess_${runTag}`);
  const scratch = [view];
  const drop = async () => {
    for (const s of scratch) await ex.command(`DROP TABLE IF EXISTS ${s}`, {}, { label: 'drop scratch table' }).catch(() => undefined);
  };

  let pins: WatchState;
  let d: Dataset;
  let recompute: number[] | null; // null: every slice of the window (full run)
  let reason: string;
  if (why !== null) {
    const dataset = opts.dataset ?? (await t('inspect', () => inspectDataset(ex, cfg, { from, to })));
    d = { ...dataset, range: { from, to } };
    const plan = opts.plan ?? deterministicPlan(d, opts);
    pins = { pin: randomUUID().replace(/-/g, '').slice(0, 12), fingerprint, dataset: d, plan, profile: null!, contexts: [], pinnedTo: to, from, to };
    recompute = null;
    reason = `full run: ${why}`;
  } else {
    pins = state!;
    const count = await ex.query<{ n: number }>(
      `SELECT count() AS n FROM ${pins.dataset.events.from} WHERE ${pins.dataset.timeMs} >= {w_from:Int64} AND ${pins.dataset.timeMs} < {w_to:Int64}`,
      { ...pins.dataset.events.params, w_from: from, w_to: to },
      { label: 'watch: events in the window', signal }
    );
    d = { ...pins.dataset, range: { from, to }, totalEvents: Number(count[0]!.n) };
    const tb = tablesOf(db, opts.watch, pins.pin);
    const open = Math.floor((pins.to - settleMs) / width);
    const dirty = await t('sessionize', () => lifecycleDirtySlices(ex, d, tb.sessions, pins.from, from, lookbackMs, lo, signal));
    const set = new Set<number>(dirty.filter((s) => s < open));
    for (let s = Math.max(open, lo); s < hi; s++) set.add(s);
    recompute = [...set].sort((a, b) => a - b);
    reason = `recomputed ${recompute.length} of ${hi - lo} slices of ${width / 3_600_000} h (${hi - Math.max(open, lo)} new or still open${dirty.filter((s) => s < open).length ? `, ${dirty.filter((s) => s < open).length} whose users' lifecycle history slid out of the lookback` : ''})`;
  }
  const tb = tablesOf(db, opts.watch, pins.pin);
  const vocab = d.vocab.map((v) => v.name);
  opts.onProgress?.({ stage: 'sessionize', done: 1, total: 6, message: `watch: ${reason}` });

  try {
    if (recompute !== null) await saveState(ex, tb.state, opts.watch, { ...pins, pending: true });
    // Slices whose stored rows go: those that slid out of the window since the last run, and the recomputed ones.
    const stale = recompute === null ? [] : [...new Set([...range(Math.floor(pins.from / width), lo), ...recompute])];
    // As analyze lays out a run: over the memory budget, a full run sessionizes the users in parts (with their
    // lookback history, which can hold many times the window's events) and keeps its scratch tables on disk.
    const layout = layoutFor(cfg, recompute === null ? sessionizedEventsOf(d) : d.totalEvents);
    const so = { lookbackMs, sample: cfg.analysis.sample, vocab, lo, recompute, width, stale, layout };
    const onPart = (index: number, count: number) =>
      opts.onProgress?.({
        stage: 'sessionize',
        done: 1,
        total: 6,
        message: `watch: sessionizing part ${index + 1} of ${count} of the ${d.spec.user ? 'users' : 'groups'} (over the memory budget of ${cfg.analysis.memory_budget_gb} GB in one pass)`,
      });
    await t('sessionize', () => storeSessions(ex, d, tb, so, signal, onPart));
    if (recompute === null) {
      // New pins: measured over the stored window, as analyze measures them over its session table.
      pins.profile = opts.pinned?.profile ?? (await t('profile', () => profileOf(ex, d, tb.sessions, vocab, followWithinOf(pins.plan), signal)));
      pins.contexts = opts.pinned?.contexts ?? (await t('profile', () => contextWindows(ex, d, signal)));
    }
    const ctxBase = nodeContextBase(d, vocab, pins.profile, pins.contexts);
    const buckets = bucketsFor(from, to);
    // The changed slices' groups in memory, as analyze's session table (the scans' plans assume one).
    let changed = tb.sessions;
    if (recompute !== null) {
      changed = qualified(db, `sess_${runTag}_new`);
      scratch.push(changed);
      await ex.command(
        `CREATE TABLE ${changed} ENGINE = ${layout.scratch.engine} AS SELECT * FROM ${tb.sessions} WHERE ${SLICE} IN {w_slices:Array(Int64)}\n${layout.scratch.settings}`,
        { w_slices: recompute },
        { label: 'watch: the changed slices', signal }
      );
    }
    const minSupport = cfg.analysis.min_support;
    // The changed slices' per-group keys of positioned families go to scratch tables first (as analyze stores
    // them); the scans read them back, and they join the watch's stored keys for the leads' membership.
    const scratchKeys = (template: string) => qualified(db, `sess_${runTag}_new_keys_${template}`);
    const partial = compileDag(pins.plan.items, d, ctxBase, changed, minSupport, buckets, {
      partialsBy: SLICE,
      storeKeys: true,
      keysTableOf: scratchKeys,
      scratch: layout.scratch,
    });
    for (const q of partial.queries) if (q.store) scratch.push(q.store.table);
    const dag = compileDag(pins.plan.items, d, ctxBase, view, minSupport, buckets, { storeKeys: true, scratch: layout.scratch });
    for (const q of dag.queries) if (q.store) scratch.push(q.store.table);
    if (recompute === null && dag.skipped.length) pins.plan.notes.push(...dag.skipped);
    await t('aggregate', () => storePartials(ex, partial, tb, { lo, recompute, stale }, signal));
    const sum = (q: AggregateQuery) => sumPartials(ex, q, tb.sums(q.id), dag, signal);
    const totals = readTotals(await sum(dag.totals), d.kpis, buckets.count);
    applySupportFloors(dag, totals, minSupport);
    const observations = await t('aggregate', () =>
      observe(ex, dag, d, totals, minSupport, { signal, rowsOf: sum })
    );
    if (recompute === null) await dropWatchTables(ex, db, tb.prefix, `${tb.prefix}${pins.pin}_`, signal);
    await saveState(ex, tb.state, opts.watch, { ...pins, from, to, pending: false });
    // The leads' membership reads the window's groups many times: from memory, as analyze's session table. This
    // copy is the part of a re-run that still grows with the window (WatchInfo.window_copy_s).
    const copyStart = performance.now();
    await t('sessionize', () =>
      ex.command(
        `CREATE TABLE ${view} ENGINE = ${layout.scratch.engine} AS SELECT * EXCEPT ${SLICE} FROM ${tb.sessions} WHERE ${SLICE} >= ${lo} AND ${SLICE} < ${hi}\n${layout.scratch.settings}`,
        {},
        { label: 'watch: the window’s sessions for the leads', signal }
      )
    );
    for (const q of dag.queries) {
      if (!q.store) continue;
      await t('sessionize', () =>
        ex.command(
          `CREATE TABLE ${q.store!.table} ENGINE = ${layout.scratch.engine} AS SELECT * EXCEPT ${SLICE} FROM ${tb.keys(q.id)} WHERE ${SLICE} >= ${lo} AND ${SLICE} < ${hi}\n${layout.scratch.settings}`,
          {},
          { label: `watch: the window’s stored keys of ${q.id} for the leads`, signal }
        )
      );
    }
    const copySeconds = (performance.now() - copyStart) / 1000;
    return {
      fast: { d, plan: pins.plan, sess: view, dag, totals, observations, vocab, lookbackMs, runTag, drop },
      info: {
        incremental: recompute !== null,
        reason,
        slices_computed: recompute?.length ?? hi - lo,
        slices_in_window: hi - lo,
        slice_hours: width / 3_600_000,
        window_copy_s: +copySeconds.toFixed(3),
      },
      pinned: { profile: pins.profile, contexts: pins.contexts },
    };
  } catch (e) {
    await drop();
    throw e;
  }
}

async function tableExists(ex: Executor, db: string, table: string, signal?: AbortSignal): Promise<boolean> {
  const name = table.slice(table.lastIndexOf('.') + 1).replace(/`/g, '');
  const rows = await ex.query<{ n: number }>(
    'SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {name:String}',
    { db, name },
    { label: 'watch: stored partials', signal }
  );
  return Number(rows[0]!.n) > 0;
}

/**
 * Slices whose groups' lifecycle columns changed since the last run: the lookback start moved from
 * lastFrom - lookback to from - lookback, so a user with events in between lost history (a group no longer
 * counted in the ordinal, or no longer the previous group for days away). Their groups' slices are recomputed.
 */
async function lifecycleDirtySlices(
  ex: Executor,
  d: Dataset,
  sessions: string,
  lastFrom: number,
  from: number,
  lookbackMs: number,
  lo: number,
  signal?: AbortSignal
): Promise<number[]> {
  if (!d.spec.user || from <= lastFrom) return [];
  const rows = await ex.query<{ s: number }>(
    `SELECT DISTINCT ${SLICE} AS s FROM ${sessions}
     WHERE ${SLICE} >= {w_lo:Int64} AND u IN (
       SELECT ${quoteIdent(d.spec.user)} FROM ${d.events.from} WHERE ${d.timeMs} >= {w_a:Int64} AND ${d.timeMs} < {w_b:Int64})`,
    { ...d.events.params, w_lo: lo, w_a: lastFrom - lookbackMs, w_b: from - lookbackMs },
    { label: 'watch: slices whose lifecycle history slid out', signal }
  );
  return rows.map((r) => Number(r.s));
}

/**
 * The groups of the slices to compute, sessionized as analyze sessionizes the window (same lifecycle history),
 * into the watch's session table; slices that slid out of the window are deleted. An incremental run reads the
 * events of only the users (groups, without users) that have events in those slices.
 */
async function storeSessions(
  ex: Executor,
  d: Dataset,
  tb: WatchTables,
  o: {
    lookbackMs: number;
    sample: number;
    vocab: string[];
    lo: number;
    recompute: number[] | null;
    width: number;
    stale: number[];
    layout: Layout;
  },
  signal?: AbortSignal,
  onPart?: (index: number, count: number) => void
): Promise<void> {
  const so = { from: d.range.from, to: d.range.to, lookbackMs: o.lookbackMs, sample: o.sample, vocab: o.vocab };
  if (o.recompute === null) {
    await ex.command(`DROP TABLE IF EXISTS ${tb.sessions}`, {}, { label: 'watch: drop old sessions', signal });
    await createPartitionedSessionTable(ex, d, tb.sessions, so, o.layout, {
      label: 'watch: sessionize the window',
      signal,
      onPart,
      table: {
        engine: `MergeTree PARTITION BY ${SLICE} ORDER BY ${SLICE}`,
        settings: DISK_SCRATCH.settings,
        rows: (sessions) => `SELECT intDiv(t0, ${o.width}) AS ${SLICE}, * FROM (${sessions})`,
      },
    });
    return;
  }
  await dropSlices(ex, tb.sessions, o.stale, signal);
  if (!o.recompute.length) return;
  const id = quoteIdent(d.spec.user ?? d.spec.group);
  const first = o.recompute[0]! * o.width;
  // Whole users (or groups): lifecycle columns need each user's earlier groups, back to the lookback.
  const restricted: Dataset = {
    ...d,
    events: {
      ...d.events,
      from: `(SELECT * FROM ${d.events.from} WHERE ${id} IN (
        SELECT ${id} FROM ${d.events.from}
        WHERE ${d.timeMs} >= {w_first:Int64} AND ${d.timeMs} < {w_to:Int64} AND intDiv(${d.timeMs}, ${o.width}) IN {w_slices:Array(Int64)}))`,
    },
  };
  const sz = sessionizeSql(restricted, so);
  await ex.command(
    `INSERT INTO ${tb.sessions}\nSELECT intDiv(t0, ${o.width}) AS ${SLICE}, * FROM (${sz.select}) WHERE ${SLICE} IN {w_slices:Array(Int64)}`,
    { ...sz.params, w_first: first, w_to: d.range.to, w_slices: o.recompute },
    { label: `watch: sessionize ${o.recompute.length} slices`, signal }
  );
}

/** A scan's output columns: the dimensions, the group counts (integers) and the KPI sums (floats). */
function scanColumns(q: AggregateQuery): { dims: string[]; counts: string[]; sums: string[] } {
  const name = (c: string) => c.slice(c.lastIndexOf(' AS ') + 4);
  const stats = statsColumns(q.kpis).map(name);
  const counts = [GROUPS, ...(q.positioned ? q.kpis.map((k) => groupsForKpi(k.index)) : [])];
  return {
    // The slice stays a dimension of bucketed scans: it is their (absolute) time bucket.
    dims: [...(q.id === 'totals' ? [] : ['key']), ...(q.byBucket ? [SLICE] : [])],
    counts: [...counts, ...stats.filter((c) => c.startsWith('app_'))],
    sums: stats.filter((c) => !c.startsWith('app_')),
  };
}

/** SELECT list adding (sign 1) or taking away (sign -1) partial rows to or from a scan's window sums. */
function signedRows(q: AggregateQuery, sign: 1 | -1): string {
  const c = scanColumns(q);
  const m = sign < 0 ? '-' : '';
  return [...c.dims, ...c.counts.map((x) => `${m}toInt64(${x}) AS ${x}`), ...c.sums.map((x) => `${m}toFloat64(${x}) AS ${x}`)].join(', ');
}

/**
 * Each scan's rows per slice into its partials table, and its window sums kept equal to the sum of the window's
 * slices: a full run creates both; an incremental one takes the recomputed and expired slices' old rows out of the
 * sums, replaces the recomputed slices' partials, and adds their new rows in.
 */
async function storePartials(
  ex: Executor,
  partial: Dag,
  tb: WatchTables,
  o: { lo: number; recompute: number[] | null; stale: number[] },
  signal?: AbortSignal
): Promise<void> {
  for (const q of [...partial.queries, partial.totals]) {
    const table = tb.partials(q.id);
    const sums = tb.sums(q.id);
    const dims = scanColumns(q).dims;
    if (q.store) {
      // The changed slices' keys (scratch), then into the watch's stored keys (named by scan id, one per family).
      await ex.command(q.store.sql, q.params, { label: `watch: keys of ${q.id}`, signal });
      const keys = tb.keys(q.id);
      if (o.recompute === null) {
        await ex.command(`DROP TABLE IF EXISTS ${keys}`, {}, { label: 'watch: drop old keys', signal });
        await ex.command(`CREATE TABLE ${keys} ENGINE = MergeTree PARTITION BY ${SLICE} ORDER BY ${SLICE} AS SELECT * FROM ${q.store.table}`, {}, {
          label: `watch: store the keys of ${q.id}`,
          signal,
        });
      } else {
        await dropSlices(ex, keys, o.stale, signal);
        await ex.command(`INSERT INTO ${keys} SELECT * FROM ${q.store.table}`, {}, { label: `watch: store the keys of ${q.id}`, signal });
      }
    }
    if (o.recompute === null) {
      for (const t of [table, sums]) await ex.command(`DROP TABLE IF EXISTS ${t}`, {}, { label: 'watch: drop old partials', signal });
      await ex.command(`CREATE TABLE ${table} ENGINE = MergeTree PARTITION BY ${SLICE} ORDER BY ${SLICE} AS\n${q.sql}`, q.params, {
        label: `watch: partials of ${q.id}`,
        signal,
      });
      await ex.command(
        `CREATE TABLE ${sums} ENGINE = SummingMergeTree ORDER BY (${dims.join(', ') || 'tuple()'}) AS SELECT ${signedRows(q, 1)} FROM ${table}`,
        {},
        { label: `watch: window sums of ${q.id}`, signal }
      );
      continue;
    }
    const slices = { w_stale: o.stale, w_slices: o.recompute };
    await ex.command(`INSERT INTO ${sums} SELECT ${signedRows(q, -1)} FROM ${table} WHERE ${SLICE} IN {w_stale:Array(Int64)}`, slices, {
      label: `watch: take stale slices out of the sums of ${q.id}`,
      signal,
    });
    await dropSlices(ex, table, o.stale, signal);
    if (!o.recompute.length) continue;
    await ex.command(`INSERT INTO ${table}\n${q.sql}`, q.params, { label: `watch: partials of ${q.id}`, signal });
    await ex.command(
      `INSERT INTO ${sums} SELECT ${signedRows(q, 1)} FROM ${table} WHERE ${SLICE} IN {w_slices:Array(Int64)}`,
      slices,
      { label: `watch: add the recomputed slices to the sums of ${q.id}`, signal }
    );
  }
}

/**
 * A scan's rows over the window from its window sums: per key (and bucket: the slice, numbered from this window's
 * first bucket), with the scan's support floor (set by applySupportFloors) on the sums. Keys whose groups all left
 * the window sum to 0 and are left out, as a scan over the window would not see them.
 */
async function sumPartials(
  ex: Executor,
  q: AggregateQuery,
  table: string,
  dag: Dag,
  signal?: AbortSignal
): Promise<Record<string, unknown>[]> {
  const c = scanColumns(q);
  const dims = [...(c.dims.includes('key') ? ['key'] : []), ...(q.byBucket ? [`${SLICE} - {w_bk:Int64} AS nb`] : [])];
  const by = [...(c.dims.includes('key') ? ['key'] : []), ...(q.byBucket ? ['nb'] : [])];
  const params: Params = { w_bk: Math.round(dag.buckets.from / dag.buckets.width) };
  let having = `${GROUPS} > 0`;
  if (!q.byBucket) {
    params.w_min = q.params[`${q.id}_min`] as number;
    const support = q.positioned
      ? q.kpis.length === 1
        ? groupsForKpi(q.kpis[0]!.index)
        : `greatest(${q.kpis.map((k) => groupsForKpi(k.index)).join(', ')})`
      : GROUPS;
    having += ` AND ${support} >= {w_min:Int64}`;
  }
  const rows = await ex.query<Record<string, unknown>>(
    `SELECT ${[...dims, ...[...c.counts, ...c.sums].map((x) => `sum(${x}) AS ${x}`)].join(', ')}
     FROM ${table}
     GROUP BY ${by.join(', ') || 'tuple()'}
     HAVING ${having}`,
    params,
    { label: `watch: sum the partials of ${q.id}`, signal }
  );
  if (q.byBucket) for (const r of rows) r.b = r.nb;
  return rows;
}

const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

/** Drops slices from a table partitioned by slice: a metadata change, not a rewrite (absent ones are no-ops). */
async function dropSlices(ex: Executor, table: string, slices: number[], signal?: AbortSignal): Promise<void> {
  if (!slices.length) return;
  const parts = slices.map((x) => {
    if (!Number.isSafeInteger(x)) throw new Error(`slice ${x} is not an integer`);
    return `DROP PARTITION ${x}`;
  });
  await ex.command(`ALTER TABLE ${table} ${parts.join(', ')}`, {}, { label: `watch: drop ${slices.length} stale slices`, signal });
}

/**
 * Drops the tables named with this watch prefix (but not those with `keep`'s: a full run keeps its own pin's and
 * drops the earlier pins', whose partials mean other keys); returns their names.
 */
async function dropWatchTables(ex: Executor, db: string, prefix: string, keep: string | null, signal?: AbortSignal): Promise<string[]> {
  const rows = await ex.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = {db:String} AND startsWith(name, {prefix:String})${keep ? ' AND NOT startsWith(name, {keep:String})' : ''}`,
    { db, prefix, ...(keep ? { keep } : {}) },
    { label: keep ? 'watch: earlier pins' : 'watch: its tables', signal }
  );
  for (const r of rows) await ex.command(`DROP TABLE IF EXISTS ${qualified(db, r.name)}`, {}, { label: keep ? 'watch: drop earlier pin' : 'watch: drop its tables' });
  return rows.map((r) => r.name);
}

/**
 * Ends a watch (its investigation was deleted): drops everything it stored (sessions, per-slice partials, window
 * sums, keys) and forgets its pinned inputs, which would otherwise stay in the results database for good. Returns
 * the tables dropped. The caller stops the watch's running run first.
 */
export async function dropWatch(ex: Executor, cfg: LoadedConfig, watch: string): Promise<string[]> {
  const db = cfg.store.results_database;
  const t = tablesOf(db, watch, 'x');
  const dropped = await dropWatchTables(ex, db, t.prefix, null);
  if (await tableExists(ex, db, t.state))
    await ex.command(`ALTER TABLE ${t.state} DELETE WHERE watch = {watch:String}`, { watch }, { label: 'watch: forget its pinned inputs', settings: { mutations_sync: '2' } });
  return dropped;
}

/**
 * dropWatch for each of these watches that still has tables (the service at startup, for investigations deleted
 * while their tables could not be dropped): one listing of the watch tables, then only the watches found in it.
 */
export async function dropStoredWatches(ex: Executor, cfg: LoadedConfig, watches: string[]): Promise<string[]> {
  if (!watches.length) return [];
  const rows = await ex.query<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = {db:String} AND startsWith(name, 'watch_') AND name != 'watch_state'",
    { db: cfg.store.results_database },
    { label: 'watch: stored watch tables' }
  );
  const names = rows.map((r) => r.name);
  const dropped: string[] = [];
  for (const w of watches) {
    const prefix = watchTablePrefix(w);
    if (names.some((n) => n.startsWith(prefix))) dropped.push(...(await dropWatch(ex, cfg, w)));
  }
  return dropped;
}

/** A watch's pinned inputs as its last run used them (null before its first run): what a comparable full run needs. */
export async function watchPins(
  ex: Executor,
  cfg: LoadedConfig,
  watch: string
): Promise<Pick<WatchState, 'dataset' | 'plan' | 'profile' | 'contexts'> | null> {
  const t = tablesOf(cfg.store.results_database, watch, 'x');
  if (!(await tableExists(ex, cfg.store.results_database, t.state))) return null;
  return loadState(ex, t.state, watch);
}
