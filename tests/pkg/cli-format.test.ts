import { formatKpiLeads, formatTable, groupNoun } from '../../pkg/cli/format';
import type { Opportunity, Report } from '../../pkg/pipeline/analyze';

/** The CLI's table says what its numbers count: the dataset's noun for groups, and impact with its unit. */
describe('CLI report wording', () => {
  const lead = (kpi: string, o: Partial<Opportunity>): Opportunity =>
    ({
      rank: 1,
      kpi,
      template: 'ngram',
      title: `${kpi} is worse for groups where a, b occur back to back`,
      cohort: 'groups where a, b occur back to back',
      cohort_size: 120,
      kpi_cohort: 0.5,
      kpi_rest: 0.1,
      effect: { measure: 'relative_difference', value: 4, ci_low: 2, ci_high: 6 },
      q_value: 1e-6,
      impact: 48,
      stable: true,
      ...o,
    }) as Opportunity;
  const report = {
    hypotheses_tested: 1234,
    groups: 2996,
    events: 300_000,
    window: { from: '2026-10-01T00:00:00.000Z', to: '2026-11-14T00:00:00.000Z' },
    sample: null,
    kpis: [
      { name: 'payment_conversion', kind: 'funnel', groups: 2996, value: 0.142, coverage: 0.3 },
      { name: 'page_load_ms', kind: 'numeric', groups: 2500, value: 1018.2, coverage: 0.1 },
    ],
    opportunities: [
      lead('payment_conversion', {}),
      lead('page_load_ms', { kpi_cohort: 2046.1, kpi_rest: 1018.2, impact: 241_400 }),
    ],
  } as unknown as Report;

  test('the group noun comes from the group column', () => {
    expect(groupNoun('session_id')).toBe('session');
    expect(groupNoun('trace')).toBe('trace');
    expect(groupNoun(undefined)).toBe('group');
  });

  test('counts are sessions, KPIs say what they measure, impact says its unit', () => {
    const text = formatTable(report, { noun: 'session' });
    expect(text).toContain('hypotheses tested on 2,996 sessions, 300,000 events');
    expect(text).toContain('■ payment_conversion: failure rate 14.2% over 2,996 sessions — 1 lead; impact in excess failed sessions');
    expect(text).toContain('■ page_load_ms: mean 1018.2 ms over 2,500 sessions — 1 lead; impact in excess ms');
    expect(text).toContain('2046.1 ms / 1018.2 ms');
    expect(text).toContain('sessions where a, b occur back to back [ngram]');
    expect(text).not.toMatch(/\bgroups?\b/);
  });

  test('streamed KPI leads carry the same units', () => {
    const text = formatKpiLeads('page_load_ms', 'numeric', [report.opportunities[1]!], 'session');
    expect(text).toContain('1. sessions where a, b occur back to back: mean 2046.1 ms vs 1018.2 ms, impact 241400 excess ms');
  });
});
