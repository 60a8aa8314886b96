import React from 'react';
import { of, throwError } from 'rxjs';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { PluginType } from '@grafana/data';
import type { BackendSrvRequest } from '@grafana/runtime';
import AppConfig, { type AppConfigProps, pageReload } from './AppConfig';
import { testIds } from '../testIds';

const fetchMock = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: fetchMock }),
  // The real picker needs Grafana's data source service; this stands in with the props the page passes.
  DataSourcePicker: (props: { pluginId?: string; current?: string | null; disabled?: boolean; onChange: (ds: { uid: string }) => void }) => (
    <select
      aria-label="ClickHouse data source"
      data-plugin-id={props.pluginId}
      disabled={props.disabled}
      value={props.current ?? ''}
      onChange={(e) => props.onChange({ uid: e.currentTarget.value })}
    >
      <option value="">none</option>
      <option value="ch-1">ClickHouse 1</option>
      <option value="ch-2">ClickHouse 2</option>
    </select>
  ),
}));

const PROXY = '/api/plugin-proxy/surfacer-opportunities-app/engine';
const HEALTH = { status: 'ok', version: '0.3.1', store: 'server', schema_version: 3, runs: { queued: 0, running: 0 } };
const KPIS = [{ name: 'checkout_failed', kind: 'rate', description: '', definition: {}, higher_is_better: false }];

type Reply = { data?: unknown; status?: number };
function backend(routes: Record<string, Reply>) {
  fetchMock.mockImplementation((req: BackendSrvRequest) => {
    const r = routes[`${req.method ?? 'GET'} ${req.url}`];
    if (!r) {
      return throwError(() => ({ status: 404, statusText: 'Not Found', data: {} }));
    }
    const status = r.status ?? 200;
    return status >= 400 ? throwError(() => ({ status, statusText: '', data: r.data ?? {} })) : of({ data: r.data, status });
  });
}

function renderConfig(meta: Partial<AppConfigProps['plugin']['meta']> = {}) {
  const props = {
    plugin: {
      meta: {
        id: 'surfacer-opportunities-app',
        name: 'Surfacer',
        type: PluginType.app,
        enabled: true,
        pinned: true,
        jsonData: { engineUrl: 'http://engine:8787', clickhouseDatasourceUid: 'ch-1' },
        secureJsonFields: { engineToken: true },
        ...meta,
      },
    },
    query: {},
  } as unknown as AppConfigProps;
  return render(<AppConfig {...props} />);
}

const savedBody = () => {
  const call = fetchMock.mock.calls.find(([r]) => r.url === '/api/plugins/surfacer-opportunities-app/settings');
  expect(call?.[0].method).toBe('POST');
  return call?.[0].data;
};

let reload: jest.SpyInstance;
beforeEach(() => {
  fetchMock.mockReset();
  reload = jest.spyOn(pageReload, 'reload').mockImplementation(() => {});
});
afterEach(() => reload.mockRestore());

describe('AppConfig', () => {
  it('shows the saved settings, the token only as configured', () => {
    renderConfig();
    expect(screen.getByTestId(testIds.appConfig.engineUrl)).toHaveValue('http://engine:8787');
    const token = screen.getByTestId(testIds.appConfig.engineToken);
    expect(token).toBeDisabled();
    expect(token).toHaveValue('configured');
    expect(screen.getByLabelText('ClickHouse data source')).toHaveValue('ch-1');
    expect(screen.getByLabelText('ClickHouse data source')).toHaveAttribute('data-plugin-id', 'grafana-clickhouse-datasource');
    expect(screen.getByText(/The test uses the saved settings/)).toBeInTheDocument();
  });

  it('saves without the secure token when it was not changed, then reloads', async () => {
    backend({ 'POST /api/plugins/surfacer-opportunities-app/settings': { data: {} } });
    renderConfig();
    fireEvent.change(screen.getByTestId(testIds.appConfig.engineUrl), { target: { value: 'https://surfacer.internal/' } });
    fireEvent.change(screen.getByLabelText('ClickHouse data source'), { target: { value: 'ch-2' } });
    expect(screen.getByText(/you have unsaved changes, save first/)).toBeInTheDocument();
    fireEvent.click(screen.getByTestId(testIds.appConfig.submit));

    await waitFor(() => expect(reload).toHaveBeenCalled());
    expect(savedBody()).toEqual({
      enabled: true,
      pinned: true,
      jsonData: { engineUrl: 'https://surfacer.internal', clickhouseDatasourceUid: 'ch-2' },
    });
  });

  it('after a reset, sends the new token', async () => {
    backend({ 'POST /api/plugins/surfacer-opportunities-app/settings': { data: {} } });
    renderConfig();
    fireEvent.click(screen.getByRole('button', { name: /reset/i }));
    const token = screen.getByTestId(testIds.appConfig.engineToken);
    expect(token).toBeEnabled();
    fireEvent.change(token, { target: { value: 'n3w-t0ken' } });
    fireEvent.click(screen.getByTestId(testIds.appConfig.submit));

    await waitFor(() => expect(reload).toHaveBeenCalled());
    expect(savedBody().secureJsonData).toEqual({ engineToken: 'n3w-t0ken' });
  });

  it('refuses to save an invalid URL', async () => {
    renderConfig({ jsonData: {} , secureJsonFields: {} });
    fireEvent.change(screen.getByTestId(testIds.appConfig.engineUrl), { target: { value: 'engine:8787' } });
    fireEvent.blur(screen.getByTestId(testIds.appConfig.engineUrl));
    expect(await screen.findByText(/use http:\/\/ or https:\/\//)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.appConfig.submit)).toBeDisabled();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('shows why a save failed', async () => {
    backend({ 'POST /api/plugins/surfacer-opportunities-app/settings': { status: 403, data: { message: 'Permission denied' } } });
    renderConfig();
    fireEvent.click(screen.getByTestId(testIds.appConfig.submit));
    expect(await screen.findByText('Permission denied')).toBeInTheDocument();
    expect(reload).not.toHaveBeenCalled();
  });

  it('test connection: success shows version, store and KPI count', async () => {
    backend({ [`GET ${PROXY}/api/health`]: { data: HEALTH }, [`GET ${PROXY}/api/kpis`]: { data: KPIS } });
    renderConfig();
    fireEvent.click(screen.getByTestId(testIds.appConfig.testConnection));
    const result = await screen.findByTestId(testIds.appConfig.connectionResult);
    expect(result).toHaveTextContent('Connected to the Surfacer engine');
    expect(result).toHaveTextContent('Engine 0.3.1, server store, 1 KPI (checkout_failed)');
  });

  it('test connection: an unreachable URL (502 from the proxy) names the step and what to do', async () => {
    backend({ [`GET ${PROXY}/api/health`]: { status: 502 } });
    renderConfig();
    fireEvent.click(screen.getByTestId(testIds.appConfig.testConnection));
    const result = await screen.findByTestId(testIds.appConfig.connectionResult);
    expect(result).toHaveTextContent('Grafana could not reach the engine (502)');
    expect(result).toHaveTextContent('Failed at step: Reach the engine (GET /api/health)');
    expect(result).toHaveTextContent(/not localhost/);
  });

  it('test connection: a bad token (401 from the engine) names the step and what to do', async () => {
    backend({
      [`GET ${PROXY}/api/health`]: { data: HEALTH },
      [`GET ${PROXY}/api/kpis`]: { status: 401, data: { statusCode: 401, error: 'Unauthorized', message: 'invalid token' } },
    });
    renderConfig();
    fireEvent.click(screen.getByTestId(testIds.appConfig.testConnection));
    const result = await screen.findByTestId(testIds.appConfig.connectionResult);
    expect(result).toHaveTextContent('The engine rejected the token (401)');
    expect(result).toHaveTextContent('Failed at step: Authenticate (GET /api/kpis)');
    expect(result).toHaveTextContent(/Reset the engine token/);
  });

  it('shows the settings a provisioning file manages as such, and does not let them be edited', () => {
    renderConfig({
      jsonData: { engineUrl: 'http://engine:8787', clickhouseDatasourceUid: 'ch-1', managedByProvisioning: ['engineUrl', 'engineToken'] },
    });
    expect(screen.getByTestId(testIds.appConfig.engineUrl)).toBeDisabled();
    // Two fields managed, each says so; the data source is not managed and stays editable.
    expect(screen.getAllByText(/Managed by provisioning/)).toHaveLength(2);
    expect(screen.getByLabelText('ClickHouse data source')).toBeEnabled();
  });

  it('without provisioning, every field is editable', () => {
    renderConfig();
    expect(screen.getByTestId(testIds.appConfig.engineUrl)).toBeEnabled();
    expect(screen.queryByText(/Managed by provisioning/)).toBeNull();
  });
});
