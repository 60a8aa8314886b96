import { groupByKpi } from './leadOrder';

const l = (kpi: string, rank: number, impact: number, coverage?: number | null) => ({ kpi, rank, impact, coverage });

describe('groupByKpi', () => {
  test('never ranks leads of different KPIs by raw impact: one group per KPI, the largest share of failures first', () => {
    const groups = groupByKpi([
      l('page_load_ms', 1, 241_400, 0.2),
      l('page_load_ms', 2, 90_000, 0.1),
      l('payment_conversion', 2, 30, 0.3),
      l('payment_conversion', 1, 73, 0.65),
    ]);
    expect(groups.map((g) => g.kpi)).toEqual(['payment_conversion', 'page_load_ms']);
    expect(groups[0]!.leads.map((x) => x.rank)).toEqual([1, 2]);
  });

  test('without shares (older engines) keeps KPIs in name order', () => {
    expect(groupByKpi([l('b', 1, 5), l('a', 1, 1)]).map((g) => g.kpi)).toEqual(['a', 'b']);
  });

  test('keeps an order sorted by something else, grouped by KPI in order of first appearance', () => {
    const groups = groupByKpi([l('b', 3, 1), l('a', 1, 9), l('b', 1, 5)], true);
    expect(groups.map((g) => [g.kpi, g.leads.map((x) => x.rank)])).toEqual([
      ['b', [3, 1]],
      ['a', [1]],
    ]);
  });
});
