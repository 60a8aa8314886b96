import type { Params } from '../execute/executor';
import { quoteIdent, sql } from '../execute/sql';
import type { ContextInfo } from '../dataset/inspect';
import { distinctChains } from '../templates/families/ordered-pattern';
import { timeMsExpr } from '../dataset/inspect';
import { attributeColumn, EVENTS, GROUP, TIMES } from './columns';

/** Values the profile keeps per attribute (most frequent first): enough to choose candidates, bounded. */
const MAX_PROFILE_VALUES = 500;
/** Candidate events kept per group for the transition profile (its first ones). */
const MAX_PROFILE_GROUP_EVENTS = 500;

/** Profile of the session table: which events and attribute values are common, which transitions are expected. */
export function profileQueries(
  sessTable: string,
  attrCount: number,
  followWithinMs: number,
  followEvents: number[],
  sampleEvery = 1
) {
  const params: Params = { pf_ev: followEvents, pf_every: sampleEvery };
  return {
    eventGroups: eventGroupsSql(sessTable),
    attributeValues: attrCount ? attributeValuesSql(sessTable, attrCount) : null,
    follows: followsSql(sessTable, followWithinMs),
    params,
  };
}

function eventGroupsSql(sessTable: string): string {
  return sql`
    -- groups containing each event (code 0, an event outside the vocabulary, left out)
    SELECT e, count() AS groups
    FROM ${sessTable}
    ARRAY JOIN arrayDistinct(${EVENTS}) AS e
    WHERE e != 0
    GROUP BY e`;
}

function attributeValuesSql(sessTable: string, attrCount: number): string {
  const pairs = Array.from({ length: attrCount }, (_, i) => `(${i}, ${attributeColumn(i)})`);
  return sql`
    -- groups with each value of each attribute: one (attribute index, value) row per attribute of a group
    SELECT x.1 AS i, x.2 AS value, count() AS groups
    FROM ${sessTable}
    ARRAY JOIN [${pairs.join(', ')}] AS x
    GROUP BY i, value
    ORDER BY groups DESC, value
    LIMIT ${MAX_PROFILE_VALUES} BY i`;
}

/**
 * For each ordered pair among common events, groups where an A is followed by B within W; and, as single codes,
 * groups with A. Only a share of the groups when there are many (sampleEvery > 1, by hash of the group): these
 * rates choose which transitions absence tests, and a 1-in-N sample of 100k+ groups estimates them closely.
 */
function followsSql(sessTable: string, followWithinMs: number): string {
  const candidates = `has({pf_ev:Array(UInt16)}, x)`;
  const limit = MAX_PROFILE_GROUP_EVENTS;
  return sql`
    SELECT pair, count() AS followed
    FROM (
      -- each sampled group's first candidate events and their times
      SELECT arraySlice(arrayFilter(x -> ${candidates}, ${EVENTS}), 1, ${limit}) AS e,
             arraySlice(arrayFilter((t, x) -> ${candidates}, ${TIMES}, ${EVENTS}), 1, ${limit}) AS t
      FROM ${sessTable}
      WHERE cityHash64(${GROUP}) % {pf_every:UInt64} = 0)
    -- a row per distinct A→B pair within the window (packed codes), and per distinct event (its code alone)
    ARRAY JOIN arrayConcat(${distinctChains('e', 't', followWithinMs, 10, 2)}, arrayMap(x -> toUInt64(x), arrayDistinct(e))) AS pair
    GROUP BY pair`;
}

/**
 * A context metric in the window: its threshold (the configured one, or its own p95) and sampling step, then
 * its abnormal samples. Computed in ClickHouse; only the abnormal timestamps come back.
 */
export function contextQueries(c: ContextInfo, i: number) {
  const ms = timeMsExpr(c.timeColumn);
  const value = `toFloat64(${quoteIdent(c.spec.value)})`;
  const inWindow = `${ms} >= {cx${i}_from:Int64} AND ${ms} < {cx${i}_to:Int64}`;
  const threshold = c.spec.threshold !== undefined ? `toFloat64({cx${i}_thr:Float64})` : `quantileExact(0.95)(${value})`;
  return {
    stats: sql`
      -- the threshold, and the sampling step: the mean time between samples, each sample covering one step
      SELECT ${threshold} AS threshold, (max(${ms}) - min(${ms})) / greatest(count() - 1, 1) AS step, count() AS n
      FROM ${c.src.from}
      WHERE ${inWindow}`,
    abnormal: sql`
      SELECT arraySort(groupArray(${ms})) AS abnormal
      FROM ${c.src.from}
      WHERE ${inWindow} AND ${value} > {cx${i}_thr:Float64}`,
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
