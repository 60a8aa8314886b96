import { of, throwError } from 'rxjs';
import type { BackendSrvRequest } from '@grafana/runtime';
import {
  formFromMeta,
  isDirty,
  normalizeEngineUrl,
  settingsPayload,
  testConnection,
  validateEngineUrl,
} from './connection';

const fetchMock = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: fetchMock }),
}));

const HEALTH = { status: 'ok', version: '0.1.0', store: 'embedded', schema_version: 3, runs: { queued: 0, running: 0 } };
const KPIS = [
  { name: 'checkout_failed', kind: 'rate', description: 'Checkout failures', definition: {}, higher_is_better: false },
  { name: 'latency_ms', kind: 'numeric', description: 'Latency', definition: {}, higher_is_better: false },
];

type Route = { data?: unknown; status?: number; statusText?: string };
function backend(routes: Record<string, Route>) {
  fetchMock.mockImplementation((req: BackendSrvRequest) => {
    const path = req.url.replace('/api/plugin-proxy/surfacer-opportunities-app/engine', '');
    const r = routes[path];
    if (!r) {
      return throwError(() => ({ status: 404, statusText: 'Not Found', data: {} }));
    }
    const status = r.status ?? 200;
    return status >= 400 ? throwError(() => ({ status, statusText: r.statusText ?? '', data: r.data ?? {} })) : of({ data: r.data, status });
  });
}

beforeEach(() => fetchMock.mockReset());

describe('validateEngineUrl', () => {
  it.each([
    ['http://engine:8787', undefined],
    ['https://surfacer.example.com/prefix', undefined],
    ['  http://localhost:8787/  ', undefined],
  ])('accepts %s', (url, want) => expect(validateEngineUrl(url)).toBe(want));

  it.each([
    ['', /Enter the URL/],
    ['engine:8787', /http/],
    ['ftp://engine', /http:\/\/ or https:\/\//],
    ['not a url', /Not a URL/],
    ['http://user:pw@engine:8787', /credentials/],
    ['http://engine:8787/?x=1', /query string/],
  ])('refuses %p', (url, want) => expect(validateEngineUrl(url)).toMatch(want));

  it('normalizes trailing slashes and spaces', () => {
    expect(normalizeEngineUrl(' http://engine:8787// ')).toBe('http://engine:8787');
  });
});

describe('settingsPayload', () => {
  const meta = {
    enabled: true,
    pinned: false,
    jsonData: { engineUrl: 'http://engine:8787', clickhouseDatasourceUid: 'ch1' },
    secureJsonFields: { engineToken: true },
  };

  it('leaves the saved token alone when untouched', () => {
    const form = formFromMeta(meta);
    expect(form).toEqual({ engineUrl: 'http://engine:8787', clickhouseDatasourceUid: 'ch1', engineToken: '', tokenConfigured: true });
    const p = settingsPayload(meta, { ...form, engineUrl: 'http://other:8787/' });
    expect(p).toEqual({ enabled: true, pinned: false, jsonData: { engineUrl: 'http://other:8787', clickhouseDatasourceUid: 'ch1' } });
    expect('secureJsonData' in p).toBe(false);
  });

  it('sends a new token after a reset', () => {
    const p = settingsPayload(meta, { ...formFromMeta(meta), tokenConfigured: false, engineToken: ' s3cret ' });
    expect(p.secureJsonData).toEqual({ engineToken: 's3cret' });
  });

  it('clears the token when reset and left empty', () => {
    const p = settingsPayload(meta, { ...formFromMeta(meta), tokenConfigured: false, engineToken: '' });
    expect(p.secureJsonData).toEqual({ engineToken: '' });
  });

  it('sends a first token, and drops an unset data source', () => {
    const fresh = { enabled: false, pinned: false, jsonData: {}, secureJsonFields: {} };
    const p = settingsPayload(fresh, { ...formFromMeta(fresh), engineUrl: 'http://e:1', engineToken: 'tok' });
    expect(p).toEqual({
      enabled: false,
      pinned: false,
      jsonData: { engineUrl: 'http://e:1', clickhouseDatasourceUid: undefined },
      secureJsonData: { engineToken: 'tok' },
    });
  });

  it('tracks unsaved changes', () => {
    const form = formFromMeta(meta);
    expect(isDirty(meta, form)).toBe(false);
    expect(isDirty(meta, { ...form, engineUrl: 'http://engine:8787/' })).toBe(false);
    expect(isDirty(meta, { ...form, engineUrl: 'http://x:1' })).toBe(true);
    expect(isDirty(meta, { ...form, tokenConfigured: false })).toBe(true);
    expect(isDirty(meta, { ...form, clickhouseDatasourceUid: '' })).toBe(true);
  });
});

describe('testConnection', () => {
  const saved = { engineUrl: 'http://engine:8787', tokenConfigured: true };

  it('reports version, store and KPIs when both steps pass, through the proxy route', async () => {
    backend({ '/api/health': { data: HEALTH }, '/api/kpis': { data: KPIS } });
    await expect(testConnection(saved)).resolves.toEqual({
      ok: true,
      version: '0.1.0',
      store: 'embedded',
      kpis: 2,
      kpiNames: ['checkout_failed', 'latency_ms'],
    });
    expect(fetchMock.mock.calls.map(([r]) => `${r.method} ${r.url}`)).toEqual([
      'GET /api/plugin-proxy/surfacer-opportunities-app/engine/api/health',
      'GET /api/plugin-proxy/surfacer-opportunities-app/engine/api/kpis',
    ]);
  });

  it('says the URL is unreachable when Grafana’s proxy answers 502, and stops there', async () => {
    backend({ '/api/health': { status: 502, statusText: 'Bad Gateway' } });
    const r = await testConnection(saved);
    expect(r).toMatchObject({ ok: false, step: 'health', status: 502 });
    expect(r.ok === false && r.title).toMatch(/could not reach the engine/);
    expect(r.ok === false && r.message).toMatch(/http:\/\/engine:8787/);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('says something else answered when the health document is not the engine’s', async () => {
    backend({ '/api/health': { data: '<html>' } });
    await expect(testConnection(saved)).resolves.toMatchObject({ ok: false, step: 'health', status: 200 });
  });

  it('says the token is wrong when the engine answers 401 to the authenticated call', async () => {
    backend({
      '/api/health': { data: HEALTH },
      '/api/kpis': { status: 401, data: { statusCode: 401, error: 'Unauthorized', message: 'invalid token' } },
    });
    const r = await testConnection(saved);
    expect(r).toMatchObject({ ok: false, step: 'auth', status: 401 });
    expect(r.ok === false && r.message).toMatch(/does not accept the saved token/);
  });

  it('says a token is needed when none is saved', async () => {
    backend({ '/api/health': { data: HEALTH }, '/api/kpis': { status: 401, data: { statusCode: 401, error: 'Unauthorized', message: 'missing' } } });
    const r = await testConnection({ ...saved, tokenConfigured: false });
    expect(r.ok === false && r.message).toMatch(/none is saved/);
  });

  it('asks to save first when no URL is saved, without calling anything', async () => {
    await expect(testConnection({ tokenConfigured: false })).resolves.toMatchObject({ ok: false, step: 'settings' });
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
