import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';
import { runEnsemble } from '../../pkg/experts/ensemble';
import type { Observation } from '../../pkg/experts/types';
import { observeFastPath } from '../../pkg/pipeline/analyze';
import { rng } from '../../pkg/util/random';

/**
 * ClickHouse returns an aggregate's rows in whatever order its threads finish, so the observations reach the
 * experts in a different order from one run to the next. The leads must not depend on it: two cohorts with the
 * same groups have the same impact and q, and which of them leads (and which folds into it) was decided by
 * arrival order, so the same data gave different leads on re-runs (seen on ADFA-LD: the third lead changed).
 */
describe('the experts give the same leads whatever order the observations arrive in', () => {
  let dir: string;
  let ex: Executor;
  let observations: Observation[];
  let minSupport: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-order-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 60_000, seed: 23, outDir: dir });
    const cfg = loadConfigFile(g.files.config);
    minSupport = cfg.analysis.min_support;
    const fast = await observeFastPath(ex, cfg);
    observations = fast.observations;
    await fast.drop();
  }, 300_000);

  afterAll(async () => {
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const leadsOf = (obs: Observation[]) =>
    runEnsemble(obs, minSupport).leads.map(
      (l) => `${l.finding.obs.kpi.kpi.name} #${l.rank} ${l.finding.obs.hyp.key} related=${[...l.related].sort().join(',')}`
    );

  test('reversed and shuffled observations give the same ranked leads and the same folds', () => {
    const expected = leadsOf(observations);
    expect(expected.length).toBeGreaterThan(5);
    const rnd = rng(7);
    const shuffled = observations.map((o) => ({ o, r: rnd() })).sort((a, b) => a.r - b.r).map((x) => x.o);
    expect(leadsOf([...observations].reverse())).toEqual(expected);
    expect(leadsOf(shuffled)).toEqual(expected);
  });
});
