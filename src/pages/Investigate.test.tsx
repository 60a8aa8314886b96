import React from 'react';
import { throwError } from 'rxjs';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { OrgRole } from '@grafana/data';
import { config } from '@grafana/runtime';
import { testIds } from '../components/testIds';
import Investigate from './Investigate';
import { calls, engineError, engineFetch, type Handler } from './testing/engineMock';
import * as fx from './testing/fixtures';

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

function Where() {
  const l = useLocation();
  return <div data-testid="where">{l.search}</div>;
}

function renderAt(search: string) {
  return render(
    <MemoryRouter initialEntries={[`/a/surfacer-opportunities-app/investigate${search}`]}>
      <Routes>
        <Route
          path="/a/surfacer-opportunities-app/investigate"
          element={
            <>
              <Investigate />
              <Where />
            </>
          }
        />
      </Routes>
    </MemoryRouter>
  );
}

const base: Record<string, Handler> = {
  'GET /api/kpis': fx.kpis,
  'GET /api/templates': fx.templates,
  'GET /api/dataset': fx.dataset,
  'GET /api/runs': fx.page([fx.run('r0', 'succeeded')], 1, 10),
  // The engine's pick for a panel title (pkg/planner kpisForPrompt; tests/pkg/scope-run.test.ts checks the route).
  'GET /api/scope/kpis': (req: { params?: { prompt?: string } }) =>
    /login/i.test(req.params?.prompt ?? '')
      ? { kpis: ['login_failure'], why: 'login_failure (prompt mentions login)' }
      : { kpis: [], why: '' },
};

describe('Investigate', () => {
  beforeEach(() => {
    mockFetch.mockReset();
    config.bootData.user = { ...config.bootData.user, orgRole: OrgRole.Editor };
  });

  test('prefills prompt, KPIs and time range from the URL', async () => {
    mockFetch.mockImplementation(engineFetch(base));
    renderAt(
      '?prompt=Why%20do%20logins%20fail%3F&kpi=login_failure,page_load_ms&from=1788220800000&to=2026-10-01T00:00:00Z&dashboardUid=d1'
    );
    expect(screen.getByTestId(testIds.investigate.prompt)).toHaveValue('Why do logins fail?');
    const picker = screen.getByTestId(testIds.investigate.kpiPicker);
    await waitFor(() => expect(within(picker).getByText('login_failure')).toBeInTheDocument());
    expect(within(picker).getByText('page_load_ms')).toBeInTheDocument();
    expect(within(picker).queryByText('checkout_conversion')).not.toBeInTheDocument();
    // The time range override is shown (not the "whole dataset" placeholder), with the dataset's range as a hint.
    const range = screen.getByTestId(testIds.investigate.timeRange);
    expect(within(range).queryByText(/Whole dataset/)).not.toBeInTheDocument();
    expect(within(range).getByText(/2026-09-01 00:00:00/)).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getByText(/Default: the whole dataset, Sep 1, 2026 – Oct 1, 2026/)).toBeInTheDocument()
    );
    expect(screen.getByRole('link', { name: /back to dashboard/i })).toHaveAttribute('href', '/d/d1');
    // Recent runs listed.
    await waitFor(() =>
      expect(within(screen.getByTestId(testIds.investigate.recentRuns)).getByText('Succeeded')).toBeInTheDocument()
    );
  });

  test('a panel title without KPIs preselects the KPIs it names and suggests a prompt', async () => {
    mockFetch.mockImplementation(engineFetch(base));
    renderAt('?panelTitle=Login%20failures%20by%20country');
    expect((screen.getByTestId(testIds.investigate.prompt) as HTMLTextAreaElement).value).toContain(
      'Login failures by country'
    );
    const picker = screen.getByTestId(testIds.investigate.kpiPicker);
    await waitFor(() => expect(within(picker).getByText('login_failure')).toBeInTheDocument());
    expect(within(picker).queryByText('page_load_ms')).not.toBeInTheDocument();
    expect(screen.getByText(/From the dashboard panel “Login failures by country”/)).toBeInTheDocument();
  });

  test('start → progress (queued → running → succeeded) → plan and ranked leads, run id in the URL', async () => {
    const states = [fx.run('r1', 'queued'), fx.run('r1', 'running'), fx.run('r1', 'succeeded')];
    let polls = 0;
    mockFetch.mockImplementation(
      engineFetch({
        ...base,
        'POST /api/runs': { status: 202, body: { ...fx.run('r1', 'queued'), plan: null } },
        'GET /api/runs/r1': () => states[Math.min(polls++, states.length - 1)],
        'GET /api/opportunities': fx.page([
          fx.lead('aaaaaaaaaaaaaaaaaaaaaaaa'),
          fx.lead('bbbbbbbbbbbbbbbbbbbbbbbb', { known: true, runs_seen: 3, impact: 100 }),
        ]),
      })
    );
    renderAt('?kpi=login_failure');
    fireEvent.change(screen.getByTestId(testIds.investigate.prompt), { target: { value: 'Why do logins fail?' } });
    fireEvent.click(screen.getByTestId(testIds.investigate.start));

    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent('run=r1'));
    expect(screen.getByTestId('where')).toHaveTextContent('kpi=login_failure');
    const post = calls(mockFetch).find((c) => c.key === 'POST /api/runs')!;
    expect(post.data).toEqual({ prompt: 'Why do logins fail?', kpis: ['login_failure'] });

    // Running: stage, done/total with unit, message, Cancel.
    await waitFor(() => expect(screen.getByTestId(testIds.investigate.progress)).toHaveTextContent('3 / 12 queries'), {
      timeout: 4000,
    });
    expect(screen.getByTestId(testIds.investigate.progress)).toHaveTextContent('Running queries');
    expect(screen.getByTestId(testIds.investigate.progress)).toHaveTextContent('absence_login');
    expect(screen.getByTestId(testIds.investigate.cancel)).toBeInTheDocument();
    // The plan is one line; its reasons are a click away.
    expect(screen.getByTestId(testIds.investigate.planSummary)).toHaveTextContent(
      /planner · login_failure · \d+ famil/
    );
    expect(screen.queryByTestId(testIds.investigate.plan)).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: /Plan details/ }));
    expect(screen.getByTestId(testIds.investigate.plan)).toHaveTextContent(
      'Login failures often follow a missing token refresh'
    );
    // The form is down to its prompt while a run is on screen; its options are a click away.
    expect(screen.queryByTestId(testIds.investigate.kpiPicker)).not.toBeInTheDocument();
    expect(screen.getByTestId(testIds.investigate.options)).toBeInTheDocument();

    // Succeeded: leads of this run by impact, new/known badges, triage actions.
    const results = await screen.findByTestId(testIds.investigate.results, {}, { timeout: 4000 });
    await waitFor(() => expect(within(results).getByTestId(testIds.leads.table)).toBeInTheDocument());
    expect(within(results).getAllByTestId(testIds.leads.newBadge)).toHaveLength(1);
    expect(within(results).getAllByTestId(testIds.leads.knownBadge)).toHaveLength(1);
    expect(within(results).getAllByTestId(testIds.triage.useful)).toHaveLength(2);
    expect(within(results).getAllByTestId(testIds.leads.title)[0]).toHaveAttribute(
      'href',
      '/a/surfacer-opportunities-app/opportunities/aaaaaaaaaaaaaaaaaaaaaaaa?run=r1'
    );
    expect(screen.queryByTestId(testIds.investigate.cancel)).not.toBeInTheDocument();
    // Leads come right after the status, the plan after the leads.
    const order = [testIds.investigate.progress, testIds.investigate.results, testIds.investigate.planSummary].map(
      (id) => screen.getByTestId(id)
    );
    expect(order[0].compareDocumentPosition(order[1]) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(order[1].compareDocumentPosition(order[2]) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    const leadsCall = calls(mockFetch).find((c) => c.key === 'GET /api/opportunities')!;
    expect(leadsCall.params).toMatchObject({ run: 'r1', sort: 'impact' });
    // Polling stopped at the terminal state.
    const n = calls(mockFetch).filter((c) => c.key === 'GET /api/runs/r1').length;
    await act(() => new Promise((r) => setTimeout(r, 1300)));
    expect(calls(mockFetch).filter((c) => c.key === 'GET /api/runs/r1').length).toBe(n);
  }, 20000);

  test('shows the prompt’s scope as chips before the run; a removed chip is left out of the request', async () => {
    mockFetch.mockImplementation(
      engineFetch({
        ...base,
        'GET /api/scope': (req: { params?: { prompt?: string } }) =>
          /android/.test(req.params?.prompt ?? '') ? fx.scopePreview : { filters: [], used: [] },
        'POST /api/runs': { status: 202, body: { ...fx.run('r1', 'queued'), plan: null } },
        'GET /api/runs/r1': fx.run('r1', 'queued'),
      })
    );
    renderAt('');
    fireEvent.change(screen.getByTestId(testIds.investigate.prompt), {
      target: { value: 'what makes pages slow on android this week' },
    });
    const chips = await screen.findByTestId(testIds.investigate.scope, {}, { timeout: 3000 });
    expect(chips).toHaveTextContent('os_version: android_13, android_14');
    expect(chips).toHaveTextContent('the last 7 days of data (2026-11-07 – 2026-11-14)');
    fireEvent.click(screen.getByRole('button', { name: /Remove os_version/ }));
    expect(screen.queryByTestId(testIds.investigate.scopeChip('filter:os_version'))).not.toBeInTheDocument();
    fireEvent.click(screen.getByTestId(testIds.investigate.start));
    await waitFor(() => expect(calls(mockFetch).some((c) => c.key === 'POST /api/runs')).toBe(true));
    expect(calls(mockFetch).find((c) => c.key === 'POST /api/runs')!.data).toEqual({
      prompt: 'what makes pages slow on android this week',
      filters: [],
      from: '2026-11-07T00:00:00.000Z',
      to: '2026-11-14T00:00:00.000Z',
    });
  });

  test('a Viewer sees Start disabled with who can start, and no Cancel', async () => {
    config.bootData.user = { ...config.bootData.user, orgRole: OrgRole.Viewer };
    mockFetch.mockImplementation(engineFetch({ ...base, 'GET /api/runs/r1': fx.run('r1', 'running') }));
    renderAt('?run=r1');
    await screen.findByTestId(testIds.investigate.progress);
    // Disabled with a hover reason: @grafana/ui's Button keeps it focusable (aria-disabled) and drops the click.
    expect(screen.getByTestId(testIds.investigate.start)).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByTestId(testIds.investigate.editBlocked)).toHaveTextContent('Editors can start investigations');
    expect(screen.queryByTestId(testIds.investigate.cancel)).not.toBeInTheDocument();
  });

  test('an unreachable engine shows one banner and turns Start off', async () => {
    // Grafana's proxy answers 502 with its own body when the engine does not answer.
    mockFetch.mockImplementation(() =>
      throwError(() => ({ status: 502, statusText: 'Bad Gateway', data: { message: 'Bad Gateway' } }))
    );
    renderAt('');
    const banner = await screen.findByTestId(testIds.states.engineBanner);
    expect(banner).toHaveTextContent('unreachable');
    expect(screen.getByTestId(testIds.investigate.start)).toBeDisabled();
    expect(screen.queryByText('Could not load recent runs')).not.toBeInTheDocument();
  });

  test('a reload with ?run= resumes watching; a failed run shows its error', async () => {
    mockFetch.mockImplementation(engineFetch({ ...base, 'GET /api/runs/r2': fx.run('r2', 'failed') }));
    renderAt('?run=r2');
    const err = await screen.findByTestId(testIds.investigate.runError);
    expect(err).toHaveTextContent('Memory limit (for query) exceeded');
    expect(err).toHaveTextContent('Run failed');
    expect(screen.queryByTestId(testIds.investigate.results)).not.toBeInTheDocument();
  });

  test('cancel asks the engine and shows the cancelled run', async () => {
    mockFetch.mockImplementation(
      engineFetch({
        ...base,
        'GET /api/runs/r3': fx.run('r3', 'running'),
        'POST /api/runs/r3/cancel': fx.run('r3', 'cancelled', { error: 'cancelled by request' }),
      })
    );
    renderAt('?run=r3');
    fireEvent.click(await screen.findByTestId(testIds.investigate.cancel));
    const err = await screen.findByTestId(testIds.investigate.runError);
    expect(err).toHaveTextContent('cancelled by request');
    expect(calls(mockFetch).some((c) => c.key === 'POST /api/runs/r3/cancel')).toBe(true);
  });

  test('the engine’s 400 issues are shown by field', async () => {
    mockFetch.mockImplementation(
      engineFetch({
        ...base,
        'POST /api/runs': engineError(400, 'body.kpis[0]: unknown KPI nope', [
          { path: 'body.kpis[0]', message: 'unknown KPI nope; KPIs are: login_failure' },
        ]),
      })
    );
    renderAt('?kpi=nope');
    fireEvent.click(screen.getByTestId(testIds.investigate.start));
    expect((await screen.findAllByText(/unknown KPI nope; KPIs are: login_failure/)).length).toBeGreaterThanOrEqual(1);
    expect(screen.getByText('body.kpis[0]')).toBeInTheDocument();
    expect(screen.getByTestId('where')).not.toHaveTextContent('run=');
  });

  test('family parameters must be a JSON object before anything is sent', async () => {
    mockFetch.mockImplementation(engineFetch(base));
    renderAt('');
    fireEvent.click(screen.getByText('Advanced: families and parameters'));
    const box = await screen.findByLabelText('absence parameters');
    fireEvent.change(box, { target: { value: '{"within": 30s}' } });
    fireEvent.click(screen.getByTestId(testIds.investigate.start));
    expect((await screen.findAllByText(/not valid JSON/)).length).toBeGreaterThan(0);
    expect(calls(mockFetch).some((c) => c.key === 'POST /api/runs')).toBe(false);
  });
});
