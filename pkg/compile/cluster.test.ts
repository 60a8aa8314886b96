import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { loadConfigFile, validateConfig, type LoadedConfig } from '../config/load';
import { inspectDataset, type Dataset, type KpiInfo } from '../dataset/inspect';
import { SchemaError } from '../dataset/source';
import { generateSynthetic } from '../dataset/synthetic';
import { Executor, QueryError } from '../execute/executor';
import { deterministicPlan } from '../planner/deterministic';
import { createSessionTable, profileOf } from '../pipeline/analyze';
import {
  checkShardedSource,
  clusterSessionPlan,
  clusterSourceOf,
  parseTableName,
  shardingKeyColumns,
  splitQualified,
  type ClusterSource,
} from './cluster';
import { bucketsFor, compileDag } from './dag';
import { nodeContextBase, sessionizeSql } from './sessionize';

const SRC: ClusterSource = {
  cluster: 'analytics',
  events: { database: 'ev', table: 'events' },
  local: { database: 'ev', table: 'events_local' },
};
const SESS = { database: 'surfacer', table: 'sess_abc' };
const KPI: KpiInfo = {
  index: 0,
  kpi: { name: 'errors', description: '', failure_events: ['crash'], higher_is_better: false },
  kind: 'failure_events',
  binary: true,
  outcomeEvents: ['crash'],
  outcomeColumns: [],
};

function dataset(user: boolean): Dataset {
  return {
    events: { from: '`ev`.`events`', params: {}, label: 'ev.events', isFile: false },
    columns: ['ts', 'session_id', 'user_id', 'event_name', 'country'].map((name) => ({
      name,
      type: name === 'ts' ? 'DateTime64(3)' : 'String',
    })),
    spec: {
      source: 'ev.events',
      time: 'ts',
      group: 'session_id',
      user: user ? 'user_id' : undefined,
      event: 'event_name',
      attributes: ['country'],
      timezone: 'UTC',
    },
    timeMs: "toUnixTimestamp64Milli(toDateTime64(`ts`, 3, 'UTC'))",
    kpis: [KPI],
    contexts: [],
    vocab: [
      { name: 'open', events: 10, groups: 5 },
      { name: 'crash', events: 2, groups: 2 },
    ],
    range: { from: 1_000_000, to: 2_000_000 },
    groups: 5,
    totalEvents: 12,
  };
}
const OPTS = { from: 1_000_000, to: 2_000_000, lookbackMs: 86_400_000, vocab: ['open', 'crash'] };

describe('cluster layout: compiled SQL', () => {
  const plan = clusterSessionPlan(dataset(true), SRC, SESS, OPTS, { ddlTimeoutS: 600 });
  const [db, sessionize, wrapper] = plan.create;

  it('creates the results database and the local session tables on every host, then the Distributed wrapper', () => {
    expect(plan.create.map((s) => s.sql.split('\n')[0])).toEqual([
      'CREATE DATABASE IF NOT EXISTS `surfacer` ON CLUSTER `analytics`',
      'CREATE TABLE `surfacer`.`sess_abc_local` ON CLUSTER `analytics`',
      'CREATE TABLE `surfacer`.`sess_abc` ON CLUSTER `analytics` AS `surfacer`.`sess_abc_local`',
    ]);
    expect(plan.table).toBe('`surfacer`.`sess_abc`');
    expect(plan.local).toBe('`surfacer`.`sess_abc_local`');
    expect(db!.settings).toEqual({ distributed_ddl_task_timeout: '600', distributed_ddl_output_mode: 'throw' });
  });

  it('sessionizes each shard from its local table, never from the Distributed one, with sessionizeSql itself', () => {
    expect(sessionize!.sql).toMatch(
      /^CREATE TABLE `surfacer`\.`sess_abc_local` ON CLUSTER `analytics`\nENGINE = MergeTree ORDER BY tuple\(\)\nAS SELECT/
    );
    expect(sessionize!.sql).toContain('FROM `ev`.`events_local`');
    expect(sessionize!.sql).not.toContain('`ev`.`events`');
    // Group-level work in the shard's own query: GROUP BY the group, windows over the user's groups.
    expect(sessionize!.sql).toMatch(/GROUP BY __sf_g\n/);
    expect(sessionize!.sql).toContain('PARTITION BY u');
    // The same SELECT as on one machine, over the local table: no second copy of the sessionization.
    const local = sessionizeSql(
      {
        ...dataset(true),
        events: { from: '`ev`.`events_local`', params: {}, label: 'ev.events_local', isFile: false },
      },
      OPTS
    );
    expect(sessionize!.sql.endsWith(`\nAS ${local.select}`)).toBe(true);
    expect(sessionize!.params).toEqual(local.params);
    // It never asks ClickHouse to return per-shard partial results as if final, nor to skip merges.
    for (const s of [...plan.create, ...plan.drop])
      expect(JSON.stringify(s)).not.toMatch(/group_by_no_merge|optimize_distributed_group_by_sharding_key/);
  });

  it('shards the session table like the events: by the user, else by the group', () => {
    expect(wrapper!.sql).toBe(
      'CREATE TABLE `surfacer`.`sess_abc` ON CLUSTER `analytics` AS `surfacer`.`sess_abc_local`\n' +
        'ENGINE = Distributed(`analytics`, `surfacer`, `sess_abc_local`, cityHash64(u))'
    );
    const noUser = clusterSessionPlan(dataset(false), SRC, SESS, OPTS, { ddlTimeoutS: 600 });
    expect(noUser.shardingKey).toBe('cityHash64(g)');
    expect(noUser.create[2]!.sql).toMatch(/Distributed\(`analytics`, `surfacer`, `sess_abc_local`, cityHash64\(g\)\)$/);
    expect(noUser.create[1]!.sql).not.toContain('PARTITION BY');
  });

  it('drops the wrapper, then the local tables, on every host, without waiting on the DDL queue', () => {
    expect(plan.drop.map((s) => s.sql)).toEqual([
      'DROP TABLE IF EXISTS `surfacer`.`sess_abc` ON CLUSTER `analytics` SYNC SETTINGS distributed_ddl_task_timeout = 0',
      'DROP TABLE IF EXISTS `surfacer`.`sess_abc_local` ON CLUSTER `analytics` SYNC SETTINGS distributed_ddl_task_timeout = 0',
    ]);
  });

  it('the aggregate scans read the Distributed session table and apply the support floor after the merge', () => {
    const d = dataset(true);
    const profile = {
      groups: 5,
      eventGroups: { open: 5, crash: 2 },
      attributeValues: { country: [{ value: 'fr', groups: 5 }] },
      follows: [],
      followWithinMs: 30_000,
    };
    const dag = compileDag(
      deterministicPlan(d, {}).items,
      d,
      nodeContextBase(d, OPTS.vocab, profile, []),
      plan.table,
      25,
      bucketsFor(OPTS.from, OPTS.to)
    );
    expect(dag.queries.length).toBeGreaterThan(0);
    for (const q of [...dag.queries, dag.totals]) {
      expect(q.sql).toContain('FROM `surfacer`.`sess_abc`\n');
      expect(q.sql).not.toContain('sess_abc_local');
      // Flat: the session table is the aggregating query's own FROM (no subquery), so each shard expands and
      // pre-aggregates its groups; the support floor (HAVING) applies to each key's merged counts.
      if (q.id !== 'totals') {
        expect(q.sql).toMatch(/^WITH\n/);
        expect(q.sql).toMatch(
          /\nFROM `surfacer`\.`sess_abc`\nARRAY JOIN keys AS \w+\nGROUP BY [^\n]+\n(HAVING [^\n]+\n)?SETTINGS prefer_column_name_to_alias = 1$/
        );
        expect(q.sql).not.toMatch(/FROM \(/);
      }
      if (!q.byBucket) expect(q.sql).toMatch(/\nHAVING [^\n]+\nSETTINGS/);
    }
  });

  it('rejects identifiers it could not quote safely', () => {
    const bad =
      (src: Partial<ClusterSource>, sess = SESS) =>
      () =>
        clusterSessionPlan(dataset(true), { ...SRC, ...src }, sess, OPTS, { ddlTimeoutS: 1 });
    expect(bad({ cluster: 'a`; DROP TABLE x' })).toThrow(/store\.cluster: .* is not a name/);
    expect(bad({ local: { database: 'ev', table: 'events-local' } })).toThrow(/not a name/);
    expect(bad({ local: { database: 'e v', table: 'events_local' } })).toThrow(/not a name/);
    expect(bad({}, { database: 'surfacer', table: 'sess.x' })).toThrow(/scratch table: .* is not a name/);
    expect(() => parseTableName('db.t.x', 'default', 'dataset.events.local_table')).toThrow(
      /dataset\.events\.local_table: "db\.t\.x" is not a table name/
    );
    expect(parseTableName('events_local', 'ev', 'x')).toEqual({ database: 'ev', table: 'events_local' });
    expect(splitQualified('`surfacer`.`sess_1`')).toEqual({ database: 'surfacer', table: 'sess_1' });
    expect(() => splitQualified('surfacer.sess_1')).toThrow(/not a qualified table name/);
  });

  it('reads the layout from the config: cluster, Distributed source, local table (database defaults to the source’s)', () => {
    const cfg = (
      events: Record<string, unknown>,
      store: Record<string, unknown> = { url: 'http://ch:8123', cluster: 'analytics' }
    ) =>
      validateConfig(
        {
          store,
          dataset: { events: { time: 'ts', group: 'session_id', event: 'event_name', ...events } },
          kpis: [{ name: 'errors', failure_events: ['crash'] }],
        },
        '/tmp'
      );
    expect(clusterSourceOf(cfg({ source: 'ev.events', local_table: 'events_local' }))).toEqual(SRC);
    expect(
      clusterSourceOf(
        cfg(
          { source: 'events', local_table: 'shards.events_local' },
          { url: 'http://ch:8123', cluster: 'c', database: 'ev' }
        )
      )
    ).toEqual({
      cluster: 'c',
      events: { database: 'ev', table: 'events' },
      local: { database: 'shards', table: 'events_local' },
    });
    // Without local_table nothing changes: one session table on the node Surfacer talks to.
    expect(clusterSourceOf(cfg({ source: 'ev.events' }))).toBeNull();
  });
});

describe('cluster layout: the source check', () => {
  const d = dataset(true);
  const row = (key: string, args = "'analytics', 'ev', 'events_local'") => ({
    engine: 'Distributed',
    engine_full: `Distributed(${args}${key ? `, ${key}` : ''})`,
  });

  it('accepts a Distributed table over the local table, sharded by the user', () => {
    expect(() => checkShardedSource(row('cityHash64(user_id)'), d, SRC)).not.toThrow();
    expect(() => checkShardedSource(row('sipHash64(toString(`user_id`)) % 8'), d, SRC)).not.toThrow();
    expect(() =>
      checkShardedSource(row('cityHash64(user_id)', "'{cluster}', currentDatabase(), 'events_local'"), d, SRC)
    ).not.toThrow();
    expect(() => checkShardedSource(row('cityHash64(session_id)'), dataset(false), SRC)).not.toThrow();
  });

  it.each([
    [undefined, /table ev\.events does not exist/],
    [
      { engine: 'MergeTree', engine_full: 'MergeTree ORDER BY ts' },
      /ev\.events is a MergeTree table; .* must be a Distributed table/,
    ],
    [row(''), /has no sharding key, so a group's events may be on several shards; shard by cityHash64\(user_id\)/],
    [row('rand()'), /sharded by rand\(\), which names no column/],
    [
      row('cityHash64(session_id)'),
      /sharded by session_id .*lifecycle columns .* need all of a user's groups on one shard/,
    ],
    [
      row('cityHash64(user_id, session_id)'),
      /sharded by session_id, user_id .*every group \(and every group of a user\) must be on one shard/,
    ],
    [row('cityHash64(user_id)', "'other', 'ev', 'events_local'"), /spans cluster other, not store\.cluster analytics/],
    [
      row('cityHash64(user_id)', "'analytics', 'ev', 'events_raw'"),
      /local_table: ev\.events reads ev\.events_raw, not ev\.events_local/,
    ],
  ])('refuses a layout that would give wrong sessions (%#)', (r, msg) => {
    expect(() => checkShardedSource(r, d, SRC)).toThrow(SchemaError);
    expect(() => checkShardedSource(r, d, SRC)).toThrow(msg);
  });

  it('finds the columns a sharding key reads, not its functions or strings', () => {
    const cols = ['user_id', 'session_id', 'ts', 'x'];
    expect(shardingKeyColumns("cityHash64(concat(user_id, 'session_id'))", cols)).toEqual(['user_id']);
    expect(shardingKeyColumns('`x` + toUInt64(ts)', cols)).toEqual(['ts', 'x']);
  });
});

describe('createSessionTable on a cluster (statements sent, in order)', () => {
  function recorder(fail?: RegExp) {
    const sent: { kind: string; sql: string; settings?: unknown }[] = [];
    const ex = {
      limits: { maxExecutionTimeS: 120, maxMemoryBytes: 1 },
      async query(sql: string) {
        sent.push({ kind: 'query', sql });
        return [
          { engine: 'Distributed', engine_full: "Distributed('analytics', 'ev', 'events_local', cityHash64(user_id))" },
        ];
      },
      async command(sql: string, _p: unknown, o: { settings?: unknown }) {
        sent.push({ kind: 'command', sql, settings: o.settings });
        if (fail?.test(sql)) throw new Error('shard 3 failed');
      },
    };
    return { ex: ex as unknown as Executor, sent };
  }

  it('checks the source, runs the cluster statements with the DDL timeout, and returns the drops', async () => {
    const { ex, sent } = recorder();
    const drops = await createSessionTable(ex, dataset(true), '`surfacer`.`sess_abc`', { lookbackMs: 0, cluster: SRC });
    const plan = clusterSessionPlan(dataset(true), SRC, SESS, OPTS, { ddlTimeoutS: 1 });
    const starts = ['SELECT engine, engine_full FROM system.tables', ...plan.create.map((c) => c.sql.split('\n')[0]!)];
    expect(sent.map((s, i) => s.sql.startsWith(starts[i]!))).toEqual([true, true, true, true]);
    expect(sent.map((s) => s.kind)).toEqual(['query', 'command', 'command', 'command']);
    expect(sent[2]!.settings).toEqual({ distributed_ddl_task_timeout: '120', distributed_ddl_output_mode: 'throw' });
    expect(drops).toEqual(plan.drop.map((s) => s.sql));
  });

  it('drops what it made when a host fails, and says what failed', async () => {
    const { ex, sent } = recorder(/sess_abc_local` ON CLUSTER/);
    await expect(
      createSessionTable(ex, dataset(true), '`surfacer`.`sess_abc`', { lookbackMs: 0, cluster: SRC })
    ).rejects.toThrow('shard 3 failed');
    expect(sent.slice(-2).map((s) => s.sql)).toEqual(
      clusterSessionPlan(dataset(true), SRC, SESS, OPTS, { ddlTimeoutS: 1 }).drop.map((s) => s.sql)
    );
  });

  it('refuses a group-sharded source when there is a user before creating anything', async () => {
    const { ex, sent } = recorder();
    (ex as unknown as { query: () => Promise<unknown[]> }).query = async () => [
      { engine: 'Distributed', engine_full: "Distributed('analytics', 'ev', 'events_local', cityHash64(session_id))" },
    ];
    await expect(
      createSessionTable(ex, dataset(true), '`surfacer`.`sess_abc`', { lookbackMs: 0, cluster: SRC })
    ).rejects.toThrow(/lifecycle columns/);
    expect(sent).toEqual([]);
  });
});

/**
 * Two shards on the embedded engine. chdb has no distributed DDL and one process, but a cluster of two local
 * replicas (127.0.0.1 and localhost) makes `Distributed` tables real: the initiator sends the query to both shards
 * and merges. Each shard's "local table" is a view that keeps the rows the sharding key sends to that shard
 * (`shardNum()`), so the shards hold disjoint groups exactly as an INSERT into the Distributed table would place them.
 */
describe('two shards on the embedded engine: per-shard sessions + merged scans = one machine', () => {
  const CLUSTER = 'two_shards';
  let dir: string;
  let session: Session;
  let ex: Executor;
  let cfg: LoadedConfig;
  let d: Dataset;
  let src: ClusterSource;
  const so = () => ({
    from: d.range.from,
    to: d.range.to,
    lookbackMs: cfg.analysis.lookback_days * 86_400_000,
    sample: 1,
    vocab: d.vocab.map((v) => v.name),
  });
  const REF = '`surfacer`.`sess_ref`';
  const onShard = (sql: string) => sql.replace(` ON CLUSTER \`${CLUSTER}\``, '');

  /** What each shard's CREATE … ON CLUSTER runs, one emulated shard at a time, then the union as the local table. */
  async function shardLocalSessions(name: string, shardKey: string): Promise<string> {
    const parts: string[] = [];
    for (const shard of [1, 2]) {
      await ex.command(
        `CREATE VIEW ev.events_s${shard} AS SELECT * FROM ev.events_all WHERE cityHash64(${shardKey}) % 2 = ${shard - 1}`
      );
      const p = clusterSessionPlan(
        d,
        { ...src, local: { database: 'ev', table: `events_s${shard}` } },
        { database: 'surfacer', table: `${name}_s${shard}` },
        so(),
        { ddlTimeoutS: 600 }
      );
      await ex.command(onShard(p.create[1]!.sql), p.create[1]!.params, { label: `sessionize shard ${shard}` });
      parts.push(`SELECT * FROM ${p.local} WHERE shardNum() = ${shard}`);
      await ex.command(`DROP VIEW ev.events_s${shard}`);
    }
    await ex.command(`CREATE VIEW surfacer.${name}_local AS ${parts.join(' UNION ALL ')}`);
    const plan = clusterSessionPlan(d, src, { database: 'surfacer', table: name }, so(), { ddlTimeoutS: 600 });
    await ex.command(onShard(plan.create[2]!.sql));
    return plan.table;
  }

  const rowsOf = (sql: string, params = {}, settings = {}) =>
    ex.query<Record<string, unknown>>(sql, params, { settings });
  /** Rows by (key, bucket), float sums compared to 1e-9 relative: merged in another order, they may differ in the last bits. */
  function expectSameRows(
    got: Record<string, unknown>[],
    want: Record<string, unknown>[],
    id: string,
    keyOf = (r: Record<string, unknown>) => `${String(r.key)}/${String(r.b)}`
  ) {
    const byKey = (rows: Record<string, unknown>[]) => new Map(rows.map((r) => [keyOf(r), r]));
    const g = byKey(got);
    const w = byKey(want);
    expect({ id, rows: g.size, keys: [...g.keys()].sort() }).toEqual({
      id,
      rows: got.length,
      keys: [...w.keys()].sort(),
    });
    const off: string[] = [];
    for (const [k, r] of w) {
      for (const [col, v] of Object.entries(r)) {
        const x = g.get(k)![col];
        const same =
          typeof v === 'number' && typeof x === 'number'
            ? Math.abs(x - v) <= 1e-9 * Math.max(1, Math.abs(v))
            : JSON.stringify(x) === JSON.stringify(v);
        if (!same) off.push(`${id} ${k} ${col}: ${String(x)} vs ${String(v)}`);
      }
    }
    expect(off).toEqual([]);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-cluster-'));
    const conf = join(dir, 'clusters.xml');
    writeFileSync(
      conf,
      `<clickhouse><tcp_port>9000</tcp_port><remote_servers><${CLUSTER}>
  <shard><replica><host>127.0.0.1</host><port>9000</port></replica></shard>
  <shard><replica><host>localhost</host><port>9000</port></replica></shard>
</${CLUSTER}></remote_servers></clickhouse>`
    );
    // The first connection to a folder sets the engine's configuration; the executor's connections share it.
    session = new Session(join(dir, '.store'), { connectionArgs: [`--config-file=${conf}`] });
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 40_000, seed: 5, outDir: dir });
    const synthetic = loadConfigFile(g.files.config);
    await ex.command('CREATE DATABASE ev');
    await ex.command('CREATE DATABASE surfacer');
    await ex.command(
      'CREATE TABLE ev.events_all ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM file({p:String}, Parquet)',
      { p: g.files.events }
    );
    await ex.command(
      `CREATE VIEW ev.events_local AS SELECT * FROM ev.events_all WHERE cityHash64(user_id) % greatest(shardCount(), 1) = shardNum() - 1`
    );
    await ex.command(
      `CREATE TABLE ev.events AS ev.events_all ENGINE = Distributed(${CLUSTER}, ev, events_local, cityHash64(user_id))`
    );
    cfg = validateConfig(
      {
        store: { url: 'http://clickhouse:8123', cluster: CLUSTER, database: 'ev' },
        dataset: { events: { ...synthetic.dataset.events, source: 'events', local_table: 'events_local' } },
        kpis: synthetic.kpis,
      },
      dir
    );
    src = clusterSourceOf(cfg)!;
    // Inspection reads the Distributed table, as on a real cluster.
    d = await inspectDataset(ex, cfg);
    // One machine: the same sessionization over all the events.
    await createSessionTable(ex, { ...d, events: { ...d.events, from: 'ev.events_all' } }, REF, {
      lookbackMs: cfg.analysis.lookback_days * 86_400_000,
    });
  }, 300_000);

  afterAll(async () => {
    await ex?.close();
    session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the events are split over the two shards by the user, and the store says so', async () => {
    const shards = await rowsOf(
      'SELECT _shard_num AS s, count() AS n, uniqExact(user_id) AS users FROM ev.events GROUP BY s ORDER BY s'
    );
    expect(shards.map((r) => Number(r.s))).toEqual([1, 2]);
    expect(shards.every((r) => Number(r.n) > 1000)).toBe(true);
    expect(shards.reduce((a, r) => a + Number(r.n), 0)).toBe(d.totalEvents);
    const [row] = await rowsOf(
      "SELECT engine, engine_full FROM system.tables WHERE database = 'ev' AND name = 'events'"
    );
    expect(() => checkShardedSource(row as { engine: string; engine_full: string }, d, src)).not.toThrow();
  });

  it('the ON CLUSTER statements are valid ClickHouse: refused here only because this engine has no distributed DDL', async () => {
    const plan = clusterSessionPlan(d, src, { database: 'surfacer', table: 'sess_ddl' }, so(), { ddlTimeoutS: 600 });
    await ex.command(`CREATE TABLE ${plan.local} AS ${REF}`); // what the wrapper's AS reads on the initiator
    for (const s of [...plan.create, ...plan.drop]) {
      const err = await ex.command(s.sql, s.params, { settings: s.settings }).then(
        () => null,
        (e: QueryError) => e
      );
      expect({ sql: s.sql.slice(0, 60), code: err?.code }).toEqual({ sql: s.sql.slice(0, 60), code: 392 }); // QUERY_IS_PROHIBITED, not a syntax error
    }
    await ex.command(`DROP TABLE ${plan.local}`);
  });

  it('sessions built shard by shard are exactly the sessions of one machine, lifecycle columns included', async () => {
    const sess = await shardLocalSessions('sess_users', 'user_id');
    const spread = await rowsOf(`SELECT _shard_num AS s, count() AS n FROM ${sess} GROUP BY s ORDER BY s`);
    expect(spread.map((r) => Number(r.s))).toEqual([1, 2]);
    const ref = await rowsOf(`SELECT * FROM ${REF}`);
    expect(ref.length).toBe(d.groups);
    expectSameRows(await rowsOf(`SELECT * FROM ${sess}`), ref, 'sessions', (r) => String(r.g));
  }, 120_000);

  it('sharding by the group instead would split users: their session ordinals and days away go wrong', async () => {
    const sess = await shardLocalSessions('sess_groups', 'session_id');
    const [wrong] = await rowsOf(
      `SELECT countIf(a.ordinal != r.ordinal) AS ordinal, countIf(NOT (a.away_days <=> r.away_days)) AS away
       FROM (SELECT g, ordinal, away_days FROM ${sess}) AS a JOIN ${REF} AS r ON a.g = r.g`
    );
    expect(Number(wrong!.ordinal)).toBeGreaterThan(0);
    expect(Number(wrong!.away)).toBeGreaterThan(0);
  }, 120_000);

  /** The plan of a query over the Distributed table: aggregated on each shard, then merged (two-stage), or not. */
  async function twoStage(sql: string, params: Record<string, unknown>): Promise<boolean> {
    const plan = (await ex.query<{ explain: string }>(`EXPLAIN ${sql}`, params)).map((r) => r.explain).join('\n');
    return /MergingAggregated/.test(plan) && (plan.match(/──Aggregating\b/g) ?? []).length === 2;
  }

  async function scans(name: string) {
    const sess = await shardLocalSessions(name, 'user_id');
    const vocab = d.vocab.map((v) => v.name);
    const profile = await profileOf(ex, d, REF, vocab, 30_000);
    const items = deterministicPlan(d, {}).items;
    const ctx = nodeContextBase(d, vocab, profile, []);
    const buckets = bucketsFor(d.range.from, d.range.to);
    const dist = compileDag(items, d, ctx, sess, cfg.analysis.min_support, buckets);
    const one = compileDag(items, d, ctx, REF, cfg.analysis.min_support, buckets);
    return { sess, profile, vocab, dist: [...dist.queries, dist.totals], one: [...one.queries, one.totals] };
  }

  it('every aggregate scan over the Distributed session table returns the rows of the one-machine scan', async () => {
    const { sess, profile, vocab, dist, one } = await scans('sess_scan');
    const sorted = (p: typeof profile) => ({ ...p, follows: p.follows.map((f) => JSON.stringify(f)).sort() });
    expect(sorted(await profileOf(ex, d, sess, vocab, 30_000))).toEqual(sorted(profile));
    expect(dist.length).toBeGreaterThanOrEqual(4);
    for (const [i, q] of dist.entries()) {
      const r = one[i]!;
      expect(q.id).toBe(r.id);
      const want = await rowsOf(r.sql, r.params);
      expect(want.length).toBeGreaterThan(0);
      expectSameRows(await rowsOf(q.sql, q.params), want, q.id);
    }
    // What distributed_group_by_no_merge would do to a scan: each shard's partial rows as if final, each with its own
    // HAVING: keys come back once per shard, with per-shard counts. Scans must merge.
    const scan = dist.find((q) => q.sql.includes('HAVING'))!;
    const partial = await rowsOf(scan.sql, scan.params, { distributed_group_by_no_merge: 1 });
    const keys = partial.map((r) => String(r.key));
    expect(new Set(keys).size).toBeLessThan(keys.length);
    // chdb's connection keeps a query's settings in its session: put the default back for the next tests.
    await rowsOf('SELECT 1', {}, { distributed_group_by_no_merge: 0 });
  }, 300_000);

  // dag.ts emits the scans flat (per-group columns as WITH aliases over the session table): over a Distributed
  // table each shard runs the ARRAY JOIN and a partial GROUP BY, and only partial aggregates merge. A subquery
  // would make the shards stream their rows to the initiator.
  it('the compiled scans aggregate on each shard as compiled', async () => {
    const { dist } = await scans('sess_plan');
    for (const q of dist)
      expect({ id: q.id, twoStage: await twoStage(q.sql, q.params) }).toEqual({ id: q.id, twoStage: true });
  }, 300_000);

  it('the shard-local SELECT also stores into the MergeTree the shards use', async () => {
    const plan = clusterSessionPlan(d, src, { database: 'surfacer', table: 'sess_mt' }, so(), { ddlTimeoutS: 600 });
    const onAll = onShard(plan.create[1]!.sql).replace('FROM `ev`.`events_local`', 'FROM `ev`.`events_all`');
    await ex.command(onAll, plan.create[1]!.params);
    const [{ engine }] = (await rowsOf(
      "SELECT engine FROM system.tables WHERE database = 'surfacer' AND name = 'sess_mt_local'"
    )) as { engine: string }[];
    expect(engine).toBe('MergeTree');
    expectSameRows(
      await rowsOf(`SELECT * FROM ${plan.local}`),
      await rowsOf(`SELECT * FROM ${REF}`),
      'MergeTree sessions',
      (r) => String(r.g)
    );
  }, 120_000);
});
