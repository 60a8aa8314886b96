/**
 * The compiled SQL as text, so a change to it shows in review: every aggregate scan of the merged DAG (and the
 * stored keys and the totals) that compileDag makes for every family on a small synthetic dataset, with its
 * parameters. The run's scratch-table name is written `sess_<run>`. Results are checked elsewhere (fast-path
 * equivalence, pipeline); this pins the text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sessionizeSql } from '../../pkg/compile/sessionize';
import { loadConfigFile } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';
import { observeFastPath, type FastPath } from '../../pkg/pipeline/analyze';

jest.setTimeout(180_000);

const runless = (s: string) => s.replace(/sess_[0-9a-f]{32}/g, 'sess_<run>');
const paramsText = (p: Record<string, unknown>) =>
  Object.entries(p)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `-- ${k} = ${JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x))}`)
    .join('\n');

describe('compiled SQL of the merged DAG (snapshots)', () => {
  let dir: string;
  let ex: Executor;
  let fast: FastPath;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-sqltext-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 8_000, seed: 11, outDir: dir });
    fast = await observeFastPath(ex, loadConfigFile(g.files.config));
  });
  afterAll(async () => {
    await fast?.drop();
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has one scan per sequence variant, one per family serving every variant, one for group-level families', () => {
    expect(fast.dag.queries.map((q) => q.id)).toMatchSnapshot();
    expect(fast.dag.nodes.map((n) => `${n.id} ${n.template} ${n.variant ?? '-'} ${n.kpis.join(',')}`)).toMatchSnapshot();
  });

  it('writes each scan as this SQL', () => {
    for (const q of fast.dag.queries) {
      const store = q.store ? `${runless(q.store.sql)}\n\n-- then:\n` : '';
      expect(`${store}${runless(q.sql)}\n\n${paramsText(q.params)}`).toMatchSnapshot(q.id);
    }
  });

  it('sessionizes with this SQL', () => {
    const { select, params } = sessionizeSql(fast.d, { from: fast.d.range.from, to: fast.d.range.to, lookbackMs: fast.lookbackMs, vocab: fast.vocab });
    expect(`${select}\n\n${paramsText(params)}`.split(dir).join('<dir>')).toMatchSnapshot();
  });

  it('writes the totals as this SQL', () => {
    expect(`${runless(fast.dag.totals.sql)}\n\n${paramsText(fast.dag.totals.params)}`).toMatchSnapshot();
  });
});
