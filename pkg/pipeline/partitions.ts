import { sessionizeSql, type SessionizeOptions } from '../compile/sessionize';
import { scratchTables, type ScratchTables } from '../compile/scratch';
import type { LoadedConfig } from '../config/load';
import type { Dataset } from '../dataset/inspect';
import type { Executor } from '../execute/executor';

/**
 * Peak resident memory of an unpartitioned run per event analyzed: 2.5 GB at 10M events (the bench, every KPI and
 * family, December 2026), most of it the in-memory session table, the stored keys and the leads' memberships.
 */
export const PEAK_BYTES_PER_EVENT = 250;

/**
 * How a run lays out its work: in one sessionizing pass with its scratch tables in memory when the estimated peak
 * fits `analysis.memory_budget_gb`; otherwise in partitions of the users (groups without users) by hash, each
 * sessionized on its own into an on-disk session table, so only one partition's events are grouped at a time and
 * every later scan streams the tables from disk. Aggregates are sums over disjoint groups, so the scans over the
 * whole table equal the sum of the partitions' (tests/pkg/partitions.test.ts).
 */
export interface Layout {
  partitions: number;
  scratch: ScratchTables;
}

export function layoutFor(cfg: LoadedConfig, events: number): Layout {
  const a = cfg.analysis;
  const partitions =
    a.partitions ?? Math.max(1, Math.ceil((events * PEAK_BYTES_PER_EVENT) / (a.memory_budget_gb * 1024 ** 3)));
  return { partitions, scratch: scratchTables(partitions > 1) };
}

/**
 * The session table in `layout.partitions` passes over the events (one when 1): made empty with the columns of
 * the sessionizing SELECT, then filled with one part of the users per INSERT. `onPart` hears each part start.
 */
export async function createPartitionedSessionTable(
  ex: Executor,
  d: Dataset,
  sess: string,
  so: Omit<SessionizeOptions, 'part'>,
  layout: Layout,
  opts: {
    signal?: AbortSignal;
    label: string;
    onPart?: (index: number, count: number) => void;
    /** A table other than a scratch one (the watch's stored sessions): its engine, and its rows from the sessions'. */
    table?: { engine: string; settings: string; rows: (sessions: string) => string };
  }
): Promise<void> {
  const { engine, settings } = opts.table ?? layout.scratch;
  const rows = opts.table?.rows ?? ((sessions: string) => sessions);
  const count = layout.partitions;
  // Only what a query takes: in the service the executor posts its options to another thread (no functions).
  const q = { label: opts.label, signal: opts.signal };
  if (count <= 1) {
    const sz = sessionizeSql(d, so);
    await ex.command(`CREATE TABLE ${sess} ENGINE = ${engine} AS\n${rows(sz.select)}\n${settings}`, sz.params, q);
    return;
  }
  const first = sessionizeSql(d, { ...so, part: { index: 0, count } });
  await ex.command(`CREATE TABLE ${sess} ENGINE = ${engine} EMPTY AS\n${rows(first.select)}`, first.params, q);
  for (let index = 0; index < count; index++) {
    opts.onPart?.(index, count);
    const sz = sessionizeSql(d, { ...so, part: { index, count } });
    await ex.command(`INSERT INTO ${sess}\n${rows(sz.select)}\n${settings}`, sz.params, {
      ...q,
      label: `${opts.label} (part ${index + 1} of ${count})`,
    });
  }
}
