import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, type LoadedConfig } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';
import { analyze, type Report } from '../../pkg/pipeline/analyze';

// Approximate mode: a hash sample of whole users, with the sample's own uncertainty and impact scaled back.
describe('approximate mode (analysis.sample) on the embedded engine', () => {
  let dir: string;
  let ex: Executor;
  let cfg: LoadedConfig;
  const req = { kpis: ['payment_conversion'], families: ['ordered_pattern' as const] };
  const run = (sample: number) => analyze(ex, { ...cfg, analysis: { ...cfg.analysis, sample } }, req);
  let full: Report;
  let half: Report;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-sample-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 120_000, seed: 7, outDir: dir });
    cfg = loadConfigFile(g.files.config);
    full = await run(1);
    half = await run(0.5);
  }, 300_000);

  afterAll(async () => {
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const planted = (r: Report) => r.opportunities.find((o) => o.title.includes('web_cors_error, then timeout_error'));

  it('says when it sampled, and what', () => {
    expect(full.sample).toBeNull();
    expect(half.sample).toEqual({ fraction: 0.5, unit: 'users' });
  });

  it('analyzes about that fraction of the groups, the same ones at every run', async () => {
    expect(half.groups / full.groups).toBeGreaterThan(0.4);
    expect(half.groups / full.groups).toBeLessThan(0.6);
    expect((await run(0.5)).groups).toBe(half.groups);
  }, 120_000);

  it('still finds the planted pattern, with a wider interval and its impact scaled to everyone', () => {
    const f = planted(full)!;
    const h = planted(half)!;
    expect(f).toBeDefined();
    expect(h).toBeDefined();
    expect(h.effect.ci_high - h.effect.ci_low).toBeGreaterThan(f.effect.ci_high - f.effect.ci_low);
    // Impact estimates the whole population's excess failures: near the full run's, not half of it.
    expect(h.impact / f.impact).toBeGreaterThan(0.6);
    expect(h.impact / f.impact).toBeLessThan(1.6);
    expect(h.statement).toMatch(/50% sample of users/);
    expect(f.statement).not.toMatch(/sample/);
  });
});
