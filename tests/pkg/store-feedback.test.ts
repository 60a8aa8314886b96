/** Lead identity, parameter regions, the feedback summary, and how the deterministic planner uses it. */
import type { Dataset } from '../../pkg/dataset/inspect';
import { deterministicPlan } from '../../pkg/planner/deterministic';
import { applyFeedback, familyFeedback } from '../../pkg/planner/feedback';
import type { FeedbackSummary } from '../../pkg/planner/types';
import { buildFeedback } from '../../pkg/store/feedback';
import { opportunityId, paramRegion, relativeEffect } from '../../pkg/store/leads';
import type { PlanItem } from '../../pkg/compile/dag';

function dataset(): Dataset {
  return {
    events: { from: '`default`.`events`', params: {}, label: 'events', isFile: false },
    columns: [],
    spec: { source: 'events', time: 'ts', group: 'session_id', user: 'user_id', event: 'event_name', attributes: ['country'], timezone: 'UTC' },
    kpis: [{ index: 0, kpi: { name: 'crash_rate', description: 'Sessions that end in a crash', failure_events: ['crash'], higher_is_better: false }, kind: 'failure_events', binary: true, outcomeEvents: ['crash'], outcomeColumns: [] }],
    contexts: [{ spec: { name: 'backend_cpu', source: 'cpu', time: 'ts', value: 'cpu' } }],
    vocab: [],
    range: { from: 0, to: 1 },
    groups: 100,
    totalEvents: 1000,
  } as unknown as Dataset;
}

describe('lead identity', () => {
  it('is a stable 24-hex hash of the fingerprint', () => {
    const fp = 'payment_conversion/ordered_pattern:{"pattern":["web_cors_error","timeout_error"],"within_s":30}';
    expect(opportunityId(fp)).toMatch(/^[0-9a-f]{24}$/);
    expect(opportunityId(fp)).toBe(opportunityId(fp));
    expect(opportunityId(fp)).not.toBe(opportunityId(fp.replace('30', '60')));
    // sha256 of the UTF-8 text, cut to 24 characters (a known value, so the id never drifts between versions).
    expect(opportunityId('a/b:{}')).toBe(require('node:crypto').createHash('sha256').update('a/b:{}').digest('hex').slice(0, 24));
  });

  it.each([
    ['ngram', { ngram: ['a', 'b', 'c'] }, 'length=3'],
    ['ordered_pattern', { pattern: ['a', 'b'], within_s: 30 }, 'length=2,within_s=30'],
    ['absence', { after: 'login', missing: 'token_refresh', within_s: 30 }, 'kind=not_followed,within_s=30'],
    ['absence', { missing: 'token_refresh' }, 'kind=never'],
    ['lifecycle', { phase: 'returning', min_ordinal: 2, attribute: 'os', value: 'x' }, 'phase=returning'],
    ['indirect', { predicate: 'hour_band', band: 'night', from_hour: 0, to_hour: 6 }, 'predicate=hour_band'],
    ['static', { attributes: { device: 'tablet', country: 'IN' } }, 'attributes=country+device'],
    ['stateful', { feature: 'event_count', event: 'api_retry', min: 2 }, 'feature=event_count'],
    ['nonlocal', { context: 'backend_cpu', rule: 'above_p95' }, 'context=backend_cpu'],
    ['nonlocal', { predicate: 'top_values', attribute: 'country', n: 3 }, 'predicate=top_values'],
    ['static', { something: 1 }, 'keys=something'],
  ])('puts %s %j in region %s', (t, p, region) => {
    expect(paramRegion(t, p)).toBe(region);
  });

  it('measures effects on one relative scale', () => {
    expect(relativeEffect(0.3, 0.1)).toBeCloseTo(2);
    expect(relativeEffect(80, 100)).toBeCloseTo(0.2);
    expect(relativeEffect(0.3, 0)).toBeNull();
  });
});

describe('feedback summary', () => {
  it('keys regions as family:region only, so sums over a family count each lead once', () => {
    const fb = buildFeedback(
      [
        { template: 'ordered_pattern', region: 'length=2,within_s=30', leads: 3, useful: 2, dismissed: 0, mean_effect: 1.5 },
        { template: 'ordered_pattern', region: 'length=3,within_s=30', leads: 2, useful: 0, dismissed: 1, mean_effect: 0.5 },
        { template: 'static', region: 'attributes=country', leads: 4, useful: 0, dismissed: 4, mean_effect: null },
      ],
      { useful: ['a lead'], dismissed: ['another'] },
    )!;
    expect(Object.keys(fb.byFamily)).toEqual(['ordered_pattern:length=2,within_s=30', 'ordered_pattern:length=3,within_s=30', 'static:attributes=country']);
    expect(fb.byFamily['static:attributes=country']).toEqual({ useful: 0, dismissed: 4 });
    expect(familyFeedback(fb, 'ordered_pattern')).toEqual({ useful: 2, dismissed: 1, meanEffect: 1, topDismissedRegion: 'length=3,within_s=30' });
    expect(fb.notes!.join('\n')).toMatch(/9 earlier leads: 2 marked useful, 5 dismissed/);
    expect(fb.notes!.join('\n')).toMatch(/marked useful: a lead/);
    expect(buildFeedback([])).toBeUndefined();
  });
});

describe('the deterministic planner with feedback', () => {
  const item = (template: PlanItem['template']): PlanItem => ({ template, params: {}, kpis: ['crash_rate'], reason: 'every family is tested by default' });
  const FB: FeedbackSummary = {
    byFamily: {
      'static:attributes=country': { useful: 0, dismissed: 3 },
      'static:attributes=country+device': { useful: 0, dismissed: 1 },
      'absence:kind=never': { useful: 2, dismissed: 0, meanEffect: 0.8 },
      'ngram:length=2': { useful: 0, dismissed: 2 },
      'lifecycle:phase=returning': { useful: 0, dismissed: 0, meanEffect: 0.25 },
    },
  };

  it('puts families marked useful first and families only dismissed (≥3) last, saying why', () => {
    const items = applyFeedback([item('ngram'), item('absence'), item('lifecycle'), item('static'), item('stateful')], FB);
    expect(items.map((i) => i.template)).toEqual(['absence', 'ngram', 'lifecycle', 'stateful', 'static']);
    expect(items[0]!.reason).toBe('every family is tested by default; marked useful 2 times; earlier leads of this family: mean effect 80% vs the rest');
    expect(items[4]!.reason).toBe('every family is tested by default; operators dismissed 4 leads from this family (most in attributes=country)');
    // Two dismissals are not enough to move a family; they are still named.
    expect(items[1]!.reason).toBe('every family is tested by default; dismissed 2 times');
    expect(items[2]!.reason).toMatch(/mean effect 25% vs the rest$/);
    expect(items[3]!.reason).toBe('every family is tested by default');
  });

  it('keeps a family with a useful lead first even when it was also dismissed', () => {
    const items = applyFeedback([item('ngram'), item('static')], { byFamily: { 'static:attributes=country': { useful: 1, dismissed: 5 } } });
    expect(items.map((i) => i.template)).toEqual(['static', 'ngram']);
    expect(items[0]!.reason).toMatch(/marked useful once, dismissed 5 times/);
  });

  it('changes nothing without feedback', () => {
    const items = [item('ngram'), item('static')];
    expect(applyFeedback(items, undefined)).toBe(items);
    expect(applyFeedback(items, { byFamily: {} })).toBe(items);
  });

  it('is applied by deterministicPlan when the request carries feedback, with notes', () => {
    const d = dataset();
    const plain = deterministicPlan(d, {});
    const fed = deterministicPlan(d, { feedback: FB });
    expect(new Set(fed.items.map((i) => i.template))).toEqual(new Set(plain.items.map((i) => i.template)));
    expect(fed.items[0]!.template).toBe('absence');
    expect(fed.items[fed.items.length - 1]!.template).toBe('static');
    expect(fed.notes).toEqual(expect.arrayContaining(['earlier triage: absence first (marked useful)', 'earlier triage: static last (only dismissed)']));
    expect(plain.items.every((i) => i.reason === 'every family is tested by default')).toBe(true);
  });
});
