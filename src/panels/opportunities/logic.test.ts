import { dateTime } from '@grafana/data';
import { clampLimit, cleanStatuses, investigateRunUrl, isConnectionProblem, leadLabel, leadQuery, runRequest } from './logic';

describe('panel logic', () => {
  it('asks for the KPI’s top leads by impact', () => {
    expect(leadQuery({ kpi: ' checkout_failed ', statuses: ['new', 'useful'], maxLeads: 7 })).toEqual({
      kpi: ['checkout_failed'],
      status: ['new', 'useful'],
      sort: 'impact',
      limit: 7,
    });
  });

  it('falls back to every KPI, the default statuses and a sane limit', () => {
    expect(leadQuery({ kpi: '', statuses: [], maxLeads: 0 })).toEqual({ status: ['new', 'acknowledged', 'useful'], sort: 'impact', limit: 1 });
    expect(clampLimit(500)).toBe(50);
    expect(clampLimit('x')).toBe(5);
    expect(clampLimit(2.6)).toBe(3);
    expect(cleanStatuses(['new', 'bogus', 'new', 'dismissed'])).toEqual(['new', 'dismissed']);
    expect(cleanStatuses(undefined)).toEqual(['new', 'acknowledged', 'useful']);
  });

  it('builds the run request from the prompt, KPI and dashboard range', () => {
    const range = { from: dateTime(Date.UTC(2026, 2, 1)), to: dateTime(Date.UTC(2026, 2, 8)) };
    expect(runRequest('  why?  ', { kpi: 'checkout_failed' }, range)).toEqual({
      prompt: 'why?',
      kpis: ['checkout_failed'],
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-08T00:00:00.000Z',
    });
    expect(runRequest('', { kpi: '' }, { from: range.to, to: range.from })).toEqual({});
  });

  it('links to the Investigate page watching the run', () => {
    expect(investigateRunUrl('run 1')).toBe('/a/surfacer-opportunities-app/investigate?run=run%201');
  });

  it('tells connection problems from bad requests', () => {
    expect([0, 401, 403, 404, 500, 502, 503, 504].every(isConnectionProblem)).toBe(true);
    expect([400, 409, 422].some(isConnectionProblem)).toBe(false);
  });
});

describe('leadLabel', () => {
  test('scoped to one KPI, only the cohort phrase; otherwise the whole title', () => {
    const title = 'payment_conversion is worse for sessions where we retried twice';
    expect(leadLabel(title, 'payment_conversion')).toBe('Sessions where we retried twice');
    expect(leadLabel(title, undefined)).toBe(title);
    expect(leadLabel(title, 'error_rate')).toBe(title);
  });
});
