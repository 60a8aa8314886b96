import { planLine, scopeLine } from './planSummary';

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

describe('scopeLine', () => {
  test('says what the run kept to, from which words, and which words nothing used', () => {
    expect(
      scopeLine({
        filters: [
          { attribute: 'os_version', values: ['android_13', 'android_14'] },
          { attribute: 'device', values: ['tv'] },
        ],
        used: [{ phrase: 'android', as: 'os_version in android_13, android_14' }],
        ignored: ['wobbly'],
      })
    ).toBe('os_version in android_13, android_14 (“android”) · device in tv · ignored: wobbly');
    expect(scopeLine({ filters: [], used: [], ignored: [] })).toBeUndefined();
    expect(scopeLine(undefined)).toBeUndefined();
  });
});
