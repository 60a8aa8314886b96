/**
 * PostHog funnel correlation, as in PostHog/posthog
 * `posthog/hogql_queries/insights/funnels/funnel_correlation_query_runner.py` (FunnelCorrelationQueryRunner; the
 * older `ee/clickhouse/queries/funnels/funnel_correlation.py` has the same numbers):
 *  - per event (and, as its PROPERTIES correlation type, per property value) the partial contingency table of the
 *    actors who did it: success_count, failure_count, and the totals success_total, failure_total;
 *  - `are_results_insignificant`: dropped when success_count + failure_count < min(MIN_PERSON_COUNT = 25,
 *    MIN_PERSON_PERCENTAGE = 0.02 × total);
 *  - `get_entity_odds_ratio` with PRIOR_COUNT = 1 added to every cell:
 *      OR = (success_count + 1)(failure_total − failure_count + 1) / ((success_total − success_count + 1)(failure_count + 1));
 *    correlation_type "success" when OR > 1, else "failure";
 *  - the top 10 "success" by OR descending and the top 10 "failure" by OR ascending; no significance test.
 * The funnel steps are excluded from the events (`event.event NOT IN funnel_step_names`): here the KPI's own
 * outcome events are withheld by the caller when it builds the GroupTable. "failure" correlations are the
 * cohorts that are worse for the KPI (success = the KPI did not fail).
 */
import { andCount, count, describeItems, type Cohort, type GroupTable } from '../quality/groups';

export const POSTHOG = { MIN_PERSON_COUNT: 25, MIN_PERSON_PERCENTAGE: 0.02, PRIOR_COUNT: 1, TOP: 10 } as const;

export interface OddsRatioRow {
  item: string;
  success_count: number;
  failure_count: number;
  odds_ratio: number;
  correlation_type: 'success' | 'failure';
}

/** get_entity_odds_ratio of PostHog, with its prior. */
export function entityOddsRatio(visited: { success: number; failure: number }, totals: { success: number; failure: number }, prior = POSTHOG.PRIOR_COUNT): number {
  return (
    ((visited.success + prior) * (totals.failure - visited.failure + prior)) /
    ((totals.success - visited.success + prior) * (visited.failure + prior))
  );
}

export function posthogCorrelation(t: GroupTable): Cohort[] {
  const failureTotal = count(t.failed);
  const total = t.ids.length;
  const successTotal = total - failureTotal;
  // PostHog returns nothing when either total is 0.
  if (!successTotal || !failureTotal) return [];
  const floor = Math.min(POSTHOG.MIN_PERSON_COUNT, POSTHOG.MIN_PERSON_PERCENTAGE * total);
  const rows: (OddsRatioRow & { bits: Cohort['groups'] })[] = [];
  for (const [item, bits] of t.items) {
    const n = count(bits);
    if (n < floor) continue;
    const failure = andCount(bits, t.failed);
    const success = n - failure;
    const or = entityOddsRatio({ success, failure }, { success: successTotal, failure: failureTotal });
    rows.push({ item, success_count: success, failure_count: failure, odds_ratio: or, correlation_type: or > 1 ? 'success' : 'failure', bits });
  }
  // Stable order among ties: by item label, so runs are deterministic.
  const byLabel = (a: { item: string }, b: { item: string }) => (a.item < b.item ? -1 : a.item > b.item ? 1 : 0);
  const failure = rows.filter((r) => r.correlation_type === 'failure').sort((a, b) => a.odds_ratio - b.odds_ratio || byLabel(a, b));
  const success = rows.filter((r) => r.correlation_type === 'success').sort((a, b) => b.odds_ratio - a.odds_ratio || byLabel(a, b));
  // Events and properties are two separate correlation queries in PostHog; each gives its own top 10 per type.
  const top = (list: typeof rows) => [
    ...list.filter((r) => t.events.has(r.item)).slice(0, POSTHOG.TOP),
    ...list.filter((r) => !t.events.has(r.item)).slice(0, POSTHOG.TOP),
  ];
  return [...top(failure), ...top(success)].map((r, i) => ({
    method: 'posthog',
    rank: i + 1,
    items: [r.item],
    predicate: describeItems([r.item], t.events),
    score: r.odds_ratio,
    worse: r.correlation_type === 'failure',
    groups: r.bits,
  }));
}
