import { clickhouseSqlQuery, CLICKHOUSE_DS_TYPE, cohortVsRestSql, exploreUrl, leadRange } from './explore';

function panesOf(url: string) {
  const u = new URL(url, 'http://grafana.local');
  return { u, panes: JSON.parse(u.searchParams.get('panes')!) };
}

describe('explore', () => {
  test('the ClickHouse SQL query model', () => {
    expect(clickhouseSqlQuery('ch1', 'SELECT 1')).toEqual({
      refId: 'A',
      datasource: { type: CLICKHOUSE_DS_TYPE, uid: 'ch1' },
      editorType: 'sql',
      queryType: 'table',
      format: 1,
      rawSql: 'SELECT 1',
    });
  });

  test('exploreUrl: one pane on the data source with the SQL and range', () => {
    const sql = "WITH s AS (SELECT 1)\nSELECT g AS `session_id` FROM s WHERE x = 'a&b'";
    const url = exploreUrl({ datasourceUid: 'ch1', sql, from: Date.UTC(2026, 8, 1), to: '2026-10-01T00:00:00.000Z' });
    expect(url.startsWith('/explore?schemaVersion=1&orgId=1&panes=')).toBe(true);
    const { u, panes } = panesOf(url);
    expect(u.pathname).toBe('/explore');
    expect(u.searchParams.get('schemaVersion')).toBe('1');
    expect(u.searchParams.get('orgId')).toBe('1');
    expect(panes).toEqual({
      a: {
        datasource: 'ch1',
        queries: [
          {
            refId: 'A',
            datasource: { type: 'grafana-clickhouse-datasource', uid: 'ch1' },
            editorType: 'sql',
            queryType: 'table',
            format: 1,
            rawSql: sql,
          },
        ],
        range: { from: String(Date.UTC(2026, 8, 1)), to: String(Date.UTC(2026, 9, 1)) },
      },
    });
  });

  test('relative times and other orgs pass through', () => {
    const { u, panes } = panesOf(
      exploreUrl({ datasourceUid: 'x', sql: 'SELECT 1', from: 'now-7d', to: 'now', orgId: 3 })
    );
    expect(u.searchParams.get('orgId')).toBe('3');
    expect(panes.a.range).toEqual({ from: 'now-7d', to: 'now' });
  });

  test('leadRange: the series window, else 30 days before last seen, else relative', () => {
    const series = {
      from: '2026-09-01T00:00:00.000Z',
      width_ms: 86_400_000,
      cohort: [
        { groups: 1, value: 0 },
        { groups: 1, value: 0 },
      ],
      rest: [],
    };
    expect(leadRange(series)).toEqual({ from: Date.UTC(2026, 8, 1), to: Date.UTC(2026, 8, 3) });
    expect(leadRange(null, '2026-10-01T00:00:00.000Z')).toEqual({
      from: Date.UTC(2026, 8, 1),
      to: Date.UTC(2026, 9, 1),
    });
    expect(leadRange(undefined)).toEqual({ from: 'now-30d', to: 'now' });
  });

  test("cohortVsRestSql: the lead's sessions and predicate, the KPI per time bucket for the cohort and the rest", () => {
    const cte = 'WITH sessions AS (\n  SELECT *\n  FROM (SELECT 1)\n  WHERE t0 >= 1\n)';
    const lead = `${cte}\nSELECT g AS \`session id\`\nFROM sessions\nWHERE k2 IS NOT NULL AND (has(events, 'a') AND\n (x = 'b)'))`;
    expect(cohortVsRestSql(lead)).toBe(`WITH sessions AS (
  SELECT *
  FROM (SELECT 1)
  WHERE t0 >= 1
)
SELECT $__timeInterval(started) AS time, avgIf(kpi, in_cohort) AS cohort, avgIf(kpi, NOT in_cohort) AS rest
FROM (
  SELECT toDateTime(intDiv(t0, 1000)) AS started, k2 AS kpi, ifNull((has(events, 'a') AND
 (x = 'b)')), 0) != 0 AS in_cohort
  FROM sessions
  WHERE k2 IS NOT NULL
)
WHERE $__timeFilter(started)
GROUP BY time
ORDER BY time`);
    // Not the engine's shape: no short query rather than a wrong one.
    expect(cohortVsRestSql('SELECT 1')).toBeUndefined();
  });

  test('exploreUrl as a time series: the data source plots the short query', () => {
    const { panes } = panesOf(exploreUrl({ datasourceUid: 'ch1', sql: 'SELECT 1', from: 1, to: 2, as: 'timeseries' }));
    expect(panes.a.queries[0]).toMatchObject({ queryType: 'timeseries', format: 0, rawSql: 'SELECT 1' });
  });
});
