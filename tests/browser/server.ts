/**
 * The browser harness server: a stand-in for the Grafana server in front of the REAL Surfacer engine.
 *
 * - Generates a small synthetic dataset into an embedded chdb store and starts the engine (`buildApp`, the same
 *   Fastify app `surfacer serve` runs) on 127.0.0.1 with a bearer token.
 * - Serves index.html (Grafana's boot data inline, like Grafana's index.html) and the esbuild bundle of
 *   tests/browser/harness, plus @grafana/ui's icons at public/build/img/icons/ where @grafana/ui looks for them.
 * - Serves the BUILT plugin (dist/, `npm run build`) at /public/plugins/<id>/, as Grafana serves an installed plugin's
 *   folder; its plugin.json (routes included) is read from there too.
 * - Answers /api/plugin-proxy/<id>/... exactly like Grafana's app plugin proxy does for src/plugin.json's routes
 *   (see grafana-proxy.ts), so the token lives only here and in the engine: the browser never sees it.
 * - Answers GET/POST /api/plugins/<id>/settings (the app's configuration page).
 *
 * Used by tests/browser/*.test.ts and by `npx tsx scripts/browser-harness.ts` (prints the URL).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../pkg/api/app';
import { loadConfigFile } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';
import { bundleHarness, ROOT } from './bundle';
import { APP_ACCESS, applySettings, pluginProxy, settingsDto, type PluginRoute, type PluginSettings, type ProxyLogEntry, type ProxyUser, type Role } from './grafana-proxy';

export const PLUGIN_ID = 'surfacer-opportunities-app';
export const HARNESS_USER = 'harness-admin';
export const CLICKHOUSE_DS_UID = 'harness-clickhouse';

export interface HarnessOptions {
  /** Port for the harness (0: any free port). */
  port?: number;
  /** Synthetic events to generate (default 60 000: a run takes seconds). */
  events?: number;
  seed?: number;
  /** The signed-in user's org role (default Admin). */
  role?: Role;
  /**
   * The user's permissions (default: what the basic roles grant, `plugins.app:access` on `plugins:*`); a test takes
   * it away to see Grafana's 403.
   */
  permissions?: Record<string, string[]>;
  /** Log engine requests (default: quiet). */
  engineLogs?: boolean;
  onProgress?: (msg: string) => void;
  /**
   * How plugin routes are matched: 'grafana' (default), as Grafana >= 9.1 does; 'prefix', as older Grafana did.
   * Default from HARNESS_ROUTE_MATCH.
   */
  routeMatching?: 'grafana' | 'prefix';
  /** Re-bundle the harness on every page load (for working on it with `scripts/browser-harness.ts --rebundle`). */
  rebundleOnLoad?: boolean;
  /** The built plugin Grafana would load (default: dist/). */
  distDir?: string;
  /**
   * Called with the label of each query the engine's analyses send; a promise returned holds that query until it
   * settles (a test holds a run at a known point, e.g. before a KPI's grouping, instead of racing it).
   */
  holdQuery?: (label: string) => Promise<void> | undefined;
}

export interface Harness {
  url: string;
  engineUrl: string;
  token: string;
  settings: PluginSettings;
  /** Every request the browser made through the plugin proxy. */
  proxyLog: ProxyLogEntry[];
  /** /api requests the harness does not serve (a page asked Grafana for something it does not emulate). */
  unknownApi: string[];
  /** Icons @grafana/ui's package does not ship (Grafana's build adds them); served as a stand-in. */
  missingIcons: string[];
  /** Calls the engine directly with the token (for the tests' real checks). */
  engine: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;
  routeMatching: 'grafana' | 'prefix';
  /** Paths under /public/plugins/<id>/ the browser fetched (the built plugin's files). */
  pluginFiles: string[];
  /** Serve another build from now on (a test's broken copy of dist/). */
  setDistDir: (dir: string) => void;
  /** The generated dataset's files (events.parquet, backend_metrics.csv, surfacer.yaml). */
  files: { events: string; context: string; config: string };
  close: () => Promise<void>;
}

const MIME: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.otf': 'font/otf',
  '.html': 'text/html; charset=utf-8',
};

const SPINNER_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="currentColor" d="M12 2a10 10 0 0 1 10 10h-2.5A7.5 7.5 0 0 0 12 4.5z"/></svg>';

const PLACEHOLDER_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="12" cy="12" r="7" fill="none" stroke="currentColor" stroke-width="2"/></svg>';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendFile(res: ServerResponse, file: string): void {
  if (!existsSync(file) || !statSync(file).isFile()) {
    res.statusCode = 404;
    res.end('not found');
    return;
  }
  res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
  res.end(readFileSync(file));
}

function indexHtml(o: { role: Role; pluginJson: any; settings: PluginSettings; hasCss: boolean; theme: 'dark' | 'light' }): string {
  // What Grafana's index.html puts in window.grafanaBootData before any plugin code runs (the subset read here).
  const bootData = {
    user: {
      id: 1,
      uid: 'harness-admin-uid',
      login: HARNESS_USER,
      name: 'Harness Admin',
      email: 'harness-admin@example.com',
      isSignedIn: true,
      isGrafanaAdmin: o.role === 'Admin',
      orgId: 1,
      orgName: 'Main Org.',
      orgRole: o.role,
      theme: o.theme,
      timezone: 'browser',
      weekStart: 'browser',
      locale: 'en-US',
      language: 'en-US',
      helpFlags1: 0,
      hasEditPermissionInFolders: true,
      permissions: {},
    },
    settings: {
      appUrl: 'http://localhost:3000/',
      appSubUrl: '',
      buildInfo: { version: '13.1.1', commit: 'harness', env: 'production', edition: 'Open Source' },
      featureToggles: {},
      datasources: {
        ClickHouse: { uid: CLICKHOUSE_DS_UID, name: 'ClickHouse', type: 'grafana-clickhouse-datasource', meta: { id: 'grafana-clickhouse-datasource' } },
      },
      defaultDatasource: 'ClickHouse',
      apps: {
        [PLUGIN_ID]: { id: PLUGIN_ID, path: `public/plugins/${PLUGIN_ID}/module.js`, version: o.pluginJson.info?.version ?? '', preload: false, angular: { detected: false } },
      },
      panels: {},
      exploreEnabled: true,
    },
    navTree: [],
    assets: { dark: '', light: '' },
  };
  return `<!doctype html>
<html lang="en-US">
<head>
<meta charset="utf-8" />
<base href="/" />
<title>Surfacer - Grafana</title>
<script>
window.grafanaBootData = ${JSON.stringify(bootData)};
window.__grafana_public_path__ = '/public/';
</script>
<style>
/* Grafana's sass (_normalize.scss, _grafana.scss) resets the page box; @grafana/ui's GlobalStyles assume it. */
html, body { margin: 0; padding: 0; height: 100%; }
*, *::before, *::after { box-sizing: border-box; }
</style>
${o.hasCss ? '<link rel="stylesheet" href="/harness/harness.css" />' : ''}
</head>
<body class="theme-${o.theme}">
<div id="reactRoot"></div>
<script type="module" src="/harness/harness.js"></script>
</body>
</html>`;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const progress = opts.onProgress ?? (() => {});
  const role = opts.role ?? 'Admin';
  const routeMatching = opts.routeMatching ?? (process.env.HARNESS_ROUTE_MATCH === 'prefix' ? 'prefix' : 'grafana');
  const dir = mkdtempSync(join(tmpdir(), 'surfacer-browser-'));
  let ex: Executor | undefined;
  let app: FastifyInstance | undefined;
  let server: Server | undefined;
  try {
    progress('bundling the harness');
    const bundle = await bundleHarness(join(dir, 'bundle'));
    progress(`bundled in ${bundle.ms} ms${bundle.missing.length ? `; missing modules stubbed: ${bundle.missing.join(', ')}` : ''}`);

    progress('generating the synthetic dataset');
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: opts.events ?? 60_000, seed: opts.seed ?? 7, outDir: dir });
    progress(`${g.events} events in ${g.seconds.toFixed(1)} s`);
    const cfg = loadConfigFile(g.files.config);
    if (opts.holdQuery) {
      // The analyses' queries (the work session; the API's own reads use the control session, not held).
      const hold = opts.holdQuery;
      const query = ex.query.bind(ex);
      ex.query = (async (sql: string, params?: Parameters<Executor['query']>[1], qo?: Parameters<Executor['query']>[2]) => {
        const held = qo?.label ? hold(qo.label) : undefined;
        if (held) await held;
        return query(sql, params, qo);
      }) as Executor['query'];
    }
    const token = `harness-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    app = await buildApp({ cfg, executor: ex, token, logger: opts.engineLogs ? { level: 'info' } : false, schedulerIntervalMs: 0 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const engineUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    const settings: PluginSettings = {
      enabled: true,
      pinned: true,
      jsonData: { engineUrl, clickhouseDatasourceUid: CLICKHOUSE_DS_UID },
      secureJsonData: { engineToken: token },
    };
    const user: ProxyUser = {
      id: 1,
      uid: 'harness-admin-uid',
      login: HARNESS_USER,
      name: 'Harness Admin',
      email: 'harness-admin@example.com',
      orgId: 1,
      orgName: 'Main Org.',
      role,
      isGrafanaAdmin: role === 'Admin',
      permissions: opts.permissions ?? { [APP_ACCESS]: ['plugins:*'] },
    };
    const proxyLog: ProxyLogEntry[] = [];
    const unknownApi: string[] = [];
    const missingIcons: string[] = [];
    let distDir = opts.distDir ?? join(ROOT, 'dist');
    const pluginFiles: string[] = [];
    const iconsDir = join(ROOT, 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img', 'icons');
    const hasCss = existsSync(bundle.css ?? '');

    server = createServer(async (req, res) => {
      try {
        const u = new URL(req.url ?? '/', 'http://harness');
        const path = u.pathname;
        // plugin.json is re-read on every request, as the routes are what is under test. Without a built one, Grafana
        // would not have loaded the plugin at all.
        const pluginJsonPath = join(distDir, 'plugin.json');
        const pluginJson = existsSync(pluginJsonPath) ? JSON.parse(readFileSync(pluginJsonPath, 'utf8')) : { id: PLUGIN_ID, name: '', type: 'app', info: {} };
        const proxyPrefix = `/api/plugin-proxy/${PLUGIN_ID}/`;
        if (path.startsWith(proxyPrefix)) {
          const routes: PluginRoute[] = pluginJson.routes ?? [];
          return pluginProxy(req, res, {
            proxyPath: path.slice(proxyPrefix.length),
            query: u.search.replace(/^\?/, ''),
            pluginId: PLUGIN_ID,
            routes,
            settings,
            user,
            log: proxyLog,
            routeMatching,
          });
        }
        if (path === `/api/plugins/${PLUGIN_ID}/settings`) {
          res.setHeader('Content-Type', 'application/json');
          if (req.method === 'GET') return res.end(JSON.stringify(settingsDto(pluginJson, settings)));
          if (req.method === 'POST') {
            if (role !== 'Admin') {
              res.statusCode = 403;
              return res.end(JSON.stringify({ message: 'Permission denied' }));
            }
            applySettings(settings, JSON.parse((await readBody(req)) || '{}'));
            return res.end(JSON.stringify({ message: 'Plugin settings updated' }));
          }
        }
        if (path.startsWith('/api/')) {
          unknownApi.push(`${req.method} ${path}`);
          res.statusCode = 404;
          res.setHeader('Content-Type', 'application/json');
          return res.end(JSON.stringify({ message: 'Not found' }));
        }
        if (path.startsWith('/harness/')) return sendFile(res, join(dir, 'bundle', normalize(path.slice('/harness/'.length)).replace(/^(\.\.[/\\])+/, '')));
        if (path.startsWith('/public/build/img/icons/')) {
          const file = join(iconsDir, normalize(path.slice('/public/build/img/icons/'.length)).replace(/^(\.\.[/\\])+/, ''));
          if (existsSync(file)) return sendFile(res, file);
          // Grafana's build copies the whole unicons set to public/build/img/icons; @grafana/ui's package ships
          // only part of it (no spinner, thumbs-up, ...). Stand-ins: an arc for the spinner (Icon spins it), a
          // small hollow circle for the others, so a screenshot shows where an icon goes.
          missingIcons.push(path);
          res.setHeader('Content-Type', MIME['.svg']);
          return res.end(path.endsWith('/spinner.svg') ? SPINNER_SVG : PLACEHOLDER_SVG);
        }
        if (path.startsWith(`/public/plugins/${PLUGIN_ID}/`)) {
          pluginFiles.push(path.slice(`/public/plugins/${PLUGIN_ID}/`.length));
          return sendFile(res, join(distDir, normalize(path.slice(`/public/plugins/${PLUGIN_ID}/`.length)).replace(/^(\.\.[/\\])+/, '')));
        }
        if (path.startsWith('/public/fonts/inter/')) {
          // Grafana serves Inter from public/fonts; here the same faces from Debian's fonts-inter, if installed.
          const face = path.slice('/public/fonts/inter/'.length).replace(/\.woff2$/, '.otf');
          return sendFile(res, join('/usr/share/fonts/opentype/inter', normalize(face).replace(/^(\.\.[/\\])+/, '')));
        }
        if (path === '/favicon.ico') {
          res.statusCode = 204;
          return res.end();
        }
        if (opts.rebundleOnLoad) {
          const b = await bundleHarness(join(dir, 'bundle'));
          progress(`re-bundled in ${b.ms} ms${b.missing.length ? `; missing: ${b.missing.join(', ')}` : ''}`);
        }
        res.setHeader('Content-Type', MIME['.html']);
        // ?theme=light: the user's theme preference, as Grafana's boot data carries it.
        const theme = new URL(req.url ?? '/', 'http://harness').searchParams.get('theme') === 'light' ? 'light' : 'dark';
        return res.end(indexHtml({ role, pluginJson, settings, hasCss, theme }));
      } catch (e) {
        res.statusCode = 500;
        res.end(String(e));
      }
    });
    await new Promise<void>((r) => server!.listen(opts.port ?? 0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const engine = async (method: string, p: string, body?: unknown) => {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const r = await fetch(`${engineUrl}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: r.status, body: parsed as any };
    };

    const s = server;
    const a = app;
    const e = ex;
    return {
      url,
      engineUrl,
      token,
      settings,
      proxyLog,
      unknownApi,
      missingIcons,
      engine,
      routeMatching,
      pluginFiles,
      setDistDir: (dir: string) => {
        distDir = dir;
      },
      files: { events: g.files.events, context: g.files.context, config: g.files.config },
      close: async () => {
        s.closeAllConnections?.();
        await new Promise<void>((r) => s.close(() => r()));
        await a.close();
        await e.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    server?.close();
    await app?.close().catch(() => {});
    await ex?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
