import React from 'react';
import { OrgRole } from '@grafana/data';
import { config } from '@grafana/runtime';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { testIds } from '../components/testIds';
import LeadDetail from './LeadDetail';
import { calls, engineError, engineFetch, type Handler } from './testing/engineMock';
import * as fx from './testing/fixtures';

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const ID = fx.LEAD_ID;
function renderAt(path: string, dsUid?: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route
          path="/a/surfacer-opportunities-app/opportunities/:id"
          element={<LeadDetail clickhouseDatasourceUid={dsUid} />}
        />
      </Routes>
    </MemoryRouter>
  );
}
const routes: Record<string, Handler> = {
  'GET /api/kpis': fx.kpis,
  'GET /api/dataset': fx.dataset,
  [`GET /api/opportunities/${ID}`]: fx.leadDetail(),
};

describe('LeadDetail', () => {
  beforeEach(() => {
    mockFetch.mockReset();
    config.bootData.user = { ...config.bootData.user, orgRole: OrgRole.Editor };
  });

  test('renders statement, stats with CI, stability, trend, chart with bands, examples, related, SQL, history and triage log', async () => {
    mockFetch.mockImplementation(engineFetch(routes));
    renderAt(`/a/surfacer-opportunities-app/opportunities/${ID}`, 'ch-uid');
    expect(await screen.findByTestId(testIds.lead.statement)).toHaveTextContent(
      'An association in the data, not a proven cause.'
    );

    const stats = screen.getByTestId(testIds.lead.stats);
    expect(stats).toHaveTextContent('412');
    expect(stats).toHaveTextContent('×3.92 [3.10, 4.80]');
    expect(stats).toHaveTextContent('failure rate: cohort vs rest20% vs 5%');
    expect(stats).toHaveTextContent('Impact (excess failed sessions)412');
    expect(stats).toHaveTextContent('830');
    expect(stats).toHaveTextContent('1.0e-5');
    expect(stats).toHaveTextContent('1.2e-4');

    const stability = screen.getByTestId(testIds.lead.stability);
    expect(stability).toHaveTextContent('Stable');
    expect(stability).toHaveTextContent('Sep 1, 2026 – Sep 16, 2026');
    expect(stability).toHaveTextContent('Getting worse sinceSep 12, 2026');

    const chart = screen.getByTestId(testIds.lead.chart);
    expect(chart.querySelector('[data-testid="band-cohort"]')!.getAttribute('d')).toMatch(/Z/);
    expect(chart).toHaveTextContent('95% Wilson interval');
    expect(within(chart).getByText('09-01')).toBeInTheDocument();

    expect(screen.getByTestId(testIds.lead.examples)).toHaveTextContent('s-002');
    expect(screen.getByTestId(testIds.lead.examples)).toHaveTextContent('session_id');
    expect(screen.getByTestId(testIds.lead.related)).toHaveTextContent('token_refresh');
    expect(stats).toHaveTextContent('38.3% of failed sessions; 25.0% not in leads above');
    const refinements = screen.getByTestId(testIds.lead.refinements);
    // A sentence in the dataset's noun (group column session_id), saying what it compares.
    expect(refinements).toHaveTextContent(
      "Sessions with os_version = android_14: failure rate 55% vs 12% in this cohort's other sessions (120 sessions"
    );
    // Each example id opens Explore on that session's events.
    const example = screen.getAllByTestId(testIds.lead.exampleLink)[0];
    const examplePanes = JSON.parse(new URL(example.getAttribute('href')!, 'http://x').searchParams.get('panes')!);
    expect(examplePanes.a.queries[0].rawSql).toBe(
      `SELECT *\nFROM events\nWHERE session_id = '${example.textContent}'\nORDER BY ts\nLIMIT 1000`
    );
    expect(screen.getByTestId(testIds.lead.sql)).toHaveTextContent('SELECT g AS `session_id`');

    const explore = screen.getByTestId(testIds.lead.explore);
    const href = explore.getAttribute('href')!;
    expect(href.startsWith('/explore?schemaVersion=1&orgId=1&panes=')).toBe(true);
    const panes = JSON.parse(new URL(href, 'http://x').searchParams.get('panes')!);
    expect(panes.a.datasource).toBe('ch-uid');
    expect(panes.a.queries[0]).toMatchObject({
      editorType: 'sql',
      format: 1,
      queryType: 'table',
      rawSql: fx.leadDetail().evidence.sql,
    });
    expect(panes.a.range).toEqual({ from: String(Date.UTC(2026, 8, 1)), to: String(Date.UTC(2026, 8, 5)) });

    const history = screen.getByTestId(testIds.lead.history);
    expect(within(history).getAllByRole('link')[0]).toHaveAttribute(
      'href',
      `/a/surfacer-opportunities-app/opportunities/${ID}?run=r2`
    );
    expect(screen.getByText('“looking into it”')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.triage.acknowledge)).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByTestId(testIds.triage.note)).toHaveValue('looking into it');
  });

  test('numeric KPI: no band, says so; ?run= asks for that run’s evidence; Explore disabled without a data source', async () => {
    const d = fx.leadDetail({ kpi: 'page_load_ms' });
    mockFetch.mockImplementation(engineFetch({ ...routes, [`GET /api/opportunities/${ID}`]: d }));
    renderAt(`/a/surfacer-opportunities-app/opportunities/${ID}?run=r1`);
    const chart = await screen.findByTestId(testIds.lead.chart);
    expect(chart.querySelector('[data-testid="band-cohort"]')).toBeNull();
    expect(chart).toHaveTextContent('No uncertainty band');
    expect(calls(mockFetch).find((c) => c.key === `GET /api/opportunities/${ID}`)!.params).toEqual({ run: 'r1' });
    expect(screen.getByTestId(testIds.lead.explore)).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByTestId(testIds.lead.explore)).not.toHaveAttribute('href', expect.stringContaining('explore'));
  });

  test('a Viewer cannot triage here either, and is told who can', async () => {
    config.bootData.user = { ...config.bootData.user, orgRole: OrgRole.Viewer };
    mockFetch.mockImplementation(engineFetch(routes));
    renderAt(`/a/surfacer-opportunities-app/opportunities/${ID}`);
    const useful = await screen.findByTestId(testIds.triage.useful);
    expect(useful).toHaveAttribute('aria-disabled', 'true');
    fireEvent.click(useful);
    expect(calls(mockFetch).some((c) => c.key.startsWith('PATCH'))).toBe(false);
  });

  test('triage from the detail page', async () => {
    mockFetch.mockImplementation(
      engineFetch({
        ...routes,
        [`PATCH /api/opportunities/${ID}`]: () =>
          fx.lead(ID, { status: 'useful', note: 'looking into it', known: true }),
      })
    );
    renderAt(`/a/surfacer-opportunities-app/opportunities/${ID}`);
    fireEvent.click(await screen.findByTestId(testIds.triage.useful));
    await waitFor(() => expect(screen.getByTestId(testIds.triage.useful)).toHaveAttribute('aria-pressed', 'true'));
    expect(calls(mockFetch).find((c) => c.key.startsWith('PATCH'))!.data).toMatchObject({ status: 'useful' });
    // The detail's own fields survive the update.
    expect(screen.getByTestId(testIds.lead.sql)).toBeInTheDocument();
  });

  test('unknown lead: designed error', async () => {
    mockFetch.mockImplementation(
      engineFetch({
        'GET /api/kpis': fx.kpis,
        [`GET /api/opportunities/${ID}`]: engineError(404, `no opportunity with id ${ID}`),
      })
    );
    renderAt(`/a/surfacer-opportunities-app/opportunities/${ID}`);
    expect(await screen.findByTestId(testIds.states.error)).toHaveTextContent(`no opportunity with id ${ID}`);
  });
});
