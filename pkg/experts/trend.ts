import { changePointBinomial, mannKendall, rateRatioTrend, theilSen, theilSenCI, twoByTwoGreater } from './stats';
import { COHORT_MIN_RELATIVE_DIFFERENCE } from './cohort';
import type { Expert, Finding, KpiStats, Observation } from './types';

/** Buckets where both the cohort and the rest have at least this many groups count in a trend. */
export const TREND_MIN_BUCKET_GROUPS = 5;
export const TREND_MIN_BUCKETS = 6;

const DAY = 86_400_000;

/**
 * A cohort's KPI over time against the rest of its own buckets: the excess (rate difference, or log ratio of
 * means) per bucket, a gradual increase by Mann–Kendall with a Theil–Sen slope (Sen's CI), and for failure
 * KPIs a single change point in the cohort's rate (binomial likelihood ratio) that the rest does not share.
 * The lead reports the onset: for a significant gradual rise, where the fitted excess line leaves zero; else the
 * change point; else the cohort's first bucket. One-sided: only worsening makes a lead. The p-value is the smaller of the two tests,
 * doubled (Bonferroni).
 */
export const trendExpert: Expert = {
  name: 'trend',
  applies: (o) => Boolean(o.series),
  assess(o: Observation): Finding | null {
    const s = o.series!;
    const binary = o.kpi.binary;
    const worseUp = binary || !o.kpi.kpi.higher_is_better;
    const used: { b: number; c: KpiStats; r: KpiStats; x: number }[] = [];
    s.cohort.forEach((c, b) => {
      const t = s.total[b]!;
      const r = { a: t.a - c.a, s: t.s - c.s };
      if (c.a < TREND_MIN_BUCKET_GROUPS || r.a < TREND_MIN_BUCKET_GROUPS) return;
      const mc = c.s / c.a;
      const mr = r.s / r.a;
      const x = binary ? mc - mr : mc > 0 && mr > 0 ? Math.log(mc / mr) : NaN;
      if (Number.isFinite(x)) used.push({ b, c, r, x: worseUp ? x : -x });
    });
    if (used.length < TREND_MIN_BUCKETS) return null;
    const days = used.map((u) => (u.b * s.width) / DAY);
    const xs = used.map((u) => u.x);
    let pTrend: number;
    let trendTest: string;
    if (binary) {
      // Failures against what the rest's rate in the same bucket predicts: a trend in the ratio, from every group.
      const tr = rateRatioTrend(used.map((u) => u.c.s), used.map((u) => u.c.a * (u.r.s / u.r.a)), days);
      pTrend = tr.p;
      trendTest = 'rate-ratio trend (score test)';
    } else {
      const mk = mannKendall(xs);
      pTrend = mk.s > 0 ? mk.p / 2 : 1 - mk.p / 2;
      trendTest = 'Mann–Kendall on the log ratio of means';
    }
    const ts = theilSen(days, xs);
    const ci = theilSenCI(days, xs);
    let pStep = 1;
    let stepAt: number | null = null;
    if (binary) {
      const cp = changePointBinomial(used.map((u) => u.c.s), used.map((u) => u.c.a));
      const rp = cp ? changePointBinomial(used.map((u) => u.r.s), used.map((u) => u.r.a)) : null;
      // A step the rest shares (an outage, a release for everyone) is not this cohort's.
      if (cp && cp.after > cp.before && !(rp && rp.index === cp.index && rp.p < 0.05)) {
        pStep = cp.p;
        stepAt = used[cp.index]!.b;
      }
    }
    const p = Math.min(1, 2 * Math.min(pTrend, pStep));
    // Onset: the step, else the fitted line's zero crossing (within the cohort's buckets), else its first bucket.
    const first = used[0]!.b;
    const last = used[used.length - 1]!.b;
    // A gradual rise is dated where its fitted line leaves zero; a step (without a significant rise) at the step.
    const gradual = pTrend < 0.05 && ts.slope > 0;
    let onsetBucket = first;
    if (!gradual && stepAt !== null) onsetBucket = stepAt;
    else if (ts.slope > 0) onsetBucket = Math.min(last, Math.max(first, Math.ceil((-ts.intercept / ts.slope) * (DAY / s.width))));
    // The recent third: how the cohort stands now, and what it costs now.
    const recent = used.slice(Math.floor((used.length * 2) / 3));
    const rc = recent.reduce((acc, u) => ({ a: acc.a + u.c.a, s: acc.s + u.c.s }), { a: 0, s: 0 });
    const rr = recent.reduce((acc, u) => ({ a: acc.a + u.r.a, s: acc.s + u.r.s }), { a: 0, s: 0 });
    const mc = rc.s / rc.a;
    const mr = rr.s / rr.a;
    const rel = worseUp ? mc / mr - 1 : mr / mc - 1;
    const impact = recent.reduce((acc, u) => acc + (worseUp ? 1 : -1) * (u.c.s - u.c.a * (u.r.s / u.r.a)), 0);
    const recentP = binary ? twoByTwoGreater({ a: rc.s, b: rc.a - rc.s, c: rr.s, d: rr.a - rr.s }).p : NaN;
    return {
      obs: o,
      expert: 'trend',
      test: !gradual && stepAt !== null ? 'change point (binomial LR, Bonferroni)' : `${trendTest}, one-sided`,
      p,
      effect: { measure: 'trend_slope', value: ts.slope, ci_low: ci.low, ci_high: ci.high },
      kpiCohort: mc,
      kpiRest: mr,
      impact,
      details: {
        trend: {
          slope_per_day: ts.slope,
          unit: binary ? 'rate difference per day' : 'log ratio of means per day',
          onset: new Date(s.from + onsetBucket * s.width).toISOString(),
          change_point: stepAt !== null ? new Date(s.from + stepAt * s.width).toISOString() : null,
          cohort_first_seen: new Date(s.from + (s.cohort.findIndex((c) => c.a > 0)) * s.width).toISOString(),
          trend_p: pTrend,
          change_point_p: pStep,
          buckets: used.length,
          recent_relative_difference: rel,
          recent_p: recentP,
        },
      },
      gates(q) {
        const why: string[] = [];
        if (!(q < 0.05)) why.push(`q=${q.toPrecision(2)} ≥ 0.05`);
        if (!(rel > COHORT_MIN_RELATIVE_DIFFERENCE)) why.push(`recent difference ${(rel * 100).toFixed(0)}% ≤ ${COHORT_MIN_RELATIVE_DIFFERENCE * 100}%`);
        if (!(ci.low > 0) && stepAt === null) why.push('slope CI includes 0 and no step');
        return { pass: why.length === 0, why: why.join('; ') };
      },
    };
  },
};
