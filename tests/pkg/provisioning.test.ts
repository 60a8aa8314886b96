/**
 * The provisioned stack (provisioning/**, docker-compose.yaml, Dockerfile.engine), checked without Docker:
 *
 * 1. every provisioned file parses, and the pieces agree with each other (data source uid, app settings keys,
 *    engine URL and token, database names, mounts, the CLI options the compose jobs use);
 * 2. on an embedded ClickHouse (chdb): the demo telemetry is generated and loaded with the compose loader's own SQL
 *    (provisioning/clickhouse/load-demo.sql), a real analysis runs with the stack's engine config
 *    (provisioning/engine/surfacer.yaml, store swapped for the embedded one) and its leads are stored; then the SQL
 *    taken FROM the provisioned dashboard and alert rule, with the ClickHouse data source's macros expanded as the
 *    plugin expands them, runs on it: KPI panels, the leads annotation, the leads table, the new-leads alert.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { buildCli } from '../../pkg/cli/main';
import { loadConfigFile, validateConfig, type LoadedConfig } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';
import { analyze } from '../../pkg/pipeline/analyze';
import { ResultStore, type LeadInput } from '../../pkg/store/store';
import type { OpportunityWithSeries } from '../../pkg/store/types';
import { expandMacros, type MacroContext } from '../support/macros';

jest.setTimeout(180_000);

const ROOT = resolve(__dirname, '../..');
const P = (...p: string[]) => join(ROOT, 'provisioning', ...p);
const readYaml = (path: string): any => parseYaml(readFileSync(path, 'utf8'));
const readJson = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));

const CH_TYPE = 'grafana-clickhouse-datasource';

// ------------------------------------------------------------------------------------------------------------------
// The provisioned files
// ------------------------------------------------------------------------------------------------------------------
const compose = readYaml(join(ROOT, 'docker-compose.yaml'));
const dsFile = readYaml(P('datasources', 'clickhouse.yaml'));
const appsFile = readYaml(P('plugins', 'apps.yaml'));
const providerFile = readYaml(P('dashboards', 'surfacer.yaml'));
const dashboardFiles = readdirSync(P('dashboards')).filter((f) => f.endsWith('.json'));
const dashboard = readJson(P('dashboards', 'surfacer-demo.json'));
const alertFiles = readdirSync(P('alerting')).filter((f) => /\.ya?ml$/.test(f));
const alerting = readYaml(P('alerting', 'surfacer-new-leads.yaml'));
const pluginJson = readJson(join(ROOT, 'src', 'plugin.json'));
const DS = dsFile.datasources[0];

/** `SELECT …` strings of every target on the ClickHouse data source in the dashboard: panels and annotations. */
function dashboardQueries(d: any): Array<{ where: string; rawSql: string; datasource: any }> {
  const out: Array<{ where: string; rawSql: string; datasource: any }> = [];
  for (const p of d.panels ?? []) for (const t of p.targets ?? []) out.push({ where: `panel ${p.id} "${p.title}"`, rawSql: t.rawSql, datasource: t.datasource ?? p.datasource });
  for (const a of d.annotations?.list ?? []) if (a.target?.rawSql) out.push({ where: `annotation "${a.name}"`, rawSql: a.target.rawSql, datasource: a.datasource });
  return out;
}
const panelSql = (title: string): string => {
  const p = dashboard.panels.find((x: any) => x.title === title);
  if (!p) throw new Error(`no panel "${title}" in the demo dashboard`);
  return p.targets[0].rawSql;
};
const annotation = dashboard.annotations.list.find((a: any) => a.name === 'Surfacer leads');
const alertRule = alerting.groups[0].rules[0];
const alertQuery = alertRule.data.find((d: any) => d.datasourceUid !== '__expr__');

/** Keys of a TypeScript interface in src/types/settings.ts (the app's jsonData / secureJsonData). */
function interfaceKeys(name: string): string[] {
  const text = readFileSync(join(ROOT, 'src', 'types', 'settings.ts'), 'utf8');
  const body = new RegExp(`interface ${name}\\s*\\{([\\s\\S]*?)\\n\\}`).exec(text);
  if (!body) throw new Error(`no interface ${name} in src/types/settings.ts`);
  return [...body[1]!.matchAll(/^\s*(\w+)\??\s*:/gm)].map((m) => m[1]!);
}

describe('provisioned files', () => {
  it('the ClickHouse data source: official plugin, fixed uid, v4 keys, password from the environment', () => {
    expect(dsFile.apiVersion).toBe(1);
    expect(dsFile.datasources).toHaveLength(1);
    expect(DS).toMatchObject({ uid: 'surfacer-clickhouse', type: CH_TYPE });
    // v4 jsonData keys: grafana/clickhouse-datasource src/types/config.ts (CHConfig).
    const v4Keys = ['version', 'host', 'port', 'protocol', 'secure', 'path', 'tlsSkipVerify', 'tlsAuth', 'tlsAuthWithCACert', 'username', 'defaultDatabase', 'defaultTable', 'dialTimeout', 'queryTimeout', 'validateSql', 'logs', 'traces', 'customSettings', 'enableSecureSocksProxy', 'httpHeaders'];
    for (const k of Object.keys(DS.jsonData)) expect(v4Keys).toContain(k);
    expect(DS.jsonData).toMatchObject({ host: 'clickhouse', protocol: 'http', port: 8123, username: 'default', defaultDatabase: 'demo' });
    expect(DS.secureJsonData).toEqual({ password: '$CLICKHOUSE_PASSWORD' });
    expect(compose.services.grafana.environment.CLICKHOUSE_PASSWORD).toBe(compose.services.clickhouse.environment.CLICKHOUSE_PASSWORD);
  });

  it('the app: its id, settings keys that exist in src/types/settings.ts, the engine and data source of the stack', () => {
    expect(appsFile.apiVersion).toBe(1);
    const app = appsFile.apps[0];
    expect(app.type).toBe(pluginJson.id);
    expect(app.disabled).toBe(false);
    for (const k of Object.keys(app.jsonData)) expect(interfaceKeys('AppJsonData')).toContain(k);
    for (const k of Object.keys(app.secureJsonData)) expect(interfaceKeys('AppSecureJsonData')).toContain(k);
    expect(app.jsonData.clickhouseDatasourceUid).toBe(DS.uid);
    const engineUrl = new URL(app.jsonData.engineUrl);
    expect(compose.services[engineUrl.hostname]).toBeDefined(); // the compose service Grafana's server reaches
    const engineCfg = loadConfigFile(P('engine', 'surfacer.yaml'));
    expect(Number(engineUrl.port)).toBe(engineCfg.server.port);
    expect(app.secureJsonData.engineToken).toBe('$SURFACER_TOKEN');
    expect(compose.services.grafana.environment.SURFACER_TOKEN).toBe(compose.services[engineUrl.hostname].environment.SURFACER_TOKEN);
  });

  it('the app: what Grafana re-applies at every start is declared managed, so the config page does not accept changes it would undo', () => {
    // grafana pkg/services/provisioning/plugins/plugin_provisioner.go applies the file at every start:
    // UpdatePluginSettingCmd{JsonData: app.JSONData, SecureJsonData: app.SecureJSONData} with the saved Pinned kept;
    // pkg/services/pluginsintegration/pluginsettings/service/service.go updatePluginSetting then REPLACES jsonData
    // whole and overwrites the secureJsonData keys given. Every provisioned key is therefore managed by the file.
    const app = appsFile.apps[0];
    const provisioned = [...Object.keys(app.jsonData ?? {}).filter((k) => k !== 'managedByProvisioning'), ...Object.keys(app.secureJsonData ?? {})];
    expect([...(app.jsonData?.managedByProvisioning ?? [])].sort()).toEqual(provisioned.sort());
    // Nothing the config page does not show is provisioned (pinned is kept by Grafana; enabled is `disabled: false`).
    expect(Object.keys(app).sort()).toEqual(['disabled', 'jsonData', 'org_id', 'secureJsonData', 'type']);
    expect(interfaceKeys('AppJsonData')).toContain('managedByProvisioning');
    // The page reads the list and disables those fields (src/components/AppConfig/AppConfig.tsx, tested there).
    const page = readFileSync(join(ROOT, 'src', 'components', 'AppConfig', 'AppConfig.tsx'), 'utf8');
    for (const k of provisioned) expect(page).toContain(`managed.has('${k}')`);
  });

  it('one "Surfacer" folder: the dashboard provider finds the folder the alert rule provisioner creates by title', () => {
    // The alert rule file names its folder by title (groups[].folder); Grafana's alerting provisioner creates it with
    // a generated uid. The dashboard provider with a folderUid would look for (and create) a folder by that uid: a
    // second "Surfacer" folder, or no dashboard where titles must be unique. Without one it looks the folder up by
    // title (grafana pkg/services/provisioning/dashboards/file_reader.go getOrCreateFolder: cmd.UID when
    // cfg.FolderUID != "", else cmd.Title).
    const prov = providerFile.providers[0];
    expect(prov.folderUid).toBeUndefined();
    expect(alerting.groups.map((g: any) => g.folder)).toEqual([prov.folder]);
    expect(alerting.groups.every((g: any) => g.folderUid === undefined && g.folderUID === undefined)).toBe(true);
  });

  it("the nested panel's logo is its own: a path inside the panel's folder, shipped there in src/ and dist/", () => {
    // Grafana resolves a plugin's logos against that plugin's base URL (pkg/plugins/manager/pluginassets
    // RelativeURL: path.Join(Base(n), logo)); a nested plugin's base is not its parent's, so "../../img/logo.svg"
    // lands outside the app (public/img/logo.svg, a Grafana core path).
    const dir = join(ROOT, 'src', 'panels', 'opportunities');
    const logos = readJson(join(dir, 'plugin.json')).info.logos;
    for (const logo of [logos.small, logos.large]) {
      expect(logo.split('/')).not.toContain('..');
      expect(existsSync(join(dir, logo))).toBe(true);
      // npm test builds dist/ first (pretest); the built panel ships the file next to its plugin.json.
      expect(existsSync(join(ROOT, 'dist', 'panels', 'opportunities', logo))).toBe(true);
    }
  });

  it('the dashboard provider reads the folder Grafana mounts; the dashboard uses only the provisioned data source', () => {
    expect(providerFile.apiVersion).toBe(1);
    const prov = providerFile.providers[0];
    expect(prov.type).toBe('file');
    expect(compose.services.grafana.volumes).toContain('./provisioning:/etc/grafana/provisioning:ro');
    expect(prov.options.path).toBe('/etc/grafana/provisioning/dashboards');
    expect(dashboardFiles).toEqual(['surfacer-demo.json']);
    expect(dashboard).toMatchObject({ uid: 'surfacer-demo', title: 'Surfacer demo: KPIs' });
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThanOrEqual(5);
    for (const q of queries) expect({ where: q.where, ds: q.datasource }).toEqual({ where: q.where, ds: { type: CH_TYPE, uid: DS.uid } });
    const ids = dashboard.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('the dashboard nests the Surfacer panel with a KPI the engine knows', () => {
    const engineCfg = loadConfigFile(P('engine', 'surfacer.yaml'));
    const panel = dashboard.panels.find((p: any) => p.type === 'surfacer-opportunities-panel');
    expect(panel).toBeDefined();
    expect(engineCfg.kpis.map((k) => k.name)).toContain(panel.options.kpi);
    expect(pluginJson.includes.filter((i: any) => i.type === 'panel')).toHaveLength(1);
    const nested = join(ROOT, 'src', 'panels', 'opportunities', 'plugin.json');
    expect(existsSync(nested)).toBe(true);
    expect(readJson(nested).id).toBe(panel.type);
    // Its options are the panel's own (src/panels/opportunities/types.ts PanelOptions).
    const types = readFileSync(join(ROOT, 'src', 'panels', 'opportunities', 'types.ts'), 'utf8');
    const optionKeys = [...(/interface PanelOptions\s*\{([\s\S]*?)\n\}/.exec(types)?.[1] ?? '').matchAll(/^\s*(\w+)\??\s*:/gm)].map((m) => m[1]);
    for (const k of Object.keys(panel.options)) expect(optionKeys).toContain(k);
  });

  it('the alert rule: unified alerting file format, query on the data source, reduce + threshold on it', () => {
    expect(alertFiles).toEqual(['surfacer-new-leads.yaml']);
    expect(alerting.apiVersion).toBe(1);
    const g = alerting.groups[0];
    expect(g).toMatchObject({ orgId: 1, name: expect.any(String), folder: expect.any(String), interval: '5m' });
    const r = alertRule;
    expect(r).toMatchObject({ uid: 'surfacer-new-leads', title: expect.any(String), condition: 'C', noDataState: 'OK', execErrState: 'Error' });
    const refIds = r.data.map((d: any) => d.refId);
    expect(refIds).toContain(r.condition);
    expect(alertQuery.datasourceUid).toBe(DS.uid);
    expect(alertQuery.model.rawSql).toMatch(/known = 0/);
    // The query's window is the evaluation interval.
    expect(alertQuery.relativeTimeRange).toEqual({ from: 300, to: 0 });
    for (const d of r.data.filter((x: any) => x.datasourceUid === '__expr__')) {
      expect(['reduce', 'threshold', 'math', 'classic_conditions']).toContain(d.model.type);
      expect(refIds).toContain(d.model.expression);
    }
    expect(r.data.find((d: any) => d.refId === 'C').model.conditions[0].evaluator).toEqual({ type: 'gt', params: [0] });
  });

  it("the engine config of the stack parses with the engine's own loader and matches the data source", () => {
    const cfg = loadConfigFile(P('engine', 'surfacer.yaml'));
    expect(new URL(cfg.store.url!).hostname).toBe(DS.jsonData.host);
    expect(new URL(cfg.store.url!).port).toBe(String(DS.jsonData.port));
    expect(cfg.store.database).toBe(DS.jsonData.defaultDatabase);
    expect(cfg.store.results_database).toBe('surfacer');
    expect(cfg.server.host).toBe('0.0.0.0');
    expect(cfg.server.public_url).toBe(`http://localhost:3000/a/${pluginJson.id}`);
    expect(new URL(cfg.planner.llm!.host).hostname).toBe('ollama');
    expect(compose.services.ollama).toBeDefined();
    // Every SQL string reads the results database the engine writes to.
    for (const q of [...dashboardQueries(dashboard), { where: 'alert', rawSql: alertQuery.model.rawSql }]) {
      if (/\bleads\b/.test(q.rawSql)) expect(q.rawSql).toMatch(new RegExp(`\\b${cfg.store.results_database}\\.leads\\b`));
    }
  });

  it('docker-compose.yaml: services, mounts, healthchecks, start order, and CLI options that exist', () => {
    const s = compose.services;
    expect(Object.keys(s).sort()).toEqual(['clickhouse', 'demo-data', 'demo-load', 'engine', 'grafana', 'ollama', 'ollama-pull']);
    for (const name of ['clickhouse', 'engine', 'grafana', 'ollama']) expect(s[name].healthcheck?.test).toBeDefined();
    expect(s.grafana.image).toMatch(/^grafana\/\$\{GRAFANA_IMAGE:-grafana-enterprise\}:\$\{GRAFANA_VERSION:-1[23]\.\d+\.\d+\}$/);
    expect(s.grafana.volumes).toContain(`./dist:/var/lib/grafana/plugins/${pluginJson.id}:ro`);
    expect(s.grafana.environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS.split(',')).toContain(pluginJson.id);
    expect(s.grafana.environment.GF_PLUGINS_PREINSTALL_SYNC).toContain(CH_TYPE);
    expect(s.grafana.depends_on).toMatchObject({ clickhouse: { condition: 'service_healthy' }, engine: { condition: 'service_healthy' } });
    expect(s.engine.depends_on).toMatchObject({ clickhouse: { condition: 'service_healthy' }, 'demo-load': { condition: 'service_completed_successfully' } });
    expect(s['demo-load'].depends_on).toMatchObject({ clickhouse: { condition: 'service_healthy' }, 'demo-data': { condition: 'service_completed_successfully' } });
    expect(s['ollama-pull'].depends_on).toMatchObject({ ollama: { condition: 'service_healthy' } });
    expect(s.clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:/);
    expect(s.ollama.image).toMatch(/^ollama\/ollama:/);
    // The engine reads the config it is given, where the compose file mounts it.
    const cfgArg = s.engine.command[s.engine.command.indexOf('--config') + 1];
    expect(s.engine.volumes).toContain(`./provisioning/engine/surfacer.yaml:${cfgArg}:ro`);
    expect(s.engine.command).toEqual(expect.arrayContaining(['serve', '--host', '0.0.0.0']));
    expect(s.engine.build).toEqual({ context: '.', dockerfile: 'Dockerfile.engine' });
    expect(s.engine.environment.SURFACER_TOKEN).toMatch(/^\$\{SURFACER_TOKEN:-.{16,}\}$/);
    expect(s.engine.environment.SURFACER_CLICKHOUSE_PASSWORD).toBe(s.clickhouse.environment.CLICKHOUSE_PASSWORD);
    // The demo job's `generate` options exist in the CLI; the loader reads the volume the generator writes.
    const gen = buildCli().commands.find((c) => c.name() === 'generate')!;
    const longs = gen.options.map((o) => o.long);
    for (const flag of s['demo-data'].command[0].match(/--[a-z-]+/g)) expect(longs).toContain(flag);
    expect(s['demo-data'].volumes).toContain('demo-data:/demo');
    expect(s.clickhouse.volumes).toContain('demo-data:/var/lib/clickhouse/user_files/demo:ro');
    expect(s['demo-load'].volumes).toContain('./provisioning/clickhouse:/load:ro');
    expect(s['demo-load'].command[0]).toContain('/load/load-demo.sql');
    for (const v of Object.keys(compose.volumes)) expect(compose.volumes[v] ?? {}).toEqual({});
    // `npm run server` is the entry point, and the engine image is what Dockerfile.engine builds.
    expect(readJson(join(ROOT, 'package.json')).scripts.server).toBe('docker compose up --build');
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile.engine'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-bookworm/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/\/api\/health/);
  });
});

// ------------------------------------------------------------------------------------------------------------------
// The provisioned SQL on a real (embedded) ClickHouse with real leads
// ------------------------------------------------------------------------------------------------------------------
describe('provisioned SQL on the demo telemetry and a real analysis (embedded ClickHouse)', () => {
  let dir: string;
  let ex: Executor;
  let cfg: LoadedConfig;
  let store: ResultStore;
  let leadIds: string[];
  const T1 = Date.UTC(2026, 10, 20, 12, 0, 0); // when the first run stored its leads
  const T2 = T1 + 3_600_000; // the second run
  const DATA = { from: Date.parse('2026-09-28T00:00:00Z'), to: Date.parse('2026-11-16T00:00:00Z') };

  const run = async <T = Record<string, unknown>>(sql: string, c: MacroContext): Promise<T[]> => ex.query<T>(expandMacros(sql, c));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-prov-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    // What the compose jobs do: `surfacer generate --out /demo`, then load-demo.sql on the server, whose file()
    // paths are relative to user_files_path (where the demo volume is mounted): here, the generated folder.
    await generateSynthetic(ex, { events: 30_000, seed: 42, outDir: join(dir, 'demo') });
    const load = readFileSync(P('clickhouse', 'load-demo.sql'), 'utf8')
      .replace(/--.*$/gm, '')
      .replace(/'demo\//g, `'${join(dir, 'demo')}/`);
    for (const stmt of load.split(';').map((x) => x.trim()).filter(Boolean)) await ex.command(stmt);
    // The stack's engine config, with the server store swapped for this embedded one.
    const raw = parseYaml(readFileSync(P('engine', 'surfacer.yaml'), 'utf8'));
    raw.store = { embedded: join(dir, '.store'), results_database: raw.store.results_database };
    cfg = validateConfig(raw, P('engine'));
    store = new ResultStore(ex.onControl(), cfg.store.results_database, { publicUrl: cfg.server.public_url });
    await store.migrate();
    const report = await analyze(ex, cfg, {});
    const leads: LeadInput[] = (report.opportunities as OpportunityWithSeries[]).map((o) => ({
      opportunity: o,
      evidence: { series: o.series ?? null, halves: null, example_groups: [], group_column: cfg.dataset.events.group, sql: o.sql },
    }));
    const stored = await store.recordLeads('run-1', T1, leads);
    leadIds = stored.newIds;
  });
  afterAll(async () => {
    await ex?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the loader SQL loads the demo tables the engine config names', async () => {
    const [ev] = await ex.query<{ n: number }>('SELECT count() AS n FROM demo.events');
    expect(Number(ev!.n)).toBeGreaterThan(25_000);
    const cols = await ex.query<{ name: string; type: string }>("SELECT name, type FROM system.columns WHERE database = 'demo' AND table = 'backend_metrics' ORDER BY position");
    expect(cols).toEqual([
      { name: 'ts', type: "DateTime('UTC')" },
      { name: 'cpu', type: 'Float64' },
    ]);
    // Idempotent: a second run of the job leaves the tables as they are.
    const load = readFileSync(P('clickhouse', 'load-demo.sql'), 'utf8').replace(/--.*$/gm, '').replace(/'demo\//g, `'${join(dir, 'demo')}/`);
    for (const stmt of load.split(';').map((x) => x.trim()).filter(Boolean)) await ex.command(stmt);
    const [again] = await ex.query<{ n: number }>('SELECT count() AS n FROM demo.events');
    expect(Number(again!.n)).toBe(Number(ev!.n));
  });

  it('the analysis found and stored leads', () => {
    expect(leadIds.length).toBeGreaterThan(0);
  });

  it('KPI panels: the demo dashboard queries return a time series over the data', async () => {
    const c = { ...DATA, intervalMs: 86_400_000 };
    for (const [title, column, lo, hi] of [
      ['Payment conversion', 'payment_conversion', 0, 1],
      ['Error rate', 'error_rate', 0, 1],
      ['Page load', 'page_load_ms', 1, 1e6],
    ] as const) {
      const rows = await run<Record<string, any>>(panelSql(title), c);
      expect({ title, days: rows.length }).toEqual({ title, days: 45 });
      const times = rows.map((r) => Date.parse(`${r.time}Z`.replace(' ', 'T')));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(times[0]).toBe(Date.UTC(2026, 9, 1));
      for (const r of rows) {
        expect(Number(r[column])).toBeGreaterThanOrEqual(lo);
        expect(Number(r[column])).toBeLessThanOrEqual(hi);
      }
    }
    // A narrower range and a finer interval: the macros bound and bucket the query.
    const day = { from: Date.UTC(2026, 9, 10), to: Date.UTC(2026, 9, 11) - 1000, intervalMs: 3_600_000 };
    const hourly = await run<Record<string, any>>(panelSql('Page load'), day);
    expect(hourly.length).toBeGreaterThanOrEqual(6); // ~670 events a day in this small dataset
    expect(hourly.length).toBeLessThanOrEqual(24);
    expect(hourly.every((r) => String(r.time).startsWith('2026-10-10'))).toBe(true);
  });

  it('the annotation query returns the stored leads with time, title, text and tags', async () => {
    const sql = annotation.target.rawSql;
    const c = { from: T1 - 3_600_000, to: T1 + 3_600_000, intervalMs: 60_000 };
    const rows = await run<{ time: string; title: string; text: string; tags: string }>(sql, c);
    expect(rows.length).toBe(leadIds.length);
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(['tags', 'text', 'time', 'title']);
      expect(r.time).toBe('2026-11-20 12:00:00');
      expect(r.title).toMatch(/ is (worse|better|higher|lower)/);
      const id = /\/opportunities\/([0-9a-f]{24})$/.exec(r.text)?.[1];
      expect(id && leadIds.includes(id)).toBe(true);
      expect(r.text).toContain(`http://localhost:3000/a/${pluginJson.id}/opportunities/`);
      const tags = r.tags.split(',');
      expect(tags[0]).toBe('surfacer');
      expect(cfg.kpis.map((k) => k.name)).toContain(tags[1]);
      expect(tags[2]).toBe('new');
    }
    // Outside the dashboard's range: none.
    expect(await run(sql, { from: T1 - 7_200_000, to: T1 - 3_600_000, intervalMs: 60_000 })).toEqual([]);
    // A dismissed lead is no longer annotated.
    await store.triage(leadIds[0]!, { status: 'dismissed', actor: 'test' });
    const after = await run<{ text: string }>(sql, c);
    expect(after.length).toBe(leadIds.length - 1);
    expect(after.some((r) => r.text.endsWith(leadIds[0]!))).toBe(false);
  });

  it('the leads table panel reads the leads view', async () => {
    const rows = await run<Record<string, unknown>>(panelSql('Current leads (surfacer.leads)'), { ...DATA, intervalMs: 60_000 });
    expect(rows.length).toBe(leadIds.length);
    expect(Object.keys(rows[0]!)).toEqual(['time', 'kpi', 'title', 'impact', 'status', 'known', 'link']);
  });

  it('the alert query counts new leads in the evaluation window, and none once they are known', async () => {
    const sql = alertQuery.model.rawSql;
    const window = (now: number) => ({ from: now - alertQuery.relativeTimeRange.from * 1000, to: now - alertQuery.relativeTimeRange.to * 1000, intervalMs: alertQuery.model.intervalMs });
    const count = async (now: number) => Number((await run<{ new_leads: number }>(sql, window(now)))[0]!.new_leads);
    // Evaluated one minute after the first run: every lead is new (known = 0), whatever its triage.
    expect(await count(T1 + 60_000)).toBe(leadIds.length);
    // A window with none: before the run, and after the window has passed.
    expect(await count(T1 - 60_000)).toBe(0);
    expect(await count(T1 + 600_000)).toBe(0);
    // The next run finds the same leads: they become known, and the window around the first run counts none.
    const report = await analyze(ex, cfg, {});
    const leads: LeadInput[] = (report.opportunities as OpportunityWithSeries[]).map((o) => ({
      opportunity: o,
      evidence: { series: o.series ?? null, halves: null, example_groups: [], group_column: cfg.dataset.events.group, sql: o.sql },
    }));
    const second = await store.recordLeads('run-2', T2, leads);
    expect(second.knownIds.sort()).toEqual([...leadIds].sort());
    expect(second.newIds).toEqual([]);
    expect(await count(T1 + 60_000)).toBe(0);
    expect(await count(T2 + 60_000)).toBe(0);
  });
});
