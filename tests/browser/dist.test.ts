/**
 * The browser tests run the BUILT plugin (dist/, loaded through SystemJS like Grafana's plugin loader does: see
 * harness/index.tsx). Here, a build that is broken or incomplete: the harness must not show the app (and so every
 * page test would fail), as Grafana would not.
 */
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from './bundle';
import { launch } from './browser';
import { PLUGIN_ID, startHarness, type Harness } from './server';

jest.setTimeout(240_000);

describe('the harness runs what `npm run build` wrote', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let pageErrors: string[];

  beforeAll(async () => {
    [h, browser] = await Promise.all([startHarness({ events: 5_000 }), launch()]);
    page = await browser.newPage();
    pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    dir = mkdtempSync(join(tmpdir(), 'surfacer-dist-'));
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of dist/ with one change, served from now on. */
  const brokenCopy = (name: string, change: (d: string) => void) => {
    const d = join(dir, name);
    cpSync(join(ROOT, 'dist'), d, { recursive: true });
    change(d);
    h.setDistDir(d);
  };

  /** Opens the app; what the page shows once the plugin loaded or failed to. */
  const open = async () => {
    await page.goto(`${h.url}/a/${PLUGIN_ID}/templates`);
    await page.waitForFunction(() => (window as any).__harness?.ready === true || (window as any).__harness?.loadError !== undefined, undefined, { timeout: 30_000 });
    return page.evaluate(() => ({ ready: (window as any).__harness.ready as boolean, loadError: (window as any).__harness.loadError as string | undefined }));
  };

  it('the build as it is: the app loads', async () => {
    h.setDistDir(join(ROOT, 'dist'));
    await expect(open()).resolves.toEqual({ ready: true, loadError: undefined });
  });

  it('a module.js that does not parse: the app does not load', async () => {
    brokenCopy('syntax', (d) => writeFileSync(join(d, 'module.js'), 'define(["react"], function (React) { return { plugin: ; } });'));
    const r = await open();
    expect(r.ready).toBe(false);
    expect(r.loadError).toBeDefined();
    await page.locator('[data-harness="load-error"]').waitFor();
    expect(pageErrors.some((e) => /Unexpected token/.test(e))).toBe(true);
  });

  it('no module.js (the build was not run or failed): the app does not load', async () => {
    brokenCopy('missing', (d) => unlinkSync(join(d, 'module.js')));
    const r = await open();
    expect(r).toMatchObject({ ready: false, loadError: expect.stringMatching(/module\.js/) });
  });

  it('a shared module the build expects but Grafana does not provide: the app does not load', async () => {
    brokenCopy('external', (d) => writeFileSync(join(d, 'module.js'), 'define(["not-shared-by-grafana"], function (x) { return { plugin: x }; });'));
    const r = await open();
    expect(r).toMatchObject({ ready: false, loadError: expect.stringMatching(/not-shared-by-grafana/) });
  });
});
