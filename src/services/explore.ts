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
  /** Epoch ms, ISO, or a Grafana relative time such as now-7d. */
  from: number | string;
  to: number | string;
  orgId?: number;
}

/** The ClickHouse query as the data source's SQL editor stores it (CHSqlQuery). */
export function clickhouseSqlQuery(uid: string, sql: string, refId = 'A') {
  return {
    refId,
    datasource: { type: CLICKHOUSE_DS_TYPE, uid },
    editorType: 'sql' as const,
    queryType: 'table' as const,
    // sqlds' format: 0 time series, 1 table, 2 logs, 3 traces.
    format: 1,
    rawSql: sql,
  };
}

/** Explore accepts epoch ms (as a string), ISO or relative times in a pane's range. */
function rangeValue(v: number | string): string {
  if (typeof v === 'number') {
    return String(Math.round(v));
  }
  const t = Date.parse(v);
  return /^\d+$/.test(v) || v.startsWith('now') || Number.isNaN(t) ? v : String(t);
}

export function exploreUrl({ datasourceUid, sql, from, to, orgId = 1 }: ExploreLinkInput): string {
  const panes = {
    a: {
      datasource: datasourceUid,
      queries: [clickhouseSqlQuery(datasourceUid, sql)],
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
