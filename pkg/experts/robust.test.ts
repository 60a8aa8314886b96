import { riskRatio } from './stats';
import { robustRatio, type CellMoments } from './robust';

/** Cell moments from explicit per-user cells [A, B, C, D]. */
function moments(users: number[][]): CellMoments {
  const t = [0, 1, 2, 3].map((i) => users.reduce((s, u) => s + u[i]!, 0)) as [number, number, number, number];
  const pairs = [[0, 0], [1, 1], [2, 2], [3, 3], [0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]];
  return { m: users.length, t, sq: pairs.map(([x, y]) => users.reduce((s, u) => s + u[x!]! * u[y!]!, 0)) };
}

describe('cluster-robust ratios', () => {
  it('with one group per user, equals the ordinary (Katz) risk-ratio interval up to m/(m−1)', () => {
    // 40 failed + 160 fine in the cohort, 100 failed + 900 fine outside; each group its own user.
    const users = [
      ...Array.from({ length: 40 }, () => [1, 0, 0, 0]),
      ...Array.from({ length: 160 }, () => [0, 1, 0, 0]),
      ...Array.from({ length: 100 }, () => [0, 0, 1, 0]),
      ...Array.from({ length: 900 }, () => [0, 0, 0, 1]),
    ];
    const r = robustRatio('risk_ratio', moments(users))!;
    const katz = riskRatio({ a: 40, b: 160, c: 100, d: 900 });
    expect(r.value).toBeCloseTo(2, 12);
    // Katz se² = 1/a − 1/(a+b) + 1/c − 1/(c+d) (without the 0.5 correction): 0.025 − 0.005 + 0.01 − 0.001 = 0.029.
    expect(r.se ** 2 * (1199 / 1200)).toBeCloseTo(0.029, 10);
    expect(Math.log(katz.ciHigh / katz.ciLow)).toBeGreaterThan(0);
  });

  it('widens the interval when a user contributes many correlated groups', () => {
    // Same totals as above, but the cohort's failures come from 4 users with 10 failing groups each.
    const clustered = [
      ...Array.from({ length: 4 }, () => [10, 0, 0, 0]),
      ...Array.from({ length: 160 }, () => [0, 1, 0, 0]),
      ...Array.from({ length: 100 }, () => [0, 0, 1, 0]),
      ...Array.from({ length: 900 }, () => [0, 0, 0, 1]),
    ];
    const independent = Array.from({ length: 40 }, () => [1, 0, 0, 0]).concat(clustered.slice(4));
    const rc = robustRatio('risk_ratio', moments(clustered))!;
    const ri = robustRatio('risk_ratio', moments(independent))!;
    expect(rc.value).toBeCloseTo(ri.value, 12);
    expect(rc.se).toBeGreaterThan(1.5 * ri.se);
    expect(rc.p).toBeGreaterThan(ri.p);
  });

  it('handles ratios of means and prevalence ratios', () => {
    // Numeric cells per user: [groups in, their sum, groups out, their sum].
    const users = Array.from({ length: 50 }, (_, i) => [1, 200 + (i % 5) * 10, 3, 300 + (i % 7) * 10]);
    const r = robustRatio('ratio_of_means', moments(users))!;
    const t = moments(users).t;
    expect(r.value).toBeCloseTo(t[1] / t[0] / (t[3] / t[2]), 12);
    expect(r.ciLow).toBeLessThan(r.value);
    expect(r.ciHigh).toBeGreaterThan(r.value);
    const pr = robustRatio('prevalence_ratio', moments([[3, 1, 2, 10], [2, 2, 1, 12], [4, 0, 3, 9], [1, 1, 2, 11]]))!;
    expect(pr.value).toBeCloseTo((10 / 18) / (4 / 46), 12);
  });
});
