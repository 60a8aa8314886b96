import { clickhouseSqlQuery, CLICKHOUSE_DS_TYPE, exploreUrl, leadRange } from './explore';

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
});
