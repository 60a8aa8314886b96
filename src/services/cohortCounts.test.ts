import { cohortCounts } from './cohortCounts';

const series = {
  from: '2026-10-01T00:00:00.000Z',
  width_ms: 86_400_000,
  cohort: [
    { groups: 10, value: 0.5 },
    { groups: 10, value: 0.3 },
  ],
  rest: [
    { groups: 300, value: 0.1 },
    { groups: 100, value: 0.2 },
  ],
};

describe('cohortCounts', () => {
  test('rate KPIs: failed and ok in the cohort (its size and rate) and in the rest (its series over the window)', () => {
    expect(cohortCounts({ cohort_size: 20, kpi_cohort: 0.4, kpi_rest: 0.125 }, series, true)).toEqual({
      rate: true,
      cohort: { n: 20, value: 0.4, failed: 8 },
      rest: { n: 400, value: 0.125, failed: 50 },
    });
  });

  test('numeric KPIs: the means with their n', () => {
    expect(cohortCounts({ cohort_size: 20, kpi_cohort: 2046, kpi_rest: 1018 }, series, false)).toEqual({
      rate: false,
      cohort: { n: 20, value: 2046 },
      rest: { n: 400, value: 1018 },
    });
  });

  test('nothing to show without a series or groups', () => {
    expect(cohortCounts({ cohort_size: 20, kpi_cohort: 0.4, kpi_rest: 0.1 }, null, true)).toBeUndefined();
    expect(cohortCounts({ cohort_size: 0, kpi_cohort: 0.4, kpi_rest: 0.1 }, series, true)).toBeUndefined();
  });
});
