import { MEMORY_TABLE_SETTINGS } from '../execute/sql';

/**
 * Where a run keeps its scratch tables (the session table, stored keys, memberships): in memory, the fastest when
 * they fit, or on disk (MergeTree, unsorted) when the run is partitioned because they would not fit the memory
 * budget. A scan streams an on-disk table block by block, so the process holds the aggregates, not the rows.
 */
export interface ScratchTables {
  onDisk: boolean;
  /** The ENGINE clause. */
  engine: string;
  /** The SETTINGS clause of the SELECT that fills such a table (more settings may follow after a comma). */
  settings: string;
}

/**
 * On disk, inserted blocks are squashed to at most 256k rows (the default 1M rows of sessions' arrays would hold
 * hundreds of MB at once) and at least 64k (fewer parts to read and merge).
 */
const DISK_SETTINGS =
  'SETTINGS max_block_size = 16384, min_insert_block_size_rows = 262144, min_insert_block_size_bytes = 67108864, max_insert_block_size = 262144';

export const MEMORY_SCRATCH: ScratchTables = { onDisk: false, engine: 'Memory', settings: MEMORY_TABLE_SETTINGS };
export const DISK_SCRATCH: ScratchTables = { onDisk: true, engine: 'MergeTree ORDER BY tuple()', settings: DISK_SETTINGS };

export const scratchTables = (onDisk: boolean): ScratchTables => (onDisk ? DISK_SCRATCH : MEMORY_SCRATCH);
