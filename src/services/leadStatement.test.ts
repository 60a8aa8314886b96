import {
  familyLabel,
  vocabularyOf,
  compare,
  formatKpi,
  groupNoun,
  impactText,
  kpiKindOf,
  kpiUnit,
  plural,
  withNoun,
} from './leadStatement';

describe('leadStatement', () => {
  test('states a rate KPI as failure rate in the cohort vs the rest', () => {
    expect(compare({ kpi: 'payment_conversion', kpi_cohort: 0.857, kpi_rest: 0.1412 }, 'rate')).toEqual({
      label: 'failure rate',
      values: '86% vs 14%',
    });
    // Small rates keep a decimal, so 0.4% and 0.2% do not both read "0%".
    expect(compare({ kpi: 'error_rate', kpi_cohort: 0.004, kpi_rest: 0.0021 }, 'rate')!.values).toBe('0.4% vs 0.2%');
  });

  test('states a numeric KPI in its unit, from the name', () => {
    expect(compare({ kpi: 'page_load_ms', kpi_cohort: 2046.4, kpi_rest: 1018.2 }, 'numeric')).toEqual({
      label: 'page load',
      values: '2,046 ms vs 1,018 ms',
    });
    expect(kpiUnit('score')).toBe('');
    expect(formatKpi('numeric', 3.14159)).toBe('3.1');
  });

  test('says nothing when the engine did not give the two values', () => {
    expect(compare({ kpi: 'x' }, 'rate')).toBeUndefined();
    expect(compare({ kpi: 'x', kpi_cohort: 0.2, kpi_rest: null }, 'rate')).toBeUndefined();
  });

  test('gives impact a unit', () => {
    expect(impactText({ kpi: 'payment_conversion', impact: 73.4 }, 'rate', 'session')).toEqual({
      value: '73',
      unit: 'excess failed sessions',
    });
    expect(impactText({ kpi: 'page_load_ms', impact: 241_400 }, 'numeric', 'session')).toEqual({
      value: '241.4K',
      unit: 'excess ms',
    });
    expect(impactText({ kpi: 'score', impact: 12 }, 'numeric', 'session').unit).toBe('excess (KPI total)');
  });

  test('takes the group noun from the group column', () => {
    expect(groupNoun('session_id')).toBe('session');
    expect(groupNoun('trace_id')).toBe('trace');
    expect(groupNoun('block')).toBe('block');
    expect(groupNoun(undefined)).toBe('group');
    expect(plural('session')).toBe('sessions');
    expect(plural('session', 1)).toBe('session');
    expect(withNoun('payment_conversion is worse for groups where a group retried', 'session')).toBe(
      'payment_conversion is worse for sessions where a session retried'
    );
    expect(kpiKindOf('numeric')).toBe('numeric');
    expect(kpiKindOf('funnel')).toBe('rate');
    const v = vocabularyOf([{ name: 'page_load_ms', kind: 'numeric' }], 'trace_id');
    expect([v.kindOf('page_load_ms'), v.kindOf('unknown'), v.noun]).toEqual(['numeric', 'rate', 'trace']);
  });
});

describe('familyLabel', () => {
  test('families read in words; an unknown id reads as itself', () => {
    const labels = { ngram: 'event sequence', nonlocal: 'context overlap' };
    expect(familyLabel('ngram', labels)).toBe('event sequence');
    expect(familyLabel('nonlocal', labels)).toBe('context overlap');
    expect(familyLabel('new_family', labels)).toBe('new family');
  });
});
