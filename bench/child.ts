/**
 * The work of one bench size, run in a fresh child process (so peak RSS is this size's own): generate the data
 * (its own child, so generation does not count in the analysis' peak), or analyze it and run the baselines.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../pkg/config/load';
import { generateSynthetic } from '../pkg/dataset/synthetic';
import { inspectDataset } from '../pkg/dataset/inspect';
import { Executor } from '../pkg/execute/executor';
import { runEnsemble } from '../pkg/experts/ensemble';
import type { Observation } from '../pkg/experts/types';
import { analyze } from '../pkg/pipeline/analyze';
import { applySupportFloors, observe, readTotals } from '../pkg/pipeline/observe';
import { FAMILIES } from '../pkg/templates/catalog';
import type { Family } from '../pkg/templates/types';
import { runPerQuery, type PerQueryResult } from './baselines/per-query-sql';
import { observationPairKey, runSampledAhoCorasick } from './baselines/sampled-aho-corasick';
import { rebuildDag } from './engine-dag';
import { paramsText, recordingExecutor, replayExecutor } from './recording';
import { rng } from '../pkg/util/random';
import { StagePeaks } from './stage-memory';
import { layoutFor } from '../pkg/pipeline/partitions';

export interface GenerateMeta {
  events_requested: number;
  seed: number;
  events: number;
  sessions: number;
  users: number;
  generate_s: number;
}

const log = (m: string) => process.stderr.write(`${m}\n`);
const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

export async function generateChild(dir: string, events: number, seed: number): Promise<GenerateMeta> {
  const ex = await Executor.open({ embedded: join(dir, '.store') });
  try {
    const g = await generateSynthetic(ex, { events, seed, outDir: dir, onProgress: (m) => log(`  ${m}`) });
    const meta: GenerateMeta = {
      events_requested: events,
      seed,
      events: g.events,
      sessions: g.sessions,
      users: g.users,
      generate_s: g.seconds,
    };
    writeFileSync(join(dir, 'bench-meta.json'), JSON.stringify(meta, null, 2));
    return meta;
  } finally {
    await ex.close();
  }
}

export function readMeta(dir: string): GenerateMeta | null {
  const f = join(dir, 'bench-meta.json');
  return existsSync(f) && existsSync(join(dir, 'surfacer.yaml'))
    ? (JSON.parse(readFileSync(f, 'utf8')) as GenerateMeta)
    : null;
}

export interface ChildOptions {
  dir: string;
  sample: number;
  seed: number;
  acFraction: number;
  baselines: boolean;
  attribution: boolean;
}

/** A seeded sample of n observations, stratified over families (equal shares, the rest to the largest families). */
export function stratifiedSample(obs: Observation[], n: number, seed: number): Observation[] {
  const r = rng(seed);
  const byFam = new Map<string, Observation[]>();
  for (const o of [...obs].sort((a, b) => observationPairKey(a).localeCompare(observationPairKey(b)))) {
    const l = byFam.get(o.hyp.template) ?? [];
    l.push(o);
    byFam.set(o.hyp.template, l);
  }
  // Fisher–Yates per family, then round-robin until n are taken.
  for (const l of byFam.values()) {
    for (let i = l.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [l[i], l[j]] = [l[j]!, l[i]!];
    }
  }
  const fams = [...byFam.keys()].sort();
  const out: Observation[] = [];
  for (let round = 0; out.length < n; round++) {
    let took = false;
    for (const f of fams) {
      const l = byFam.get(f)!;
      if (round < l.length && out.length < n) {
        out.push(l[round]!);
        took = true;
      }
    }
    if (!took) break;
  }
  return out;
}

export async function analyzeChild(o: ChildOptions): Promise<Record<string, unknown>> {
  const meta = readMeta(o.dir);
  const cfg = loadConfigFile(join(o.dir, 'surfacer.yaml'));
  const limits = {
    maxExecutionTimeS: cfg.analysis.max_execution_time_s,
    maxMemoryBytes: Math.round(cfg.analysis.max_memory_gb * 1024 ** 3),
  };
  const real = await Executor.open(cfg.store, limits);
  try {
    const version = String((await real.query<{ v: string }>('SELECT version() AS v', {}, { label: 'version' }))[0]!.v);
    const rssBefore = rssMb();
    const rec = recordingExecutor(real, { keepSessionTable: true });
    let lastStage = '';
    let firstLead: { kpi: string; s: number } | null = null;
    const memory = new StagePeaks();
    const started = performance.now();
    memory.start();
    const report = await analyze(rec.ex, cfg, {
      onProgress: (p) => {
        if (p.stage !== lastStage) log(`  [${((performance.now() - started) / 1000).toFixed(1)} s] ${p.stage}`);
        lastStage = p.stage;
        if (p.stage !== 'done') memory.enter(p.stage);
      },
      // Leads stream per KPI: the first KPI's leads are final (and shown) this long after the start.
      onKpiLeads: (kpi) => {
        firstLead ??= { kpi, s: (performance.now() - started) / 1000 };
      },
    });
    const wall = (performance.now() - started) / 1000;
    const layout = layoutFor(cfg, report.events);
    const stagePeaks = memory.finish();
    const peak = rssMb();
    log(`  analysis: ${wall.toFixed(1)} s, ${report.hypotheses_tested} hypotheses tested, peak RSS ${peak} MB`);
    const lead = firstLead as { kpi: string; s: number } | null;
    if (lead) log(`  first leads (${lead.kpi}) after ${lead.s.toFixed(1)} s`);

    const out: Record<string, unknown> = {
      events: report.events,
      groups: report.groups,
      generate_s: meta?.generate_s ?? null,
      wall_s: wall,
      stages: { ...report.timings },
      hypotheses_tested: report.hypotheses_tested,
      hypotheses_per_s: report.hypotheses_tested / wall,
      peak_rss_mb: peak,
      peak_rss_mb_by_stage: stagePeaks,
      first_lead_s: lead?.s ?? null,
      first_lead_kpi: lead?.kpi ?? null,
      rss_before_analysis_mb: rssBefore,
      leads: report.opportunities.length,
      partitions: { count: layout.partitions, scratch_on_disk: layout.scratch.onDisk, memory_budget_gb: cfg.analysis.memory_budget_gb },
      chdb_version: version,
      queries_by_label: Object.fromEntries(
        [...rec.byLabel]
          .sort((a, b) => b[1].seconds - a[1].seconds)
          .map(([k, v]) => [k, { n: v.n, seconds: +v.seconds.toFixed(3) }])
      ),
      checks: {} as Record<string, unknown>,
    };
    const checks = out.checks as Record<string, unknown>;
    if (!rec.sessTable || !rec.keptSess)
      throw new Error('the session table of the run was not captured (analyze.ts changed?)');
    try {
      // The run's observations: the rebuilt DAG's aggregate SQL answered from the run's own recorded rows.
      const d = await inspectDataset(real, cfg);
      const ed = await rebuildDag(real, cfg, d, report.plan, rec.sessTable);
      const recordedAgg = rec.aggregates.filter((q) => q.label !== 'totals');
      const totalsRows = rec.aggregates.find((q) => q.label === 'totals')!.rows;
      const totals = readTotals(totalsRows, d.kpis, ed.dag.buckets.count);
      // The run set each scan's support floor from its totals; the rebuilt DAG gets the same.
      applySupportFloors(ed.dag, totals, cfg.analysis.min_support);
      const sameSql =
        ed.dag.queries.length === recordedAgg.length &&
        ed.dag.queries.every(
          (q, i) => q.sql === recordedAgg[i]!.sql && paramsText(q.params) === paramsText(recordedAgg[i]!.params)
        );
      checks.rebuilt_dag_matches_run = sameSql;
      const replay = replayExecutor(rec.aggregates);
      let observations = await observe(replay.ex, ed.dag, d, totals, cfg.analysis.min_support);
      if (replay.misses.length) {
        log(
          `  WARNING: ${replay.misses.length} aggregate queries of the rebuilt DAG differ from the run's; re-running them`
        );
        observations = await observe(real, ed.dag, d, totals, cfg.analysis.min_support);
      }
      const ens = runEnsemble(observations, cfg.analysis.min_support);
      checks.hypotheses_tested_reproduced = ens.tested === report.hypotheses_tested;
      checks.hypotheses_tested_rebuilt = ens.tested;

      const perFamily: Record<string, number> = {};
      const pairsPerFamily: Record<string, number> = {};
      const testedObs = new Map<string, Observation>();
      for (const f of ens.findings) {
        const t = f.finding.obs.hyp.template;
        perFamily[t] = (perFamily[t] ?? 0) + 1;
        testedObs.set(observationPairKey(f.finding.obs), f.finding.obs);
      }
      for (const ob of testedObs.values()) pairsPerFamily[ob.hyp.template] = (pairsPerFamily[ob.hyp.template] ?? 0) + 1;
      out.hypotheses = {
        total: report.hypotheses_tested,
        per_family: perFamily,
        hypothesis_kpi_pairs: testedObs.size,
        pairs_per_family: pairsPerFamily,
      };

      // Aggregate scans as the run paid them (merged), from the recording.
      out.aggregate_scans = recordedAgg.map((q) => ({
        id: q.label.replace(/^aggregate /, ''),
        seconds: +q.seconds.toFixed(3),
        rows: q.rows.length,
        string_keys: /concat\('n\d+\|'/.test(q.sql),
      }));

      if (o.attribution) {
        const fam: Record<string, number> = {};
        const families = FAMILIES.filter((f) => report.plan.items.some((i) => i.template === f));
        for (const f of families) {
          const dag = ed.compile(report.plan.items.filter((i) => i.template === f));
          let s = 0;
          for (const q of dag.queries) {
            const t = performance.now();
            if (q.store)
              await real.command(q.store.sql, q.params, { label: `bench isolated ${f} ${q.id}: store keys` });
            await real.query(q.sql, q.params, { label: `bench isolated ${f} ${q.id}` });
            s += (performance.now() - t) / 1000;
            if (q.store) await real.command(`DROP TABLE IF EXISTS ${q.store.table}`, {}, { label: 'bench drop keys' });
          }
          fam[f] = s;
          log(`  isolated scan ${f}: ${s.toFixed(2)} s (${dag.queries.length} queries)`);
        }
        (out.stages as Record<string, unknown>).family = fam;
      }

      if (o.baselines) {
        const lookbackMs = cfg.analysis.lookback_days * 86_400_000;
        const sample = stratifiedSample([...testedObs.values()], o.sample, o.seed);
        log(`  baseline (a): ${sample.length} standalone queries`);
        const pq: PerQueryResult[] = await runPerQuery(real, d, sample, lookbackMs, (m) => log(m));
        const mean = pq.reduce((x, r) => x + r.seconds, 0) / Math.max(1, pq.length);
        const enginePer = wall / report.hypotheses_tested;
        // The sample is family-balanced; weighting each family's mean by its share of the tested hypotheses
        // extrapolates to the run's actual mix (mostly sequence patterns, the costlier queries).
        const famMean = new Map<string, { n: number; s: number }>();
        pq.forEach((r) => {
          const e = famMean.get(r.family) ?? { n: 0, s: 0 };
          e.n++;
          e.s += r.seconds;
          famMean.set(r.family, e);
        });
        let wSum = 0;
        let wTot = 0;
        for (const [fam, e] of famMean) {
          const w = perFamily[fam] ?? 0;
          wSum += w * (e.s / e.n);
          wTot += w;
        }
        const weighted = wTot ? wSum / wTot : mean;
        out.per_query_sql = {
          sampled: pq.length,
          per_hypothesis_s: mean,
          weighted_per_hypothesis_s: weighted,
          ratio_weighted: weighted / enginePer,
          per_family_mean_s: Object.fromEntries([...famMean].map(([k, e]) => [k, e.s / e.n])),
          median_s: median(pq.map((r) => r.seconds)),
          extrapolated_total_s: mean * report.hypotheses_tested,
          mismatches: pq.filter((r) => !r.match),
          results: pq,
        };
        out.ratio_vs_per_query_sql = mean / enginePer;

        const patternObs = [...testedObs.values()].filter(
          (x) => x.hyp.template === 'ngram' || x.hyp.template === 'ordered_pattern'
        );
        log(
          `  baseline (b): sampled Aho-Corasick, ${patternObs.length} pattern×KPI hypotheses, ${(o.acFraction * 100).toFixed(0)}% of groups`
        );
        const ac = await runSampledAhoCorasick(real, cfg, d, ed.dag, patternObs, {
          fraction: o.acFraction,
          seed: o.seed,
        });
        const acc = accuracy(patternObs, ac.counts, ac.share);
        const sampledPatterns = sample.filter(
          (x) => x.hyp.template === 'ngram' || x.hyp.template === 'ordered_pattern'
        );
        out.sampled_aho_corasick = {
          fraction: ac.fraction,
          share: ac.share,
          sampled_groups: ac.sampled_groups,
          total_groups: ac.total_groups,
          patterns: ac.patterns,
          hypotheses_counted: ac.hypotheses_counted,
          seconds: ac.seconds,
          per_hypothesis_s: ac.per_hypothesis_s,
          // Fetch and scan grow with the sample; reading every group (exact counts) would cost about this much.
          extrapolated_all_groups_per_hypothesis_s:
            ac.share > 0
              ? ((ac.seconds.fetch + ac.seconds.scan) / ac.share + ac.seconds.build) /
                Math.max(1, ac.hypotheses_counted)
              : null,
          accuracy: acc,
          sampled_hypotheses: sampledPatterns.map((x) => {
            const c = ac.counts.get(observationPairKey(x)) ?? { a: 0, s: 0 };
            return {
              hypothesis: x.hyp.key,
              kpi: x.kpi.kpi.name,
              engine_cohort: x.cohort.a,
              sample_cohort: c.a,
              estimate: c.a / ac.share,
              expected_rel_se: relSe(x.cohort.a, ac.share),
            };
          }),
        };
        out.ratio_vs_sampled_aho_corasick = ac.per_hypothesis_s / enginePer;
        // A narrower comparison: only the engine's pattern scans (isolated ngram + ordered_pattern) per pattern hypothesis.
        const fam = (out.stages as { family?: Record<string, number> }).family;
        const patternTests = (perFamily.ngram ?? 0) + (perFamily.ordered_pattern ?? 0);
        if (fam && patternTests) {
          const enginePatternPer = ((fam.ngram ?? 0) + (fam.ordered_pattern ?? 0)) / patternTests;
          (out.sampled_aho_corasick as Record<string, unknown>).engine_pattern_scan_per_hypothesis_s = enginePatternPer;
          (out.sampled_aho_corasick as Record<string, unknown>).ratio_vs_engine_pattern_scans_only =
            ac.per_hypothesis_s / enginePatternPer;
        }
        log(
          `  baseline (b): ${ac.seconds.total.toFixed(2)} s (fetch ${ac.seconds.fetch.toFixed(2)}, build ${ac.seconds.build.toFixed(2)}, scan ${ac.seconds.scan.toFixed(2)})`
        );
      }
    } finally {
      await real
        .command(`DROP TABLE IF EXISTS ${rec.sessTable}`, {}, { label: 'bench drop session table' })
        .catch(() => undefined);
    }
    out.peak_rss_mb_incl_bench = rssMb();
    return out;
  } finally {
    await real.close();
  }
}

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Relative standard error of a count estimated from a Bernoulli(share) sample of groups: sqrt((1-f)/(N f)). */
function relSe(n: number, share: number): number {
  return n > 0 && share > 0 ? Math.sqrt((1 - share) / (n * share)) : NaN;
}

/** How far the sample's scaled-up cohort sizes are from the engine's exact ones, over every counted pattern. */
function accuracy(obs: Observation[], counts: Map<string, { a: number; s: number }>, share: number) {
  const rel: number[] = [];
  let within2se = 0;
  let tiny = 0;
  let exact = 0;
  for (const o of obs) {
    const c = counts.get(observationPairKey(o));
    if (!c || o.cohort.a === 0) continue;
    if (c.a < 5) tiny++;
    if (share >= 0.9999 && c.a === o.cohort.a && Math.abs(c.s - o.cohort.s) <= 1e-6 * Math.max(1, Math.abs(o.cohort.s)))
      exact++;
    const est = c.a / share;
    const r = (est - o.cohort.a) / o.cohort.a;
    rel.push(Math.abs(r));
    const se = relSe(o.cohort.a, share);
    if (Number.isFinite(se) && Math.abs(r) <= 2 * se + 1e-12) within2se++;
  }
  return {
    compared: rel.length,
    median_abs_rel_error: median(rel),
    p90_abs_rel_error: rel.length ? [...rel].sort((a, b) => a - b)[Math.floor(0.9 * (rel.length - 1))]! : NaN,
    share_within_2_se: rel.length ? within2se / rel.length : NaN,
    under_5_sampled_groups: tiny,
    ...(share >= 0.9999 ? { exact_matches: exact } : {}),
  };
}
