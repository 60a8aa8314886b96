/**
 * An Executor seen through a Proxy: records what analyze() runs (the session table it makes, every aggregate
 * scan with its rows and time), keeps the session table alive after the run when asked (analyze() drops it in
 * its `finally`), and replays recorded aggregate rows to a second reader (observe() over the rebuilt DAG), so
 * the bench reads the run's own observations without computing them twice.
 */
import type { Executor, Params, QueryOptions } from '../pkg/execute/executor';

export interface RecordedQuery {
  label: string;
  sql: string;
  params: Params;
  rows: Record<string, unknown>[];
  seconds: number;
}

export interface Recorder {
  ex: Executor;
  sessTable?: string;
  aggregates: RecordedQuery[];
  /** Every query and command analyze() ran: label → summed seconds (what dominates inside a stage). */
  byLabel: Map<string, { n: number; seconds: number }>;
  keptSess: boolean;
}

/** Parameters as text, to compare runs' queries (BigInt keys included: JSON.stringify alone refuses them). */
export const paramsText = (params: Params) => JSON.stringify(params, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));

const keyOf = (sql: string, params: Params) => `${sql}\u0000${paramsText(params)}`;

export function recordingExecutor(real: Executor, opts: { keepSessionTable: boolean }): Recorder {
  const rec: Recorder = { ex: undefined as unknown as Executor, aggregates: [], byLabel: new Map(), keptSess: false };
  const tally = (label: string | undefined, s: number) => {
    const k = (label ?? 'query')
      .replace(/^aggregate (\S+).*/, 'aggregate $1')
      .replace(/^(evidence|members|confounder|robust)\b.*/i, '$1');
    const e = rec.byLabel.get(k) ?? { n: 0, seconds: 0 };
    e.n++;
    e.seconds += s;
    rec.byLabel.set(k, e);
  };
  rec.ex = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return async (sql: string, params: Params = {}, o: QueryOptions = {}) => {
          const t = performance.now();
          const rows = await target.query(sql, params, o);
          const s = (performance.now() - t) / 1000;
          tally(o.label, s);
          if (o.label?.startsWith('aggregate ') || o.label === 'totals')
            rec.aggregates.push({
              label: o.label,
              sql,
              params: { ...params },
              rows: rows as Record<string, unknown>[],
              seconds: s,
            });
          return rows;
        };
      }
      if (prop === 'command') {
        return async (sql: string, params: Params = {}, o: QueryOptions = {}) => {
          if (o.label === 'sessionize') rec.sessTable = /CREATE TABLE (\S+) ENGINE/.exec(sql)?.[1];
          if (
            opts.keepSessionTable &&
            o.label === 'drop scratch table' &&
            rec.sessTable &&
            sql.includes(rec.sessTable)
          ) {
            rec.keptSess = true;
            return;
          }
          const t = performance.now();
          await target.command(sql, params, o);
          tally(o.label, (performance.now() - t) / 1000);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as Executor;
  return rec;
}

/** An Executor that answers the recorded aggregate queries from memory (and skips commands). */
export function replayExecutor(recorded: RecordedQuery[]): { ex: Executor; misses: string[] } {
  const byKey = new Map(recorded.map((r) => [keyOf(r.sql, r.params), r.rows]));
  const misses: string[] = [];
  const ex = {
    async query(sql: string, params: Params = {}, o: QueryOptions = {}) {
      const rows = byKey.get(keyOf(sql, params));
      if (!rows) {
        misses.push(o.label ?? sql.slice(0, 80));
        return [];
      }
      return rows;
    },
    // The aggregates' "store keys" commands: their results are in the recorded rows already.
    async command() {},
  } as unknown as Executor;
  return { ex, misses };
}
