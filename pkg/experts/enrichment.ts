import { prevalenceRatio, twoByTwoGreater } from './stats';
import { isPatternFamily, type Expert, type Observation } from './types';

/**
 * The gate for patterns in failed groups: much more common among failures than among the rest. The seed also asked
 * for 10% of the failed groups; that hid small cohorts that always fail (a distinct failure mode holding 4% of
 * the failures). Support is now the floor in failed groups (ensemble.failedFloor), applied before correction.
 */
export const ENRICHMENT_MIN_RATIO = 2;

/**
 * Enrichment of a pattern (or absence) in failed groups: the 2×2 table pattern × failure, tested with the G-test
 * (Fisher's exact when an expected count is under 5); the effect is the prevalence ratio — how much more common
 * the pattern is among failed groups than among the others — with a 95% CI on the log scale.
 */
export const enrichmentExpert: Expert = {
  name: 'enrichment',
  applies: (o) => o.kpi.binary && isPatternFamily(o.hyp.template),
  assess(o: Observation) {
    const F = o.total.s;
    const A = o.total.a;
    const a = o.cohort.s; // with pattern, failed
    const b = o.cohort.a - o.cohort.s; // with pattern, not failed
    const c = F - a; // without pattern, failed
    const d = A - F - b; // without pattern, not failed
    if (F <= 0 || A - F <= 0 || o.cohort.a <= 0 || c < 0 || d < 0) return null;
    const t = { a, b, c, d };
    const test = twoByTwoGreater(t);
    const pr = prevalenceRatio(t);
    const rateIn = a / (a + b);
    const rateOut = c + d > 0 ? c / (c + d) : 0;
    return {
      obs: o,
      expert: 'enrichment',
      test: test.test === 'g' ? 'G-test, one-sided' : "Fisher's exact, one-sided",
      p: test.p,
      effect: { measure: 'prevalence_ratio', value: pr.value, ci_low: pr.ciLow, ci_high: pr.ciHigh },
      kpiCohort: rateIn,
      kpiRest: rateOut,
      impact: a - (a + b) * rateOut,
      gates(q) {
        const why: string[] = [];
        if (!(q < 0.05)) why.push(`q=${q.toPrecision(2)} ≥ 0.05`);
        if (pr.value < ENRICHMENT_MIN_RATIO) why.push(`ratio ${pr.value.toFixed(2)} < ${ENRICHMENT_MIN_RATIO}`);
        if (!(pr.ciLow > 1)) why.push(`CI low ${pr.ciLow.toFixed(2)} ≤ 1`);
        return { pass: why.length === 0, why: why.join('; ') };
      },
    };
  },
};
