import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';
import { analyze, type Report } from '../../pkg/pipeline/analyze';
import { explainAnalysis } from '../../pkg/pipeline/explain';
import { expresses, relatedAsLead, type Plant } from '../support/plants';

// One synthetic dataset with a planted effect per family, analyzed end to end on the embedded engine.
describe('analyze on synthetic telemetry (embedded ClickHouse)', () => {
  let dir: string;
  let ex: Executor;
  let report: Report;
  let plants: Plant[];
  let nullKpis: string[];
  let configPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-pipeline-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 300_000, seed: 7, outDir: dir });
    const truth = JSON.parse(readFileSync(g.files.groundTruth, 'utf8'));
    plants = truth.plants.filter((p: Plant) => p.family !== 'trend');
    nullKpis = truth.null_kpis;
    configPath = g.files.config;
    const stages: string[] = [];
    report = await analyze(ex, loadConfigFile(configPath), { onProgress: (p) => stages.push(p.stage) });
    expect(stages).toEqual(expect.arrayContaining(['inspect', 'sessionize', 'aggregate', 'experts', 'done']));
  }, 300_000);

  afterAll(async () => {
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('plants one effect per template family', () => {
    expect(new Set(plants.map((p) => p.family))).toEqual(
      new Set(['ngram', 'ordered_pattern', 'absence', 'lifecycle', 'indirect', 'static', 'stateful', 'nonlocal'])
    );
  });

  it.each(['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8'])(
    'finds plant %s in the top 5 of its KPI, in its own family',
    (id) => {
      const p = plants.find((x) => x.id === id)!;
      const top = report.opportunities.filter((o) => o.kpi === p.kpi && o.rank <= 5);
      // A lead stands for the cluster of hypotheses covering mostly the same groups; its relatives are listed with it.
      const hit = top.find((o) => expresses(p, o) || o.related.some((r) => expresses(p, relatedAsLead(o, r))));
      if (!hit)
        throw new Error(
          `${id} (${p.family}, ${JSON.stringify(p.params)}) not in the top 5 of ${p.kpi}:\n${top.map((o) => `  ${o.rank}. [${o.template}] ${o.title}`).join('\n')}`
        );
      expect(hit.q_value).toBeLessThan(0.05);
      expect(hit.effect.ci_low).toBeLessThanOrEqual(hit.effect.value);
      expect(hit.effect.ci_high).toBeGreaterThanOrEqual(hit.effect.value);
    }
  );

  // payment_conversion has a third failure mode besides P1 and P7: late payments (view_cart, then a payment after
  // the funnel's window; synthetic.sql.ts). It is a distinct cohort with its own excess, so it is a lead of its own
  // and may rank between them.
  it.each([
    ['P1', 2],
    ['P2', 2],
    ['P3', 2],
    ['P4', 2],
    ['P5', 2],
    ['P6', 2],
    ['P7', 3],
    ['P8', 2],
  ] as const)('ranks plant %s among the first %d for its KPI', (id, within) => {
    const p = plants.find((x) => x.id === id)!;
    const top = report.opportunities.filter((o) => o.kpi === p.kpi && o.rank <= within);
    const hit = top.find((o) => expresses(p, o) || o.related.some((r) => expresses(p, relatedAsLead(o, r))));
    if (!hit)
      throw new Error(
        `${id} not in the top ${within} of ${p.kpi}:\n${top.map((o) => `  ${o.rank}. [${o.template}] ${o.title}`).join('\n')}`
      );
  });

  it('finds the trend plant with the trend expert, and dates its onset', () => {
    const truth = JSON.parse(readFileSync(join(dir, 'ground_truth.json'), 'utf8'));
    const p9 = truth.plants.find((x: Plant) => x.id === 'P9');
    const lead = report.opportunities.find((o) => o.kpi === p9.kpi && o.experts.includes('trend'));
    if (!lead)
      throw new Error(
        `no trend lead for ${p9.kpi}: ${report.opportunities
          .filter((o) => o.kpi === p9.kpi)
          .map((o) => o.title)
          .join(' | ')}`
      );
    expect(lead.title).toMatch(/first session/);
    expect(lead.title).toContain('5.4.0');
    // The cohort is at the base rate on release day and worsens from there: the onset is the release or soon after.
    const onset = Date.parse(String(lead.trend!.onset));
    const release = Date.parse(p9.params.onset);
    expect(onset).toBeGreaterThanOrEqual(release - 86_400_000);
    expect(onset).toBeLessThanOrEqual(release + 7 * 86_400_000);
    expect(lead.statement).toMatch(/getting worse since/);
  });

  it('says how sure and how stable every lead is, and never says "causes"', () => {
    expect(report.opportunities.length).toBeGreaterThan(0);
    for (const o of report.opportunities) {
      expect(typeof o.stable).toBe('boolean');
      expect(Array.isArray(o.related)).toBe(true);
      expect(o.inference).toMatch(/cluster-robust over [\d,]+ users/);
      expect(o.statement).toMatch(/associated with/);
      expect(o.statement).not.toMatch(/\b(causes|caused by|is due to|because of)\b/);
      expect(o.statement).toContain('not a proven cause');
    }
    // Plants present all window long hold in both halves.
    const night = report.opportunities.find((o) => o.template === 'indirect' && o.params.band === 'night')!;
    expect(night.stable).toBe(true);
  });

  it('reports no lead for the KPI with no planted effect', () => {
    expect(nullKpis.length).toBeGreaterThan(0);
    for (const k of nullKpis) expect(report.opportunities.filter((o) => o.kpi === k)).toEqual([]);
  });

  it('fills the JSON contract for every lead', () => {
    expect(report.hypotheses_tested).toBeGreaterThan(1000);
    for (const o of report.opportunities) {
      for (const f of [
        'rank',
        'kpi',
        'template',
        'title',
        'params',
        'cohort_size',
        'kpi_cohort',
        'kpi_rest',
        'p_value',
        'q_value',
        'impact',
        'experts',
        'sql',
      ] as const) {
        expect(o[f]).toBeDefined();
      }
      expect(Number.isFinite(o.effect.ci_low) && Number.isFinite(o.effect.ci_high)).toBe(true);
      expect(o.impact).toBeGreaterThan(0);
    }
  });

  it('ranks each KPI by what each lead adds, and says how much of the KPI its leads cover', () => {
    for (const k of report.kpis) {
      const leads = report.opportunities.filter((o) => o.kpi === k.name);
      leads.forEach((o, i) => expect(o.rank).toBe(i + 1));
      if (leads.length === 0) {
        expect(k.coverage).toBeNull();
        continue;
      }
      // The largest impact first; then whatever explains most of what the leads above leave unexplained.
      expect(leads[0]!.impact).toBe(Math.max(...leads.map((o) => o.impact)));
      for (const o of leads) {
        expect(o.coverage).toBeGreaterThan(0);
        expect(o.incremental_coverage!).toBeLessThanOrEqual(o.coverage! + 1e-12);
      }
      expect(k.coverage).toBeGreaterThan(0);
      expect(k.coverage).toBeLessThanOrEqual(1);
      // Failure KPIs: the leads' new failed groups, added up in rank order, are the failed groups in any lead.
      if (k.kind !== 'numeric') {
        const sum = leads.reduce((a, o) => a + o.incremental_coverage!, 0);
        expect(sum).toBeCloseTo(k.coverage!, 9);
      }
    }
  });

  it("reproduces each top lead's cohort with its own SQL (one query per hypothesis)", async () => {
    const top = report.opportunities.filter((o) => o.rank <= 3);
    expect(top.length).toBeGreaterThan(5);
    for (const o of top) {
      const rows = await ex.query<{ n: number }>(`SELECT count() AS n FROM (${o.sql})`, {}, { label: o.title });
      expect({ lead: o.title, n: Number(rows[0]!.n) }).toEqual({ lead: o.title, n: o.cohort_size });
    }
  }, 120_000);

  it('explains one sessionization shared by every family', async () => {
    const text = await explainAnalysis(ex, loadConfigFile(configPath), {});
    // The session table from the events; then the stored keys of the families serving every KPI in one scan
    // (ordered patterns, absences; event counts need the profile, which explain does not read), each built from
    // the session table.
    const creates = text.split('\n').filter((l) => l.startsWith('CREATE TABLE'));
    expect(creates[0]).toMatch(/sess_<run>` ENGINE/);
    expect(creates.slice(1).map((c) => /sess_<run>_keys_(\w+)/.exec(c)?.[1])).toEqual(['ordered_pattern', 'absence']);
    expect(text).toContain('shared by every family');
    for (const f of ['ngram', 'ordered_pattern', 'absence', 'lifecycle', 'indirect', 'static', 'stateful', 'nonlocal'])
      expect(text).toContain(f);
    // Every aggregate reads the session table, never the events.
    const aggs = text.split('-- agg_').slice(1);
    expect(aggs.length).toBeGreaterThan(1);
    for (const a of aggs) {
      expect(a).toContain('sess_<run>');
      expect(a).not.toContain('events.parquet');
    }
  }, 60_000);
});
