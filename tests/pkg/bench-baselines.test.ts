import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { perHypothesisSql, runPerQuery } from '../../bench/baselines/per-query-sql';
import { observationPairKey, runSampledAhoCorasick } from '../../bench/baselines/sampled-aho-corasick';
import { stratifiedSample } from '../../bench/child';
import { rebuildDag, sessionize } from '../../bench/engine-dag';
import { assemble, formatTable, missingKeys } from '../../bench/report';
import { StagePeaks } from '../../bench/stage-memory';
import { loadConfigFile, type LoadedConfig } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { inspectDataset, type Dataset } from '../../pkg/dataset/inspect';
import { Executor } from '../../pkg/execute/executor';
import { runEnsemble } from '../../pkg/experts/ensemble';
import type { Observation } from '../../pkg/experts/types';
import { observe, readTotals } from '../../pkg/pipeline/observe';
import { deterministicPlan } from '../../pkg/planner/deterministic';
import type { Dag } from '../../pkg/compile/dag';

// The bench's baselines must compute the engine's numbers for the same hypotheses: checked on a small dataset.
describe('bench baselines reproduce the engine', () => {
  let dir: string;
  let ex: Executor;
  let cfg: LoadedConfig;
  let d: Dataset;
  let dag: Dag;
  let tested: Observation[];
  const sess = '`surfacer`.`sess_benchtest`';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-bench-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 40_000, seed: 3, outDir: dir });
    cfg = loadConfigFile(g.files.config);
    d = await inspectDataset(ex, cfg);
    await ex.command('CREATE DATABASE IF NOT EXISTS `surfacer`');
    await sessionize(ex, cfg, d, sess);
    const plan = deterministicPlan(d, {});
    const ed = await rebuildDag(ex, cfg, d, plan, sess);
    dag = ed.dag;
    const totals = readTotals(await ex.query(dag.totals.sql, dag.totals.params), d.kpis, dag.buckets.count);
    const obs = await observe(ex, dag, d, totals, cfg.analysis.min_support);
    const ens = runEnsemble(obs, cfg.analysis.min_support);
    const m = new Map<string, Observation>();
    ens.findings.forEach((f) => m.set(observationPairKey(f.finding.obs), f.finding.obs));
    tested = [...m.values()];
  }, 300_000);

  afterAll(async () => {
    await ex?.command(`DROP TABLE IF EXISTS ${sess}`).catch(() => undefined);
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('samples hypotheses reproducibly, stratified over every family', () => {
    const a = stratifiedSample(tested, 16, 42);
    const b = stratifiedSample([...tested].reverse(), 16, 42);
    expect(a.map(observationPairKey)).toEqual(b.map(observationPairKey));
    expect(new Set(a.map((o) => o.hyp.template)).size).toBe(new Set(tested.map((o) => o.hyp.template)).size);
  });

  it('one standalone SQL query per hypothesis gives the engine\'s cohort size and KPI sum', async () => {
    const sample = stratifiedSample(tested, 16, 1);
    expect(perHypothesisSql(d, sample[0]!, cfg.analysis.lookback_days * 86_400_000)).toMatch(/^WITH sessions AS/);
    const r = await runPerQuery(ex, d, sample, cfg.analysis.lookback_days * 86_400_000, () => undefined);
    expect(r.filter((x) => !x.match)).toEqual([]);
  }, 300_000);

  it('Aho-Corasick (n-grams) and the windowed matcher (ordered patterns) count exactly what the engine counts, on all groups', async () => {
    const patterns = tested.filter((o) => o.hyp.template === 'ngram' || o.hyp.template === 'ordered_pattern');
    const r = await runSampledAhoCorasick(ex, cfg, d, dag, patterns, { fraction: 1, seed: 42 });
    expect(r.sampled_groups).toBe(d.groups);
    expect(r.hypotheses_counted).toBe(patterns.length);
    expect(r.patterns.ngram).toBeGreaterThan(100);
    expect(r.patterns.ordered_pattern).toBeGreaterThan(100);
    const wrong = patterns
      .map((o) => ({ key: observationPairKey(o), engine: [o.cohort.a, o.cohort.s], counted: [r.counts.get(observationPairKey(o))?.a, r.counts.get(observationPairKey(o))?.s] }))
      .filter((x) => x.engine[0] !== x.counted[0] || Math.abs(x.engine[1]! - (x.counted[1] ?? NaN)) > 1e-6 * Math.max(1, Math.abs(x.engine[1]!)));
    expect(wrong.slice(0, 5)).toEqual([]);
  }, 300_000);

  it('a 10% sample reads about 10% of the groups', async () => {
    const patterns = tested.filter((o) => o.hyp.template === 'ngram').slice(0, 50);
    const r = await runSampledAhoCorasick(ex, cfg, d, dag, patterns, { fraction: 0.1, seed: 42 });
    expect(r.share).toBeGreaterThan(0.07);
    expect(r.share).toBeLessThan(0.13);
  }, 120_000);

  it('assembles the JSON with every required key', () => {
    const run = {
      events: 1, groups: 1, wall_s: 2, hypotheses_per_s: 1, peak_rss_mb: 1, generate_s: 1,
      stages: { sessionize: 1, aggregate: 1, experts: 1, family: { ngram: 1 } },
      hypotheses: { total: 2, per_family: { ngram: 2 } }, ratio_vs_per_query_sql: 3, ratio_vs_sampled_aho_corasick: 0.5,
      peak_rss_mb_by_stage: { sessionize: 300, aggregate: 900, experts: 700 }, first_lead_s: 0.5, first_lead_kpi: 'k',
    };
    const j = assemble([run], { cpu_model: 'x', cores: 2, ram_gb: 1, node: 'v20', clickhouse_version: '26' }, {});
    expect(missingKeys(j)).toEqual([]);
    expect(missingKeys({ ...j, wall_s: undefined })).toEqual(['wall_s']);
    expect(missingKeys({ ...j, first_lead_s: null })).toEqual(['first_lead_s']);
    expect(missingKeys({ ...j, peak_rss_mb_by_stage: { experts: 700 } })).toEqual(['peak_rss_mb_by_stage.aggregate']);
    expect(j.first_lead_share).toBe(0.25);
    const table = formatTable(j);
    expect(table).toMatch(/first leads after\s+0\.50 s\s+\(25% of the run; k's leads/);
    expect(table).toMatch(/aggregate\s+1\.00\s+900 MB/);
  });

  it('takes the ratios from the largest size that ran the baselines, and lists every size\'s peak RSS by stage', () => {
    const small = {
      events: 10e6, groups: 5e5, wall_s: 40, hypotheses_per_s: 1, peak_rss_mb: 2500, generate_s: 1,
      stages: { sessionize: 1, aggregate: 1, experts: 1, family: { ngram: 1 } }, hypotheses: { total: 2, per_family: { ngram: 2 } },
      per_query_sql: { sampled: 30, mismatches: [] }, ratio_vs_per_query_sql: 300, ratio_vs_sampled_aho_corasick: 0.5,
      peak_rss_mb_by_stage: { sessionize: 1300, aggregate: 2000, experts: 2500 }, first_lead_s: 30, partitions: { count: 1 },
    };
    const large = {
      ...small, events: 100e6, wall_s: 400, per_query_sql: undefined, ratio_vs_per_query_sql: undefined, ratio_vs_sampled_aho_corasick: undefined,
      stages: { sessionize: 1, aggregate: 1, experts: 1 }, peak_rss_mb_by_stage: { sessionize: 2400, aggregate: 2100, experts: 2900 },
      partitions: { count: 6 }, extras_skipped: 'baselines and isolated family scans not run at 100,000,000 events',
    };
    const j = assemble([small, large], { cpu_model: 'x', cores: 2, ram_gb: 1, node: 'v20', clickhouse_version: '26' }, {});
    expect(j).toMatchObject({ events: 100e6, ratio_vs_per_query_sql: 300, baselines_events: 10e6 });
    expect(missingKeys(j, { attribution: false })).toEqual([]);
    const table = formatTable(j);
    expect(table).toMatch(/100,000,000\s+500,000\s+6\s+400\.00/);
    expect(table).toMatch(/Peak RSS by stage[\s\S]*100,000,000\s+2,400\s+2,100\s+2,900/);
    expect(table).toMatch(/not run at 100,000,000 events/);
    expect(table).toMatch(/baselines measured at 10,000,000 events/);
  });

  it('peak RSS per stage: the new maxRSS where it grew, else the highest RSS read during the stage', () => {
    let rss = 100 * 2 ** 20;
    let max = 100 * 2 ** 20;
    const set = (mb: number) => {
      rss = mb * 2 ** 20;
      max = Math.max(max, rss);
    };
    const peaks = new StagePeaks({ rss: () => rss, maxRss: () => max });
    peaks.enter('sessionize');
    set(400); // a spike between readings: only maxRSS saw it
    set(200);
    peaks.enter('aggregate');
    set(350);
    peaks.sample();
    set(250);
    peaks.enter('experts');
    set(300);
    expect(peaks.finish()).toEqual({ sessionize: 400, aggregate: 350, experts: 300 });
  });
});
