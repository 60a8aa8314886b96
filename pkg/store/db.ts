/**
 * What the repositories of the results store share: the executor and database, the insert every write goes through
 * (its outcome is the store's `writable()`; it invalidates the cached lists of the table), the list cache, the lock
 * for read-modify-write of leads, the migrations, and the conversions of values to and from ClickHouse rows.
 */
import { QueryError, type Executor, type Params } from '../execute/executor';
import { qualified } from '../execute/sql';
import { databaseSql, leadsViewSql, linkBase, MIGRATIONS, SCHEMA_VERSION } from './schema';

let lastVersion = 0;
/** Row versions: microseconds since the epoch, strictly increasing within the process. */
export function nextVersion(): number {
  lastVersion = Math.max(Date.now() * 1000, lastVersion + 1);
  return lastVersion;
}

/** epoch ms → a DateTime64(3, 'UTC') literal value ('2026-10-01 00:00:00.000'). */
export const chTime = (ms: number): string => new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
export const chTimeOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : chTime(ms));
// Aliases differ from the column names: ClickHouse lets an alias shadow its column in WHERE and ORDER BY.
export const ms = (col: string, as = `${col}_ms`) => `toUnixTimestamp64Milli(${col}) AS ${as}`;
export const msOrNull = (col: string, as = `${col}_ms`) => `if(isNull(${col}), NULL, toUnixTimestamp64Milli(assumeNotNull(${col}))) AS ${as}`;
export const num = (v: unknown) => Number(v);
export const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function finite(x: unknown): number {
  const n = Number(x);
  return Number.isFinite(n) ? n : 0;
}

export function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || !text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** The results database holds tables that are not Surfacer's: the service does not start on it. */
export class StoreDamaged extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreDamaged';
  }
}

export class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}

/** Distinct list pages kept (filters × pages); the oldest goes first. */
const LISTS_CACHED = 200;

/** Engines of the tables read with FINAL (a Replicated… engine on a cluster ends the same way). */
const TABLE_ENGINES: Record<string, string> = { runs: 'ReplacingMergeTree', opportunities: 'ReplacingMergeTree', investigations: 'ReplacingMergeTree' };

export class StoreDb {
  private chain: Promise<unknown> = Promise.resolve();
  readonly linkBase: string;
  private readonly generations = new Map<string, number>();
  private readonly lists = new Map<string, { generation: string; value: Promise<unknown> }>();
  private lastWrite: { at: number; error: string | undefined } = { at: 0, error: undefined };

  constructor(
    readonly ex: Executor,
    readonly database: string,
    private readonly publicUrl: string | undefined,
  ) {
    this.linkBase = linkBase(publicUrl);
  }

  t(name: string): string {
    return qualified(this.database, name);
  }

  /** One at a time: read-modify-write of leads (runs' upserts, triage). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  q<T>(sql: string, params: Params = {}, label = 'results store'): Promise<T[]> {
    return this.ex.query<T>(sql, params, { label });
  }

  /** Every insert of the store: its outcome is what `writable()` reports; it invalidates the cached lists. */
  async write(table: string, rows: Record<string, unknown>[], opts: { label: string; keepLists?: boolean }): Promise<void> {
    // Before and after: a list read while the insert is under way is not kept as current.
    if (!opts.keepLists) this.bump(table);
    try {
      await this.ex.insert(table, rows, opts);
      this.lastWrite = { at: Date.now(), error: undefined };
    } catch (e) {
      this.lastWrite = { at: Date.now(), error: e instanceof QueryError ? e.summary : (e as Error).message };
      throw e;
    } finally {
      if (!opts.keepLists) this.bump(table);
    }
  }

  private bump(table: string): void {
    this.generations.set(table, (this.generations.get(table) ?? 0) + 1);
  }

  /**
   * List reads, shared until the next write to one of the tables they read: on chdb one session answers one query
   * at a time, so 200 readers of the same page would queue behind each other; this way they share one answer (this
   * process is the only writer). A run's progress rewrites `runs`, not the leads or investigations.
   */
  listed<T>(tables: string[], key: unknown, read: () => Promise<T>): Promise<T> {
    const k = JSON.stringify(key);
    const generation = tables.map((t) => this.generations.get(this.t(t)) ?? 0).join(',');
    const hit = this.lists.get(k);
    if (hit && hit.generation === generation) return hit.value as Promise<T>;
    const value = read();
    this.lists.set(k, { generation, value });
    value.catch(() => this.lists.delete(k));
    if (this.lists.size > LISTS_CACHED) this.lists.delete(this.lists.keys().next().value!);
    return value;
  }

  /**
   * Whether the store takes writes: the outcome of the last write, or of a probe (a row in `heartbeat`) when the
   * last write is older than `maxAgeMs`. A full or read-only disk, or a missing table, shows here as an error.
   */
  async writable(maxAgeMs = 30_000): Promise<{ writable: boolean; error: string | null; checked_at: number }> {
    if (Date.now() - this.lastWrite.at > maxAgeMs) {
      await this.write(this.t('heartbeat'), [{ service: 'surfacer', at: chTime(Date.now()) }], { label: 'results store: write probe' }).catch(() => undefined);
    }
    return { writable: this.lastWrite.error === undefined, error: this.lastWrite.error ?? null, checked_at: this.lastWrite.at };
  }

  /**
   * Drops scratch tables (`sess_<32 hex>…`) that runs left behind when they were killed. Only at startup, when no run
   * of this service is going; on a server, only tables older than a day (a CLI analysis may be using newer ones).
   */
  async dropScratchTables(all: boolean): Promise<string[]> {
    const rows = await this.q<{ name: string }>(
      `SELECT name FROM system.tables WHERE database = {db:String} AND match(name, '^sess_[0-9a-f]{32}')
         AND ({all:UInt8} = 1 OR metadata_modification_time < now() - INTERVAL 1 DAY) ORDER BY name`,
      { db: this.database, all: all ? 1 : 0 },
      'results store: stale scratch tables',
    );
    for (const r of rows) await this.ex.command(`DROP TABLE IF EXISTS ${this.t(r.name)}`, {}, { label: 'drop stale scratch table' });
    return rows.map((r) => r.name);
  }

  /** Creates the database and applies the migrations not yet applied; re-creates the `leads` view. */
  async migrate(): Promise<{ applied: number[]; version: number }> {
    await this.ex.command(databaseSql(this.database), {}, { label: 'create results database' });
    await this.ex.command(
      `CREATE TABLE IF NOT EXISTS ${this.t('schema_migrations')} (version UInt32, description String, applied_at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY version`,
      {},
      { label: 'results store: migrations table' },
    );
    const done = new Set((await this.q<{ version: number }>(`SELECT version FROM ${this.t('schema_migrations')}`)).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const s of m.statements(this.database)) await this.ex.command(s, {}, { label: `results store migration ${m.version}` });
      await this.write(this.t('schema_migrations'), [{ version: m.version, description: m.description, applied_at: chTime(Date.now()) }], { label: 'results store: record migration' });
      applied.push(m.version);
    }
    await this.checkEngines();
    await this.ex.command(leadsViewSql(this.database, this.publicUrl), {}, { label: 'results store: leads view' });
    return { applied, version: SCHEMA_VERSION };
  }

  /** Refuses a results database whose tables are not Surfacer's (e.g. overwritten by an import). */
  private async checkEngines(): Promise<void> {
    const rows = await this.q<{ name: string; engine: string }>(
      'SELECT name, engine FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}',
      { db: this.database, names: Object.keys(TABLE_ENGINES) },
      'results store: table engines',
    );
    for (const r of rows) {
      const want = TABLE_ENGINES[r.name]!;
      if (!r.engine.endsWith(want)) {
        throw new StoreDamaged(
          `${this.database}.${r.name} is not Surfacer's table (engine ${r.engine}, expected ${want}); it was replaced, e.g. by an import. Restore it from a backup, or point store.results_database at another database`,
        );
      }
    }
  }
}
