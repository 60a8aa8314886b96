import type { KpiInfo } from '../dataset/inspect';
import { rateRatioTrend, theilSenCI } from './stats';
import { trendExpert } from './trend';
import type { KpiStats, Observation } from './types';

const DAY = 86_400_000;
const kpi = { index: 0, kind: 'failure_events', binary: true, kpi: { name: 'errors', higher_is_better: false }, outcomeEvents: [], outcomeColumns: [] } as unknown as KpiInfo;

/** 30 daily buckets: the rest at 5% on 1000 groups a day, the cohort on 200 groups a day at the rates given. */
function observation(cohortRate: (day: number) => number, restRate: (day: number) => number = () => 0.05): Observation {
  const cohort: KpiStats[] = [];
  const total: KpiStats[] = [];
  for (let d = 0; d < 30; d++) {
    const c = { a: 200, s: Math.round(200 * cohortRate(d)) };
    cohort.push(c);
    total.push({ a: 1200, s: c.s + Math.round(1000 * restRate(d)) });
  }
  const sum = (xs: KpiStats[]) => xs.reduce((a, b) => ({ a: a.a + b.a, s: a.s + b.s }), { a: 0, s: 0 });
  return {
    hyp: { template: 'static', params: {}, title: 'cohort', events: [], columns: [], predicate: '1', key: 'k' },
    kpi, node: 'n0', key: 'k', groups: 6000, cohort: sum(cohort), total: sum(total),
    series: { from: Date.parse('2026-10-01T00:00:00Z'), width: DAY, cohort, total },
  };
}

describe('trend statistics', () => {
  it('rate-ratio trend score test matches a hand computation', () => {
    // θ = 6/6 = 1, t̄ = 1, U = 0·(1−2) + 1·(2−2) + 2·(3−2) = 2, Var = 1·(2·1 + 0 + 2·1) = 4 → z = 1.
    const r = rateRatioTrend([1, 2, 3], [2, 2, 2], [0, 1, 2]);
    expect(r.z).toBeCloseTo(1, 12);
    expect(r.p).toBeCloseTo(0.15865525393145707, 12); // scipy.stats.norm.sf(1)
  });

  it("Sen's CI for the Theil–Sen slope matches scipy.stats.theilslopes, ties included", () => {
    // scipy.stats.theilslopes(y, x, 0.95) → low_slope 0.95, high_slope 1.1
    expect(theilSenCI([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1.0, 2.5, 2.9, 4.2, 4.8, 6.5, 6.9, 8.4, 8.8, 10.6])).toEqual({ low: 0.95, high: 1.1 });
    // scipy.stats.theilslopes([3,1,4,1,5,9,2,6,5,3,5], range(11), 0.9) → (-0.142857…, 0.571428…)
    const r = theilSenCI([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5], 0.9);
    expect(r.low).toBeCloseTo(-1 / 7, 12);
    expect(r.high).toBeCloseTo(4 / 7, 12);
  });
});

describe('trend expert', () => {
  it('finds a gradual increase against the rest and dates its onset', () => {
    // Flat at the rest's 5% for 10 days, then rising 1 point a day.
    const f = trendExpert.assess(observation((d) => (d < 10 ? 0.05 : 0.05 + 0.01 * (d - 10))))!;
    expect(f.p).toBeLessThan(1e-6);
    expect(f.effect.measure).toBe('trend_slope');
    expect(f.effect.ci_low).toBeGreaterThan(0);
    const onset = Date.parse((f.details!.trend as { onset: string }).onset);
    expect(Math.abs(onset - Date.parse('2026-10-11T00:00:00Z'))).toBeLessThanOrEqual(4 * DAY);
    expect(f.gates(0.01).pass).toBe(true);
  });

  it('finds a step and reports it as the onset', () => {
    const f = trendExpert.assess(observation((d) => (d < 18 ? 0.05 : 0.2)))!;
    expect(f.p).toBeLessThan(1e-6);
    expect((f.details!.trend as { change_point: string }).change_point).toBe('2026-10-19T00:00:00.000Z');
  });

  it('says nothing for a flat cohort, or for a step the rest shares', () => {
    const flat = trendExpert.assess(observation(() => 0.08))!;
    expect(flat.p).toBeGreaterThan(0.05);
    expect(flat.gates(flat.p).pass).toBe(false);
    const shared = trendExpert.assess(observation((d) => (d < 15 ? 0.05 : 0.15), (d) => (d < 15 ? 0.05 : 0.15)))!;
    expect((shared.details!.trend as { change_point: string | null }).change_point).toBeNull();
    expect(shared.gates(shared.p).pass).toBe(false);
  });
});
