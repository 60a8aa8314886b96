import { testIds } from '../../src/components/testIds';
import { ALERT_RULE_UID, DATASOURCE_UID, ensureLeads } from './engine';
import { expect, test } from './fixtures';

test.describe('provisioned dashboard "Surfacer demo: KPIs"', () => {
  test('KPI panels show the demo telemetry and the Surfacer panel shows leads', async ({ gotoDashboardPage, readProvisionedDashboard, page }) => {
    test.setTimeout(300_000);
    await ensureLeads(page.request);
    const dashboard = await readProvisionedDashboard({ fileName: 'surfacer-demo.json' });
    const dashboardPage = await gotoDashboardPage(dashboard);
    for (const title of ['Payment conversion', 'Error rate', 'Page load']) {
      await expect(dashboardPage.getPanelByTitle(title).locator).toBeVisible();
      await expect(dashboardPage.getPanelByTitle(title).locator).not.toContainText('No data');
    }
    const panel = dashboardPage.getPanelByTitle('Surfacer: payment conversion leads').locator;
    await expect(panel.getByTestId(testIds.panel.container)).toBeVisible();
    await expect(panel.getByTestId(testIds.panel.error)).toHaveCount(0);
  });

  test('the leads annotation query returns the stored leads', async ({ gotoDashboardPage, readProvisionedDashboard, page }) => {
    test.setTimeout(300_000);
    const leads = await ensureLeads(page.request);
    const dashboard = await readProvisionedDashboard({ fileName: 'surfacer-demo.json' });
    // Grafana runs the annotation query through /api/ds/query with the annotation's refId (Anno).
    const annotationResponse = page.waitForResponse(async (r) => {
      if (!r.url().includes('/api/ds/query') || r.request().method() !== 'POST') return false;
      const body = r.request().postDataJSON() as { queries?: Array<{ refId: string; datasource?: { uid?: string } }> };
      return Boolean(body.queries?.some((q) => q.refId === 'Anno' && q.datasource?.uid === DATASOURCE_UID));
    });
    await gotoDashboardPage(dashboard);
    const res = await annotationResponse;
    expect(res.ok()).toBe(true);
    const json = (await res.json()) as { results: Record<string, { frames?: Array<{ schema: { fields: Array<{ name: string }> }; data: { values: unknown[][] } }> }> };
    const frame = json.results.Anno!.frames![0]!;
    expect(frame.schema.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['time', 'title', 'text', 'tags']));
    expect(frame.data.values[0]!.length).toBeGreaterThan(0);
    expect(frame.data.values[0]!.length).toBeLessThanOrEqual(leads.length);
  });

  test('the new-leads alert rule is provisioned on the ClickHouse data source', async ({ readProvisionedAlertRule, page }) => {
    const rule = await readProvisionedAlertRule({ fileName: 'surfacer-new-leads.yaml' });
    const res = await page.request.get(`/api/v1/provisioning/alert-rules/${ALERT_RULE_UID}`);
    expect(res.ok()).toBe(true);
    const live = (await res.json()) as { title: string; data: Array<{ datasourceUid: string }> };
    expect(live.title).toBe(rule.title);
    expect(live.data.map((d) => d.datasourceUid)).toContain(DATASOURCE_UID);
  });
});
