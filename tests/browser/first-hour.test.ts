/**
 * An SRE's first hour (issue 14), in Chromium against the real engine behind the plugin-proxy stand-in: Cancel,
 * leads right under the run's status, leads stated as cohort-vs-rest rates with units, role-aware actions, and
 * scope read from the prompt. Separate from app.test.ts (its own harness and store), so its state is its own.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHarness, PLUGIN_ID, type Harness } from './server';
import { launch, pickOption, screenshot, tid, watch, type Watched } from './browser';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { testIds } = require('../../src/components/testIds') as typeof import('../../src/components/testIds');

const APP = `/a/${PLUGIN_ID}`;

jest.setTimeout(240_000);

describe('An SRE’s first hour, as Admin', () => {
  let h: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let w: Watched;

  const visit = async (path: string) => {
    await page.goto(`${h.url}${path}`);
    await page.waitForFunction(() => (window as any).__harness?.ready === true, undefined, { timeout: 30_000 });
  };
  const expectNoErrors = () => expect(w.take()).toEqual([]);

  beforeAll(async () => {
    [h, browser] = await Promise.all([startHarness({ events: 60_000 }), launch()]);
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, colorScheme: 'dark' });
    page = await context.newPage();
    w = watch(page);
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await h?.close();
  });

  it('Cancel stops the run: the engine has it cancelled and the page says so', async () => {
    // One run at a time (server.max_concurrent_runs = 1): a run started first keeps the page's run queued, so
    // Cancel is clicked while the run is certainly not finished.
    const blocker = (await h.engine('POST', '/api/runs', {})).body.id as string;
    await visit(`${APP}/investigate`);
    await page.locator(tid(testIds.investigate.prompt)).fill('why do payments fail');
    await page.locator(tid(testIds.investigate.start)).click();
    const cancel = page.locator(tid(testIds.investigate.cancel));
    await cancel.waitFor({ timeout: 30_000 });
    const runId = new URL(page.url()).searchParams.get('run') ?? '';
    expect((await h.engine('GET', `/api/runs/${runId}`)).body.status).toBe('queued');

    await cancel.click();
    await page.locator(tid(testIds.investigate.runError)).waitFor({ timeout: 15_000 });
    await expect(page.locator(tid(testIds.investigate.progress)).innerText()).resolves.toMatch(/Cancelled/);
    await expect(page.getByText('Could not start the investigation').count()).resolves.toBe(0);
    await expect(page.getByText('Could not cancel the run').count()).resolves.toBe(0);
    expect((await h.engine('GET', `/api/runs/${runId}`)).body).toMatchObject({ status: 'cancelled', error: 'cancelled by request' });
    // Through Grafana's proxy, as the browser sent it.
    const posted = h.proxyLog.filter((e) => e.method === 'POST' && e.proxyPath.endsWith(`/runs/${runId}/cancel`));
    expect(posted.map((e) => e.status)).toEqual([200]);

    // The blocker is not needed any more; cancel it while running.
    expect((await h.engine('POST', `/api/runs/${blocker}/cancel`)).status).toBe(200);
    expectNoErrors();
  });

  /** Starts a run from the page with `prompt` (KPIs and range from the prompt) and waits for its leads. */
  const runFromPage = async (prompt: string, kpis: string[] = []) => {
    await visit(`${APP}/investigate`);
    await page.locator(tid(testIds.investigate.prompt)).fill(prompt);
    for (const k of kpis) {
      await pickOption(page, page.locator(tid(testIds.investigate.kpiPicker)), k);
    }
    await page.locator(tid(testIds.investigate.start)).click();
    await page.locator(tid(testIds.investigate.results)).waitFor({ timeout: 180_000 });
    await page.locator(`${tid(testIds.leads.table)} tbody tr`).first().waitFor({ timeout: 30_000 });
    return new URL(page.url()).searchParams.get('run') ?? '';
  };

  it('after a run the leads sit right under the status, stated as cohort vs rest with units, per KPI', async () => {
    // A rate KPI and a numeric one: each reads in its own terms.
    const runId = await runFromPage('where do payments fail and pages load slowly', ['payment_conversion', 'page_load_ms']);
    const box = async (id: string) => (await page.locator(tid(id)).boundingBox())!;
    const [status, results, plan] = [await box(testIds.investigate.progress), await box(testIds.investigate.results), await box(testIds.investigate.planSummary)];
    // Leads start right under the status (one gap), inside the first screen; the plan is one line after them.
    expect(results.y - (status.y + status.height)).toBeLessThan(40);
    expect(results.y).toBeLessThan(500);
    expect(plan.y).toBeGreaterThan(results.y);
    // One line, and the scope's line when the prompt set one.
    expect(plan.height).toBeLessThan(90);
    await expect(page.locator(tid(testIds.investigate.plan)).count()).resolves.toBe(0);
    // The form is down to its prompt.
    await expect(page.locator(tid(testIds.investigate.kpiPicker)).count()).resolves.toBe(0);

    // Every lead reads as the KPI in the cohort vs the rest, with the engine's numbers.
    const engineLeads = (await h.engine('GET', `/api/opportunities?run=${runId}&limit=100`)).body.items as Array<{
      id: string;
      kpi: string;
      kpi_cohort: number;
      kpi_rest: number;
    }>;
    const kinds = new Map(((await h.engine('GET', '/api/kpis')).body as Array<{ name: string; kind: string }>).map((k) => [k.name, k.kind]));
    for (const l of engineLeads.slice(0, 10)) {
      const row = page.locator(tid(testIds.leads.row(l.id)));
      const cmp = (await row.locator(tid(testIds.leads.compare)).innerText()).replace(/\s+/g, ' ');
      const impact = (await row.locator(tid(testIds.leads.impact)).innerText()).replace(/\s+/g, ' ');
      if (kinds.get(l.kpi) === 'numeric') {
        expect(cmp).toMatch(/^[\d,.]+ ms vs [\d,.]+ ms/);
        expect(impact).toMatch(/excess ms$/);
      } else {
        const pct = (v: number) => (v * 100 < 10 ? (v * 100).toFixed(1).replace(/\.0$/, '') : String(Math.round(v * 100)));
        expect(cmp).toContain(`${pct(l.kpi_cohort)}% vs ${pct(l.kpi_rest)}%`);
        expect(cmp).toContain('failure rate');
        expect(impact).toMatch(/excess failed sessions?$/);
      }
    }
    // One block per KPI: leads of different KPIs are never ranked against each other.
    const groups = await page.locator(`${tid(testIds.leads.table)} tbody`).count();
    expect(groups).toBe(new Set(engineLeads.map((l) => l.kpi)).size);
    // Titles use the dataset's group noun (group column session_id).
    const titles = await page.locator(tid(testIds.leads.title)).allInnerTexts();
    expect(titles.join(' ')).not.toMatch(/\bgroups\b/);
    // A statistic explains itself on hover.
    await page.locator(`${tid(testIds.leads.table)} thead`).getByText('Share').hover();
    await expect(page.getByRole('tooltip').innerText()).resolves.toMatch(/Share of the KPI's failed sessions/);
    await page.mouse.move(0, 0);
    await screenshot(page, 'first-hour-1440.png');

    // At 1024 px (with Grafana's docked menu) the lead keeps room to read: recent runs move under the leads and the
    // table drops the columns the lead's page has.
    await page.setViewportSize({ width: 1024, height: 768 });
    await screenshot(page, 'first-hour-1024.png');
    const lead = await page.locator(`${tid(testIds.leads.table)} thead th`).first().boundingBox();
    expect(lead!.width).toBeGreaterThan(160);
    const o = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
    expect(o.sw).toBeLessThanOrEqual(o.cw);
    await page.setViewportSize({ width: 1440, height: 900 });
    expectNoErrors();
  });

  it('new vs known is the run’s own: a second run’s leads are known since the first, the first still shows them new', async () => {
    const first = new URL(page.url()).searchParams.get('run') ?? '';
    expect(first).not.toBe('');
    await page.locator(tid(testIds.investigate.start)).click();
    await page.waitForFunction((r) => new URL(location.href).searchParams.get('run') !== r, first, { timeout: 30_000 });
    const second = new URL(page.url()).searchParams.get('run') ?? '';
    await page.locator(tid(testIds.investigate.results)).waitFor({ timeout: 180_000 });
    const table = page.locator(tid(testIds.leads.table));
    await table.waitFor({ timeout: 30_000 });
    const engineSecond = (await h.engine('GET', `/api/opportunities?run=${second}&limit=100`)).body.items as Array<{ new_in_run: boolean }>;
    const knownHere = engineSecond.filter((l) => !l.new_in_run).length;
    expect(knownHere).toBeGreaterThan(0);
    await expect(table.locator(tid(testIds.leads.knownBadge)).count()).resolves.toBe(knownHere);
    await expect(table.locator(tid(testIds.leads.knownBadge)).first().innerText()).resolves.toMatch(/^Known since \w{3} \d+, \d{4}$/);

    // The first run, reopened, still says what it found new.
    await visit(`${APP}/investigate?run=${first}`);
    await page.locator(tid(testIds.leads.table)).waitFor({ timeout: 30_000 });
    const engineFirst = (await h.engine('GET', `/api/opportunities?run=${first}&limit=100`)).body.items as Array<{ new_in_run: boolean }>;
    expect(engineFirst.every((l) => l.new_in_run)).toBe(true);
    await expect(page.locator(`${tid(testIds.leads.table)} ${tid(testIds.leads.newBadge)}`).count()).resolves.toBe(engineFirst.length);
    await expect(page.locator(tid(testIds.leads.newBadge)).first().innerText()).resolves.toMatch(/New in this run/);

    // Opportunities: new since the latest run are the second run's new leads only.
    await visit(`${APP}/opportunities?known=latest`);
    await page.locator(tid(testIds.opportunities.container)).waitFor();
    const fresh = engineSecond.length - knownHere;
    if (fresh === 0) {
      await page.locator(tid(testIds.states.empty)).waitFor({ timeout: 30_000 });
    } else {
      await page.waitForFunction((n) => document.querySelectorAll('tbody tr[data-testid]').length === n, fresh, { timeout: 30_000 });
    }
    expectNoErrors();
  });

  it('"what makes pages slow on android this week": an android filter and a 7-day range, shown before the run and in the plan', async () => {
    const prompt = 'what makes pages slow on android this week';
    await visit(`${APP}/investigate`);
    await page.locator(tid(testIds.investigate.prompt)).fill(prompt);
    const chips = page.locator(tid(testIds.investigate.scope));
    await chips.waitFor({ timeout: 30_000 });
    await expect(chips.innerText()).resolves.toMatch(/os_version: android_13, android_14|os_version: android_14, android_13/);
    await expect(page.locator(tid(testIds.investigate.scopeChip('time'))).innerText()).resolves.toMatch(/the last 7 days of data/);

    await page.locator(tid(testIds.investigate.start)).click();
    await page.locator(tid(testIds.investigate.planSummary)).waitFor({ timeout: 180_000 });
    const runId = new URL(page.url()).searchParams.get('run') ?? '';
    const run = (await h.engine('GET', `/api/runs/${runId}`)).body;
    expect(run.request.filters).toEqual([{ attribute: 'os_version', values: expect.arrayContaining(['android_13', 'android_14']) }]);
    expect(Date.parse(run.request.to) - Date.parse(run.request.from)).toBe(7 * 86_400_000);
    const scope = await page.locator(tid(testIds.investigate.planScope)).innerText();
    expect(scope).toMatch(/os_version in android_1[34], android_1[34]/);
    expect(scope).toMatch(/the last 7 days of data \(\d{4}-\d\d-\d\d – \d{4}-\d\d-\d\d\)/);
    await page.locator(tid(testIds.investigate.results)).or(page.locator(tid(testIds.investigate.runError))).waitFor({ timeout: 180_000 });
    await expect(page.locator(tid(testIds.investigate.progress)).innerText()).resolves.toMatch(/Succeeded/);
    expectNoErrors();
  });

  it('a lead reads its numbers first and its refinements and related hypotheses as sentences', async () => {
    const leads = (await h.engine('GET', '/api/opportunities?kpi=payment_conversion&limit=100')).body.items as Array<{ id: string }>;
    let checked = 0;
    let charted = 0;
    for (const { id } of leads.slice(0, 5)) {
      const detail = (await h.engine('GET', `/api/opportunities/${id}`)).body;
      const o = detail.opportunity;
      if (!o.related?.length && !o.refinements?.length) continue;
      await visit(`${APP}/opportunities/${id}`);
      const stats = page.locator(tid(testIds.lead.stats));
      await stats.waitFor({ timeout: 30_000 });
      await expect(stats.innerText()).resolves.toMatch(/^failure rate: cohort vs rest\s+[\d.]+% vs [\d.]+%/);
      await expect(stats.innerText()).resolves.not.toMatch(/Experts|prevalence_ratio|relative_difference/);
      // The chart's buckets are sized for the cohort, and say so.
      if (detail.evidence.series ?? o.series) {
        charted++;
        await expect(page.locator(tid(testIds.lead.chart)).innerText()).resolves.toMatch(/failure rate per [\d.]+ (days?|h) bucket \(sized to hold about 20 cohort sessions\)/);
      }
      if (o.related?.length) {
        const related = page.locator(tid(testIds.lead.related));
        await expect(related.innerText()).resolves.not.toContain('{"');
        await expect(related.locator('li').count()).resolves.toBe(Math.min(3, o.related.length));
        if (o.related.length > 3) await expect(related.innerText()).resolves.toContain(`+${o.related.length - 3} more`);
      }
      if (o.refinements?.length) {
        const text = await page.locator(tid(testIds.lead.refinements)).innerText();
        expect(text).toMatch(/failure rate [\d.]+% vs [\d.]+% in this cohort's other sessions/);
        if (o.refinements.length > 3) expect(text).toContain(`+${o.refinements.length - 3} more`);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    expect(charted).toBeGreaterThan(0);
    expectNoErrors();
  });

  it('tables hold at 1024, 1280 and 1440 with the docked menu: the lead keeps room, nothing scrolls sideways', async () => {
    for (const width of [1024, 1280, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of [`${APP}/opportunities`, `${APP}/investigate?run=${(await h.engine('GET', '/api/runs?status=succeeded&limit=1')).body.items[0].id}`]) {
        await visit(path);
        const table = page.locator(tid(testIds.leads.table));
        await table.waitFor({ timeout: 30_000 });
        const lead = (await table.locator('thead th').first().boundingBox())!;
        expect({ width, path, leadColumn: Math.round(lead.width) }).toEqual({ width, path, leadColumn: expect.any(Number) });
        if (lead.width < 160) throw new Error(`lead column ${Math.round(lead.width)} px at ${width} on ${path}`);
        const o = await table.evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth, doc: document.documentElement.scrollWidth - document.documentElement.clientWidth }));
        expect({ width, path, ...o, fits: o.sw <= o.cw && o.doc <= 0 }).toMatchObject({ fits: true });
      }
      if (width === 1024) {
        await visit(`${APP}/opportunities`);
        await page.locator(tid(testIds.leads.table)).waitFor({ timeout: 30_000 });
        await screenshot(page, 'first-hour-opportunities-1024.png');
      }
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    expectNoErrors();
  });

  it('the panel scoped to a KPI shows cohort phrases with labelled numbers, and drops the prompt box at 240x180', async () => {
    for (const [w, hgt, prompt] of [
      [240, 180, false],
      [480, 320, true],
    ] as const) {
      await visit(`/panel?kpi=payment_conversion&w=${w}&h=${hgt}`);
      const panel = page.locator(tid(testIds.panel.container));
      const first = page.locator(`[data-testid^="${testIds.panel.lead('')}"]`).first();
      await first.waitFor({ timeout: 30_000 });
      const link = first.locator('a');
      await expect(link.getAttribute('title')).resolves.toMatch(/^payment_conversion is worse for sessions /);
      await expect(first.innerText()).resolves.toMatch(/^Sessions /);
      await expect(first.locator(tid(testIds.panel.effect)).innerText()).resolves.toMatch(/^failure rate [\d.]+% vs [\d.]+%$/);
      await expect(first.locator(tid(testIds.panel.impact)).innerText()).resolves.toMatch(/^[\d,.K]+ excess failed sessions?$/);
      await expect(page.locator(tid(testIds.panel.prompt)).count()).resolves.toBe(prompt ? 1 : 0);
      const spill = await panel.evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth }));
      expect(spill.sw).toBeLessThanOrEqual(spill.cw);
      await screenshot(page, `panel-${w}x${hgt}.png`, page.locator('[data-harness="panel-frame"]'));
    }
    expectNoErrors();
  });

  it('with the engine down, one banner links to the configuration and Start is off', async () => {
    const saved = h.settings.jsonData.engineUrl;
    const post = (jsonData: Record<string, unknown>) =>
      fetch(`${h.url}/api/plugins/${PLUGIN_ID}/settings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ enabled: true, pinned: true, jsonData }),
      });
    // A port nothing listens on: Grafana's proxy answers 502.
    expect((await post({ ...h.settings.jsonData, engineUrl: 'http://127.0.0.1:9' })).status).toBe(200);
    try {
      await visit(`${APP}/investigate`);
      const banner = page.locator(tid(testIds.states.engineBanner));
      await banner.waitFor({ timeout: 30_000 });
      await expect(banner.innerText()).resolves.toMatch(/unreachable/);
      await expect(banner.getByRole('link', { name: /Open the configuration/ }).getAttribute('href')).resolves.toBe(`/plugins/${PLUGIN_ID}`);
      await expect(page.locator(tid(testIds.investigate.start)).isDisabled()).resolves.toBe(true);
      await expect(page.locator(tid(testIds.states.error)).count()).resolves.toBe(0);
    } finally {
      await post({ ...h.settings.jsonData, engineUrl: saved });
      w.take(); // the failed loads are the point of this test
    }
  });
});

describe('An SRE’s first hour, as Viewer', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [h, browser] = await Promise.all([startHarness({ events: 20_000, role: 'Viewer' }), launch()]);
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' })).newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('sees Start and triage disabled with "Editors can start investigations"', async () => {
    const run = (await h.engine('POST', '/api/runs', { kpis: ['payment_conversion'] })).body.id;
    for (let i = 0; i < 600; i++) {
      if ((await h.engine('GET', `/api/runs/${run}`)).body.status === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await page.goto(`${h.url}${APP}/investigate?run=${run}`);
    await page.locator(tid(testIds.investigate.results)).waitFor({ timeout: 30_000 });
    await expect(page.locator(tid(testIds.investigate.editBlocked)).innerText()).resolves.toMatch(/^Editors can start investigations/);
    const start = page.locator(tid(testIds.investigate.start));
    await expect(start.getAttribute('aria-disabled')).resolves.toBe('true');
    const runsBefore = (await h.engine('GET', '/api/runs')).body.total;
    await start.click({ force: true });
    const useful = page.locator(tid(testIds.triage.useful)).first();
    await expect(useful.getAttribute('aria-disabled')).resolves.toBe('true');
    await useful.click({ force: true });
    // Nothing reached the engine: no new run, no triage, no 403 blaming the token.
    expect((await h.engine('GET', '/api/runs')).body.total).toBe(runsBefore);
    expect(h.proxyLog.filter((e) => e.method !== 'GET')).toEqual([]);
    await expect(page.getByText(/engine token/).count()).resolves.toBe(0);
  });
});
