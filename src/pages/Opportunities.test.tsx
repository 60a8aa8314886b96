import React from 'react';
import { Subject } from 'rxjs';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { OrgRole } from '@grafana/data';
import { config } from '@grafana/runtime';
import { testIds } from '../components/testIds';
import Opportunities from './Opportunities';
import { calls, engineFetch, type Handler } from './testing/engineMock';
import * as fx from './testing/fixtures';

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

function Where() {
  return <div data-testid="where">{useLocation().search}</div>;
}

function renderAt(search: string) {
  return render(
    <MemoryRouter initialEntries={[`/a/surfacer-opportunities-app/opportunities${search}`]}>
      <Routes>
        <Route
          path="/a/surfacer-opportunities-app/opportunities"
          element={
            <>
              <Opportunities />
              <Where />
            </>
          }
        />
      </Routes>
    </MemoryRouter>
  );
}

const A = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const routes: Record<string, Handler> = {
  'GET /api/kpis': fx.kpis,
  'GET /api/opportunities': (req: { params?: { offset?: number } }) =>
    fx.page(
      [fx.lead(A), fx.lead(B, { known: true, runs_seen: 4, status: 'useful', note: 'owner: auth team' })],
      60,
      25,
      req.params?.offset ?? 0
    ),
};
const leadCalls = () => calls(mockFetch).filter((c) => c.key === 'GET /api/opportunities');

describe('Opportunities', () => {
  beforeEach(() => {
    mockFetch.mockReset();
    config.bootData.user = { ...config.bootData.user, login: 'alice', orgRole: OrgRole.Editor };
  });

  test('filters, sort and page from the URL make the engine query; a filter change resets the page', async () => {
    mockFetch.mockImplementation(engineFetch(routes));
    renderAt('?kpi=login_failure&status=new,acknowledged&template=absence&known=new&sort=last_seen&page=2');
    const table = await screen.findByTestId(testIds.leads.table);
    expect(within(table).getAllByTestId(testIds.leads.title)[0]).toHaveAttribute(
      'href',
      `/a/surfacer-opportunities-app/opportunities/${A}`
    );
    expect(leadCalls()[0]!.params).toEqual({
      kpi: 'login_failure',
      status: 'new,acknowledged',
      template: 'absence',
      known: 'false',
      sort: 'last_seen',
      limit: 25,
      offset: 25,
    });
    expect(screen.getByTestId(testIds.opportunities.pagination)).toBeInTheDocument();
    expect(screen.getByText(/60 leads · showing 26–27/)).toBeInTheDocument();

    fireEvent.click(within(screen.getByTestId(testIds.opportunities.filterKnown)).getByLabelText('Known'));
    await waitFor(() => expect(leadCalls()).toHaveLength(2));
    expect(leadCalls()[1]!.params).toMatchObject({ known: 'true', offset: 0 });
    expect(screen.getByTestId('where').textContent).toContain('known=known');
    expect(screen.getByTestId('where').textContent).not.toContain('page=');

    fireEvent.click(screen.getByLabelText('Impact'));
    await waitFor(() => expect(leadCalls()).toHaveLength(3));
    expect(leadCalls()[2]!.params).toMatchObject({ sort: 'impact' });
    expect(screen.getByTestId('where').textContent).not.toContain('sort=');
  });

  test('row shows KPI, family, impact, status, new/known', async () => {
    // At 1440 px and wider the table has every column (q and cohort size too).
    const wide = jest.spyOn(window, 'matchMedia').mockImplementation(
      (query) => ({ matches: true, media: query, addEventListener: jest.fn(), removeEventListener: jest.fn() }) as never
    );
    mockFetch.mockImplementation(engineFetch(routes));
    renderAt('');
    const rowB = await screen.findByTestId(testIds.leads.row(B));
    expect(within(rowB).getByTestId(testIds.leads.knownBadge)).toBeInTheDocument();
    expect(within(rowB).getByTestId(testIds.leads.status)).toHaveTextContent('Useful');
    expect(within(rowB).getByText('“owner: auth team”')).toBeInTheDocument();
    expect(within(rowB).getByText('4 runs', { exact: false })).toBeInTheDocument();
    const rowA = screen.getByTestId(testIds.leads.row(A));
    expect(within(rowA).getByTestId(testIds.leads.newBadge)).toBeInTheDocument();
    expect(within(rowA).getByTestId(testIds.leads.impact)).toHaveTextContent('412');
    expect(within(rowA).getByText('×3.20')).toBeInTheDocument();
    expect(within(rowA).getByText('1.2e-4')).toBeInTheDocument();
    expect(within(rowA).getByText('830')).toBeInTheDocument();
    // KPI blocks: leads of different KPIs are not ranked against each other.
    expect(screen.getAllByRole('columnheader', { name: /login_failure/ }).length).toBeGreaterThan(0);
    wide.mockRestore();
  });

  test('triage is optimistic and rolled back when the engine refuses', async () => {
    const patch = new Subject<unknown>();
    const fetchRoutes = engineFetch(routes);
    mockFetch.mockImplementation((req) => (req.method === 'PATCH' ? patch : fetchRoutes(req)));
    renderAt('');
    const row = await screen.findByTestId(testIds.leads.row(A));
    expect(within(row).getByTestId(testIds.leads.status)).toHaveTextContent('Untriaged');

    fireEvent.click(within(row).getByTestId(testIds.triage.useful));
    expect(within(row).getByTestId(testIds.leads.status)).toHaveTextContent('Useful');
    const req = calls(mockFetch).find((c) => c.key === `PATCH /api/opportunities/${A}`)!;
    expect(req.data).toEqual({ status: 'useful', by: 'alice' });

    act(() =>
      patch.error({
        status: 500,
        statusText: 'Internal Server Error',
        data: { statusCode: 500, error: 'Internal Server Error', message: 'internal error' },
        config: {},
      })
    );
    await waitFor(() => expect(within(row).getByTestId(testIds.leads.status)).toHaveTextContent('Untriaged'));
    expect(screen.getByText(/Triage failed; the change was undone/)).toBeInTheDocument();
    expect(screen.getByText(/internal error/)).toBeInTheDocument();
  });

  test('triage success keeps the engine’s answer; a note is saved with the user', async () => {
    mockFetch.mockImplementation(
      engineFetch({
        ...routes,
        [`PATCH /api/opportunities/${A}`]: (r: { data: { status?: string; note?: string } }) =>
          fx.lead(A, {
            status: (r.data.status as 'new') ?? 'new',
            note: r.data.note ?? '',
            triaged_by: 'alice',
            triaged_at: '2026-10-01T12:00:00.000Z',
          }),
      })
    );
    renderAt('');
    const row = await screen.findByTestId(testIds.leads.row(A));
    fireEvent.click(within(row).getByTestId(testIds.triage.dismiss));
    await waitFor(() => expect(within(row).getByTestId(testIds.leads.status)).toHaveTextContent('Dismissed'));

    fireEvent.click(within(row).getByLabelText('Add a note'));
    fireEvent.change(within(row).getByTestId(testIds.triage.note), { target: { value: 'duplicate of INC-12' } });
    fireEvent.click(within(row).getByTestId(testIds.triage.saveNote));
    await waitFor(() => expect(within(row).getByText('“duplicate of INC-12”')).toBeInTheDocument());
    const patches = calls(mockFetch).filter((c) => c.key.startsWith('PATCH'));
    expect(patches.map((p) => p.data)).toEqual([
      { status: 'dismissed', by: 'alice' },
      { note: 'duplicate of INC-12', by: 'alice' },
    ]);
  });

  test('designed empty and error states', async () => {
    mockFetch.mockImplementation(engineFetch({ ...routes, 'GET /api/opportunities': fx.page([], 0) }));
    const { unmount } = renderAt('');
    expect(await screen.findByText(/No leads yet/)).toBeInTheDocument();
    unmount();
    mockFetch.mockImplementation(engineFetch({ ...routes, 'GET /api/opportunities': fx.page([], 0) }));
    const r2 = renderAt('?status=useful');
    expect(await screen.findByText(/No leads match these filters/)).toBeInTheDocument();
    r2.unmount();
    mockFetch.mockImplementation(
      engineFetch({ 'GET /api/kpis': fx.kpis, 'GET /api/opportunities': { status: 502, body: 'Bad Gateway' } })
    );
    renderAt('');
    expect(await screen.findByTestId(testIds.states.error)).toHaveTextContent(/unreachable through Grafana \(502\)/);
  });
});
