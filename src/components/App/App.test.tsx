import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { AppRootProps, PluginType } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import { testIds } from '../testIds';
import { engineFetch } from '../../pages/testing/engineMock';
import * as fx from '../../pages/testing/fixtures';
import App from './App';

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

const props = {
  basename: 'a/surfacer-opportunities-app',
  meta: {
    id: 'surfacer-opportunities-app',
    name: 'Surfacer',
    type: PluginType.app,
    enabled: true,
    jsonData: { engineUrl: 'http://engine:8787', clickhouseDatasourceUid: 'ch' },
  },
  query: {},
  path: '',
  onNavChanged: jest.fn(),
} as unknown as AppRootProps;

function renderAt(path: string, p: AppRootProps = props) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <React.Suspense fallback="loading">
        <App {...p} />
      </React.Suspense>
    </MemoryRouter>
  );
}

describe('Components/App', () => {
  beforeEach(() => {
    mockFetch.mockReset();
    mockFetch.mockImplementation(
      engineFetch({
        'GET /api/kpis': fx.kpis,
        'GET /api/templates': fx.templates,
        'GET /api/dataset': fx.dataset,
        'GET /api/runs': fx.page([]),
        'GET /api/opportunities': fx.page([]),
        [`GET /api/opportunities/${fx.LEAD_ID}`]: fx.leadDetail(),
      })
    );
  });

  test('default route is Investigate', async () => {
    renderAt('/');
    // The first lazy import compiles the page: give it time.
    expect(await screen.findByTestId(testIds.investigate.container, {}, { timeout: 20000 })).toBeInTheDocument();
  }, 30000);

  test.each([
    ['investigate', testIds.investigate.container],
    ['opportunities', testIds.opportunities.container],
    ['templates', testIds.templates.container],
    [`opportunities/${fx.LEAD_ID}`, testIds.lead.container],
  ])('/%s', async (path, id) => {
    renderAt(`/${path}`);
    expect(await screen.findByTestId(id, {}, { timeout: 5000 })).toBeInTheDocument();
  });

  test('the lead page gets the ClickHouse data source from the app settings', async () => {
    renderAt(`/opportunities/${fx.LEAD_ID}`);
    expect(await screen.findByTestId(testIds.lead.explore, {}, { timeout: 5000 })).toHaveAttribute(
      'href',
      expect.stringContaining('%22ch%22')
    );
  });

  it('with no engine URL saved, points to the configuration page instead of calling the engine', async () => {
    renderAt('/investigate', { ...props, meta: { ...props.meta, jsonData: {} } } as AppRootProps);
    const note = await screen.findByTestId(testIds.states.notConfigured);
    expect(note).toHaveTextContent('No engine URL is saved');
    expect(screen.getByRole('link', { name: /configuration page/ })).toHaveAttribute('href', '/plugins/surfacer-opportunities-app');
    expect(mockFetch).not.toHaveBeenCalled();
  });
});
