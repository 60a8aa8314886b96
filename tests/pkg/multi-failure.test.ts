import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../pkg/config/load';
import { multiFailureScenario, type FailureMode, type ScenarioFiles } from '../../pkg/dataset/scenarios';
import { Executor } from '../../pkg/execute/executor';
import { analyze, type Opportunity, type Report } from '../../pkg/pipeline/analyze';

// One KPI failing for several distinct reasons: every mode must reach the operator, as a lead or a refinement,
// named as something to act on, and the broad mode must keep its impact.
describe('several failure modes on one KPI (embedded ClickHouse)', () => {
  let dir: string;
  let ex: Executor;
  let s: ScenarioFiles;
  let report: Report;
  let leads: Opportunity[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-modes-'));
    s = multiFailureScenario({ outDir: dir, groups: 6000, seed: 7 });
    const cfg = loadConfigFile(s.config);
    ex = await Executor.open({ embedded: cfg.store.embedded! });
    report = await analyze(ex, cfg);
    leads = report.opportunities.filter((o) => o.kpi === s.truth.kpi);
  }, 300_000);

  afterAll(async () => {
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const mode = (id: string) => s.truth.modes.find((m) => m.id === id)!;
  // A lead (or refinement) names the mode's marker: "groups with disk_full", or "groups without validate".
  const names = (m: FailureMode, x: { template: string; params: Record<string, unknown> }) =>
    m.marker.present
      ? x.template === 'ngram' && JSON.stringify(x.params.ngram) === JSON.stringify([m.marker.event])
      : x.template === 'absence' && x.params.missing === m.marker.event && x.params.after === undefined;

  it('writes a scenario with a small pure cohort under 1% of groups', () => {
    expect(mode('pure').groups / s.truth.groups).toBeLessThan(0.01);
    expect(mode('pure').failed).toBe(mode('pure').groups);
    expect(mode('narrow').failed).toBe(mode('narrow').groups);
  });

  it.each(['broad', 'disjoint', 'pure', 'missing'])('lists mode %s as a lead named by its marker', (id) => {
    const hit = leads.find((o) => names(mode(id), o));
    if (!hit) throw new Error(`${id} is not a lead:\n${leads.map((o) => `  ${o.rank}. ${o.cohort}`).join('\n')}`);
    expect(hit.q_value).toBeLessThan(0.05);
    expect(hit.rank).toBeLessThanOrEqual(4);
  });

  it('keeps the broad mode as the lead with its impact, and its narrow sub-cohort as a refinement', () => {
    const broad = leads.find((o) => names(mode('broad'), o))!;
    expect(broad.cohort_size).toBe(mode('broad').groups);
    // Its impact is the broad mode's excess failures, not the narrow one's (140 groups).
    const excess = mode('broad').failed - mode('broad').groups * broad.kpi_rest;
    expect(broad.impact).toBeCloseTo(excess, 6);
    const narrow = broad.refinements.find((r) => names(mode('narrow'), r));
    if (!narrow) throw new Error(`no disk_full refinement: ${JSON.stringify(broad.refinements.map((r) => r.cohort))}`);
    expect(narrow.cohort_size).toBe(mode('narrow').groups);
    expect(narrow.kpi_cohort).toBe(1);
    expect(narrow.kpi_rest).toBeCloseTo(
      (mode('broad').failed - mode('narrow').failed) / (mode('broad').groups - mode('narrow').groups),
      9
    );
    expect(narrow.q_value).toBeLessThan(0.05);
    expect(leads.some((o) => names(mode('narrow'), o))).toBe(false);
  });

  it('names the missing step, not the adjacency of its neighbours, and attaches nothing across disjoint modes', () => {
    const missing = leads.find((o) => names(mode('missing'), o))!;
    expect(missing.cohort).toBe('groups without validate (present in most groups)');
    expect(
      leads.some((o) => o.template === 'ngram' && JSON.stringify(o.params.ngram) === '["load_config","commit"]')
    ).toBe(false);
    const disjoint = leads.find((o) => names(mode('disjoint'), o))!;
    for (const o of leads.filter((x) => x !== disjoint)) expect(o.related.join(' ')).not.toContain('cache_miss_burst');
  });

  it('covers the failures with distinct leads: each adds its own failed groups', () => {
    const k = report.kpis.find((x) => x.name === s.truth.kpi)!;
    const modes = ['broad', 'disjoint', 'missing', 'pure'].map(mode);
    const modeFailures = modes.reduce((a, m) => a + m.failed, 0);
    // The four leads hold every failure of their modes, and a few base-rate failures they happen to include.
    expect(k.coverage!).toBeGreaterThanOrEqual(modeFailures / s.truth.failed - 1e-9);
    for (const m of modes) {
      const o = leads.find((x) => names(m, x))!;
      expect(o.coverage).toBeCloseTo(m.failed / s.truth.failed, 9);
      // The modes are disjoint: nothing of a mode's failures is explained by the leads above it.
      expect(o.incremental_coverage).toBeCloseTo(o.coverage!, 9);
    }
  });
});
