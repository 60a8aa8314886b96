import { benjaminiHochberg, benjaminiYekutieli, betaBinomialShrink, median, sampleVariance, twoByTwoTest, welchT } from './stats';
import { pushTo } from '../util/collections';
import { cohortExpert, COHORT_MIN_RELATIVE_DIFFERENCE } from './cohort';
import { enrichmentExpert } from './enrichment';
import { trendExpert } from './trend';
import type { Expert, Finding, KpiStats, Observation } from './types';

export const EXPERTS: Expert[] = [enrichmentExpert, cohortExpert, trendExpert];

export interface Lead {
  /** The finding that states the lead (enrichment or cohort, else trend). */
  finding: Finding;
  q: number;
  /** Every expert's passing finding on the same hypothesis and KPI (the trend's onset, say). */
  support: { finding: Finding; q: number }[];
  rank: number;
  /** Keys of weaker or longer variants folded into this lead. */
  related: string[];
  /** How the CI was computed: groups as independent, or cluster-robust over users. */
  inference?: string;
  /** Narrower cohorts inside this one that are worse than the rest of it (experts/cluster.ts). */
  refinements?: Refinement[];
  /** Share of the KPI's failed groups (numeric KPIs: of its total) in this cohort, and not in the leads above it. */
  coverage?: number;
  incrementalCoverage?: number;
}

/** A narrower cohort inside a lead (its host), worse than the host's other groups (experts/cluster.ts). */
export interface Refinement {
  lead: Lead;
  /** Its place in the leads being grouped (for its overlaps with the others). */
  index: number;
  /** The KPI in the refinement's groups inside the host, and in the host's other groups. */
  kpiWithin: number;
  kpiRestOfHost: number;
  groupsWithin: number;
}

export interface EnsembleResult {
  /** Hypothesis × KPI pairs that were tested (passed the support floor). */
  tested: number;
  leads: Lead[];
  /** Every finding with its q, for the store and for "why not" questions. */
  findings: { finding: Finding; q: number }[];
}

/** A lead is a sub-population: a cohort holding most groups is better read as its complement being better. */
export const MAX_COHORT_SHARE = 0.5;

/**
 * False discovery rate over every test of the run, KPI by KPI then across KPIs (Benjamini & Bogomolov 2014):
 * BY within each KPI; each KPI's Simes p-value (its smallest BH q) is BH-corrected across KPIs; a KPI is
 * selected when that is below 0.05, and its q-values are scaled by (KPIs / selected KPIs). A single BH over the
 * pooled tests would let a KPI with no effect borrow the many true discoveries of the others.
 */
export function hierarchicalQ(findings: Finding[]): number[] {
  const byKpi = new Map<string, number[]>();
  findings.forEach((f, i) => {
    const k = f.obs.kpi.kpi.name;
    pushTo(byKpi, k, i);
  });
  const kpis = [...byKpi.keys()];
  const within = new Map<string, number[]>();
  // Benjamini–Yekutieli within a KPI: its tests nest (A→B inside A→B→C, count ≥ 3 inside count ≥ 2) and
  // share groups, a dependence BH is not proven for; BY holds under any dependence.
  kpis.forEach((k) => within.set(k, benjaminiYekutieli(byKpi.get(k)!.map((i) => findings[i]!.p))));
  // A loop, not Math.min(...q): a KPI can have more tests than a call takes arguments.
  const simes = kpis.map((k) => within.get(k)!.reduce((a, b) => Math.min(a, b), 1));
  const familyQ = benjaminiHochberg(simes);
  const selected = familyQ.filter((x) => x < 0.05).length;
  const out = new Array<number>(findings.length).fill(1);
  kpis.forEach((k, j) => {
    const scale = kpis.length / Math.max(selected, 1);
    byKpi.get(k)!.forEach((i, n) => {
      out[i] = Math.min(1, Math.max(within.get(k)![n]! * scale, familyQ[j]!));
    });
  });
  return out;
}

/** The support floor in groups, applied before correction: min(configured groups, 2% of the KPI's groups), at least 5. */
export function supportFloor(minSupport: number, applicable: number): number {
  return Math.max(5, Math.min(minSupport, Math.ceil(0.02 * applicable)));
}

/**
 * For failure KPIs the floor counts the cohort's failed groups, and scales with the KPI's failures:
 * min(configured, 2% of the failed groups), at least 5. A cohort of 0.7% of groups that always fails holds a few
 * percent of the failures and is tested; one with a handful of failures is not, whatever its size.
 */
export function failedFloor(minSupport: number, failures: number): number {
  return Math.max(5, Math.min(minSupport, Math.ceil(0.02 * failures)));
}

/** Does an observation reach the support floor: its failed groups (failure KPIs) or groups, and the rest's groups? */
export function reachesFloor(o: Observation, minSupport: number): boolean {
  const floor = supportFloor(minSupport, o.total.a);
  if (o.total.a - o.cohort.a < floor) return false;
  return o.kpi.binary ? o.cohort.s >= failedFloor(minSupport, o.total.s) : o.cohort.a >= floor;
}

/**
 * Runs every expert that applies, controls the false discovery rate over all tests of the run (every family,
 * every KPI), applies each expert's effect gates after correction, folds redundant leads into the minimal one,
 * and ranks each KPI's leads by impact.
 */
export function runEnsemble(observations: Observation[], minSupport: number): EnsembleResult {
  const findings: Finding[] = [];
  for (const o of observations) {
    if (!reachesFloor(o, minSupport)) continue;
    for (const e of EXPERTS) {
      if (!e.applies(o)) continue;
      const f = e.assess(o);
      if (f && Number.isFinite(f.p)) findings.push(f);
    }
  }
  const q = hierarchicalQ(findings);
  const scored = findings.map((finding, i) => ({ finding, q: q[i]! }));
  const outliers = siblingOutliers(findings);
  const passes = (s: { finding: Finding; q: number }) =>
    s.finding.gates(s.q, { siblingOutlier: outliers.has(s.finding) }).pass &&
    s.finding.impact > 0 &&
    s.finding.obs.cohort.a <= MAX_COHORT_SHARE * s.finding.obs.total.a;
  // One lead per hypothesis and KPI: the enrichment or cohort finding states it; a trend adds its onset.
  const support = new Map<string, { finding: Finding; q: number }[]>();
  for (const sc of scored) {
    if (!passes(sc)) continue;
    const k = `${sc.finding.obs.kpi.kpi.name}\u0000${sc.finding.obs.hyp.key}`;
    pushTo(support, k, sc);
  }
  // ClickHouse returns rows in the order its threads finish. Cohorts with the same groups tie on impact and q, and
  // folding takes the first parent it meets, so the leads must not follow arrival order: one order, by KPI and key
  // (of the passing findings only: sorting every observation's long key cost half a second at 1M events).
  const passing = [...support.values()]
    .map((list) => list.find((x) => x.finding.expert !== 'trend') ?? list[0]!)
    .sort((x, y) => canonicalOrder(x.finding.obs, y.finding.obs));
  const supportOf = (f: Finding) => support.get(`${f.obs.kpi.kpi.name}\u0000${f.obs.hyp.key}`) ?? [];

  const leads: Lead[] = [];
  const byKpi = new Map<string, typeof passing>();
  passing.forEach((s) => {
    const k = s.finding.obs.kpi.kpi.name;
    pushTo(byKpi, k, s);
  });
  for (const [, list] of byKpi) {
    const byKey = new Map(list.map((s) => [s.finding.obs.hyp.key, s]));
    const foldedInto = new Map<string, string>();
    for (const child of list) {
      for (const pk of child.finding.obs.hyp.parents ?? []) {
        const parent = byKey.get(pk);
        if (!parent || foldedInto.has(pk) || foldedInto.has(child.finding.obs.hyp.key)) continue;
        const verdict = refinementVerdict(child.finding.obs, parent.finding.obs);
        if (verdict === 'child-redundant') foldedInto.set(child.finding.obs.hyp.key, pk);
        else if (verdict === 'parent-redundant') foldedInto.set(pk, child.finding.obs.hyp.key);
      }
    }
    const root = (k: string): string => (foldedInto.has(k) ? root(foldedInto.get(k)!) : k);
    const kept = list.filter((s) => !foldedInto.has(s.finding.obs.hyp.key));
    kept.sort(byImpact);
    const foldedByRoot = new Map<string, string[]>();
    for (const c of foldedInto.keys()) pushTo(foldedByRoot, root(c), c);
    kept.forEach((s, i) => {
      const related = foldedByRoot.get(s.finding.obs.hyp.key) ?? [];
      leads.push({ finding: s.finding, q: s.q, support: supportOf(s.finding), rank: i + 1, related });
    });
  }
  return { tested: findings.length, leads, findings: scored };
}

/**
 * Leads by impact (largest first), then q, then key. Impact and q are compared to 10 significant digits: numeric
 * KPIs' sums come from threads adding floats in any order, so the same cohort's impact can differ in the last bits
 * between runs; a tie there must fall to the key, not to that noise.
 */
export function byImpact(x: { finding: Finding; q: number }, y: { finding: Finding; q: number }): number {
  const r = (v: number) => Number(v.toPrecision(10));
  const key = (l: { finding: Finding }) => l.finding.obs.hyp.key;
  return (
    r(y.finding.impact) - r(x.finding.impact) ||
    r(x.q) - r(y.q) ||
    (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0)
  );
}

/** Observations by KPI, then hypothesis key: the same order whatever order the scans returned them in. */
function canonicalOrder(x: Observation, y: Observation): number {
  return x.kpi.index - y.kpi.index || (x.hyp.key < y.hyp.key ? -1 : x.hyp.key > y.hyp.key ? 1 : 0);
}

/** Aggregates of x's groups that are not in y (y inside x). */
export const subtractStats = (x: KpiStats, y: KpiStats): KpiStats => ({
  a: x.a - y.a,
  s: x.s - y.s,
  q: (x.q ?? 0) - (y.q ?? 0),
  l: (x.l ?? 0) - (y.l ?? 0),
  m: (x.m ?? 0) - (y.m ?? 0),
});

/** Is x's KPI worse than y's, and how sure: a 2×2 test for binary KPIs, Welch's t on log1p for numeric ones. */
export function worseThan(x: KpiStats, y: KpiStats, binary: boolean, higherIsBetter = false): { p: number; worse: boolean; ratio: number } {
  if (x.a < 2 || y.a < 2) return { p: 1, worse: false, ratio: 1 };
  if (binary) {
    const t = { a: x.s, b: x.a - x.s, c: y.s, d: y.a - y.s };
    const rx = x.s / x.a;
    const ry = y.s / y.a;
    return { p: twoByTwoTest(t).p, worse: rx > ry, ratio: ry > 0 ? rx / ry : Infinity };
  }
  const w = welchT(x.l! / x.a, sampleVariance(x.m!, x.l!, x.a), x.a, y.l! / y.a, sampleVariance(y.m!, y.l!, y.a), y.a);
  const mx = x.s / x.a;
  const my = y.s / y.a;
  const worse = higherIsBetter ? mx < my : mx > my;
  return { p: w.p, worse, ratio: higherIsBetter ? my / mx : mx / my };
}

/**
 * A refinement C of a parent P (a longer pattern, a crossed cohort, a higher threshold; C's groups are inside
 * P's): C is redundant when it is no worse than the rest of P; P is redundant when, without C, it is no worse
 * than the groups outside it — its effect lives in C, the minimal explanation.
 */
export function refinementVerdict(child: Observation, parent: Observation): 'child-redundant' | 'parent-redundant' | 'both' {
  const binary = child.kpi.binary;
  const hib = child.kpi.kpi.higher_is_better;
  const rest = subtractStats(parent.cohort, child.cohort);
  const outside = subtractStats(parent.total, parent.cohort);
  const c = worseThan(child.cohort, rest, binary, hib);
  if (!(c.worse && c.p < 0.01 && c.ratio > 1 + COHORT_MIN_RELATIVE_DIFFERENCE / 2)) return 'child-redundant';
  const r = worseThan(rest, outside, binary, hib);
  if (!(r.worse && r.p < 0.01 && r.ratio > 1 + COHORT_MIN_RELATIVE_DIFFERENCE)) return 'parent-redundant';
  return 'both';
}

/** Robust z above which a cohort stands out among its siblings (the other values of its attribute). */
export const SIBLING_OUTLIER_Z = 3;

/**
 * The seed's second cohort rule: a value of an attribute that is an outlier among the attribute's values, with
 * failure rates shrunk toward the overall rate (beta-binomial empirical Bayes) so small cohorts cannot stand out
 * by noise, scored by a robust z: distance to the siblings' median over the siblings' MAD combined with the
 * cohort's own binomial standard error. Only with at least 3 siblings; binary KPIs.
 */
export function siblingOutliers(findings: Finding[]): Set<Finding> {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const attrs = f.obs.hyp.params.attributes as Record<string, string> | undefined;
    if (f.expert !== 'cohort' || !f.obs.kpi.binary || f.obs.hyp.template !== 'static' || !attrs || Object.keys(attrs).length !== 1) continue;
    const k = `${f.obs.kpi.kpi.name}\u0000${Object.keys(attrs)[0]}`;
    pushTo(groups, k, f);
  }
  const out = new Set<Finding>();
  for (const list of groups.values()) {
    if (list.length < 3) continue;
    const fails = list.map((f) => f.obs.cohort.s);
    const sizes = list.map((f) => f.obs.cohort.a);
    const shrunk = betaBinomialShrink(fails, sizes).rates;
    const pooled = fails.reduce((a, b) => a + b, 0) / sizes.reduce((a, b) => a + b, 0);
    const mid = median(shrunk);
    // The siblings' spread (MAD) and the cohort's own sampling error both widen the yardstick: with tightly
    // agreeing siblings, MAD alone would flag any small cohort.
    const mad = 1.4826 * median(shrunk.map((r) => Math.abs(r - mid)));
    shrunk.forEach((r, i) => {
      const se = Math.sqrt((pooled * (1 - pooled)) / sizes[i]!);
      if ((r - mid) / Math.sqrt(mad * mad + se * se) >= SIBLING_OUTLIER_Z) out.add(list[i]!);
    });
  }
  return out;
}
