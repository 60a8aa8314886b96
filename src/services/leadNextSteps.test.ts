import { groupEventsSql, refinementSentence, relatedSentence, topN } from './leadNextSteps';

const r = {
  key: 'k',
  template: 'static',
  cohort: 'groups with device = tablet',
  params: {},
  cohort_size: 120,
  kpi_cohort: 0.92,
  kpi_rest: 0.4,
  effect: { measure: 'relative_difference', value: 1.3, ci_low: 1, ci_high: 1.6 },
  q_value: 0.00001,
  sql: 'SELECT 1',
};

describe('next steps on a lead', () => {
  test('a refinement reads as a sentence with what it compares', () => {
    expect(refinementSentence(r, 'payment_conversion', 'rate', 'session')).toBe(
      "Sessions with device = tablet: failure rate 92% vs 40% in this cohort's other sessions (120 sessions, q 1.0e-5)."
    );
  });

  test('shows three, then how many more', () => {
    expect(topN([1, 2, 3, 4, 5], 3, false)).toEqual({ shown: [1, 2, 3], more: 2 });
    expect(topN([1, 2, 3, 4, 5], 3, true)).toEqual({ shown: [1, 2, 3, 4, 5], more: 0 });
    expect(topN([1, 2], 3, false)).toEqual({ shown: [1, 2], more: 0 });
  });

  test('a related hypothesis key reads as words, not JSON', () => {
    expect(relatedSentence('absence:{"a":"login","b":"token_refresh","within":"60s"}')).toBe(
      'absence: a login, b token_refresh, within 60s'
    );
    expect(relatedSentence('ordered_pattern:{"events":["a","b"]}')).toBe('ordered pattern: events a → b');
    expect(relatedSentence('ordered_pattern:{"pattern":["buy_plan","timeout_error"],"within_s":30}')).toBe(
      'ordered pattern: pattern buy_plan → timeout_error, within 30 s'
    );
    expect(relatedSentence('not a key')).toBe('not a key');
  });

  test("one group's events for Explore, when the source is a table", () => {
    expect(groupEventsSql({ source: 'telemetry.events', time: 'ts', group: 'session_id' }, "s-1'x")).toBe(
      "SELECT *\nFROM telemetry.events\nWHERE session_id = 's-1\\'x'\nORDER BY ts\nLIMIT 1000"
    );
    expect(groupEventsSql({ source: './events.parquet', time: 'ts', group: 'g' }, '1')).toBeUndefined();
  });
});
