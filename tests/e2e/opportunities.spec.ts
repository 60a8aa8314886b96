import { testIds } from '../../src/components/testIds';
import { ensureLeads } from './engine';
import { expect, test } from './fixtures';

test.describe('Opportunities', () => {
  test('lists the stored leads and triages one', async ({ gotoPage, page }) => {
    test.setTimeout(300_000);
    const leads = await ensureLeads(page.request);
    const lead = leads.find((l) => l.status === 'new') ?? leads[0]!;

    await gotoPage('/opportunities');
    await expect(page.getByTestId(testIds.opportunities.container)).toBeVisible();
    await expect(page.getByTestId(testIds.leads.table)).toBeVisible();
    const row = page.getByTestId(testIds.leads.row(lead.id));
    await expect(row).toBeVisible();
    await expect(row.getByTestId(testIds.leads.title)).toContainText(lead.title.slice(0, 20));

    await row.click();
    await expect(page.getByTestId(testIds.lead.container)).toBeVisible();
    await expect(page.getByTestId(testIds.lead.statement)).toBeVisible();
    await expect(page.getByTestId(testIds.lead.sql)).toBeVisible();

    const patched = page.waitForResponse((r) => r.url().includes(`/engine/api/opportunities/${lead.id}`) && r.request().method() === 'PATCH');
    await page.getByTestId(testIds.triage.acknowledge).click();
    expect((await patched).ok()).toBe(true);
    await expect(page.getByTestId(testIds.leads.status).first()).toContainText(/acknowledged/i);
  });
});
