/**
 * "Open in Explore": a URL that opens the lead's SQL in Grafana Explore on the ClickHouse data source
 * (grafana-clickhouse-datasource v4 query model: editorType 'sql', queryType 'table', format 1 = table in sqlds).
 * Pure; the lead detail page links to it.
 */
import type { Series } from '../types/api';
import { seriesStart } from './series';

export const CLICKHOUSE_DS_TYPE = 'grafana-clickhouse-datasource';

export interface ExploreLinkInput {
  datasourceUid: string;
  sql: string;
  /** How Explore shows the result (default: a table). */
  as?: 'table' | 'timeseries';
  /** Epoch ms, ISO, or a Grafana relative time such as now-7d. */
  from: number | string;
  to: number | string;
  orgId?: number;
}

/** The ClickHouse query as the data source's SQL editor stores it (CHSqlQuery): a table, or a time series. */
export function clickhouseSqlQuery(uid: string, sql: string, refId = 'A', as: 'table' | 'timeseries' = 'table') {
  return {
    refId,
    datasource: { type: CLICKHOUSE_DS_TYPE, uid },
    editorType: 'sql' as const,
    queryType: as,
    // sqlds' format: 0 time series, 1 table, 2 logs, 3 traces.
    format: as === 'table' ? 1 : 0,
    rawSql: sql,
  };
}

/**
 * The lead's SQL as the engine writes it: `WITH sessions AS (…)` (each group with its KPI column k<i>), then
 * `SELECT g AS <group> FROM sessions WHERE k<i> IS NOT NULL AND (<the cohort's predicate>)`.
 */
const LEAD_SQL = /^(WITH [\s\S]*?)\nSELECT g AS [^\n]+\nFROM sessions\nWHERE (k\d+) IS NOT NULL AND \(([\s\S]*)\)\s*$/;

/**
 * A short query over time from the lead's SQL: the KPI (failure rate, or mean) per time bucket for the cohort and
 * for the rest, as two series Explore plots. Same sessions and predicate as the lead's SQL, so the same cohort;
 * a group whose predicate is NULL is in the rest, as it is not selected by the lead's SQL. Bucketed by each
 * group's first event with the data source's macros. Undefined when the SQL is not of the engine's shape.
 */
export function cohortVsRestSql(leadSql: string): string | undefined {
  const m = LEAD_SQL.exec(leadSql);
  if (!m) {
    return undefined;
  }
  const [, withSessions, k, predicate] = m;
  return `${withSessions}
SELECT $__timeInterval(started) AS time, avgIf(kpi, in_cohort) AS cohort, avgIf(kpi, NOT in_cohort) AS rest
FROM (
  SELECT toDateTime(intDiv(t0, 1000)) AS started, ${k} AS kpi, ifNull((${predicate}), 0) != 0 AS in_cohort
  FROM sessions
  WHERE ${k} IS NOT NULL
)
WHERE $__timeFilter(started)
GROUP BY time
ORDER BY time`;
}

/** Explore accepts epoch ms (as a string), ISO or relative times in a pane's range. */
function rangeValue(v: number | string): string {
  if (typeof v === 'number') {
    return String(Math.round(v));
  }
  const t = Date.parse(v);
  return /^\d+$/.test(v) || v.startsWith('now') || Number.isNaN(t) ? v : String(t);
}

export function exploreUrl({ datasourceUid, sql, from, to, orgId = 1, as = 'table' }: ExploreLinkInput): string {
  const panes = {
    a: {
      datasource: datasourceUid,
      queries: [clickhouseSqlQuery(datasourceUid, sql, 'A', as)],
      range: { from: rangeValue(from), to: rangeValue(to) },
    },
  };
  return `/explore?schemaVersion=1&orgId=${orgId}&panes=${encodeURIComponent(JSON.stringify(panes))}`;
}

/** The time window a lead's evidence covers (its series), else the last 30 days before it was last seen. */
export function leadRange(
  series: Series | null | undefined,
  lastSeen?: string
): { from: number | string; to: number | string } {
  if (series) {
    const start = seriesStart(series.from);
    const n = Math.max(series.cohort.length, series.rest.length);
    if (Number.isFinite(start) && series.width_ms > 0 && n > 0) {
      return { from: start, to: start + n * series.width_ms };
    }
  }
  const last = lastSeen ? Date.parse(lastSeen) : NaN;
  if (Number.isFinite(last)) {
    return { from: last - 30 * 86_400_000, to: last };
  }
  return { from: 'now-30d', to: 'now' };
}
