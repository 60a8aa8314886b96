/**
 * An Executor for a worker thread that must not load chdb (a worker that loaded it hangs the main thread's next chdb
 * query when it exits): each query, command and insert is posted to the thread that owns the real Executor, which
 * runs it and posts back the rows or the error. Errors cross as plain objects and are rebuilt here as QueryError or
 * CancelledError, so callers see what they would see in-process.
 */
import { CancelledError, QueryError, type Executor, type Params, type QueryLimits, type QueryOptions } from './executor';

export type RemoteMethod = 'query' | 'command' | 'insert';

/** Worker → owner: run this on the real executor; `signalled`: the caller passed a signal (the owner uses the run's). */
export interface RemoteCall {
  type: 'call';
  id: number;
  method: RemoteMethod;
  /** query/command: [sql, params, opts]; insert: [table, rows, opts] — opts without the signal. */
  args: [string, unknown, Omit<QueryOptions, 'signal'>];
  signalled: boolean;
}

/** Owner → worker: the outcome of one call. */
export type RemoteReply = { type: 'reply'; id: number; ok: true; value: unknown } | { type: 'reply'; id: number; ok: false; error: WireError };

export interface WireError {
  name: string;
  message: string;
  code?: number;
  type?: string;
  label?: string;
  stack?: string;
}

export function toWire(e: unknown): WireError {
  const err = e instanceof Error ? e : new Error(String(e));
  const w: WireError = { name: err.name, message: err.message, stack: err.stack };
  if (err instanceof QueryError) Object.assign(w, { code: err.code, type: err.type, label: err.label });
  return w;
}

export function fromWire(w: WireError): Error {
  if (w.name === 'CancelledError') {
    const c = new CancelledError();
    c.message = w.message;
    return c;
  }
  const e = w.name === 'QueryError' ? new QueryError(w.message, w.code, w.type, w.label) : new Error(w.message);
  if (w.name !== 'QueryError') e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}

/** What the pipeline uses of an Executor. */
export type Queries = Pick<Executor, 'kind' | 'limits' | 'describeTarget' | 'query' | 'command' | 'insert'>;

/** The worker's side: forwards calls through `post`; `receive` takes the owner's replies. */
export class RemoteExecutor implements Queries {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    readonly kind: Executor['kind'],
    readonly limits: QueryLimits,
    readonly describeTarget: string,
    private readonly post: (c: RemoteCall) => void,
  ) {}

  receive(r: RemoteReply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (r.ok) p.resolve(r.value);
    else p.reject(fromWire(r.error));
  }

  private call<T>(method: RemoteMethod, a: string, b: unknown, opts: QueryOptions): Promise<T> {
    const { signal, ...rest } = opts;
    if (signal?.aborted) return Promise.reject(new CancelledError(opts.label));
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ type: 'call', id, method, args: [a, b, rest], signalled: Boolean(signal) });
    });
  }

  query<T = Record<string, unknown>>(sql: string, params: Params = {}, opts: QueryOptions = {}): Promise<T[]> {
    return this.call<T[]>('query', sql, params, opts);
  }

  async command(sql: string, params: Params = {}, opts: QueryOptions = {}): Promise<void> {
    await this.call<void>('command', sql, params, opts);
  }

  async insert(table: string, rows: Record<string, unknown>[], opts: QueryOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    await this.call<void>('insert', table, rows, opts);
  }
}

/** The owner's side: runs one forwarded call on the real executor (with `signal` when the caller passed one). */
export async function answerCall(ex: Executor, c: RemoteCall, signal: AbortSignal): Promise<RemoteReply> {
  const [a, b, o] = c.args;
  const opts: QueryOptions = { ...o, signal: c.signalled ? signal : undefined };
  try {
    let value: unknown;
    if (c.method === 'query') value = await ex.query(a, b as Params, opts);
    else if (c.method === 'command') value = await ex.command(a, b as Params, opts);
    else if (c.method === 'insert') value = await ex.insert(a, b as Record<string, unknown>[], opts);
    else throw new Error(`unknown executor method ${String(c.method)}`);
    return { type: 'reply', id: c.id, ok: true, value };
  } catch (e) {
    return { type: 'reply', id: c.id, ok: false, error: toWire(e) };
  }
}
