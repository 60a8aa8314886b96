/**
 * Browser entry of the harness: does what Grafana's frontend does before and around plugin code, then loads the
 * BUILT plugin the way Grafana does and renders its root page, config page, and nested panel.
 *
 * Loading, as Grafana's public/app/features/plugins/loader (systemjs.ts, sharedDependencies.ts, utils.ts
 * buildImportMap): SystemJS with its AMD extra; every shared dependency (react, react-dom, @grafana/data, ui, runtime,
 * rxjs, @emotion/css, react-router, …: this bundle's own copies, at the versions in package.json) set as
 * `package:<name>` and mapped by an import map; then `System.import('/public/plugins/<id>/module.js')`, which fetches
 * dist/module.js (webpack's AMD output) and its chunks from the harness server. The nested panel comes from
 * `/public/plugins/<id>/panels/opportunities/module.js`, the module path Grafana gives a plugin nested in an app.
 *
 * Startup, as Grafana's app.ts: window.grafanaBootData is set by index.html before this runs (config reads it at
 * import); setBackendSrv, setAppEvents, the default browser-history locationService,
 * setPluginPage (Grafana's Page chrome), then the React tree with ThemeContext = config.theme2 (dark),
 * GlobalStyles, PortalContainer, a Router on locationService's history, and the app loaded like Grafana's
 * importAppPlugin: GET /api/plugins/<id>/settings, plugin.meta = meta, plugin.init(meta), rendered in
 * PluginContextProvider with AppRootProps {meta, basename, query, path, onNavChanged}.
 *
 * Routes: /a/<id>/* (the app), /plugins/<id> (config page), /panel (the panel in PanelChrome, 480x320).
 */
import React, { Suspense, useEffect, useLayoutEffect, useMemo, useState } from 'react';
import * as ReactAll from 'react';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import { css } from '@emotion/css';
import * as emotionCss from '@emotion/css';
import * as ReactRouter from 'react-router';
import { Route, Router, Routes, useLocation } from 'react-router-dom';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUI from '@grafana/ui';
import {
  AppEvents,
  type AppPlugin,
  type AppPluginMeta,
  dateTime,
  EventBusSrv,
  type GrafanaTheme2,
  LoadingState,
  type PanelData,
  type PanelPlugin,
  type PanelProps,
  PluginContextProvider,
  PluginType,
  standardEditorsRegistry,
  type TimeRange,
  locationUtil,
  urlUtil,
} from '@grafana/data';
import { config, getBackendSrv, LocationServiceProvider, locationService, setAppEvents, setBackendSrv, setDataSourceSrv } from '@grafana/runtime';
import { Alert, ErrorBoundaryAlert, GlobalStyles, LoadingPlaceholder, PanelChrome, PortalContainer, ThemeContext, useStyles2 } from '@grafana/ui';
// @ts-ignore -- aliased by tests/browser/bundle.ts to @grafana/runtime's PluginPage module (internal to Grafana)
import { setPluginPage } from 'grafana-runtime-plugin-page';
import pluginJson from '../../../src/plugin.json';
import { HarnessBackendSrv, requests } from './backendSrv';
import { HarnessPluginPage, PLUGIN_ID, setAppNav, SideNav, TopBar } from './GrafanaShell';
// Last: SystemJS's AMD extra installs a global `define`, which UMD modules bundled above (lodash) would otherwise
// register with instead of exporting.
import 'systemjs/dist/system.js';
import 'systemjs/dist/extras/amd.js';

// --- Grafana's plugin loader: SystemJS with the shared dependencies -------------------------------------------
const System = (window as any).System;
const SHARED: Record<string, unknown> = {
  '@emotion/css': emotionCss,
  '@grafana/data': grafanaData,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/ui': grafanaUI,
  react: ReactAll,
  'react/jsx-runtime': jsxRuntime,
  'react-dom': ReactDOM,
  'react-dom/client': ReactDOMClient,
  // Grafana shares react-router v6 (react-router-dom-v5-compat) as 'react-router'; plugins bundle react-router-dom.
  'react-router': ReactRouter,
  rxjs,
  'rxjs/operators': rxjsOperators,
};
System.addImportMap({
  imports: Object.fromEntries(
    Object.entries(SHARED).map(([name, mod]) => {
      System.set(`package:${name}`, mod);
      return [name, `package:${name}`];
    })
  ),
});

/** A built module through SystemJS; the AMD extra exports webpack's library object as `default` (__useDefault). */
async function importPlugin<T>(path: string): Promise<T> {
  const ns = await System.import(path);
  const exports = ns.__useDefault ? ns.default : ns;
  if (!exports?.plugin) {
    throw new Error(`${path} exports no \`plugin\``);
  }
  return exports.plugin as T;
}
const appModule = importPlugin<AppPlugin>(`/public/plugins/${PLUGIN_ID}/module.js`);
const panelModule = importPlugin<PanelPlugin>(`/public/plugins/${PLUGIN_ID}/panels/opportunities/module.js`);
// An unhandled rejection would be reported twice; the pages show the error where the plugin would be.
appModule.catch(() => {});
panelModule.catch(() => {});

// --- Grafana's startup services ---------------------------------------------------------------------------
const appEvents = new EventBusSrv();
setAppEvents(appEvents as never);
setBackendSrv(new HarnessBackendSrv());
// locationService is @grafana/runtime's default (browser history), which Grafana core uses too; setLocationService
// refuses outside tests.
setPluginPage(HarnessPluginPage);
// Grafana core registers its option editors at startup (standardEditorsRegistry.setInit(getAllOptionEditors));
// a panel's setPanelOptions builder looks them up by id. The panel is rendered, not edited: ids suffice.
standardEditorsRegistry.setInit(() =>
  ['boolean', 'color', 'dashboard-uid', 'field-name', 'multi-select', 'number', 'radio', 'select', 'slider', 'strings', 'text', 'timezone', 'unit'].map(
    (id) => ({ id, name: id, description: '', editor: () => null })
  )
);
// Grafana's DatasourceSrv, reduced to the instance settings of the data sources in boot data (the config page's
// DataSourcePicker lists and resolves them; nothing here queries a data source).
const dsList = Object.values((config as any).datasources ?? {}).map((d: any) => ({
  ...d,
  id: 1,
  access: 'proxy',
  jsonData: {},
  readOnly: false,
  meta: { id: d.type, name: 'ClickHouse', type: 'datasource', info: { logos: { small: '', large: '' } }, module: '', baseUrl: '' },
}));
setDataSourceSrv({
  getList: (filters: any = {}) => dsList.filter((d: any) => !filters.pluginId || d.type === filters.pluginId) as never,
  getInstanceSettings: (ref: any) => dsList.find((d: any) => d.uid === (typeof ref === 'string' ? ref : ref?.uid) || d.name === ref) as never,
  get: async () => {
    throw new Error('the harness does not query data sources');
  },
  reload: async () => {},
  registerRuntimeDataSource: () => {},
} as never);
setAppNav(
  pluginJson.name,
  pluginJson.includes
    .filter((i) => i.type === 'page' && i.addToNav && i.path?.startsWith('/a/'))
    .map((i) => ({ text: i.name, url: i.path!.replace('%PLUGIN_ID%', PLUGIN_ID) }))
);

// Grafana's app.ts: document.addEventListener('click', interceptLinkClicks) — a click on a same-origin <a href>
// without a target becomes locationService.push(href) (public/app/core/navigation/patch/interceptLinkClicks.ts),
// which is why plain anchors in plugins navigate without a reload. Clicks already handled (react-router's <Link>
// prevents the default) and modified clicks are left alone.
document.addEventListener('click', (e: MouseEvent) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
    return;
  }
  const anchor = e.target instanceof Element ? e.target.closest('a') : null;
  const href = anchor?.getAttribute('href');
  if (!anchor || !href || anchor.getAttribute('target')) {
    return;
  }
  if (href.indexOf('://') > 0 || href.startsWith('mailto:') || href.startsWith('#')) {
    return;
  }
  e.preventDefault();
  const local = locationUtil.stripBaseFromUrl(href);
  locationService.push(local.startsWith('/') ? local : `/${local}`);
});

interface Toast {
  id: number;
  severity: 'error' | 'warning' | 'success' | 'info';
  text: string;
}
const toasts: Toast[] = [];
let toastListener: ((t: Toast[]) => void) | undefined;
let toastId = 0;
for (const [ev, severity] of [
  [AppEvents.alertError, 'error'],
  [AppEvents.alertWarning, 'warning'],
  [AppEvents.alertSuccess, 'success'],
] as const) {
  // Legacy app events ({name}) travel on the bus as {type: name, payload} (what getAppEvents().publish sends).
  appEvents.subscribe({ type: ev.name } as never, (e) => {
    toasts.push({ id: ++toastId, severity, text: String((e.payload as unknown[] | undefined)?.[0] ?? '') });
    toastListener?.([...toasts]);
  });
}

// What tests read: requests made through getBackendSrv(), toasts shown, and whether the app mounted.
(window as any).__harness = { requests, toasts, ready: false, fullLoads: Number(sessionStorage.getItem('harness-loads') ?? 0) + 1 };
sessionStorage.setItem('harness-loads', String((window as any).__harness.fullLoads));

function Toasts() {
  const [list, setList] = useState<Toast[]>([]);
  useEffect(() => {
    toastListener = setList;
    return () => (toastListener = undefined);
  }, []);
  const s = useStyles2(getStyles);
  return (
    <div className={s.toasts} data-harness="toasts">
      {list.map((t) => (
        <Alert key={t.id} severity={t.severity} title={t.text} onRemove={() => setList(list.filter((x) => x.id !== t.id))} />
      ))}
    </div>
  );
}

/** react-router v6 Router on locationService's history, as Grafana's router does (pages may navigate with either). */
function HistoryRouter({ children }: { children: React.ReactNode }) {
  const history = locationService.getHistory();
  const [state, setState] = useState({ location: history.location, action: history.action });
  useLayoutEffect(() => history.listen((location: any, action: any) => setState({ location, action })), [history]);
  return (
    <Router navigator={history as never} location={state.location} navigationType={state.action as never}>
      {children}
    </Router>
  );
}

async function loadMeta(): Promise<AppPluginMeta> {
  const meta = await getBackendSrv().get(`/api/plugins/${PLUGIN_ID}/settings`);
  return meta as AppPluginMeta;
}

function useAppPlugin(): { plugin?: AppPlugin; error?: unknown } {
  const [state, setState] = useState<{ plugin?: AppPlugin; error?: unknown }>({});
  useEffect(() => {
    Promise.all([appModule, loadMeta()])
      .then(([appPlugin, meta]) => {
        appPlugin.meta = meta;
        appPlugin.init(meta);
        setState({ plugin: appPlugin });
        (window as any).__harness.ready = true;
      })
      .catch((error) => {
        (window as any).__harness.loadError = String(error?.data?.message ?? error);
        setState({ error });
      });
  }, []);
  return state;
}

function usePanelPlugin(): PanelPlugin | undefined {
  const [panel, setPanel] = useState<PanelPlugin>();
  useEffect(() => {
    panelModule.then(setPanel, (error) => ((window as any).__harness.loadError = String(error)));
  }, []);
  return panel;
}

function AppRootPage() {
  const { plugin, error } = useAppPlugin();
  const location = useLocation();
  if (error) {
    return (
      <div data-harness="load-error">
        <Alert title="Failed to load the app">{String((error as any)?.data?.message ?? error)}</Alert>
      </div>
    );
  }
  if (!plugin || !plugin.root) {
    return <LoadingPlaceholder text="Loading app" />;
  }
  const Root = plugin.root;
  return (
    <PluginContextProvider meta={plugin.meta}>
      <ErrorBoundaryAlert style="page">
        <Root
          meta={plugin.meta}
          basename={`/a/${PLUGIN_ID}`}
          onNavChanged={() => {}}
          query={urlUtil.getUrlSearchParams() as never}
          path={location.pathname}
        />
      </ErrorBoundaryAlert>
    </PluginContextProvider>
  );
}

function ConfigPage() {
  const { plugin, error } = useAppPlugin();
  if (error) {
    return <Alert title="Failed to load the app's settings">{String(error)}</Alert>;
  }
  if (!plugin) {
    return <LoadingPlaceholder text="Loading settings" />;
  }
  const pages = plugin.configPages ?? [];
  return (
    <HarnessPluginPage pageNav={{ text: plugin.meta.name }} subTitle={String((plugin.meta.info as any)?.description ?? '')}>
      <PluginContextProvider meta={plugin.meta}>
        {pages.map((p) => {
          const Body = p.body;
          return (
            <ErrorBoundaryAlert key={p.id}>
              <Body plugin={plugin} query={urlUtil.getUrlSearchParams() as never} />
            </ErrorBoundaryAlert>
          );
        })}
        {!pages.length && <Alert title="The app has no config pages" severity="warning" />}
      </PluginContextProvider>
    </HarnessPluginPage>
  );
}

const PANEL_W = 480;
const PANEL_H = 320;

function PanelPage() {
  const panelPlugin = usePanelPlugin();
  const { plugin, error } = useAppPlugin();
  const search = new URLSearchParams(useLocation().search);
  const [options, setOptions] = useState<Record<string, unknown> | undefined>(undefined);
  // The dashboard's last 7 days, ending at ?to= when given: the synthetic data ends at a fixed date, and a window
  // past it holds no data (the engine answers 400).
  const end = search.get('to');
  const timeRange: TimeRange = useMemo(() => {
    const to = end ? dateTime(end) : dateTime();
    const from = dateTime(to).subtract(7, 'days');
    return end ? { from, to, raw: { from, to } } : { from, to, raw: { from: 'now-7d', to: 'now' } };
  }, [end]);
  const eventBus = useMemo(() => new EventBusSrv(), []);
  useEffect(() => {
    if (panelPlugin) {
      const defaults = JSON.parse(JSON.stringify(panelPlugin.defaults ?? {}));
      const kpi = search.get('kpi');
      setOptions({ ...defaults, ...(kpi ? { kpi } : {}) });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [panelPlugin]);
  if (error) {
    return <Alert title="Failed to load the app's settings">{String(error)}</Alert>;
  }
  if (!options || !plugin || !panelPlugin?.panel) {
    return <LoadingPlaceholder text="Loading panel" />;
  }
  const Panel = panelPlugin.panel;
  // ?w=&h= size the panel as a dashboard's grid would (default 480x320).
  const panelW = Number(search.get('w')) || PANEL_W;
  const panelH = Number(search.get('h')) || PANEL_H;
  const data: PanelData = { state: LoadingState.Done, series: [], timeRange };
  return (
    <div style={{ padding: 16 }}>
      <div style={{ width: panelW, height: panelH }} data-harness="panel-frame">
        <PanelChrome title="Payment conversion opportunities" width={panelW} height={panelH}>
          {(innerWidth, innerHeight) => {
            const props: PanelProps = {
              id: 1,
              data,
              timeRange,
              timeZone: 'browser',
              options,
              fieldConfig: { defaults: {}, overrides: [] },
              transparent: false,
              width: innerWidth,
              height: innerHeight,
              renderCounter: 0,
              title: 'Payment conversion opportunities',
              eventBus,
              onOptionsChange: (o: Record<string, unknown>) => setOptions(o),
              onFieldConfigChange: () => {},
              replaceVariables: (s: string) => s,
              onChangeTimeRange: () => {},
            };
            return (
              <PluginContextProvider meta={plugin.meta}>
                <ErrorBoundaryAlert>
                  <Panel {...props} />
                </ErrorBoundaryAlert>
              </PluginContextProvider>
            );
          }}
        </PanelChrome>
      </div>
    </div>
  );
}

function Shell() {
  const s = useStyles2(getStyles);
  return (
    <div className={s.shell}>
      <TopBar />
      <div className={s.body}>
        <SideNav />
        <main className={s.main}>
          <Suspense fallback={<LoadingPlaceholder text="" />}>
            <Routes>
              <Route path={`/a/${PLUGIN_ID}/*`} element={<AppRootPage />} />
              <Route path={`/plugins/${PLUGIN_ID}`} element={<ConfigPage />} />
              <Route path="/panel" element={<PanelPage />} />
              <Route path="*" element={<Alert title="Harness: no page here" severity="info" />} />
            </Routes>
          </Suspense>
        </main>
      </div>
      <Toasts />
    </div>
  );
}

function HarnessApp() {
  return (
    <ThemeContext.Provider value={config.theme2}>
      <GlobalStyles />
      <LocationServiceProvider service={locationService}>
        <HistoryRouter>
          <Shell />
        </HistoryRouter>
      </LocationServiceProvider>
      <PortalContainer />
    </ThemeContext.Provider>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  shell: css({ minHeight: '100vh', display: 'flex', flexDirection: 'column', background: theme.colors.background.canvas }),
  body: css({ display: 'flex', flex: 1, minWidth: 0 }),
  main: css({ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column' }),
  toasts: css({ position: 'fixed', top: 48, right: 16, width: 400, zIndex: theme.zIndex.portal, display: 'flex', flexDirection: 'column', gap: 8 }),
});

// PluginType is referenced so the meta typing stays honest about what Grafana sends.
void PluginType.app;

createRoot(document.getElementById('reactRoot')!).render(<HarnessApp />);
