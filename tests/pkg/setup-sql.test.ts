/**
 * The SQL that prepares an analysis, as text, so a change to it shows in review: the profile of the session table
 * (common events, attribute values, usual transitions), a context metric's threshold and abnormal samples, and the
 * statements that sessionize on a cluster (the sessionizing SELECT itself is pinned in compiled-sql.test.ts and
 * stands here as a placeholder, as does the transitions' chain expression, ordered-pattern.ts's). The dataset is a small synthetic one; each query also runs on it, so a snapshot
 * never pins SQL that ClickHouse refuses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterSessionPlan, sourceEngineQuery, type ClusterSource } from '../../pkg/compile/cluster';
import { contextQueries, profileQueries } from '../../pkg/compile/profile';
import { loadConfigFile } from '../../pkg/config/load';
import { inspectDataset, type Dataset } from '../../pkg/dataset/inspect';
import { distinctChains } from '../../pkg/templates/families/ordered-pattern';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor, type Params } from '../../pkg/execute/executor';
import { createSessionTable } from '../../pkg/pipeline/analyze';

jest.setTimeout(180_000);

const paramsText = (p: Record<string, unknown>) =>
  Object.entries(p)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `-- ${k} = ${JSON.stringify(v)}`)
    .join('\n');

describe('SQL that prepares an analysis (snapshots)', () => {
  let dir: string;
  let ex: Executor;
  let d: Dataset;
  let drops: string[] = [];
  const sess = '`default`.`setup_sql_sess`';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-setupsql-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 4_000, seed: 5, outDir: dir });
    const cfg = loadConfigFile(g.files.config);
    d = await inspectDataset(ex, cfg);
    drops = await createSessionTable(ex, d, sess, { lookbackMs: 0 });
  });
  afterAll(async () => {
    for (const s of drops) await ex?.command(s, {});
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('profiles the session table with this SQL, and it runs', async () => {
    const pq = profileQueries('`surfacer`.`sess_<run>`', 3, 30_000, [1, 2, 3], 4);
    expect(pq.eventGroups).toMatchSnapshot('event groups');
    expect(pq.attributeValues).toMatchSnapshot('attribute values');
    const chains = distinctChains('e', 't', 30_000, 10, 2);
    expect(pq.follows).toContain(chains);
    expect(
      `${pq.follows.split(chains).join('<distinctChains(e, t, 30 s, 10 apart, pairs)>')}\n\n${paramsText(pq.params)}`
    ).toMatchSnapshot('follows');
    expect(profileQueries('`surfacer`.`sess_<run>`', 0, 30_000, [1], 1).attributeValues).toBeNull();

    const run = profileQueries(sess, d.spec.attributes.length, 30_000, [1, 2, 3], 1);
    const groups = await ex.query<{ e: number; groups: number }>(run.eventGroups, {});
    expect(groups.length).toBeGreaterThan(3);
    expect((await ex.query(run.attributeValues!, {})).length).toBeGreaterThan(0);
    expect((await ex.query(run.follows, run.params)).length).toBeGreaterThan(0);
  });

  it('reads a context metric with this SQL, with and without a configured threshold, and it runs', async () => {
    expect(d.contexts.length).toBeGreaterThan(0);
    const c = d.contexts[0]!;
    const own = { ...c, spec: { ...c.spec, threshold: undefined } };
    const fixed = { ...c, spec: { ...c.spec, threshold: 80 } };
    for (const [name, info] of [
      ['p95', own],
      ['configured threshold', fixed],
    ] as const) {
      const cq = contextQueries(info, 1);
      expect(`${cq.stats}\n\n${cq.abnormal}`.split(dir).join('<dir>')).toMatchSnapshot(name);
    }
    const cq = contextQueries(own, 1);
    const p: Params = { ...cq.params, cx1_from: d.range.from - 86_400_000, cx1_to: d.range.to + 86_400_000 };
    const st = (await ex.query<{ threshold: number; n: number }>(cq.stats, p))[0]!;
    expect(Number(st.n)).toBeGreaterThan(0);
    const ab = await ex.query<{ abnormal: number[] }>(cq.abnormal, { ...p, cx1_thr: Number(st.threshold) });
    expect(ab[0]!.abnormal.length).toBeGreaterThan(0);
  });

  it('sessionizes on a cluster with these statements', () => {
    const src: ClusterSource = {
      cluster: 'analytics',
      events: { database: 'ev', table: 'events' },
      local: { database: 'ev', table: 'events_local' },
    };
    const plan = clusterSessionPlan(
      d,
      src,
      { database: 'surfacer', table: 'sess_abc' },
      { from: d.range.from, to: d.range.to, lookbackMs: 0, vocab: d.vocab.map((v) => v.name) },
      { ddlTimeoutS: 600 }
    );
    const text = (st: { sql: string; label: string; settings?: object }) =>
      `-- ${st.label}${st.settings ? ` ${JSON.stringify(st.settings)}` : ''}\n${st.sql}`;
    const select = /\nAS ([\s\S]*)$/.exec(plan.create[1]!.sql)![1]!;
    expect(select).toMatch(/FROM `ev`\.`events_local`/);
    const placeholder = (s: string) => s.split(select).join('<sessionize SELECT over `ev`.`events_local`>');
    expect(placeholder([...plan.create, ...plan.drop].map(text).join('\n\n'))).toMatchSnapshot('create and drop');
    expect(plan.shardingKey).toMatchSnapshot('sharding key');
    expect(sourceEngineQuery(src)).toMatchSnapshot('source engine');
  });
});
