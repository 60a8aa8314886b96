import type { ClickHouseSettings } from '@clickhouse/client';
import type { LoadedConfig } from '../config/load';
import type { Dataset } from '../dataset/inspect';
import { SchemaError } from '../dataset/source';
import type { Params } from '../execute/executor';
import { quoteIdent, sql } from '../execute/sql';
import { sessionizeSql, type SessionizeOptions } from './sessionize';

/**
 * Sessionizing on a ClickHouse cluster. The events are `Distributed` over a MergeTree table on every shard, sharded
 * by a hash of the user (of the group when there is no user column): every group, and every group of a user, lives
 * on one shard. Each shard then sessionizes its own events into a local scratch table (ON CLUSTER DDL, the same
 * SELECT as on one machine, reading the shard-local table), and a Distributed table over those is the session
 * table every aggregate scan reads: each shard expands and pre-aggregates its groups' keys, and only the per-key
 * aggregates travel to the node that merges them (and applies the support floor, HAVING, after the merge).
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface TableName {
  database: string;
  table: string;
}

/** The events on a cluster: the Distributed table the config names, and the shard-local table under it. */
export interface ClusterSource {
  cluster: string;
  /** `dataset.events.source`: the Distributed table. */
  events: TableName;
  /** `dataset.events.local_table`: the MergeTree table on every shard. */
  local: TableName;
}

/** A statement and what it needs to run: bound values, the label its errors carry, settings. */
export interface Statement {
  sql: string;
  params: Params;
  label: string;
  settings?: ClickHouseSettings;
}

export interface ClusterSessionPlan {
  /** The session table the families read: Distributed over the shards' local session tables. */
  table: string;
  /** The local session table on every shard (the same name everywhere). */
  local: string;
  /** The wrapper's sharding key: where the session rows are, the same rule as the events. */
  shardingKey: string;
  /** Run in order: results database and local session tables on every host, then the Distributed wrapper. */
  create: Statement[];
  /** Wrapper first, then the local tables; IF EXISTS, so safe after a partial create; self-contained SQL. */
  drop: Statement[];
}

function checkedName(name: string, what: string): string {
  if (!NAME.test(name)) throw new SchemaError(`${what}: ${JSON.stringify(name)} is not a name of letters, digits and _ (not starting with a digit)`);
  return name;
}

/** `table` or `db.table`, each part checked; `database` when the name has none. */
export function parseTableName(text: string, database: string, what: string): TableName {
  const m = /^(?:([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Za-z_][A-Za-z0-9_]*)$/.exec(text);
  if (!m) throw new SchemaError(`${what}: ${JSON.stringify(text)} is not a table name (table or db.table)`);
  return { database: m[1] ?? checkedName(database, `${what} (database)`), table: m[2]! };
}

const q = (t: TableName) => `${quoteIdent(checkedName(t.database, 'database'))}.${quoteIdent(checkedName(t.table, 'table'))}`;

/** Back from the qualified form the pipeline names its scratch tables with (execute/sql.ts `qualified`). */
export function splitQualified(name: string): TableName {
  const m = /^`([A-Za-z_][A-Za-z0-9_]*)`\.`([A-Za-z_][A-Za-z0-9_]*)`$/.exec(name);
  if (!m) throw new Error(`not a qualified table name: ${JSON.stringify(name)}`);
  return { database: m[1]!, table: m[2]! };
}

/**
 * The cluster layout a config describes, or null when the events are not sharded (no `dataset.events.local_table`):
 * then the session table is built on the node Surfacer talks to, as on one machine. The local table's database
 * defaults to the Distributed table's.
 */
export function clusterSourceOf(cfg: Pick<LoadedConfig, 'store' | 'dataset'>): ClusterSource | null {
  const spec = cfg.dataset.events;
  if (!spec.local_table) return null;
  if (!cfg.store.cluster) throw new SchemaError('dataset.events.local_table needs store.cluster: the cluster the Distributed source spans');
  const events = parseTableName(spec.source, cfg.store.database ?? 'default', 'dataset.events.source');
  const local = parseTableName(spec.local_table, events.database, 'dataset.events.local_table');
  if (local.database === events.database && local.table === events.table) {
    throw new SchemaError('dataset.events.local_table: must be the shard-local table under the Distributed source, not the source itself');
  }
  return { cluster: checkedName(cfg.store.cluster, 'store.cluster'), events, local };
}

/** The events column the shards must be split by: the user when there is one (lifecycle windows run per user), else the group. */
export function shardColumn(d: Pick<Dataset, 'spec'>): { column: string; sessionColumn: 'u' | 'g'; key: 'user' | 'group' } {
  return d.spec.user ? { column: d.spec.user, sessionColumn: 'u', key: 'user' } : { column: d.spec.group, sessionColumn: 'g', key: 'group' };
}

/**
 * A scratch table on every shard from a SELECT over shard-local tables (each host runs it over its own rows), and a
 * Distributed table over them with the given sharding key. For the session table here; any per-group scratch table
 * (say, lead memberships) can be built the same way from the local session tables.
 */
export function shardedScratchTable(
  cluster: string,
  name: TableName,
  select: { sql: string; params: Params },
  shardingKey: string,
  opts: { ddlTimeoutS: number; label: string },
): Pick<ClusterSessionPlan, 'table' | 'local' | 'create' | 'drop'> {
  const c = clusterName(cluster);
  const localName: TableName = { database: name.database, table: `${checkedName(name.table, 'scratch table')}_local` };
  const local = q(localName);
  const table = q(name);
  // The initiator waits for every host as long as the query may run; a host that fails or times out fails the run,
  // whatever the user's profile says (a table missing a shard would silently drop that shard's groups).
  const ddl = ddlSettings(opts.ddlTimeoutS);
  // Each host runs the SELECT over its own shard-local rows into its own table; the wrapper reads them all.
  const onEveryShard = sql`
    CREATE TABLE ${local} ON CLUSTER ${c}
    ENGINE = MergeTree ORDER BY tuple()
    AS ${select.sql}`;
  const wrapper = sql`
    CREATE TABLE ${table} ON CLUSTER ${c} AS ${local}
    ENGINE = Distributed(${c}, ${quoteIdent(localName.database)}, ${quoteIdent(localName.table)}, ${shardingKey})`;
  return {
    table,
    local,
    create: [
      { sql: onEveryShard, params: select.params, label: `${opts.label} (on every shard)`, settings: ddl },
      { sql: wrapper, params: {}, label: `${opts.label} (Distributed over the shards)`, settings: ddl },
    ],
    // Queued without waiting (timeout 0): each host runs it after its earlier DDL, so even after a cancel, once a
    // still-running CREATE ends; the caller is not held up to the DDL timeout meanwhile.
    drop: [table, local].map((t) => ({
      sql: `DROP TABLE IF EXISTS ${t} ON CLUSTER ${c} SYNC SETTINGS distributed_ddl_task_timeout = 0`,
      params: {},
      label: 'drop scratch table on the cluster',
    })),
  };
}

/** The cluster's name, checked and quoted, for ON CLUSTER and the Distributed engine. */
const clusterName = (cluster: string) => quoteIdent(checkedName(cluster, 'store.cluster'));

/** Settings of ON CLUSTER DDL: wait up to the query's own time limit for every host, and fail if one fails. */
const ddlSettings = (timeoutS: number): ClickHouseSettings => ({
  distributed_ddl_task_timeout: String(timeoutS),
  distributed_ddl_output_mode: 'throw',
});

/**
 * The statements that sessionize shard-locally: the SELECT is `sessionizeSql`'s, reading each shard's local table
 * instead of the Distributed one, so its GROUP BY group and its window functions over a user's groups never see
 * another shard's rows (the sharding key guarantees they need not).
 */
export function clusterSessionPlan(
  d: Dataset,
  src: ClusterSource,
  sess: TableName,
  o: SessionizeOptions,
  opts: { ddlTimeoutS: number },
): ClusterSessionPlan {
  const onShards: Dataset = { ...d, events: { from: q(src.local), params: {}, label: `${src.local.database}.${src.local.table}`, isFile: false } };
  const sz = sessionizeSql(onShards, o);
  const shardingKey = `cityHash64(${shardColumn(d).sessionColumn})`;
  const t = shardedScratchTable(src.cluster, sess, { sql: sz.select, params: sz.params }, shardingKey, { ...opts, label: 'sessionize' });
  const database = quoteIdent(checkedName(sess.database, 'results database'));
  const createDatabase = `CREATE DATABASE IF NOT EXISTS ${database} ON CLUSTER ${clusterName(src.cluster)}`;
  return {
    ...t,
    shardingKey,
    create: [{ sql: createDatabase, params: {}, label: 'create results database on the cluster', settings: ddlSettings(opts.ddlTimeoutS) }, ...t.create],
  };
}

/** What the store says the events table is: its engine, and the engine's arguments. */
export function sourceEngineQuery(src: ClusterSource): { sql: string; params: Params } {
  return {
    sql: 'SELECT engine, engine_full FROM system.tables WHERE database = {cl_db:String} AND name = {cl_t:String}',
    params: { cl_db: src.events.database, cl_t: src.events.table },
  };
}

/** Top-level arguments of `Engine(a, b(c, d), 'e')`, as written. */
function engineArgs(engineFull: string): string[] | null {
  const open = engineFull.indexOf('(');
  if (open < 0) return null;
  const args: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (let i = open + 1; i < engineFull.length; i++) {
    const ch = engineFull[i]!;
    if (quote) {
      cur += ch;
      if (ch === '\\') cur += engineFull[++i] ?? '';
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '`' || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && depth-- === 0) {
      args.push(cur.trim());
      return args;
    } else if (ch === ',' && depth === 0) {
      args.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  return null;
}

/** A plain name argument ('x', `x` or x), or null for an expression (currentDatabase(), a macro). */
function plainName(arg: string | undefined): string | null {
  const m = /^(?:'([^'{}]*)'|`([^`{}]*)`|"([^"{}]*)"|([A-Za-z_][A-Za-z0-9_]*))$/.exec(arg ?? '');
  return m ? (m[1] ?? m[2] ?? m[3] ?? m[4]!) : null;
}

/**
 * Refuses a layout that would give wrong sessions: the source must be Distributed over the configured local table,
 * sharded by an expression of the user's (else the group's) column alone. Sharding by the group when there is a
 * user would split a user's groups over shards, and the lifecycle columns (ordinal, days away) would be computed
 * from part of the user's history; a random or missing key would split groups themselves.
 */
export function checkShardedSource(row: { engine: string; engine_full: string } | undefined, d: Pick<Dataset, 'spec' | 'columns'>, src: ClusterSource): void {
  const name = `${src.events.database}.${src.events.table}`;
  const fix = `with store.cluster and dataset.events.local_table, dataset.events.source must be a Distributed table`;
  if (!row) throw new SchemaError(`dataset.events.source: table ${name} does not exist in the store`);
  if (row.engine !== 'Distributed') throw new SchemaError(`dataset.events.source: ${name} is a ${row.engine} table; ${fix}`);
  const args = engineArgs(row.engine_full);
  if (!args || args.length < 3) throw new SchemaError(`dataset.events.source: cannot read the Distributed engine of ${name} (${row.engine_full})`);
  const [cluster, database, table] = args.slice(0, 3).map(plainName);
  const local = `${src.local.database}.${src.local.table}`;
  if (cluster !== null && cluster !== src.cluster) {
    throw new SchemaError(`dataset.events.source: ${name} spans cluster ${cluster}, not store.cluster ${src.cluster}`);
  }
  if (table !== null && (table !== src.local.table || (database && database !== src.local.database))) {
    throw new SchemaError(`dataset.events.local_table: ${name} reads ${database ? `${database}.` : ''}${table}, not ${local}`);
  }
  const want = shardColumn(d);
  const howTo = `shard by cityHash64(${want.column})`;
  const key = args[3];
  if (!key) throw new SchemaError(`dataset.events.source: ${name} has no sharding key, so a group's events may be on several shards; ${howTo}`);
  const used = shardingKeyColumns(key, d.columns.map((c) => c.name));
  if (used.length === 1 && used[0] === want.column) return;
  const by = used.length ? `by ${used.join(', ')} (${key})` : `by ${key}, which names no column`;
  const why =
    want.key === 'user' && used.length === 1 && used[0] === d.spec.group
      ? `lifecycle columns (session ordinal, days away) need all of a user's groups on one shard: ${howTo}, or remove dataset.events.user`
      : `every group (and every group of a user) must be on one shard: ${howTo}`;
  throw new SchemaError(`dataset.events.source: ${name} is sharded ${by}; ${why}`);
}

/** Columns of the table a sharding key expression reads (names in backticks or bare, not function names). */
export function shardingKeyColumns(key: string, columns: string[]): string[] {
  const text = key.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  const names = new Set<string>();
  for (const m of text.matchAll(/`([^`]+)`|([A-Za-z_][A-Za-z0-9_.]*)(\s*\()?/g)) {
    if (m[3]) continue;
    names.add(m[1] ?? m[2]!);
  }
  return columns.filter((c) => names.has(c));
}
