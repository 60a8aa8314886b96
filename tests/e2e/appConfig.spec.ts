import { testIds } from '../../src/components/testIds';
import { expect, test } from './fixtures';

test.describe('app configuration (provisioned)', () => {
  test('shows the provisioned engine URL and data source, tests the connection, and saves', async ({ appConfigPage, page }) => {
    await expect(page.getByTestId(testIds.appConfig.engineUrl)).toHaveValue('http://engine:8787');
    await expect(page.getByTestId(testIds.appConfig.datasource)).toBeVisible();

    await page.getByTestId(testIds.appConfig.testConnection).click();
    // The engine's /api/health through Grafana's proxy, with the provisioned token.
    await expect(page.getByTestId(testIds.appConfig.connectionResult)).toContainText('Connected to the Surfacer engine', { timeout: 20_000 });

    const saved = appConfigPage.waitForSettingsResponse();
    await page.getByTestId(testIds.appConfig.submit).click();
    await expect(saved).toBeOK();
  });
});
