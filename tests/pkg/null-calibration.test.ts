import { nullRuns } from '../../scripts/null-calibration';

// Datasets with no planted effect: with the FDR controlled at 0.05 and nothing true, runs with any lead must be
// rare. Six small runs here (at most one may have a lead: P(≥2 of 6) = 3% if the true share were 5%);
// `npm run calibrate:null` runs 20 larger ones.
describe('null calibration', () => {
  it('reports no lead on datasets with no effect, in almost every run', async () => {
    const runs = await nullRuns([11, 12, 13, 14, 15, 16], 120_000);
    expect(runs.every((r) => r.hypotheses > 1000)).toBe(true);
    const withLead = runs.filter((r) => r.leads.length > 0);
    expect(withLead.length).toBeLessThanOrEqual(1);
  }, 600_000);
});
