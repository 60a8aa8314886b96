import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';

/** Where the data lives: an embedded chdb folder, or a ClickHouse server (or cluster entry point). */
export interface StoreTarget {
  embedded?: string;
  url?: string;
  username?: string;
  password?: string;
  database?: string;
}

export interface QueryLimits {
  /** Seconds; ClickHouse stops the query itself (code 159) past this. */
  maxExecutionTimeS: number;
  /** Bytes per query; ClickHouse refuses to go past it (code 241). */
  maxMemoryBytes: number;
}

export const DEFAULT_LIMITS: QueryLimits = { maxExecutionTimeS: 600, maxMemoryBytes: 8 * 1024 ** 3 };

export type Params = Record<string, unknown>;

export interface QueryOptions {
  /** What this query is for, named in errors and progress ("sessionize", "family ngram"). */
  label?: string;
  signal?: AbortSignal;
  settings?: ClickHouseSettings;
  /** Which session runs it (default: the executor's own, `work` unless made by `onControl()`). */
  session?: 'work' | 'control';
}

/** A ClickHouse failure, with the step that failed and ClickHouse's own code. */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
    readonly type: string | undefined,
    readonly label: string | undefined,
  ) {
    super(message);
    this.name = 'QueryError';
  }

  /** What failed, without ClickHouse's text (which can quote SQL, settings and file paths): for answers to users. */
  get summary(): string {
    const known: Record<string, string> = {
      TIMEOUT_EXCEEDED: 'exceeded the time limit (analysis.max_execution_time_s)',
      MEMORY_LIMIT_EXCEEDED: 'exceeded the memory limit (analysis.max_memory_gb)',
      UNREACHABLE: 'could not reach ClickHouse',
      AUTHENTICATION_FAILED: 'was refused: ClickHouse did not accept the credentials',
    };
    const what = known[this.type ?? ''] ?? `failed (ClickHouse ${this.type ?? 'error'}${this.code !== undefined ? `, code ${this.code}` : ''})`;
    return `${this.label ?? 'a query'} ${what}`;
  }
}

export class CancelledError extends Error {
  constructor(label?: string) {
    super(label ? `cancelled: ${label}` : 'cancelled');
    this.name = 'CancelledError';
  }
}

/**
 * The one ClickHouse code path. `@clickhouse/client` everywhere; embedded uses chdb as its transport.
 *
 * Embedded opens two chdb sessions on the same folder: one session runs its queries one at a time, so a
 * second one is needed to cancel (KILL QUERY … ASYNC) and to answer small reads while a long query runs.
 * Every query carries a marker comment so it can be found in system.processes and killed: neither an aborted
 * HTTP request nor chdb's abort signal stops the engine by itself.
 */
export class Executor {
  private constructor(
    readonly kind: 'embedded' | 'server',
    readonly work: ClickHouseClient,
    private readonly control: ClickHouseClient,
    readonly limits: QueryLimits,
    readonly describeTarget: string,
    private readonly session: 'work' | 'control' = 'work',
  ) {}

  /**
   * The same store with queries on the control session by default: small reads and writes (the API's store)
   * that must not wait behind a long analysis on the work session. Shares the clients: close the original only.
   */
  onControl(): Executor {
    return new Executor(this.kind, this.work, this.control, this.limits, this.describeTarget, 'control');
  }

  private client(opts: QueryOptions): ClickHouseClient {
    return (opts.session ?? this.session) === 'control' ? this.control : this.work;
  }

  static async open(target: StoreTarget, limits: QueryLimits = DEFAULT_LIMITS): Promise<Executor> {
    if (target.url) {
      const base = {
        url: target.url,
        username: target.username ?? 'default',
        password: target.password ?? '',
        database: target.database ?? 'default',
        request_timeout: (limits.maxExecutionTimeS + 30) * 1000,
        // Errors reach the caller as QueryError; the client's own console logging would only repeat them.
        log: { level: process.env.SURFACER_DEBUG ? ClickHouseLogLevel.WARN : ClickHouseLogLevel.OFF },
      };
      const ex = new Executor('server', createClient(base), createClient(base), limits, target.url);
      await ex.checkReachable();
      return ex;
    }
    const dir = resolve(target.embedded ?? './.surfacer');
    mkdirSync(dir, { recursive: true });
    // Loaded lazily: a server-only deployment never pays for the embedded engine.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createChdbConnection } = require('chdb/connection') as typeof import('chdb/connection');
    const make = () =>
      createClient({ connection: createChdbConnection({ path: dir }) } as unknown as Parameters<typeof createClient>[0]);
    let work: ClickHouseClient;
    try {
      work = make();
    } catch (e) {
      throw new QueryError(`cannot open the embedded store at ${dir}: ${(e as Error).message}`, undefined, undefined, 'open');
    }
    const ex = new Executor('embedded', work, make(), limits, dir);
    abortAtOnce();
    return ex;
  }

  private async checkReachable(): Promise<void> {
    try {
      // ping({select:true}) checks credentials too; plain ping does not.
      const r = await this.control.ping({ select: true } as never);
      if (!r.success) throw r.error;
    } catch (e) {
      throw toQueryError(e, 'connect', this.describeTarget);
    }
    // Any HTTP server answers a ping with 200; only ClickHouse answers this. (Else the first sign is "unknown
    // column ts; columns are:" with an empty list.)
    let version = '';
    try {
      version = String((await this.query<{ v: string }>('SELECT version() AS v', {}, { label: 'connect' }))[0]?.v ?? '');
    } catch (e) {
      if (e instanceof QueryError && e.code !== undefined) throw e;
    }
    if (!/^\d+\.\d+/.test(version)) {
      throw new QueryError(`${this.describeTarget} does not answer like a ClickHouse server (SELECT version() failed); check store.url`, undefined, 'NOT_CLICKHOUSE', 'connect');
    }
  }

  private settings(extra?: ClickHouseSettings): ClickHouseSettings {
    return {
      max_execution_time: this.limits.maxExecutionTimeS,
      max_memory_usage: String(this.limits.maxMemoryBytes),
      ...extra,
    } as ClickHouseSettings;
  }

  /** Rows of a SELECT, as objects. Values travel as bound parameters, never spliced into the SQL. */
  async query<T = Record<string, unknown>>(sql: string, params: Params = {}, opts: QueryOptions = {}): Promise<T[]> {
    return this.run(opts, async (marked, signal) => {
      const rs = await this.client(opts).query({
        query: marked,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: this.settings({ output_format_json_quote_64bit_integers: 0, ...opts.settings }),
        abort_signal: signal,
      });
      return (await rs.json()) as T[];
    }, sql);
  }

  /** A statement with no rows back (DDL, INSERT … SELECT). */
  async command(sql: string, params: Params = {}, opts: QueryOptions = {}): Promise<void> {
    await this.run(opts, async (marked, signal) => {
      await this.client(opts).command({
        query: marked,
        query_params: params,
        clickhouse_settings: this.settings(opts.settings),
        abort_signal: signal,
      });
    }, sql);
  }

  /** Insert JS objects into an existing table. */
  async insert(table: string, rows: Record<string, unknown>[], opts: QueryOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    await this.run(opts, async (_marked, signal) => {
      await this.client(opts).insert({ table, values: rows, format: 'JSONEachRow', abort_signal: signal, clickhouse_settings: this.settings(opts.settings) });
    }, '');
  }

  private async run<T>(opts: QueryOptions, fn: (marked: string, signal: AbortSignal) => Promise<T>, sql: string): Promise<T> {
    if (opts.signal?.aborted) throw new CancelledError(opts.label);
    const marker = `surfacer:${randomUUID()}`;
    const inner = new AbortController();
    const onAbort = () => {
      inner.abort();
      void this.kill(marker);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const started = performance.now();
    try {
      const r = await fn(`/* ${marker} */ ${sql}`, inner.signal);
      if (process.env.SURFACER_DEBUG) process.stderr.write(`[query] ${opts.label ?? 'query'}: ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
      return r;
    } catch (e) {
      if (opts.signal?.aborted) throw new CancelledError(opts.label);
      throw toQueryError(e, opts.label, this.describeTarget);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Stop a running query for real: the marker is ours (a UUID), so it is safe inside the LIKE pattern. */
  private async kill(marker: string): Promise<void> {
    if (!/^surfacer:[0-9a-f-]{36}$/.test(marker)) return;
    try {
      await this.control.command({
        query: `KILL QUERY WHERE query LIKE '%${marker}%' AND query NOT LIKE '%KILL QUERY%' ASYNC`,
      });
    } catch {
      // The query may have finished already; nothing to stop.
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.work.close(), this.control.close()]);
  }
}

const ignoreAbort = () => {};
/**
 * chdb installs ClickHouse's SIGABRT handler when a connection is made, and that handler deadlocks when V8 aborts on
 * a full JS heap: the process printed "JavaScript heap out of memory" and then hung, unresponsive, until killed.
 * Node's own listener takes the signal back (re-added after each open, since each connection installs chdb's again);
 * it does nothing, so abort() falls through to the default action and the process ends at once (exit 134).
 */
function abortAtOnce(): void {
  process.removeListener('SIGABRT', ignoreAbort);
  process.on('SIGABRT', ignoreAbort);
}

/** ClickHouse errors arrive typed from modern servers and chdb, untyped from old servers: parse `Code: N`. */
export function toQueryError(e: unknown, label: string | undefined, target: string): QueryError {
  if (e instanceof QueryError) return e;
  const err = e as { message?: string; code?: string | number; type?: string };
  const msg = String(err?.message ?? e);
  let code: number | undefined = typeof err?.code === 'string' && /^\d+$/.test(err.code) ? Number(err.code) : typeof err?.code === 'number' ? err.code : undefined;
  const m = /Code: (\d+)/.exec(msg);
  if (code === undefined && m) code = Number(m[1]);
  const where = label ? `${label}: ` : '';
  if (err?.code === 'ECONNREFUSED' || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|socket hang up/.test(msg)) {
    return new QueryError(`${where}cannot reach ClickHouse at ${target} (${msg})`, undefined, 'UNREACHABLE', label);
  }
  if (code === 516 || code === 192 || code === 193 || code === 194 || /Authentication failed|password is incorrect|Wrong password|Unknown user|AUTHENTICATION_FAILED/i.test(msg)) {
    return new QueryError(`${where}ClickHouse at ${target} refused the credentials: ${firstLine(msg)}`, code, 'AUTHENTICATION_FAILED', label);
  }
  if (code === 159 || code === 160) {
    return new QueryError(`${where}query exceeded the time limit (max_execution_time): ${firstLine(msg)}`, code, 'TIMEOUT_EXCEEDED', label);
  }
  if (code === 241) {
    return new QueryError(`${where}query exceeded the memory limit (max_memory_usage): ${firstLine(msg)}`, code, 'MEMORY_LIMIT_EXCEEDED', label);
  }
  return new QueryError(`${where}${firstLine(msg)}`, code, err?.type, label);
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? s;
  return line.length > 600 ? `${line.slice(0, 600)}…` : line;
}
