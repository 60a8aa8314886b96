import { testIds } from '../../src/components/testIds';
import { expect, test } from './fixtures';

test.describe('Investigate', () => {
  test('runs an investigation from a prompt and lists its leads', async ({ gotoPage, page }) => {
    test.setTimeout(300_000);
    await gotoPage('/investigate');
    await expect(page.getByTestId(testIds.investigate.container)).toBeVisible();
    await page.getByTestId(testIds.investigate.prompt).fill('find patterns behind payment failures');

    const started = page.waitForResponse((r) => r.url().includes('/engine/api/runs') && r.request().method() === 'POST');
    await page.getByTestId(testIds.investigate.start).click();
    expect((await started).status()).toBe(202);

    await expect(page.getByTestId(testIds.investigate.progress)).toBeVisible();
    await expect(page.getByTestId(testIds.investigate.plan)).toBeVisible({ timeout: 120_000 });
    const results = page.getByTestId(testIds.investigate.results);
    await expect(results).toBeVisible({ timeout: 240_000 });
    await expect(results.getByTestId(testIds.leads.table)).toBeVisible();
    await expect(results.getByTestId(testIds.leads.title).first()).toContainText(/payment_conversion|payment/i);
    await expect(page.getByTestId(testIds.investigate.runError)).toHaveCount(0);
  });
});
