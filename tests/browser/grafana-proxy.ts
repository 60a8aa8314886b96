/**
 * What Grafana's server does for an app plugin without a backend, reduced to what the Surfacer app uses, ported from
 * Grafana's Go code (read side by side; file names are grafana/grafana paths):
 *
 * - `/api/plugin-proxy/<pluginId>/*` (pkg/api/api.go): first the access control middleware, `plugins.app:access`
 *   on `plugins:id:<pluginId>` (a denial answers 403 {title: "Access denied", message: "You'll need additional
 *   permissions … Permissions needed: plugins.app:access", accessErrorId}: pkg/services/accesscontrol/middleware.go
 *   deny), then checkAppEnabled (pkg/api/plugin_checks.go: 404 "Plugin is not enabled").
 * - the app plugin proxy (pkg/api/pluginproxy/pluginproxy.go HandleRequest, hasAccessToRoute, director): the first
 *   route whose method matches (`""`/`"*"` match any) and whose `path` matches the proxy path with Grafana's router
 *   tree (pkg/web/tree.go: static segments, `:param`, and a trailing `*` that captures the rest) wins; a route with
 *   `reqAction` needs that permission (scoped to the plugin for plugins.app:access / plugins:write:
 *   pluginaccesscontrol.GetPluginRouteEvaluator), else one with `reqRole` needs that org role or above; either
 *   failing answers 403 "plugin proxy route access denied"; no match answers 404 "plugin route match not found".
 *   The route URL and headers are Go templates over {JsonData, SecureJsonData}: a key that is not set renders as
 *   `<no value>` (text/template on a map). The URL is parsed like Go's url.Parse: a string without a scheme (empty,
 *   or `<no value>`) parses fine and only fails at the transport (502); one url.Parse rejects answers 500 "Could not
 *   parse url". The forwarded path is `JoinURLFragments(url.Path, params["*"])`, the query string is kept, Cookie and
 *   Set-Cookie are dropped, X-Grafana-Context is the JSON of the signed-in user (pkg/services/user/identity.go
 *   SignedInUser, Go field names), and the route's `headers` are set (replacing what the browser sent).
 * - what every Grafana reverse proxy does (pkg/util/proxyutil/reverse_proxy.go, proxyutil.go, and Go's
 *   net/http/httputil ReverseProxy): X-Grafana-Referer = the browser's Referer; Origin, Referer, X-Forwarded-Host,
 *   -Port, -Proto removed; the client address appended to X-Forwarded-For by PrepareProxyRequest and once more by
 *   Go's ReverseProxy; on the response, Set-Cookie removed and `Content-Security-Policy: sandbox` set; when the
 *   upstream fails, a bare status: 499 when the client went away, 504 on a timeout (pkg/api/plugin_proxy.go's
 *   transport: 30 s to connect, 10 s for a TLS handshake), 502 otherwise.
 * - plugin settings, `GET/POST /api/plugins/<pluginId>/settings`: the PluginMeta the frontend receives, with
 *   `secureJsonFields` (booleans) instead of `secureJsonData`, which is write-only.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type Role = 'Viewer' | 'Editor' | 'Admin';
const ROLE_RANK: Record<Role, number> = { Viewer: 1, Editor: 2, Admin: 3 };

export interface PluginRoute {
  path: string;
  method?: string;
  reqRole?: Role;
  reqAction?: string;
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

/**
 * The `{{ .JsonData.x }}` / `{{ .SecureJsonData.x }}` templates of plugin.json routes (Go text/template subset): a
 * key missing from the map prints `<no value>`, as text/template does for a missing map key.
 */
export function interpolate(template: string, s: PluginSettings): string {
  return template.replace(/\{\{\s*\.(JsonData|SecureJsonData)\.([A-Za-z0-9_]+)\s*\}\}/g, (_m, where: string, key: string) => {
    const map: Record<string, unknown> = where === 'JsonData' ? s.jsonData : s.secureJsonData;
    return key in map ? String(map[key] ?? '<no value>') : '<no value>';
  });
}

/**
 * Go's url.Parse, for what a route URL can be: an error for what it rejects (control characters, a colon in the first
 * segment of a URL without a scheme, an authority WHATWG cannot parse either), else scheme, host and path, all empty
 * strings when the text has no scheme (Go parses "" and "<no value>" as a bare path, without error).
 */
export function goUrlParse(raw: string): { error: string } | { scheme: string; host: string; path: string } {
  if (/[\x00-\x1f\x7f]/.test(raw)) return { error: 'net/url: invalid control character in URL' };
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(raw);
  if (!m) {
    if ((raw.split('/')[0] ?? '').includes(':')) return { error: 'first path segment in URL cannot contain colon' };
    return { scheme: '', host: '', path: raw.split(/[?#]/)[0] ?? '' };
  }
  try {
    const u = new URL(raw);
    return { scheme: m[1]!.toLowerCase(), host: u.host, path: decodeURIComponent(u.pathname === '/' && !/^[^:]+:\/\/[^/]+\//.test(raw) ? '' : u.pathname) };
  } catch (e) {
    return { error: String(e) };
  }
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

function jsonErr(res: ServerResponse, status: number, body: string | Record<string, string>) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=UTF-8');
  res.end(JSON.stringify(typeof body === 'string' ? { message: body } : body));
}

/** A signed-in user as Grafana's middleware sees them: org role and the permissions RBAC resolved for them. */
export interface ProxyUser {
  id: number;
  uid: string;
  login: string;
  name: string;
  email: string;
  orgId: number;
  orgName: string;
  role: Role;
  isGrafanaAdmin: boolean;
  /** action → scopes. Basic roles include `plugins.app:access` on `plugins:*` (Viewer and above). */
  permissions: Record<string, string[]>;
}

export const APP_ACCESS = 'plugins.app:access';

/** Grafana's `accesscontrol.EvalPermission(action, scope?)` on resolved permissions, with `*` wildcards of scopes. */
export function hasPermission(user: ProxyUser, action: string, scope?: string): boolean {
  const scopes = user.permissions[action];
  if (!scopes) return false;
  if (scope === undefined) return true;
  return scopes.some((s) => s === scope || s === '*' || (s.endsWith(':*') && scope.startsWith(s.slice(0, -1))));
}

/** pkg/api/pluginproxy/pluginproxy.go hasAccessToRoute: reqAction first, else reqRole, else allowed. */
function hasAccessToRoute(route: PluginRoute, user: ProxyUser, pluginId: string): boolean {
  if (route.reqAction) {
    const scoped = route.reqAction === APP_ACCESS || route.reqAction === 'plugins:write';
    return hasPermission(user, route.reqAction, scoped ? `plugins:id:${pluginId}` : undefined);
  }
  if (route.reqRole && ROLE_RANK[route.reqRole] !== undefined) return ROLE_RANK[user.role] >= ROLE_RANK[route.reqRole];
  return true;
}

/** X-Grafana-Context: json.Marshal(SignedInUser) — Go field names, no json tags (pkg/services/user/identity.go). */
export function grafanaContext(u: ProxyUser): string {
  return JSON.stringify({
    UserID: u.id,
    UserUID: u.uid,
    OrgID: u.orgId,
    OrgName: u.orgName,
    OrgRole: u.role,
    Login: u.login,
    Name: u.name,
    Email: u.email,
    EmailVerified: false,
    AuthID: '',
    AuthenticatedBy: 'password',
    AllowedKubernetesNamespace: '',
    ApiKeyID: 0,
    IsServiceAccount: false,
    IsGrafanaAdmin: u.isGrafanaAdmin,
    IsAnonymous: false,
    IsDisabled: false,
    HelpFlags1: 0,
    LastSeenAt: '0001-01-01T00:00:00Z',
    Teams: null,
    FallbackType: '',
  });
}

/** The transport of pkg/api/plugin_proxy.go: net.Dialer{Timeout: 30 s}, TLSHandshakeTimeout: 10 s. */
export const GRAFANA_TIMEOUTS = { dialMs: 30_000, tlsHandshakeMs: 10_000 };

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
    pluginId: string;
    proxyPath: string;
    query: string;
    routes: PluginRoute[];
    settings: PluginSettings;
    user: ProxyUser;
    log: ProxyLogEntry[];
    /** 'grafana' (default): today's router-tree matching; 'prefix': Grafana < 9.1. */
    routeMatching?: 'grafana' | 'prefix';
    /** Grafana's transport timeouts (GRAFANA_TIMEOUTS unless a test needs them shorter). */
    timeouts?: { dialMs: number; tlsHandshakeMs: number };
  }
): void {
  const method = (req.method ?? 'GET').toUpperCase();
  const entry: ProxyLogEntry = { method, proxyPath: o.proxyPath, status: 0, browserSentAuthorization: req.headers.authorization !== undefined };
  o.log.push(entry);
  const answer = (status: number, body: string | Record<string, string>) => {
    entry.status = status;
    jsonErr(res, status, body);
  };
  // pkg/api/api.go: authorize(plugins.app:access on plugins:id:<id>), then checkAppEnabled.
  if (!hasPermission(o.user, APP_ACCESS, `plugins:id:${o.pluginId}`)) {
    return answer(403, {
      title: 'Access denied',
      message: `You'll need additional permissions to perform this action. Permissions needed: ${APP_ACCESS}`,
      accessErrorId: 'ACE0000000000',
    });
  }
  if (!o.settings.enabled) return answer(404, 'Plugin is not enabled');

  let matched: PluginRoute | undefined;
  let rest = '';
  for (const route of o.routes) {
    if (route.method && route.method !== '*' && route.method !== method) continue;
    const m = o.routeMatching === 'prefix' ? matchRoutePrefix(route.path, o.proxyPath) : matchRoutePath(route.path, o.proxyPath);
    if (!m.match) continue;
    if (!hasAccessToRoute(route, o.user, o.pluginId)) return answer(403, 'plugin proxy route access denied');
    matched = route;
    rest = m.rest ?? '';
    break;
  }
  if (!matched) return answer(404, 'plugin route match not found');

  const target = goUrlParse(interpolate(matched.url ?? '', o.settings));
  if ('error' in target) return answer(500, 'Could not parse url');
  const path = joinUrlFragments(target.path, rest);
  const upstream = `${target.scheme}://${target.host}${path}${o.query ? `?${o.query}` : ''}`;
  entry.upstream = upstream;

  // A bare status, as proxyutil's errorHandler writes it (w.WriteHeader only).
  const fail = (status: number) => {
    entry.status = status;
    if (!res.headersSent) {
      res.statusCode = status;
      res.end();
    }
  };
  // Go's transport: only http and https ("unsupported protocol scheme" otherwise, e.g. for an empty URL).
  if (target.scheme !== 'http' && target.scheme !== 'https') return fail(502);

  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || k === 'cookie' || k === 'set-cookie') continue;
    headers[k] = v;
  }
  headers.host = target.host;
  headers['x-grafana-context'] = grafanaContext(o.user);
  for (const h of matched.headers ?? []) headers[h.name.toLowerCase()] = interpolate(h.content, o.settings);
  // proxyutil.PrepareProxyRequest, then Go's ReverseProxy, which appends the client address to X-Forwarded-For again.
  const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  headers['x-grafana-referer'] = typeof req.headers.referer === 'string' ? req.headers.referer : '';
  for (const h of ['origin', 'referer', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-proto']) delete headers[h];
  const prior = typeof req.headers['x-forwarded-for'] === 'string' ? `${req.headers['x-forwarded-for']}, ` : '';
  headers['x-forwarded-for'] = `${prior}${client}, ${client}`;

  const timeouts = o.timeouts ?? GRAFANA_TIMEOUTS;
  const send = target.scheme === 'https' ? httpsRequest : httpRequest;
  let clientGone = false;
  const up = send(upstream, { method, headers, rejectUnauthorized: false }, (ur) => {
    entry.status = ur.statusCode ?? 502;
    res.statusCode = ur.statusCode ?? 502;
    for (const [k, v] of Object.entries(ur.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k) || k === 'set-cookie') continue;
      res.setHeader(k, v);
    }
    // proxyutil.SetProxyResponseHeaders
    res.setHeader('Content-Security-Policy', 'sandbox');
    ur.pipe(res);
  });
  up.on('socket', (sock) => {
    // The dial, then (https) the TLS handshake, each within Grafana's transport timeout: past it, a timeout error.
    const phase = (ms: number, done: string) => {
      const t = setTimeout(() => up.destroy(Object.assign(new Error('i/o timeout'), { timeout: true })), ms);
      sock.once(done, () => clearTimeout(t));
      sock.once('close', () => clearTimeout(t));
    };
    if ((sock as { connecting?: boolean }).connecting) phase(timeouts.dialMs, 'connect');
    if (target.scheme === 'https') phase(timeouts.tlsHandshakeMs, 'secureConnect');
  });
  up.on('error', (e: Error & { timeout?: boolean }) => {
    if (!clientGone) fail(e.timeout ? 504 : 502);
  });
  // The browser went away before the engine answered: Go cancels the upstream request (context.Canceled → 499).
  res.on('close', () => {
    if (!res.writableFinished && entry.status === 0) {
      clientGone = true;
      entry.status = 499;
      up.destroy();
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
