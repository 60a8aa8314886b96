import { ratioOfMeansCI, riskRatio, sampleVariance, twoByTwoGreater, welchT } from './stats';
import { isPatternFamily, type Expert, type Finding, type Observation } from './types';

export const COHORT_MIN_RELATIVE_DIFFERENCE = 0.25;

/**
 * Cohort comparison: the cohort against its complement (not against "all", which contains it).
 * Binary KPIs: failure rate ratio with a log-scale CI and a 2×2 test. Numeric KPIs: Welch's t on log1p values
 * (load times and durations are skewed) and the ratio of means with a delta-method CI.
 */
export const cohortExpert: Expert = {
  name: 'cohort',
  applies: (o) => !(o.kpi.binary && isPatternFamily(o.hyp.template)),
  assess(o: Observation): Finding | null {
    const n1 = o.cohort.a;
    const n0 = o.total.a - n1;
    if (n1 < 2 || n0 < 2) return null;
    if (o.kpi.binary) {
      const a = o.cohort.s;
      const c = o.total.s - a;
      const t = { a, b: n1 - a, c, d: n0 - c };
      if (t.b < 0 || t.d < 0 || c < 0) return null;
      const rr = riskRatio(t);
      const test = twoByTwoGreater(t);
      const r1 = a / n1;
      const r0 = c / n0;
      return finding(o, test.test === 'g' ? 'G-test, one-sided' : "Fisher's exact, one-sided", test.p, rr.value - 1, rr.ciLow - 1, rr.ciHigh - 1, r1, r0, a - n1 * r0, true);
    }
    const m1 = o.cohort.s / n1;
    const m0 = (o.total.s - o.cohort.s) / n0;
    const v1 = sampleVariance(o.cohort.q!, o.cohort.s, n1);
    const v0 = sampleVariance(o.total.q! - o.cohort.q!, o.total.s - o.cohort.s, n0);
    const lm1 = o.cohort.l! / n1;
    const lm0 = (o.total.l! - o.cohort.l!) / n0;
    const lv1 = sampleVariance(o.cohort.m!, o.cohort.l!, n1);
    const lv0 = sampleVariance(o.total.m! - o.cohort.m!, o.total.l! - o.cohort.l!, n0);
    const w = welchT(lm1, lv1, n1, lm0, lv0, n0);
    if (!(m0 > 0) || !(m1 > 0)) return null;
    const r = ratioOfMeansCI(m1, v1, n1, m0, v0, n0);
    const worse = !o.kpi.kpi.higher_is_better;
    // For "higher is better" KPIs the harmful direction is a lower mean: flip so positive means worse.
    const [value, lo, hi] = worse ? [r.value - 1, r.ciLow - 1, r.ciHigh - 1] : [1 / r.value - 1, 1 / r.ciHigh - 1, 1 / r.ciLow - 1];
    // One-sided: only the harmful direction makes a lead.
    const harmful = worse ? w.t > 0 : w.t < 0;
    const p = harmful ? w.p / 2 : 1 - w.p / 2;
    return finding(o, "Welch's t on log1p, one-sided", p, value, lo, hi, m1, m0, worse ? (m1 - m0) * n1 : (m0 - m1) * n1, false);
  },
};

function finding(
  o: Observation,
  test: string,
  p: number,
  value: number,
  lo: number,
  hi: number,
  kpiCohort: number,
  kpiRest: number,
  impact: number,
  binary: boolean,
): Finding {
  return {
    obs: o,
    expert: 'cohort',
    test,
    p,
    effect: { measure: 'relative_difference', value, ci_low: lo, ci_high: hi },
    kpiCohort,
    kpiRest,
    impact,
    gates(q, context) {
      const why: string[] = [];
      if (!(q < 0.05)) why.push(`q=${q.toPrecision(2)} ≥ 0.05`);
      // The seed's rule: a difference over 25%, or an outlier among sibling cohorts.
      if (value <= COHORT_MIN_RELATIVE_DIFFERENCE && !context?.siblingOutlier) why.push(`${binary ? 'rate' : 'mean'} ${(value * 100).toFixed(0)}% vs the rest (≤ ${COHORT_MIN_RELATIVE_DIFFERENCE * 100}%)`);
      if (!(lo > 0)) why.push('CI includes no difference');
      return { pass: why.length === 0, why: why.join('; ') };
    },
  };
}
