import type { Params } from '../execute/executor';
import { quoteIdent } from '../execute/sql';
import type { ContextInfo } from '../dataset/inspect';
import { distinctChains } from '../templates/families/ordered-pattern';
import { timeMsExpr } from '../dataset/inspect';

/** Profile of the session table: which events and attribute values are common, which transitions are expected. */
export function profileQueries(
  sessTable: string,
  attrCount: number,
  followWithinMs: number,
  followEvents: number[],
  sampleEvery = 1
) {
  const eventGroups = `SELECT e, count() AS groups FROM ${sessTable} ARRAY JOIN arrayDistinct(ev) AS e WHERE e != 0 GROUP BY e`;
  const attrs = Array.from({ length: attrCount }, (_, i) => `(${i}, a${i})`);
  const attributeValues = attrCount
    ? `SELECT x.1 AS i, x.2 AS value, count() AS groups FROM ${sessTable} ARRAY JOIN [${attrs.join(', ')}] AS x
       GROUP BY i, value ORDER BY groups DESC, value LIMIT 500 BY i`
    : null;
  // For each ordered pair among common events, groups where an A is followed by B within W; and, as single codes,
  // groups with A. Only a share of the groups when there are many (sampleEvery > 1, by hash of the group): these
  // rates choose which transitions absence tests, and a 1-in-N sample of 100k+ groups estimates them closely.
  const follows = `SELECT pair, count() AS followed FROM (
      SELECT arraySlice(arrayFilter(x -> has({pf_ev:Array(UInt16)}, x), ev), 1, 500) AS e,
             arraySlice(arrayFilter((t, x) -> has({pf_ev:Array(UInt16)}, x), tm, ev), 1, 500) AS t
      FROM ${sessTable}
      WHERE cityHash64(g) % {pf_every:UInt64} = 0)
    ARRAY JOIN arrayConcat(${distinctChains('e', 't', followWithinMs, 10, 2)}, arrayMap(x -> toUInt64(x), arrayDistinct(e))) AS pair
    GROUP BY pair`;
  const params: Params = { pf_ev: followEvents, pf_every: sampleEvery };
  return { eventGroups, attributeValues, follows, params };
}

/**
 * A context metric in the window: its threshold (the configured one, or its own p95) and sampling step, then
 * its abnormal samples. Computed in ClickHouse; only the abnormal timestamps come back.
 */
export function contextQueries(c: ContextInfo, i: number) {
  const ms = timeMsExpr(c.timeColumn);
  const v = `toFloat64(${quoteIdent(c.spec.value)})`;
  const where = `${ms} >= {cx${i}_from:Int64} AND ${ms} < {cx${i}_to:Int64}`;
  const thr = c.spec.threshold !== undefined ? `toFloat64({cx${i}_thr:Float64})` : `quantileExact(0.95)(${v})`;
  return {
    stats: `SELECT ${thr} AS threshold, (max(${ms}) - min(${ms})) / greatest(count() - 1, 1) AS step, count() AS n FROM ${c.src.from} WHERE ${where}`,
    abnormal: `SELECT arraySort(groupArray(${ms})) AS abnormal FROM ${c.src.from} WHERE ${where} AND ${v} > {cx${i}_thr:Float64}`,
    params: { ...c.src.params } as Params,
  };
}

/** Abnormal samples → [start, end) windows, each sample covering one sampling step. */
export function toIntervals(samples: number[], step: number): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  const s = Math.max(1, Math.round(step));
  for (const t of samples) {
    if (ends.length && t <= ends[ends.length - 1]! + s / 2) ends[ends.length - 1] = t + s;
    else {
      starts.push(t);
      ends.push(t + s);
    }
  }
  return { starts, ends };
}
