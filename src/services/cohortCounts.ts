/**
 * The lead as a 2×2 (cohort vs rest, failed vs not) for rate KPIs, or means with their n for numeric KPIs: the
 * cohort's counts from the lead (cohort size and its rate), the rest's from its series over the window (the rest
 * of the KPI's groups per bucket). Pure.
 */
import type { Series } from '../types/api';

export interface CohortCounts {
  rate: boolean;
  cohort: { n: number; value: number; failed?: number };
  rest: { n: number; value: number; failed?: number };
}

export function cohortCounts(
  o: { cohort_size: number; kpi_cohort: number; kpi_rest: number },
  series: Series | null | undefined,
  rate: boolean
): CohortCounts | undefined {
  if (!series || !Number.isFinite(o.kpi_cohort) || !Number.isFinite(o.kpi_rest)) {
    return undefined;
  }
  const restN = series.rest.reduce((a, p) => a + (p.groups ?? 0), 0);
  if (!(o.cohort_size > 0) || !(restN > 0)) {
    return undefined;
  }
  if (!rate) {
    return { rate, cohort: { n: o.cohort_size, value: o.kpi_cohort }, rest: { n: restN, value: o.kpi_rest } };
  }
  return {
    rate,
    cohort: { n: o.cohort_size, value: o.kpi_cohort, failed: Math.round(o.kpi_cohort * o.cohort_size) },
    rest: { n: restN, value: o.kpi_rest, failed: Math.round(o.kpi_rest * restN) },
  };
}
