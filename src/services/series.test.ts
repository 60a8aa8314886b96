import type { Series } from '../types/api';
import {
  bandPath,
  coarsen,
  formatTick,
  isRateKind,
  linePath,
  niceTicks,
  seriesStart,
  timeTicks,
  toChartSeries,
  wilson,
  yExtent,
} from './series';

describe('wilson', () => {
  test('matches the textbook interval', () => {
    // 10 of 100: Wilson 95% ≈ [0.0552, 0.1744]
    const w = wilson(0.1, 100)!;
    expect(w.low).toBeCloseTo(0.0552, 3);
    expect(w.high).toBeCloseTo(0.1744, 3);
  });
  test('stays inside [0, 1] at the edges and is not degenerate', () => {
    const zero = wilson(0, 20)!;
    expect(zero.low).toBe(0);
    expect(zero.high).toBeGreaterThan(0.1);
    const one = wilson(1, 20)!;
    expect(one.high).toBe(1);
    expect(one.low).toBeLessThan(0.9);
  });
  test('narrows with n', () => {
    const a = wilson(0.3, 10)!;
    const b = wilson(0.3, 1000)!;
    expect(b.high - b.low).toBeLessThan(a.high - a.low);
  });
  test('no trials, no interval', () => {
    expect(wilson(0.5, 0)).toBeNull();
    expect(wilson(NaN, 10)).toBeNull();
  });
});

describe('series', () => {
  const s: Series = {
    from: '2026-09-01T00:00:00.000Z',
    width_ms: 86_400_000,
    cohort: [
      { groups: 100, value: 0.1 },
      { groups: 0, value: null },
      { groups: 50, value: 0.2 },
    ],
    rest: [
      { groups: 1000, value: 0.05 },
      { groups: 900, value: 0.04 },
      { groups: 950, value: 0.05 },
    ],
  };

  test('isRateKind: every kind but numeric', () => {
    expect(isRateKind('funnel')).toBe(true);
    expect(isRateKind('failure_events')).toBe(true);
    expect(isRateKind('failure_when')).toBe(true);
    expect(isRateKind('numeric')).toBe(false);
    expect(isRateKind(undefined)).toBe(false);
  });

  test('seriesStart reads epoch ms, numeric strings and ISO', () => {
    expect(seriesStart(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(seriesStart('1700000000000')).toBe(1_700_000_000_000);
    expect(seriesStart('2026-09-01T00:00:00.000Z')).toBe(Date.UTC(2026, 8, 1));
    expect(seriesStart('nope')).toBeNaN();
  });

  test('rate KPI: Wilson bands per bucket, none without a value', () => {
    const c = toChartSeries(s, 'failure_events')!;
    expect(c.rate).toBe(true);
    expect(c.start).toBe(Date.UTC(2026, 8, 1));
    expect(c.end).toBe(Date.UTC(2026, 8, 4));
    expect(c.cohort[0]).toMatchObject({ t: Date.UTC(2026, 8, 1), value: 0.1, groups: 100 });
    expect(c.cohort[0]!.low).toBeCloseTo(0.0552, 3);
    expect(c.cohort[1]).toMatchObject({ value: null, low: null, high: null });
    expect(c.cohort[2]!.t).toBe(Date.UTC(2026, 8, 3));
    expect(c.rest[0]!.high! - c.rest[0]!.low!).toBeLessThan(c.cohort[0]!.high! - c.cohort[0]!.low!);
  });

  test('numeric KPI: no bands', () => {
    const c = toChartSeries(
      { ...s, from: Date.UTC(2026, 8, 1), cohort: [{ groups: 10, value: 812 }], rest: [{ groups: 100, value: 400 }] },
      'numeric'
    )!;
    expect(c.rate).toBe(false);
    expect(c.cohort[0]).toMatchObject({ value: 812, low: null, high: null });
    expect(yExtent(c)).toEqual([0, 812]);
  });

  test('unreadable series: null', () => {
    expect(toChartSeries({ ...s, from: 'garbage' }, 'funnel')).toBeNull();
    expect(toChartSeries({ ...s, width_ms: 0 }, 'funnel')).toBeNull();
  });

  test('yExtent starts rates at 0 and covers the bands', () => {
    const c = toChartSeries(s, 'funnel')!;
    const [lo, hi] = yExtent(c);
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThanOrEqual(c.cohort[2]!.high!);
    expect(yExtent({ ...c, cohort: [], rest: [] })).toEqual([0, 1]);
  });

  test('niceTicks are round and cover the range', () => {
    expect(niceTicks(0, 0.34, 4)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(0, 812, 4)).toEqual([0, 500, 1000]);
    expect(niceTicks(0, 812, 8)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(1, 1)).toEqual([1]);
  });

  test('timeTicks and labels', () => {
    const day = 86_400_000;
    const t = timeTicks(0, 30 * day, day, 6);
    expect(t[0]).toBe(0);
    expect(t.length).toBeLessThanOrEqual(7);
    expect(formatTick(Date.UTC(2026, 8, 1), day)).toBe('09-01');
    expect(formatTick(Date.UTC(2026, 8, 1, 6), 3_600_000)).toBe('09-01 06:00');
  });

  test('paths: lines break at gaps, bands are closed polygons per run', () => {
    const c = toChartSeries(s, 'funnel')!;
    const x = (t: number) => (t - c.start) / 1e6;
    const y = (v: number) => 100 - v * 100;
    const line = linePath(c.cohort, x, y, c.widthMs);
    expect(line.match(/M/g)!.length).toBe(2);
    expect(line).not.toContain('L');
    const band = bandPath(c.cohort, x, y, c.widthMs);
    expect(band.match(/Z/g)!.length).toBe(2);
    const restBand = bandPath(c.rest, x, y, c.widthMs);
    expect(restBand.match(/M/g)!.length).toBe(1);
    expect(bandPath(toChartSeries(s, 'numeric')!.cohort, x, y, c.widthMs)).toBe('');
  });
});

describe('coarsen', () => {
  const day = 86_400_000;
  test('merges buckets so each holds about 20 cohort groups, weighting values by groups', () => {
    // 60 daily buckets, 50 cohort groups in all: 25 buckets of 3 days would hold 2.5 each; k = ceil(20 * 60 / 50) = 24.
    const cohort = Array.from({ length: 60 }, (_, i) => ({ groups: i % 6 === 0 ? 5 : 0, value: i % 6 === 0 ? (i % 12 === 0 ? 1 : 0) : null }));
    const rest = Array.from({ length: 60 }, () => ({ groups: 100, value: 0.1 }));
    const c = coarsen({ from: 0, width_ms: day, cohort, rest });
    expect(c.width_ms).toBe(24 * day);
    expect(c.cohort.map((p) => p.groups)).toEqual([20, 20, 10]);
    expect(c.cohort[0]!.value).toBeCloseTo(0.5);
    expect(c.rest[0]).toEqual({ groups: 2400, value: expect.closeTo(0.1, 10) });
  });

  test('leaves a series whose buckets already hold enough groups', () => {
    const s = { from: 0, width_ms: day, cohort: [{ groups: 40, value: 0.2 }], rest: [{ groups: 400, value: 0.1 }] };
    expect(coarsen(s)).toBe(s);
  });
});
