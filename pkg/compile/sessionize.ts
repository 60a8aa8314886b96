import type { Params } from '../execute/executor';
import { quoteIdent, sql } from '../execute/sql';
import type { Dataset, KpiInfo } from '../dataset/inspect';
import { lit, NO_CUT, type NodeContext, type Profile } from '../templates/types';
import { attributeColumn, AWAY_DAYS, DOW, END, EVENTS, funnelLevelColumn, GROUP, HOUR, ORDINAL, START, TIMES, USER, kpiColumn, kpiCutColumn, rawValueColumn, sequenceView } from './columns';

export { NO_CUT };

/** How a KPI's value (and, for failure events, its cut time) is computed from one group's rows. */
function kpiColumns(
  k: KpiInfo,
  d: Dataset,
  readable: boolean,
  prefix = ''
): { select: string[]; names: string[]; params: Params } {
  const i = k.index;
  // Output columns are named `${prefix}name` (the engine's grouping step prefixes its aliases; see INNER).
  const [lvl, kk, c, kv] = [funnelLevelColumn, kpiColumn, kpiCutColumn, rawValueColumn].map((col) => `${prefix}${col(i)}`);
  const named = (select: string[], names: ((i: number) => string)[]) => ({ select, names: names.map((col) => col(i)), params });
  const ev = `toString(${quoteIdent(d.spec.event)})`;
  const ms = d.timeMs;
  const p = (name: string, type: string, value: unknown, params: Params) => {
    if (readable) return lit(value);
    params[`k${i}_${name}`] = value;
    return `{k${i}_${name}:${type}}`;
  };
  const params: Params = {};
  switch (k.kind) {
    case 'funnel': {
      const steps = k.kpi.funnel!.steps;
      const conds = steps.map((s, j) => `${ev} = ${p(`s${j}`, 'String', s, params)}`).join(', ');
      const level = `windowFunnel(${k.funnelWithinMs})(toUInt64(${ms}), ${conds})`;
      // Not entered (no step 1) → NULL: the funnel KPI says nothing about that group.
      return named(
        [`${level} AS ${lvl}`, `if(${lvl} >= 1, toFloat64(${lvl} < ${steps.length}), NULL) AS ${kk}`],
        [funnelLevelColumn, kpiColumn]
      );
    }
    case 'failure_events': {
      const evs = p('ev', 'Array(String)', k.kpi.failure_events, params);
      return named(
        [
          `toFloat64(countIf(has(${evs}, ${ev})) > 0) AS ${kk}`,
          // When the group failed, its sequence is cut at the first failure: what came after is consequence.
          `if(${kk} = 1, minIf(${ms}, has(${evs}, ${ev})), ${NO_CUT}) AS ${c}`,
        ],
        [kpiColumn, kpiCutColumn]
      );
    }
    case 'failure_when':
      return named([`toFloat64(coalesce((${k.expression!.text}), 0) != 0) AS ${kk}`], [kpiColumn]);
    case 'numeric':
      return named(
        [`toFloat64(${k.expression!.text}) AS ${kv}`, `if(isFinite(${kv}), ${kv}, NULL) AS ${kk}`],
        [rawValueColumn, kpiColumn]
      );
  }
}

/**
 * The prefix of the grouping step's own aliases. An alias named like a column of the events (an event column
 * called `ev`, a KPI reading a column `t0`) would shadow that column in the same SELECT; the prefixed names are
 * renamed to the session table's one step later, where only they exist.
 */
const INNER = '__sf_';

export interface SessionizeOptions {
  from: number;
  to: number;
  lookbackMs: number;
  vocab: string[];
  /** Fraction of users (groups without users) kept, by hash of the id; 1 or absent = all. */
  sample?: number;
  /** One of `count` disjoint parts of the users (groups without users), by hash of the id; absent = all. */
  part?: { index: number; count: number };
}

/**
 * The raw events of one part of the users (groups without users): whole users, so each user's lifecycle columns
 * come out as in one pass. A different hash from the sample's, so the parts of a sample are as even as the
 * sample is large.
 */
export function partFilter(d: Dataset, part: SessionizeOptions['part']): { sql: string; params: Params } {
  if (!part || part.count <= 1) return { sql: '', params: {} };
  const id = quoteIdent(d.spec.user ?? d.spec.group);
  return {
    sql: ` AND intHash64(cityHash64(toString(${id}))) % {sz_parts:UInt64} = {sz_part:UInt64}`,
    params: { sz_parts: part.count, sz_part: part.index },
  };
}

/** Parts per million of the id hash space kept by a sample; the same users at every run. */
export const SAMPLE_SCALE = 1_000_000;

/** The approximate mode's filter on raw events: whole users (so lifecycle attributes stay right), else groups. */
export function sampleFilter(
  d: Dataset,
  sample: number | undefined,
  param = 'sz_sample'
): { sql: string; params: Params } {
  if (sample === undefined || sample >= 1) return { sql: '', params: {} };
  const id = quoteIdent(d.spec.user ?? d.spec.group);
  return {
    sql: ` AND cityHash64(toString(${id})) % ${SAMPLE_SCALE} < {${param}:UInt64}`,
    params: { [param]: Math.round(sample * SAMPLE_SCALE) },
  };
}

/**
 * The scope's attribute filters on the sessions (after lifecycle numbering, so "the 2nd session of a user" still
 * counts the user's other sessions). `col` names an attribute's column; `value` writes a list of values.
 */
function scopeWhere(d: Dataset, col: (attribute: string, i: number) => string, value: (values: string[], i: number) => string): string {
  return (d.filters ?? [])
    .map((f, i) => {
      const a = d.spec.attributes.indexOf(f.attribute);
      if (a < 0) throw new Error(`scope filter on ${f.attribute}, which is not among dataset.events.attributes (${d.spec.attributes.join(', ')})`);
      return ` AND ${col(f.attribute, a)} IN ${value(f.values, i)}`;
    })
    .join('');
}

/** Session-table columns every family can read. */
export function attributeColumns(d: Dataset): { name: string; col: string }[] {
  return d.spec.attributes.map((name, i) => ({ name, col: attributeColumn(i) }));
}

/** What every family node sees of the dataset, besides its own id and excluded events. */
export function nodeContextBase(
  d: Dataset,
  vocab: string[],
  profile: Profile,
  contexts: NodeContext['contexts']
): Omit<NodeContext, 'id' | 'excludedEvents'> {
  return {
    vocab,
    attributes: attributeColumns(d),
    hasUser: Boolean(d.spec.user),
    profile,
    contexts,
    timezone: d.spec.timezone,
  };
}

/** The KPI's view of a sequence: its outcome events removed, cut at its failure for failure-event KPIs. */
function kpiSequence(k: KpiInfo, events: string, times: string): string[] {
  return sequenceView(k.kind === 'failure_events' ? kpiCutColumn(k.index) : NO_CUT, lit(k.outcomeEvents), events, times);
}

/**
 * The shared node: one scan of the events makes one row per group with its ordered event codes and times,
 * static attributes, every KPI's value, and lifecycle columns (ordinal and days away, from window functions
 * over the user's groups, with history read back by the lookback). Every family reads this table.
 */
export function sessionizeSql(d: Dataset, o: SessionizeOptions): { select: string; params: Params } {
  const g = quoteIdent(d.spec.group);
  const u = d.spec.user ? quoteIdent(d.spec.user) : null;
  const sampled = sampleFilter(d, o.sample);
  const part = partFilter(d, o.part);
  const params: Params = {
    ...d.events.params,
    ...sampled.params,
    ...part.params,
    sz_vocab: o.vocab,
    sz_codes: o.vocab.map((_, i) => i + 1),
    sz_from: o.from - o.lookbackMs,
    sz_to: o.to,
    sz_win: o.from,
    sz_tz: d.spec.timezone,
  };
  (d.filters ?? []).forEach((f, i) => (params[`sz_f${i}`] = f.values));
  const attrs = attributeColumns(d);
  const kpis = d.kpis.map((k) => kpiColumns(k, d, false, INNER));
  kpis.forEach((k) => Object.assign(params, k.params));
  const code = `toUInt16(transform(toString(${quoteIdent(d.spec.event)}), {sz_vocab:Array(String)}, {sz_codes:Array(UInt16)}, 0))`;
  const inner = [
    `${g} AS ${INNER}${GROUP}`,
    u ? `any(${u}) AS ${INNER}${USER}` : null,
    `arraySort(groupArray((${d.timeMs}, ${code}))) AS ${INNER}pairs`,
    ...attrs.map((a) => `toString(any(${quoteIdent(a.name)})) AS ${INNER}${a.col}`),
    ...kpis.flatMap((k) => k.select),
  ].filter(Boolean);
  const renamed = [
    GROUP,
    ...(u ? [USER] : []),
    `arrayMap(x -> x.1, ${INNER}pairs) AS ${TIMES}`,
    `arrayMap(x -> x.2, ${INNER}pairs) AS ${EVENTS}`,
    `${TIMES}[1] AS ${START}`,
    `${TIMES}[-1] AS ${END}`,
    ...attrs.map((a) => a.col),
    ...kpis.flatMap((k) => k.names),
  ].map((c) => (/^\w+$/.test(c) ? `${INNER}${c} AS ${c}` : c));
  const lifecycle = u
    ? [`row_number() OVER w AS ${ORDINAL}`, `if(${ORDINAL} = 1, NULL, (${START} - lagInFrame(${END}, 1) OVER w) / 86400000) AS ${AWAY_DAYS}`]
    : [`toUInt64(0) AS ${ORDINAL}`, `CAST(NULL, 'Nullable(Float64)') AS ${AWAY_DAYS}`];
  const localTime = `toTimeZone(toDateTime(intDiv(${START}, 1000)), {sz_tz:String})`;
  const window = u ? `\nWINDOW w AS (PARTITION BY ${USER} ORDER BY ${START} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)` : '';
  const select = sql`
    SELECT *
    FROM (
      -- 3. per group: its rank among the groups of its user, the days since the previous one, its local hour and weekday
      SELECT *,
        ${[...lifecycle, `toHour(${localTime}) AS ${HOUR}`, `toDayOfWeek(${localTime}) AS ${DOW}`].join(',\n')}
      FROM (
        -- 2. the names of the session table; the (time, code) pairs split into the event codes and their times
        SELECT
          ${renamed.join(',\n')}
        FROM (
          -- 1. one row per group over the window and the lookback before it: its events as (time, code) pairs in
          -- time order, attributes and KPIs, under prefixed names (see INNER)
          SELECT
            ${inner.join(',\n')}
          FROM ${d.events.from}
          WHERE ${d.timeMs} >= {sz_from:Int64} AND ${d.timeMs} < {sz_to:Int64}${sampled.sql}${part.sql}
          GROUP BY ${INNER}${GROUP}
        )
      )${window}
    )
    -- 4. the groups that start in the window (the lookback only feeds step 3), within the scope
    WHERE ${START} >= {sz_win:Int64}${scopeWhere(d, (_, a) => attributeColumn(a), (_, i) => `{sz_f${i}:Array(String)}`)}`;
  return { select, params };
}

/**
 * The same sessions, readable: event names instead of codes, literals instead of parameters, and the
 * KPI's own view of the sequence (s, st, sc). A lead's SQL is this CTE plus its hypothesis' predicate,
 * so anyone can paste it into a ClickHouse client and get the cohort's groups back.
 */
export function readableSessionsCte(
  d: Dataset,
  k: KpiInfo,
  o: { from: number; to: number; lookbackMs: number },
  source: string
): string {
  const g = quoteIdent(d.spec.group);
  const u = d.spec.user ? quoteIdent(d.spec.user) : null;
  const kc = kpiColumns(k, d, true, INNER);
  // Grouped under prefixed names, then renamed (as sessionizeSql does): no alias shadows a column of the events.
  const inner = [
    `${g} AS ${INNER}g`,
    u ? `any(${u}) AS ${INNER}u` : null,
    `arraySort(groupArray((${d.timeMs}, toString(${quoteIdent(d.spec.event)})))) AS ${INNER}pairs`,
    ...d.spec.attributes.map((a, i) => `toString(any(${quoteIdent(a)})) AS ${INNER}${attributeColumn(i)}`),
    ...kc.select,
  ].filter(Boolean);
  const renamed = [
    `${INNER}g AS g`,
    u ? `${INNER}u AS u` : null,
    `arrayMap(x -> x.1, ${INNER}pairs) AS times`,
    `arrayMap(x -> x.2, ${INNER}pairs) AS events`,
    `times[1] AS t0`,
    `times[-1] AS t1`,
    ...d.spec.attributes.map((a, i) => `${INNER}${attributeColumn(i)} AS ${quoteIdent(a)}`),
    ...kc.names.map((n) => `${INNER}${n} AS ${n}`),
  ].filter(Boolean);
  const lifecycle = u
    ? `row_number() OVER w AS ordinal, if(ordinal = 1, NULL, (t0 - lagInFrame(t1, 1) OVER w) / 86400000) AS away_days`
    : `0 AS ordinal, NULL AS away_days`;
  return `sessions AS (
  SELECT *,
    ${kpiSequence(k, 'events', 'times').join(',\n    ')}
  FROM (
    SELECT *, ${lifecycle},
      toHour(toTimeZone(toDateTime(intDiv(t0, 1000)), ${lit(d.spec.timezone)})) AS hour,
      toDayOfWeek(toTimeZone(toDateTime(intDiv(t0, 1000)), ${lit(d.spec.timezone)})) AS dow
    FROM (
      SELECT
        ${renamed.join(',\n        ')}
      FROM (
        SELECT
          ${inner.join(',\n          ')}
        FROM ${source}
        WHERE ${d.timeMs} >= ${o.from - o.lookbackMs} AND ${d.timeMs} < ${o.to}
        GROUP BY ${INNER}g
      )
    )${u ? '\n    WINDOW w AS (PARTITION BY u ORDER BY t0 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)' : ''}
  )
  WHERE t0 >= ${o.from}${scopeWhere(d, (attribute) => quoteIdent(attribute), (values) => `(${values.map(lit).join(', ')})`)}
)`;
}
