/**
 * The app in Chromium against the real engine: start an investigation, watch it, triage a lead, open its detail,
 * filter the opportunities, read the templates, render the dashboard panel, check the config page — every page at
 * 1440x900 with no console errors and no horizontal overflow, saving screenshots to docs/screenshots/.
 *
 * The harness (server.ts) is a stand-in for Grafana's server in front of `surfacer serve` on a synthetic embedded
 * store; the browser loads the BUILT plugin from it (dist/, through SystemJS with shared modules, as Grafana's
 * plugin loader does) and talks only to it, through the plugin proxy of dist/plugin.json, as it would to Grafana.
 *
 * The tests run in order and share state (the run started first is the one whose leads are triaged and opened).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHarness, CLICKHOUSE_DS_UID, PLUGIN_ID, type Harness } from './server';
import { launch, overflow, pickOption, screenshot, tid, VIEWPORT, watch, type Watched } from './browser';

// Test ids as src/components/testIds.ts writes them (read from the source, so a renamed id fails here loudly).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { testIds } = require('../../src/components/testIds') as typeof import('../../src/components/testIds');

const APP = `/a/${PLUGIN_ID}`;
const PROMPT = 'find patterns behind payment failures';
const KPI = 'payment_conversion';

jest.setTimeout(240_000);

describe('Surfacer in the browser', () => {
  let h: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let w: Watched;
  /** Set by the Investigate test. */
  let runId = '';
  let leadId = '';

  const visit = async (path: string) => {
    await page.goto(`${h.url}${path}`);
    await page.waitForFunction(() => (window as any).__harness?.ready === true, undefined, { timeout: 30_000 });
  };

  /** Layout of every page checked, for the last test (a page that works but does not fit fails there, not here). */
  const layouts: Array<{ what: string; scrollWidth: number; clientWidth: number; offenders: string[]; innerScroll: string[] }> = [];

  /** No console errors, no page errors, no request to a Grafana API the harness does not know; layout recorded. */
  const expectClean = async (what: string) => {
    const errors = w.take();
    expect({ what, errors }).toEqual({ what, errors: [] });
    expect(h.unknownApi).toEqual([]);
    const o = await overflow(page);
    // A code block that scrolls sideways is what code blocks do.
    layouts.push({ what, ...o, innerScroll: o.innerScroll.filter((s) => !/^(pre|code)\b/.test(s)) });
  };

  beforeAll(async () => {
    [h, browser] = await Promise.all([startHarness({ events: 60_000 }), launch()]);
    context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, colorScheme: 'dark' });
    page = await context.newPage();
    w = watch(page);
  }, 240_000);

  afterAll(async () => {
    if (h?.missingIcons.length) {
      console.info(`icons @grafana/ui does not ship, shown as stand-ins: ${[...new Set(h.missingIcons.map((p) => p.split('/').pop()))].join(', ')}`);
    }
    await context?.close();
    await browser?.close();
    await h?.close();
  });

  it("reaches the engine through Grafana's plugin proxy, with the token added by the proxy only", async () => {
    // What any engine call of the app does: GET /api/plugin-proxy/<id>/engine/api/... with no credentials.
    const r = await fetch(`${h.url}/api/plugin-proxy/${PLUGIN_ID}/engine/api/kpis`);
    const body = await r.text();
    const hint =
      r.status === 404 && body.includes('plugin route match not found')
        ? 'Grafana (>= 9.1) matches an app route path with its router tree: "engine" matches only "engine" itself; ' +
          'a route that proxies everything under it needs "path": "engine/*" (src/plugin.json routes).'
        : undefined;
    expect({ status: r.status, hint }).toEqual({ status: 200, hint: undefined });
    expect(JSON.parse(body).map((k: { name: string }) => k.name)).toContain(KPI);
    // The settings Grafana gives the browser say a token is set, never what it is.
    const settings = await (await fetch(`${h.url}/api/plugins/${PLUGIN_ID}/settings`)).text();
    expect(settings).not.toContain(h.token);
    expect(JSON.parse(settings)).toMatchObject({ secureJsonFields: { engineToken: true }, jsonData: { engineUrl: h.engineUrl } });
    // Without the proxy, the engine refuses.
    expect((await fetch(`${h.engineUrl}/api/kpis`)).status).toBe(401);
  });

  it('loads the built plugin as Grafana does: dist/module.js and its chunks through SystemJS, the panel from dist/panels/', async () => {
    await visit(`${APP}/templates`);
    await visit('/panel');
    expect(h.pluginFiles).toEqual(expect.arrayContaining(['module.js', 'panels/opportunities/module.js']));
    // webpack's lazy pages are chunks of the build, fetched next to module.js.
    expect(h.pluginFiles.some((f) => /^\d+\.js$/.test(f))).toBe(true);
    w.take();
  });

  it('Investigate: starts an investigation, shows its progress, then its leads', async () => {
    await visit(`${APP}/investigate`);
    await page.locator(tid(testIds.investigate.container)).waitFor();
    await expectClean('investigate (empty)');

    await page.locator(tid(testIds.investigate.prompt)).fill(PROMPT);
    await pickOption(page, page.locator(tid(testIds.investigate.kpiPicker)), KPI);
    await expect(page.locator(tid(testIds.investigate.kpiPicker)).innerText()).resolves.toContain(KPI);

    const runsBefore = (await h.engine('GET', '/api/runs?limit=50')).body.items.length;
    await page.locator(tid(testIds.investigate.start)).click();

    // The progress element appears and changes while the run goes; record what it says.
    const progress = page.locator(tid(testIds.investigate.progress));
    await progress.waitFor({ timeout: 30_000 });
    const seen: string[] = [];
    const until = Date.now() + 180_000;
    for (;;) {
      const text = (await progress.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
      if (text && seen[seen.length - 1] !== text) seen.push(text);
      if (await page.locator(tid(testIds.investigate.results)).isVisible()) {
        // The run may have finished between reading the progress and seeing the results: read it once more.
        const last = (await progress.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
        if (last && seen[seen.length - 1] !== last) seen.push(last);
        break;
      }
      if (/Failed|Cancelled/.test(text)) throw new Error(`the run ended badly: ${text}`);
      if (Date.now() > until) throw new Error(`no results after 180 s; progress seen: ${seen.join(' | ')}`);
      await page.waitForTimeout(100);
    }
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[seen.length - 1]).toMatch(/Succeeded/);

    // The run is in the URL and on the engine, with the prompt and KPI asked for.
    runId = new URL(page.url()).searchParams.get('run') ?? '';
    expect(runId).not.toBe('');
    const run = await h.engine('GET', `/api/runs/${runId}`);
    expect(run.body).toMatchObject({ id: runId, status: 'succeeded', request: { prompt: PROMPT, kpis: [KPI] } });
    expect((await h.engine('GET', '/api/runs?limit=50')).body.items.length).toBe(runsBefore + 1);

    // Leads, one row each, as many as the engine has for the run (up to the page's 100).
    const rows = page.locator(`${tid(testIds.leads.table)} tbody tr[data-testid]`);
    await rows.first().waitFor();
    const engineLeads = await h.engine('GET', `/api/opportunities?run=${runId}&limit=100`);
    expect(engineLeads.body.items.length).toBeGreaterThan(0);
    await expect(rows.count()).resolves.toBe(engineLeads.body.items.length);
    const firstRowId = (await rows.first().getAttribute('data-testid'))!.replace(testIds.leads.row(''), '');
    leadId = firstRowId;
    expect(engineLeads.body.items.map((l: { id: string }) => l.id)).toContain(leadId);

    await page.locator(tid(testIds.investigate.recentRuns)).or(page.getByText('Recent runs')).first().waitFor();
    await screenshot(page, 'investigate.png');
    await expectClean('investigate (results)');
  });

  it('triages a lead from the table, and the engine has it', async () => {
    expect(leadId).not.toBe('');
    const row = page.locator(tid(testIds.leads.row(leadId)));
    const useful = row.locator(tid(testIds.triage.useful));
    await useful.click();
    await expect(useful.getAttribute('aria-pressed')).resolves.toBe('true');
    // A real check: the engine's record, not the button.
    let status = '';
    for (let i = 0; i < 50 && status !== 'useful'; i++) {
      status = (await h.engine('GET', `/api/opportunities/${leadId}`)).body.status;
      if (status !== 'useful') await page.waitForTimeout(100);
    }
    expect(status).toBe('useful');
    // It went through the proxy's PATCH route (reqRole Editor), with no credentials from the browser.
    const patch = h.proxyLog.filter((e) => e.method === 'PATCH');
    expect(patch.length).toBeGreaterThan(0);
    expect(patch[patch.length - 1]).toMatchObject({ status: 200, browserSentAuthorization: false });
    expect(h.proxyLog.every((e) => !e.browserSentAuthorization)).toBe(true);
    await expectClean('triage');
  });

  it('opens the lead detail from its title, with chart, statistics and SQL', async () => {
    const loads = await page.evaluate(() => (window as any).__harness.fullLoads);
    await page.locator(tid(testIds.leads.row(leadId))).locator(tid(testIds.leads.title)).click();
    await page.locator(tid(testIds.lead.container)).waitFor({ timeout: 30_000 });
    expect(new URL(page.url()).pathname).toBe(`${APP}/opportunities/${leadId}`);
    // In-app navigation, as Grafana does it: no page reload.
    await expect(page.evaluate(() => (window as any).__harness.fullLoads)).resolves.toBe(loads);

    const detail = (await h.engine('GET', `/api/opportunities/${leadId}?run=${runId}`)).body;
    await expect(page.locator(tid(testIds.lead.statement)).innerText()).resolves.not.toBe('');
    await page.locator(tid(testIds.lead.chart)).waitFor();
    if (detail.evidence?.series) {
      // A chart when the engine has a series for the lead.
      await expect(page.locator(`${tid(testIds.lead.chart)} svg`).count()).resolves.toBeGreaterThan(0);
    }
    await expect(page.locator(tid(testIds.lead.stats)).innerText()).resolves.toMatch(/\d/);
    const sql = await page.locator(tid(testIds.lead.sql)).innerText();
    expect(sql).toMatch(/SELECT/i);
    // Open in Explore on the configured ClickHouse data source.
    const explore = page.locator(tid(testIds.lead.explore));
    await expect(explore.getAttribute('href')).resolves.toContain(CLICKHOUSE_DS_UID);
    // The triage made on the Investigate page shows here.
    await expect(page.locator(tid(testIds.triage.useful)).first().getAttribute('aria-pressed')).resolves.toBe('true');
    await screenshot(page, 'lead-detail.png');
    await expectClean('lead detail');
  });

  it('Opportunities: lists the leads across runs and filters them by status', async () => {
    await visit(`${APP}/opportunities`);
    await page.locator(tid(testIds.opportunities.container)).waitFor();
    const rows = page.locator(`${tid(testIds.leads.table)} tbody tr[data-testid]`);
    await rows.first().waitFor({ timeout: 30_000 });
    const total = (await h.engine('GET', '/api/opportunities?limit=1')).body.total;
    expect(total).toBeGreaterThan(0);
    await screenshot(page, 'opportunities.png');
    await expectClean('opportunities');

    // The option's label (STATUS_LABELS in src/pages/Opportunities.tsx), matched without case.
    await pickOption(page, page.locator(tid(testIds.opportunities.filterStatus)), 'useful');
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 1, `${tid(testIds.leads.table)} tbody tr[data-testid]`, { timeout: 15_000 });
    await expect(rows.first().getAttribute('data-testid')).resolves.toBe(testIds.leads.row(leadId));
    expect(new URL(page.url()).searchParams.get('status')).toBe('useful');
    await expectClean('opportunities (filtered)');
  });

  it('Templates: shows every family of the catalog', async () => {
    await visit(`${APP}/templates`);
    await page.locator(tid(testIds.templates.container)).waitFor();
    const catalog = (await h.engine('GET', '/api/templates')).body as Array<{ name: string }>;
    for (const t of catalog) {
      await page.locator(tid(testIds.templates.card(t.name))).waitFor({ timeout: 15_000 });
    }
    await screenshot(page, 'templates.png');
    await expectClean('templates');
  });

  it('the dashboard panel shows the KPI’s leads in 480x320 and starts an investigation', async () => {
    // The last 7 days of the data (the synthetic data ends at a fixed date; a window past it is refused).
    const dataEnd = (await h.engine('GET', '/api/dataset')).body.range.to;
    await visit(`/panel?kpi=${KPI}&to=${encodeURIComponent(dataEnd)}`);
    const panel = page.locator(tid(testIds.panel.container));
    await panel.waitFor({ timeout: 30_000 });
    await page.locator(`[data-testid^="${testIds.panel.lead('')}"]`).first().waitFor({ timeout: 30_000 });
    // Nothing spills out of the panel.
    const spill = await panel.evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth }));
    expect(spill.sw).toBeLessThanOrEqual(spill.cw);
    await screenshot(page, 'panel.png', page.locator('[data-harness="panel-frame"]'));
    await expectClean('panel');

    // The prompt box starts a run and takes the user to it.
    const before = (await h.engine('GET', '/api/runs?limit=50')).body.items.length;
    await page.locator(tid(testIds.panel.prompt)).fill('why do payments fail on some app versions');
    await page.locator(tid(testIds.panel.start)).click();
    await page.waitForURL((u) => u.pathname === `${APP}/investigate` && u.searchParams.has('run'), { timeout: 30_000 });
    expect((await h.engine('GET', '/api/runs?limit=50')).body.items.length).toBe(before + 1);
    await page.locator(tid(testIds.investigate.progress)).waitFor({ timeout: 30_000 });
    await expectClean('panel → investigate');
  });

  it('the configuration page shows the saved settings and tests the connection', async () => {
    await visit(`/plugins/${PLUGIN_ID}`);
    await page.locator(tid(testIds.appConfig.engineUrl)).waitFor({ timeout: 30_000 });
    await expect(page.locator(tid(testIds.appConfig.engineUrl)).inputValue()).resolves.toBe(h.engineUrl);
    // The token is write-only: the page shows it is configured, never its value.
    await expect(page.content()).resolves.not.toContain(h.token);
    await page.locator(tid(testIds.appConfig.testConnection)).click();
    const result = page.locator(tid(testIds.appConfig.connectionResult));
    await result.waitFor({ timeout: 30_000 });
    await expect(result.innerText()).resolves.toMatch(/Connected/);
    await screenshot(page, 'configuration.png');
    await expectClean('configuration');
  });

  it('every page fits 1440x900: no horizontal overflow of the page, no table scrolling sideways in its card', () => {
    expect(layouts.length).toBeGreaterThanOrEqual(8);
    const bad = layouts.filter((l) => l.scrollWidth > l.clientWidth || l.offenders.length || l.innerScroll.length);
    expect(bad).toEqual([]);
  });

  it('the app disabled in the org: the page says so (Grafana\'s proxy answers 404 "Plugin is not enabled")', async () => {
    h.settings.enabled = false;
    try {
      await visit(`${APP}/opportunities`);
      const error = page.locator(tid(testIds.states.error));
      await error.waitFor({ timeout: 30_000 });
      await expect(error.innerText()).resolves.toMatch(/Surfacer app is disabled/);
      const last = h.proxyLog[h.proxyLog.length - 1]!;
      expect({ status: last.status, upstream: last.upstream }).toEqual({ status: 404, upstream: undefined });
      // Every call of the page answered (Chromium logs each failed fetch itself); nothing else went wrong.
      await page.waitForLoadState('networkidle');
      expect(w.take().filter((e) => !/status of 404/.test(e))).toEqual([]);
    } finally {
      h.settings.enabled = true;
    }
  });

  it('no engine URL saved: the pages point to the configuration page instead of failing with 502', async () => {
    const saved = h.settings.jsonData.engineUrl;
    delete h.settings.jsonData.engineUrl;
    try {
      const before = h.proxyLog.length;
      await visit(`${APP}/opportunities`);
      const note = page.locator(tid(testIds.states.notConfigured));
      await note.waitFor({ timeout: 30_000 });
      await expect(note.innerText()).resolves.toMatch(/No engine URL is saved/);
      await expect(note.locator('a').getAttribute('href')).resolves.toBe(`/plugins/${PLUGIN_ID}`);
      expect(h.proxyLog.length).toBe(before);
      expect(w.take()).toEqual([]);
    } finally {
      h.settings.jsonData.engineUrl = saved;
    }
  });
});
