import { planLine } from './planSummary';

const item = (template: string) => ({ template, params: {}, kpis: [], reason: 'every family is tested by default' });

describe('planLine', () => {
  test('says planner, KPIs and how many families in one line', () => {
    expect(
      planLine({
        planner: 'deterministic',
        fallback: null,
        kpis: ['payment_conversion'],
        items: [item('ngram'), item('static'), item('ngram')],
      })
    ).toBe('deterministic planner · payment_conversion · 2 families');
    expect(planLine({ planner: 'deterministic', fallback: 'no model', kpis: [], items: [item('static')] })).toBe(
      'deterministic planner (LLM not used) · all KPIs · 1 family (static)'
    );
  });
});
