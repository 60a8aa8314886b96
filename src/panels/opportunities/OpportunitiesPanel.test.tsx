import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { dateTime, type PanelProps, type TimeRange } from '@grafana/data';
import { locationService, type BackendSrvRequest } from '@grafana/runtime';
import { OpportunitiesPanel } from './OpportunitiesPanel';
import { defaultOptions, type PanelOptions } from './types';
import { testIds } from '../../components/testIds';
import type { Lead } from '../../types/api';
import { lead as fixtureLead } from '../../pages/testing/fixtures';
import { engineFetch } from '../../pages/testing/engineMock';

const fetchMock = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: fetchMock }),
  locationService: { push: jest.fn() },
}));

const PROXY = '/api/plugin-proxy/surfacer-opportunities-app/engine';

// The pages' engine fixtures and fetch stand-in, with this panel's own lead values.
function lead(id: string, over: Partial<Lead> = {}): Lead {
  return fixtureLead(id, {
    fingerprint: `fp-${id}`,
    kpi: 'checkout_failed',
    template: 'ngram',
    region: 'r',
    title: `Sessions with pattern ${id}`,
    cohort: 'c',
    impact: 1234,
    effect: { measure: 'rate_ratio', value: 3.5 },
    relative_effect: 2.5,
    q_value: 0.001,
    p_value: 0.0001,
    cohort_size: 500,
    first_seen: '2026-01-01T00:00:00Z',
    last_seen: '2026-01-02T00:00:00Z',
    first_run_id: 'run-0',
    last_run_id: 'run-0',
    ...over,
  });
}

type Reply = { data?: unknown; status?: number };
const asEngineReply = (r: Reply) => ({ status: r.status ?? 200, body: r.data ?? {} });
function backend(routes: Record<string, Reply | ((req: BackendSrvRequest) => Reply)>) {
  const replies = Object.fromEntries(
    Object.entries(routes).map(([k, r]) => [k, typeof r === 'function' ? (req: BackendSrvRequest) => asEngineReply(r(req)) : asEngineReply(r)])
  );
  fetchMock.mockImplementation(engineFetch(replies));
}

const page = (items: Lead[], total = items.length) => ({ data: { items, total, limit: 5, offset: 0 } });

const FROM = Date.UTC(2026, 0, 10);
const TO = Date.UTC(2026, 0, 17);
const range = (from = FROM, to = TO): TimeRange => ({
  from: dateTime(from),
  to: dateTime(to),
  raw: { from: dateTime(from), to: dateTime(to) },
});

function props(options: Partial<PanelOptions> = {}, timeRange = range()): PanelProps<PanelOptions> {
  return {
    id: 1,
    data: {} as PanelProps['data'],
    timeRange,
    timeZone: 'utc',
    options: { ...defaultOptions, kpi: 'checkout_failed', ...options },
    transparent: false,
    width: 400,
    height: 300,
    fieldConfig: { defaults: {}, overrides: [] },
    renderCounter: 0,
    title: 'Opportunities',
    eventBus: {} as PanelProps['eventBus'],
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    replaceVariables: (s: string) => s,
    onChangeTimeRange: jest.fn(),
  };
}

const leadCalls = () => fetchMock.mock.calls.map(([r]) => r).filter((r) => r.url === `${PROXY}/api/opportunities`);

beforeEach(() => {
  fetchMock.mockReset();
  (locationService.push as jest.Mock).mockReset();
});

describe('OpportunitiesPanel', () => {
  it('shows the top leads for the KPI by impact, with impact, effect, New badge and a link to each lead', async () => {
    backend({
      'GET /api/opportunities': page([lead('a1'), lead('b2', { known: true, status: 'acknowledged', impact: 12_345 })], 9),
    });
    render(<OpportunitiesPanel {...props({ maxLeads: 2 })} />);

    const first = await screen.findByTestId(testIds.panel.lead('a1'));
    const second = screen.getByTestId(testIds.panel.lead('b2'));
    expect(leadCalls()).toHaveLength(1);
    expect(leadCalls()[0].params).toEqual({ kpi: 'checkout_failed', status: 'new,acknowledged,useful', sort: 'impact', limit: 2 });

    expect(first).toHaveTextContent('Sessions with pattern a1');
    expect(first.querySelector('a')).toHaveAttribute('href', '/a/surfacer-opportunities-app/opportunities/a1');
    expect(first).toHaveTextContent('1,234');
    expect(first).toHaveTextContent('×3.50');
    expect(first.querySelector(`[data-testid="${testIds.panel.newBadge}"]`)).toBeInTheDocument();
    expect(second.querySelector(`[data-testid="${testIds.panel.newBadge}"]`)).not.toBeInTheDocument();
    expect(second).toHaveTextContent('12.3K');
    expect(screen.getByText('View all (9)')).toHaveAttribute('href', '/a/surfacer-opportunities-app/opportunities');
  });

  it('scoped to one KPI: the cohort phrase (full title on hover) and numbers that say what they are', async () => {
    backend({
      'GET /api/opportunities': page([
        lead('a1', { title: 'checkout_failed is worse for groups where we retried twice', kpi_cohort: 0.86, kpi_rest: 0.14, impact: 73 }),
      ]),
    });
    render(<OpportunitiesPanel {...props()} />);
    const row = await screen.findByTestId(testIds.panel.lead('a1'));
    expect(row.querySelector('a')).toHaveAttribute('title', 'checkout_failed is worse for groups where we retried twice');
    expect(row).toHaveTextContent(/^Groups where we retried twice/);
    expect(screen.getByTestId(testIds.panel.effect)).toHaveTextContent('failure rate 86% vs 14%');
    expect(screen.getByTestId(testIds.panel.impact)).toHaveTextContent('73 excess failed groups');
  });

  it('hides the prompt box below 300 px of height', async () => {
    backend({ 'GET /api/opportunities': page([lead('a1')]) });
    const { rerender } = render(<OpportunitiesPanel {...props({ showPrompt: true })} height={180} />);
    await screen.findByTestId(testIds.panel.lead('a1'));
    expect(screen.queryByTestId(testIds.panel.prompt)).not.toBeInTheDocument();
    rerender(<OpportunitiesPanel {...props({ showPrompt: true })} height={320} />);
    expect(screen.getByTestId(testIds.panel.prompt)).toBeInTheDocument();
  });

  it('asks for every KPI when none is set, and names each lead’s KPI', async () => {
    backend({ 'GET /api/opportunities': page([lead('a1')]) });
    render(<OpportunitiesPanel {...props({ kpi: '', statuses: ['dismissed'] })} />);
    expect(await screen.findByTestId(testIds.panel.lead('a1'))).toHaveTextContent('· checkout_failed');
    expect(leadCalls()[0].params).toEqual({ status: 'dismissed', sort: 'impact', limit: 5 });
  });

  it('shows an empty state', async () => {
    backend({ 'GET /api/opportunities': page([]) });
    render(<OpportunitiesPanel {...props()} />);
    expect(await screen.findByTestId(testIds.panel.empty)).toHaveTextContent('No opportunities for checkout_failed with these statuses.');
  });

  it('says the engine is unreachable and points at the configuration page; Retry refetches', async () => {
    backend({ 'GET /api/opportunities': { status: 502 } });
    render(<OpportunitiesPanel {...props()} />);
    const error = await screen.findByTestId(testIds.panel.error);
    expect(error).toHaveTextContent('Surfacer can’t reach its engine');
    expect(error).toHaveTextContent(/unreachable through Grafana \(502\)/);
    expect(screen.getByText('Surfacer app configuration page')).toHaveAttribute('href', '/plugins/surfacer-opportunities-app');

    backend({ 'GET /api/opportunities': page([lead('a1')]) });
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByTestId(testIds.panel.lead('a1'))).toBeInTheDocument();
  });

  it('refetches when the dashboard refreshes or the time range changes', async () => {
    backend({ 'GET /api/opportunities': page([lead('a1')]) });
    const { rerender } = render(<OpportunitiesPanel {...props()} />);
    await screen.findByTestId(testIds.panel.lead('a1'));
    expect(leadCalls()).toHaveLength(1);

    const p = props();
    rerender(<OpportunitiesPanel {...p} />); // a new time range object: refresh
    await waitFor(() => expect(leadCalls()).toHaveLength(2));
    rerender(<OpportunitiesPanel {...p} width={200} />); // a resize alone doesn't refetch
    await act(async () => {});
    expect(leadCalls()).toHaveLength(2);
  });

  it('starts an investigation of the KPI over the dashboard range and opens it on the Investigate page', async () => {
    backend({
      'GET /api/opportunities': page([]),
      'POST /api/runs': { data: { id: 'run-42', status: 'queued' }, status: 202 },
    });
    render(<OpportunitiesPanel {...props()} />);
    await screen.findByTestId(testIds.panel.empty);

    fireEvent.change(screen.getByTestId(testIds.panel.prompt), { target: { value: '  failures after the update  ' } });
    fireEvent.click(screen.getByTestId(testIds.panel.start));

    await waitFor(() => expect(locationService.push).toHaveBeenCalledWith('/a/surfacer-opportunities-app/investigate?run=run-42'));
    const post = fetchMock.mock.calls.map(([r]) => r).find((r) => r.method === 'POST');
    expect(post.url).toBe(`${PROXY}/api/runs`);
    expect(post.data).toEqual({
      prompt: 'failures after the update',
      kpis: ['checkout_failed'],
      from: '2026-01-10T00:00:00.000Z',
      to: '2026-01-17T00:00:00.000Z',
    });
  });

  it('says why an investigation did not start (e.g. a Viewer: the POST route needs Editor)', async () => {
    backend({ 'GET /api/opportunities': page([]), 'POST /api/runs': { status: 403 } });
    render(<OpportunitiesPanel {...props()} />);
    await screen.findByTestId(testIds.panel.empty);
    fireEvent.click(screen.getByTestId(testIds.panel.start));
    expect(await screen.findByText('The investigation did not start')).toBeInTheDocument();
    expect(screen.getByText(/refused the request \(403\)/)).toBeInTheDocument();
    expect(locationService.push).not.toHaveBeenCalled();
    expect(screen.getByTestId(testIds.panel.start)).toBeEnabled();
  });

  it('hides the prompt box when the option is off, and fits the panel size', async () => {
    backend({ 'GET /api/opportunities': page([lead('a1')]) });
    render(<OpportunitiesPanel {...props({ showPrompt: false })} />);
    await screen.findByTestId(testIds.panel.lead('a1'));
    expect(screen.queryByTestId(testIds.panel.prompt)).not.toBeInTheDocument();
    expect(screen.getByTestId(testIds.panel.container)).toHaveStyle({ width: '400px', height: '300px' });
  });
});
