import { parseConfig } from './load';
import { configJsonSchema, parseDuration } from './schema';

const base = `
dataset:
  events: {source: events.parquet, time: ts, group: session_id, event: event_name}
kpis:
  - name: pay
    funnel: {steps: [buy_plan, payment_complete], within: 10s}
`;

describe('config', () => {
  it('resolves paths against the config folder and fills defaults', () => {
    const c = parseConfig(base, '/data/demo');
    expect(c.store.embedded).toBe('/data/demo/.surfacer');
    expect(c.analysis.min_support).toBe(25);
    expect(c.dataset.events.attributes).toEqual([]);
  });

  it.each([
    [base.replace('10s', 'ten seconds'), /kpis\[0\]\.funnel\.within: expected a duration .* \(found: "ten seconds"\)/],
    [base.replace('funnel:', 'funel:'), /kpis\[0\]: unknown key\(s\) "funel"/],
    [base + '  - name: x\n    numeric: a\n    failure_when: b\n', /exactly one of funnel, failure_events, failure_when, numeric; got failure_when and numeric/],
    [base + '  - name: pay\n    failure_events: [crash]\n', /duplicate KPI name pay/],
    [base.replace('group: session_id', 'group: "session id"'), /dataset\.events\.group: expected a column name/],
    ['store: {embedded: a, url: "http://x:8123"}\n' + base, /set either store.embedded or store.url, not both/],
    ['dataset: [', /not valid YAML/],
  ])('names the key, the value and what is allowed (%#)', (text, msg) => {
    expect(() => parseConfig(text, '/tmp')).toThrow(msg);
  });

  describe('a cluster: Distributed events over a local table on every shard', () => {
    const clustered = (store: string, events: string) =>
      `store: ${store}\n` + base.replace('{source: events.parquet, time: ts', `{${events}, time: ts`);
    const server = '{url: "http://ch:8123", cluster: analytics}';

    it('takes store.cluster and dataset.events.local_table; configs without them are unchanged', () => {
      const c = parseConfig(clustered(server, 'source: ev.events, local_table: events_local'), '/tmp');
      expect(c.store.cluster).toBe('analytics');
      expect(c.dataset.events.local_table).toBe('events_local');
      expect(parseConfig(base, '/tmp').dataset.events.local_table).toBeUndefined();
      expect(parseConfig(clustered(server, 'source: ev.events'), '/tmp').dataset.events.local_table).toBeUndefined();
    });

    it.each([
      ['{url: "http://ch:8123"}', 'source: events, local_table: events_local', /dataset\.events\.local_table: needs store\.cluster: the cluster the Distributed source spans \(found: "events_local"\)/],
      ['{embedded: ./s, cluster: analytics}', 'source: events, local_table: events_local', /dataset\.events\.local_table: needs a ClickHouse server \(store\.url\)/],
      [server, 'source: events.parquet, local_table: events_local', /dataset\.events\.local_table: needs dataset\.events\.source to be the Distributed table over it/],
      [server, 'source: ev.events, local_table: events', /dataset\.events\.local_table: must be the shard-local table under the Distributed source, not the source itself/],
      [server, 'source: ev.events, local_table: a.b.c', /dataset\.events\.local_table: expected a table name \(table or db\.table\)/],
      ['{url: "http://ch:8123", cluster: "my-cluster"}', 'source: events', /store\.cluster: expected a cluster name of letters, digits and _/],
    ])('says what a cluster setting lacks (%#)', (store, events, msg) => {
      expect(() => parseConfig(clustered(store, events), '/tmp')).toThrow(msg);
    });
  });

  it('parses durations', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });

  it('exports a JSON Schema for editors', () => {
    const s = configJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['store', 'dataset', 'kpis', 'analysis']));
  });
});
