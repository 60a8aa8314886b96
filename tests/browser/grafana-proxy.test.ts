/**
 * The harness's port of Grafana's app plugin proxy route matching (grafana-proxy.ts), against the cases of
 * grafana/grafana pkg/web/tree.go and pkg/api/pluginproxy/pluginproxy.go, and src/plugin.json's own routes.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  APP_ACCESS,
  interpolate,
  joinUrlFragments,
  matchRoutePath,
  pluginProxy,
  type PluginRoute,
  type PluginSettings,
  type ProxyLogEntry,
  type ProxyUser,
} from './grafana-proxy';
import { ROOT } from './bundle';

describe("Grafana's app plugin route matching", () => {
  it.each([
    ['engine', 'engine', { match: true }],
    ['engine', 'engine/', { match: true }],
    ['engine', 'engine/api/kpis', { match: false }],
    ['engine/*', 'engine/api/kpis', { match: true, rest: 'api/kpis' }],
    ['engine/*', 'engine/api/opportunities/abc', { match: true, rest: 'api/opportunities/abc' }],
    ['engine/*', 'engine', { match: false }],
    ['engine/*', 'other/api', { match: false }],
    ['api/:id', 'api/42', { match: true }],
  ])('route path %s, proxy path %s', (pattern, path, want) => {
    expect(matchRoutePath(pattern, path)).toEqual(want);
  });

  it('joins the route URL and the rest like util.JoinURLFragments', () => {
    expect(joinUrlFragments('', 'api/kpis')).toBe('/api/kpis');
    expect(joinUrlFragments('/base/', '/api')).toBe('/base/api');
    expect(joinUrlFragments('/base', '')).toBe('/base');
  });

  it('renders {{ .JsonData.x }} and {{ .SecureJsonData.x }}', () => {
    const s = { enabled: true, pinned: true, jsonData: { engineUrl: 'http://e:8787' }, secureJsonData: { engineToken: 't' } };
    expect(interpolate('{{ .JsonData.engineUrl }}', s)).toBe('http://e:8787');
    expect(interpolate('Bearer {{ .SecureJsonData.engineToken }}', s)).toBe('Bearer t');
    // text/template on a map: a missing key prints "<no value>", not nothing.
    expect(interpolate('{{ .JsonData.missing }}', s)).toBe('<no value>');
  });

  it("src/plugin.json: every engine call the app makes matches a route for its method", () => {
    const routes: Array<{ path: string; method?: string }> = JSON.parse(readFileSync(join(ROOT, 'src', 'plugin.json'), 'utf8')).routes ?? [];
    const calls: Array<[string, string]> = [
      ['GET', 'engine/api/kpis'],
      ['GET', 'engine/api/runs/r1'],
      ['POST', 'engine/api/runs'],
      ['POST', 'engine/api/runs/r1/cancel'],
      ['PATCH', 'engine/api/opportunities/abc'],
    ];
    const unmatched = calls.filter(
      ([method, path]) => !routes.some((r) => (!r.method || r.method === '*' || r.method === method) && matchRoutePath(r.path, path).match)
    );
    expect(unmatched).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------------------------------
// The proxy end to end, on loopback: browser → pluginProxy → an upstream that records what it was sent.
// ------------------------------------------------------------------------------------------------------------------
type Seen = { url: string; headers: Record<string, string | string[] | undefined> };

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const USER: ProxyUser = {
  id: 7,
  uid: 'u7',
  login: 'ann',
  name: 'Ann',
  email: 'ann@example.com',
  orgId: 1,
  orgName: 'Main Org.',
  role: 'Editor',
  isGrafanaAdmin: false,
  permissions: { [APP_ACCESS]: ['plugins:*'] },
};

describe("Grafana's app plugin proxy, end to end", () => {
  let upstream: { url: string; close: () => Promise<void> };
  let seen: Seen[];
  let hold: Array<ServerResponse>;
  let log: ProxyLogEntry[];
  let proxy: { url: string; close: () => Promise<void> } | undefined;

  beforeEach(async () => {
    seen = [];
    hold = [];
    log = [];
    upstream = await listen((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      if (req.url?.startsWith('/hold')) {
        hold.push(res);
        return;
      }
      res.setHeader('Set-Cookie', 'engine=1');
      res.setHeader('Content-Type', 'application/json');
      res.end('{"ok":true}');
    });
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await upstream.close();
  });

  const start = async (o: { routes?: PluginRoute[]; settings?: Partial<PluginSettings>; user?: Partial<ProxyUser>; timeouts?: { dialMs: number; tlsHandshakeMs: number } } = {}) => {
    const settings: PluginSettings = { enabled: true, pinned: true, jsonData: { engineUrl: upstream.url }, secureJsonData: { engineToken: 't0k' }, ...o.settings };
    const routes = o.routes ?? [
      { path: 'engine/*', method: 'GET', url: '{{ .JsonData.engineUrl }}', headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.engineToken }}' }] },
      { path: 'engine/*', method: 'PATCH', reqRole: 'Editor', url: '{{ .JsonData.engineUrl }}' },
    ];
    proxy = await listen((req, res) => {
      const u = new URL(req.url ?? '/', 'http://grafana');
      pluginProxy(req, res, {
        pluginId: 'surfacer-opportunities-app',
        proxyPath: u.pathname.replace(/^\/api\/plugin-proxy\/surfacer-opportunities-app\//, ''),
        query: u.search.slice(1),
        routes,
        settings,
        user: { ...USER, ...o.user },
        log,
        timeouts: o.timeouts,
      });
    });
    return (path: string, init?: RequestInit) => fetch(`${proxy!.url}/api/plugin-proxy/surfacer-opportunities-app/${path}`, init);
  };

  it('forwards to the route URL with the rendered headers, the user as Go marshals SignedInUser, and the query', async () => {
    const get = await start();
    const r = await get('engine/api/kpis?limit=2', { headers: { Authorization: 'Bearer from-browser', Cookie: 'grafana_session=s' } });
    expect(r.status).toBe(200);
    expect(seen[0]!.url).toBe('/api/kpis?limit=2');
    expect(seen[0]!.headers.authorization).toBe('Bearer t0k');
    expect(seen[0]!.headers.cookie).toBeUndefined();
    const ctx = JSON.parse(String(seen[0]!.headers['x-grafana-context']));
    expect(ctx).toMatchObject({ UserID: 7, UserUID: 'u7', OrgID: 1, OrgRole: 'Editor', Login: 'ann', Email: 'ann@example.com', IsGrafanaAdmin: false });
    expect(ctx.login).toBeUndefined();
  });

  it('removes Origin, Referer and X-Forwarded-Host/Port/Proto, sets X-Grafana-Referer, appends the client to X-Forwarded-For (twice, as proxyutil and then Go do)', async () => {
    const get = await start();
    await get('engine/api/kpis', {
      headers: { Origin: 'http://localhost:3000', Referer: 'http://localhost:3000/a/x', 'X-Forwarded-Host': 'h', 'X-Forwarded-Port': '1', 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '10.0.0.9' },
    });
    const h = seen[0]!.headers;
    expect([h.origin, h.referer, h['x-forwarded-host'], h['x-forwarded-port'], h['x-forwarded-proto']]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(h['x-grafana-referer']).toBe('http://localhost:3000/a/x');
    expect(h['x-forwarded-for']).toBe('10.0.0.9, 127.0.0.1, 127.0.0.1');
  });

  it('answers with the upstream response minus Set-Cookie, plus Content-Security-Policy: sandbox', async () => {
    const get = await start();
    const r = await get('engine/api/kpis');
    expect(r.headers.get('set-cookie')).toBeNull();
    expect(r.headers.get('content-security-policy')).toBe('sandbox');
    expect(await r.json()).toEqual({ ok: true });
  });

  it('a settings key that is not set renders as <no value>', async () => {
    const get = await start({ settings: { secureJsonData: {} } });
    await get('engine/api/kpis');
    expect(seen[0]!.headers.authorization).toBe('Bearer <no value>');
  });

  it('no saved engine URL, or an empty one: 502 with no body (the URL parses; the transport refuses it)', async () => {
    for (const jsonData of [{}, { engineUrl: '' }]) {
      const get = await start({ settings: { jsonData } });
      const r = await get('engine/api/kpis');
      expect({ jsonData, status: r.status, body: await r.text() }).toEqual({ jsonData, status: 502, body: '' });
      await proxy!.close();
      proxy = undefined;
    }
    expect(seen).toEqual([]);
  });

  it('a URL Go cannot parse: 500 "Could not parse url"', async () => {
    const get = await start({ settings: { jsonData: { engineUrl: 'http://[::1' } } });
    const r = await get('engine/api/kpis');
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ message: 'Could not parse url' });
  });

  it('the app disabled in the org: 404 "Plugin is not enabled", before any route', async () => {
    const get = await start({ settings: { enabled: false } });
    const r = await get('engine/api/kpis');
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ message: 'Plugin is not enabled' });
    expect(seen).toEqual([]);
  });

  it('no plugins.app:access: 403 from the access control middleware', async () => {
    const get = await start({ user: { permissions: {} } });
    const r = await get('engine/api/kpis');
    expect(r.status).toBe(403);
    expect(await r.json()).toMatchObject({ title: 'Access denied', message: expect.stringMatching(/Permissions needed: plugins\.app:access$/) });
    // Scoped to another plugin only: still denied.
    await proxy!.close();
    const other = await start({ user: { permissions: { [APP_ACCESS]: ['plugins:id:another-app'] } } });
    expect((await other('engine/api/kpis')).status).toBe(403);
  });

  it('reqRole: a Viewer may not PATCH (403 "plugin proxy route access denied"); an Editor may', async () => {
    const asViewer = await start({ user: { role: 'Viewer' } });
    const r = await asViewer('engine/api/opportunities/x', { method: 'PATCH', body: '{}' });
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({ message: 'plugin proxy route access denied' });
    await proxy!.close();
    const asEditor = await start();
    expect((await asEditor('engine/api/opportunities/x', { method: 'PATCH', body: '{}' })).status).toBe(200);
  });

  it('reqAction is checked instead of reqRole: the permission decides, whatever the role', async () => {
    const routes: PluginRoute[] = [{ path: 'engine/*', reqAction: 'surfacer.runs:write', reqRole: 'Viewer', url: '{{ .JsonData.engineUrl }}' }];
    const without = await start({ routes, user: { role: 'Admin' } });
    expect((await without('engine/api/runs')).status).toBe(403);
    await proxy!.close();
    const withIt = await start({ routes, user: { role: 'Viewer', permissions: { [APP_ACCESS]: ['plugins:*'], 'surfacer.runs:write': [] } } });
    expect((await withIt('engine/api/runs')).status).toBe(200);
  });

  it('the browser goes away before the engine answers: logged 499', async () => {
    const get = await start();
    const ac = new AbortController();
    const pending = get('engine/hold', { signal: ac.signal }).catch((e: Error) => e.name);
    while (hold.length === 0) await new Promise((r) => setImmediate(r));
    ac.abort();
    expect(await pending).toBe('AbortError');
    while (log[0]!.status === 0) await new Promise((r) => setImmediate(r));
    expect(log[0]!.status).toBe(499);
  });

  it('a TLS handshake that does not complete within the transport timeout: 504', async () => {
    // A TCP server that accepts and never speaks TLS; the handshake timeout is shortened from Grafana's 10 s.
    const accepted: Socket[] = [];
    const silent = createNetServer((sock) => void accepted.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (silent.address() as AddressInfo).port;
      const get = await start({ settings: { jsonData: { engineUrl: `https://127.0.0.1:${port}` } }, timeouts: { dialMs: 30_000, tlsHandshakeMs: 300 } });
      const r = await get('engine/api/kpis');
      expect({ status: r.status, body: await r.text() }).toEqual({ status: 504, body: '' });
    } finally {
      accepted.forEach((sock) => sock.destroy());
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
