/**
 * The names of the session table's columns (one row per group, sessionize.ts) and of the aliases of the scans over
 * it (dag.ts, membership.ts), in one place, each with one meaning (as Logs Drilldown's services/variables.ts names
 * its variables). Families read the session columns by these names too (`ev`, `tm`, `s`, `st`, `ordinal`, `hour` …).
 * Aggregate outputs never take the name of a session column, so an output alias cannot shadow a column the same
 * query reads.
 */

// ---------------------------------------------------------------------------------------------------------------
// The session table

/** The group id, and the user id when the dataset has users. */
export const GROUP = 'g';
export const USER = 'u';
/** The group's events as codes (vocab index + 1, 0 for other) and their times in epoch ms, in time order. */
export const EVENTS = 'ev';
export const TIMES = 'tm';
/** First and last event time of the group. */
export const START = 't0';
export const END = 't1';
/** Lifecycle: the group's rank among its user's groups, and the days since the user's previous group. */
export const ORDINAL = 'ordinal';
export const AWAY_DAYS = 'away_days';
/** Hour of day and day of week of the group's start, in the dataset's time zone. */
export const HOUR = 'hour';
export const DOW = 'dow';

/** Static attribute i (dataset.events.attributes[i]) as a string. */
export const attributeColumn = (i: number) => `a${i}`;
/** KPI i's value in the group: 0/1 for binary KPIs, a number for numeric ones; NULL where it does not apply. */
export const kpiColumn = (i: number) => `k${i}`;
/** Failure-event KPI i: the time of the group's first failure (its cut), NO_CUT when it did not fail. */
export const kpiCutColumn = (i: number) => `c${i}`;
/** Funnel KPI i: the funnel level reached; numeric KPI i: the raw value before non-finite ones become NULL. */
export const funnelLevelColumn = (i: number) => `lvl${i}`;
export const rawValueColumn = (i: number) => `kv${i}`;

// ---------------------------------------------------------------------------------------------------------------
// A KPI's view of the sequence (per row, in the scans that read a sequence variant)

/** The view's cut time, its events (outcome events removed, cut at the failure) and their times. */
export const VIEW_CUT = 'sc';
export const VIEW_EVENTS = 's';
export const VIEW_TIMES = 'st';

/**
 * The three aliases of a KPI's view of the sequence: events not in `excluded` (an Array SQL expression) that come
 * before `cut` (a column or a literal), and their times.
 */
export function sequenceView(cut: string, excluded: string, events = EVENTS, times = TIMES): string[] {
  return [
    `${cut} AS ${VIEW_CUT}`,
    `arrayFilter((x, t) -> NOT has(${excluded}, x) AND t < ${VIEW_CUT}, ${events}, ${times}) AS ${VIEW_EVENTS}`,
    `arrayFilter((t, x) -> NOT has(${excluded}, x) AND t < ${VIEW_CUT}, ${times}, ${events}) AS ${VIEW_TIMES}`,
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Aggregate scans

/** Groups with the key (every KPI). */
export const GROUPS = 'n';
/** Positioned scans: groups whose key is complete before KPI i's cut. */
export const groupsForKpi = (i: number) => `n_kpi${i}`;
/** KpiStats of KPI i (experts/types.ts): applicable groups, sum (failures), and for numeric KPIs the moments. */
export const statColumns = (i: number) => ({
  a: `app_kpi${i}`,
  s: `sum_kpi${i}`,
  q: `sumsq_kpi${i}`,
  l: `sumlog_kpi${i}`,
  m: `sumlogsq_kpi${i}`,
});
