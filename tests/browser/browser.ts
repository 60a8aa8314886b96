/** Chromium for the browser tests (Debian's chromium through playwright-core), and what each test watches. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ROOT } from './bundle';

export const VIEWPORT = { width: 1440, height: 900 };
export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no Chromium found (tried ${candidates.join(', ')}); on Debian: apt-get install -y chromium fonts-inter, or set CHROMIUM_PATH`);
  return found;
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'] });
}

export interface Watched {
  page: Page;
  /** console.error messages and uncaught page errors since the last `take()`. */
  take: () => string[];
}

/**
 * Console errors and page errors. Font files Grafana serves from its own public/fonts but the harness may not have
 * (Roboto Mono; Inter without Debian's fonts-inter) are not the app's problem and are left out.
 */
export function watch(page: Page): Watched {
  let errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = m.location()?.url ?? '';
    if (/\/public\/fonts\//.test(url)) return;
    errors.push(`console.error: ${m.text()}${url ? ` (${url})` : ''}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (/\/public\/fonts\//.test(r.url())) return;
    // Requests the page itself abandons (navigating away, unmount) are not failures.
    if (r.failure()?.errorText === 'net::ERR_ABORTED') return;
    errors.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  return {
    page,
    take: () => {
      const out = errors;
      errors = [];
      return out;
    },
  };
}

/** `[data-testid="..."]` for an id of src/components/testIds.ts. */
export const tid = (id: string) => `[data-testid="${id}"]`;

/**
 * Horizontal overflow at the current viewport: the document's (scrollWidth > clientWidth, and the elements sticking
 * out of it), and boxes that scroll sideways inside the page (a table wider than its card): both mean the page does
 * not fit the screen it is shown on.
 */
export async function overflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; offenders: string[]; innerScroll: string[] }> {
  return page.evaluate(() => {
    const d = document.documentElement;
    const vw = d.clientWidth;
    const name = (el: Element) => {
      const id = (el as HTMLElement).dataset?.testid;
      const cls = typeof (el as HTMLElement).className === 'string' ? (el as HTMLElement).className.split(' ')[0] : '';
      return `${el.tagName.toLowerCase()}${id ? `[${id}]` : ''}${cls ? `.${cls}` : ''}`;
    };
    const clipped = (el: Element) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox !== 'visible') return true;
      }
      return false;
    };
    const offenders: string[] = [];
    const innerScroll: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = (el as HTMLElement).getBoundingClientRect();
      const cs = getComputedStyle(el);
      if (offenders.length < 6 && r.width > 0 && r.right > vw + 1 && cs.position !== 'fixed' && !clipped(el)) {
        offenders.push(`${name(el)} right=${Math.round(r.right)}`);
      }
      const he = el as HTMLElement;
      if (innerScroll.length < 6 && (cs.overflowX === 'auto' || cs.overflowX === 'scroll') && he.scrollWidth > he.clientWidth + 1 && he.clientWidth > 0) {
        innerScroll.push(`${name(el)} scrolls ${he.scrollWidth}px in ${he.clientWidth}px (first child: ${he.firstElementChild ? name(he.firstElementChild) : '-'})`);
      }
    }
    return { scrollWidth: d.scrollWidth, clientWidth: d.clientWidth, offenders, innerScroll };
  });
}

export async function screenshot(page: Page, name: string, target?: Locator): Promise<string> {
  const file = join(SCREENSHOTS, name);
  mkdirSync(dirname(file), { recursive: true });
  // No caret blink, no hover state from the last click, settled fonts.
  await page.mouse.move(0, 0);
  await page.evaluate(() => document.fonts.ready);
  if (target) {
    await target.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  } else {
    await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
  }
  return file;
}

/** Picks an option of a @grafana/ui (react-select) Select/MultiSelect inside `container` by typing its label. */
export async function pickOption(page: Page, container: Locator, label: string): Promise<void> {
  const input = container.locator('input').first();
  await input.click();
  await input.fill(label);
  const option = page.getByRole('option', { name: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'i') }).first();
  await option.waitFor({ state: 'visible', timeout: 10_000 });
  await option.click();
  await page.keyboard.press('Escape');
}
