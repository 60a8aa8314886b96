/**
 * What Grafana's server does for an app plugin without a backend, reduced to what the Surfacer app uses:
 *
 * - the app plugin proxy, `/api/plugin-proxy/<pluginId>/<route path>/...`, driven by the `routes` of src/plugin.json.
 *   Ported from grafana/grafana pkg/api/pluginproxy/pluginproxy.go (HandleRequest + director): the first route whose
 *   method matches (`""`/`"*"` match any) and whose `path` matches the proxy path with Grafana's router tree
 *   (pkg/web/tree.go: static segments, `:param`, and a trailing `*` that captures the rest) wins; a route that
 *   matches but the user's role is below `reqRole` answers 403 `plugin proxy route access denied`; no match answers
 *   404 `plugin route match not found`. The forwarded path is `JoinURLFragments(url.Path, params["*"])` (empty when
 *   the route has no `*`), the query string is kept, Cookie is dropped, X-Grafana-Context is set, and the route's
 *   `headers` are rendered from `{{ .JsonData.x }}` / `{{ .SecureJsonData.x }}` and set (replacing what the browser
 *   sent). An upstream that cannot be reached answers 502.
 * - plugin settings, `GET/POST /api/plugins/<pluginId>/settings`: the PluginMeta the frontend receives, with
 *   `secureJsonFields` (booleans) instead of `secureJsonData`, which is write-only.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

export type Role = 'Viewer' | 'Editor' | 'Admin';
const ROLE_RANK: Record<Role, number> = { Viewer: 1, Editor: 2, Admin: 3 };

export interface PluginRoute {
  path: string;
  method?: string;
  reqRole?: Role;
  url?: string;
  headers?: Array<{ name: string; content: string }>;
}

export interface PluginSettings {
  enabled: boolean;
  pinned: boolean;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

/** grafana pkg/web/tree.go, the subset plugin routes use: static segments, `:name` segments, a trailing `*`. */
export function matchRoutePath(pattern: string, proxyPath: string): { match: boolean; rest?: string } {
  const pat = pattern.replace(/\/+$/, '').replace(/^\/+/, '');
  const url = proxyPath.replace(/^\/+/, '').replace(/\/+$/, '');
  const ps = pat.split('/');
  const us = url.split('/');
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i];
    if (p === '*') {
      // A trailing `*` (a leaf) captures the rest, including further slashes; `*` as the last pattern segment with
      // nothing left in the URL does not match in the tree (the leaf needs a segment), except for the empty rest.
      if (i === ps.length - 1) {
        if (i >= us.length) return { match: false };
        return { match: true, rest: decodeURIComponent(us.slice(i).join('/')) };
      }
      if (i >= us.length) return { match: false };
      continue;
    }
    if (i >= us.length) return { match: false };
    if (p.startsWith(':')) continue;
    if (p !== decodeURIComponent(us[i])) return { match: false };
  }
  return { match: ps.length === us.length };
}

/**
 * How Grafana before 9.1 matched app routes (a route was registered as `<path>/*`: a prefix). Only for trying pages
 * while plugin.json still has a route that today's Grafana does not match (HARNESS_ROUTE_MATCH=prefix).
 */
export function matchRoutePrefix(pattern: string, proxyPath: string): { match: boolean; rest?: string } {
  const pat = pattern.replace(/\/?\*$/, '').replace(/^\/+|\/+$/g, '');
  const url = proxyPath.replace(/^\/+/, '');
  if (url === pat) return { match: true, rest: '' };
  if (url.startsWith(`${pat}/`)) return { match: true, rest: url.slice(pat.length + 1) };
  return { match: false };
}

/** grafana pkg/util JoinURLFragments. */
export function joinUrlFragments(a: string, b: string): string {
  if (b.length === 0) return a;
  const aslash = a.endsWith('/');
  const bslash = b.startsWith('/');
  if (aslash && bslash) return a + b.slice(1);
  if (!aslash && !bslash) return `${a}/${b}`;
  return a + b;
}

/** The `{{ .JsonData.x }}` / `{{ .SecureJsonData.x }}` templates of plugin.json routes (Go text/template subset). */
export function interpolate(template: string, s: PluginSettings): string {
  return template.replace(/\{\{\s*\.(JsonData|SecureJsonData)\.([A-Za-z0-9_]+)\s*\}\}/g, (_m, where: string, key: string) => {
    const v = where === 'JsonData' ? s.jsonData[key] : s.secureJsonData[key];
    return v === undefined || v === null ? '' : String(v);
  });
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

function jsonErr(res: ServerResponse, status: number, message: string) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ message }));
}

export interface ProxyLogEntry {
  method: string;
  /** Path the browser asked for, under /api/plugin-proxy/<id>/ */
  proxyPath: string;
  /** URL the engine was asked for, or undefined when Grafana answered itself. */
  upstream?: string;
  status: number;
  /** Whether the browser sent an Authorization header of its own (it must not need to). */
  browserSentAuthorization: boolean;
}

/**
 * Handles one request under /api/plugin-proxy/<pluginId>/. `proxyPath` is the rest of the path (no leading slash),
 * `query` the raw query string.
 */
export function pluginProxy(
  req: IncomingMessage,
  res: ServerResponse,
  o: {
    proxyPath: string;
    query: string;
    routes: PluginRoute[];
    settings: PluginSettings;
    user: { login: string; orgId: number; role: Role };
    log: ProxyLogEntry[];
    /** 'grafana' (default): today's router-tree matching; 'prefix': Grafana < 9.1. */
    routeMatching?: 'grafana' | 'prefix';
  }
): void {
  const method = (req.method ?? 'GET').toUpperCase();
  const entry: ProxyLogEntry = { method, proxyPath: o.proxyPath, status: 0, browserSentAuthorization: req.headers.authorization !== undefined };
  o.log.push(entry);
  let matched: PluginRoute | undefined;
  let rest = '';
  for (const route of o.routes) {
    if (route.method && route.method !== '*' && route.method !== method) continue;
    const m = o.routeMatching === 'prefix' ? matchRoutePrefix(route.path, o.proxyPath) : matchRoutePath(route.path, o.proxyPath);
    if (!m.match) continue;
    if (route.reqRole && ROLE_RANK[route.reqRole] !== undefined && ROLE_RANK[o.user.role] < ROLE_RANK[route.reqRole]) {
      entry.status = 403;
      return jsonErr(res, 403, 'plugin proxy route access denied');
    }
    matched = route;
    rest = m.rest ?? '';
    break;
  }
  if (!matched) {
    entry.status = 404;
    return jsonErr(res, 404, 'plugin route match not found');
  }
  let target: URL;
  try {
    target = new URL(interpolate(matched.url ?? '', o.settings));
  } catch {
    entry.status = 500;
    return jsonErr(res, 500, 'Could not parse url');
  }
  const path = joinUrlFragments(target.pathname, rest);
  const upstream = `${target.protocol}//${target.host}${path}${o.query ? `?${o.query}` : ''}`;
  entry.upstream = upstream;

  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || k === 'cookie' || k === 'set-cookie') continue;
    headers[k] = v;
  }
  headers.host = target.host;
  headers['x-grafana-context'] = JSON.stringify({ login: o.user.login, orgId: o.user.orgId, orgRole: o.user.role });
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
  for (const h of matched.headers ?? []) headers[h.name.toLowerCase()] = interpolate(h.content, o.settings);

  const up = httpRequest(upstream, { method, headers }, (ur) => {
    entry.status = ur.statusCode ?? 502;
    res.statusCode = ur.statusCode ?? 502;
    for (const [k, v] of Object.entries(ur.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k) || k === 'set-cookie') continue;
      res.setHeader(k, v);
    }
    ur.pipe(res);
  });
  up.on('error', () => {
    entry.status = 502;
    if (!res.headersSent) {
      res.statusCode = 502;
      res.end();
    }
  });
  req.pipe(up);
}

/** GET /api/plugins/<id>/settings: what Grafana returns to the browser (no secrets, only which are set). */
export function settingsDto(pluginJson: { id: string; name: string; type: string; info: unknown; includes?: unknown[] }, s: PluginSettings) {
  return {
    id: pluginJson.id,
    name: pluginJson.name,
    type: pluginJson.type,
    enabled: s.enabled,
    pinned: s.pinned,
    info: pluginJson.info,
    includes: pluginJson.includes ?? [],
    module: `public/plugins/${pluginJson.id}/module.js`,
    baseUrl: `public/plugins/${pluginJson.id}`,
    jsonData: s.jsonData,
    secureJsonFields: Object.fromEntries(Object.entries(s.secureJsonData).filter(([, v]) => v !== '').map(([k]) => [k, true])),
    defaultNavUrl: `/a/${pluginJson.id}/investigate`,
    hasUpdate: false,
    state: '',
    signature: 'internal',
    latestVersion: '',
  };
}

/** POST /api/plugins/<id>/settings: Grafana merges jsonData as sent, and secureJsonData keys sent (an empty string clears one). */
export function applySettings(s: PluginSettings, body: Partial<{ enabled: boolean; pinned: boolean; jsonData: Record<string, unknown>; secureJsonData: Record<string, string> }>) {
  if (typeof body.enabled === 'boolean') s.enabled = body.enabled;
  if (typeof body.pinned === 'boolean') s.pinned = body.pinned;
  if (body.jsonData) s.jsonData = { ...body.jsonData };
  if (body.secureJsonData) {
    for (const [k, v] of Object.entries(body.secureJsonData)) s.secureJsonData[k] = v;
  }
}
