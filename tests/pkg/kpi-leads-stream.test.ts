import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, type LoadedConfig } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';
import { analyze, type Opportunity, type Report } from '../../pkg/pipeline/analyze';
import { kpiLeadsOf, PROGRESS_TOP_LEADS } from '../../pkg/service/runs';
import { opportunityId } from '../../pkg/store/leads';
import { formatKpiLeads } from '../../pkg/cli/format';

// Leads as they come (issues 14 and 17): analyze reports each KPI's leads once they are final, before the next
// KPI's grouping starts, and they are the report's leads for that KPI.
describe('each KPI’s leads reported as soon as they are final (embedded engine)', () => {
  let dir: string;
  let ex: Executor;
  let cfg: LoadedConfig;
  let report: Report;
  let configPath: string;
  const KPIS = ['payment_conversion', 'error_rate', 'page_load_ms'];
  // What happened, in order: a KPI's leads arriving, and the experts' progress messages.
  const events: Array<{ kind: 'leads'; kpi: string; leads: Opportunity[] } | { kind: 'progress'; stage: string; message: string }> = [];
  const queries: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-stream-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 60_000, seed: 11, outDir: dir });
    configPath = g.files.config;
    cfg = loadConfigFile(configPath);
    // The query labels, in order, to see when each KPI's grouping runs relative to the callbacks.
    const query = ex.query.bind(ex);
    ex.query = (async (sql: string, params?: any, opts?: any) => {
      if (opts?.label) {
        queries.push(opts.label);
        events.push({ kind: 'progress', stage: 'query', message: opts.label });
      }
      return query(sql, params, opts);
    }) as typeof ex.query;
    report = await analyze(ex, cfg, {
      kpis: KPIS,
      onProgress: (p) => events.push({ kind: 'progress', stage: p.stage, message: p.message ?? '' }),
      onKpiLeads: (kpi, leads) => events.push({ kind: 'leads', kpi, leads }),
    });
  }, 300_000);

  afterAll(async () => {
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const arrivals = () => events.filter((e): e is Extract<(typeof events)[number], { kind: 'leads' }> => e.kind === 'leads');

  it('reports every KPI with leads once, in the config’s KPI order', () => {
    const withLeads = [...new Set(report.opportunities.map((o) => o.kpi))];
    expect(withLeads.length).toBeGreaterThanOrEqual(2);
    expect(arrivals().map((a) => a.kpi)).toEqual(withLeads);
  });

  it('a KPI’s leads arrive before the next KPI’s grouping query runs', () => {
    const kpis = arrivals().map((a) => a.kpi);
    for (const [i, kpi] of kpis.entries()) {
      const arrived = events.findIndex((e) => e.kind === 'leads' && e.kpi === kpi);
      const ownGrouping = events.findIndex((e) => e.kind === 'progress' && e.message === `grouping of ${kpi} leads`);
      expect(ownGrouping).toBeGreaterThanOrEqual(0);
      expect(ownGrouping).toBeLessThan(arrived);
      const next = kpis[i + 1];
      if (next) {
        const nextGrouping = events.findIndex((e) => e.kind === 'progress' && e.message === `grouping of ${next} leads`);
        expect(arrived).toBeLessThan(nextGrouping);
      }
    }
    // Progress names the KPI being grouped, in words.
    expect(events.some((e) => e.kind === 'progress' && e.stage === 'experts' && e.message.startsWith(`grouping and checking the leads of ${kpis[0]}`))).toBe(true);
  });

  it('the streamed leads are the report’s leads of that KPI, in rank order, with the same numbers', () => {
    for (const a of arrivals()) {
      const final = report.opportunities.filter((o) => o.kpi === a.kpi);
      // The follow-up trend is tested over the whole run's leads at the end: everything else is final already.
      const strip = ({ trend: _t, statement: _s, experts: _e, ...rest }: Opportunity) => rest;
      expect(a.leads.map(strip)).toEqual(final.map(strip));
      expect(a.leads.map((l) => l.rank)).toEqual(final.map((_, i) => i + 1));
    }
  });

  it('progress carries the count and the top leads with the ids they are stored under; the CLI prints them', () => {
    const [first] = arrivals();
    const p = kpiLeadsOf(first!.kpi, first!.leads);
    expect(p.leads).toBe(first!.leads.length);
    expect(p.top.length).toBe(Math.min(PROGRESS_TOP_LEADS, first!.leads.length));
    expect(p.top.map((t) => t.id)).toEqual(first!.leads.slice(0, PROGRESS_TOP_LEADS).map((l) => opportunityId(l.fingerprint)));
    expect(p.top[0]).toMatchObject({ kpi: first!.kpi, rank: 1, kpi_cohort: first!.leads[0]!.kpi_cohort, kpi_rest: first!.leads[0]!.kpi_rest });

    const text = formatKpiLeads(first!.kpi, 'rate', first!.leads);
    const l = first!.leads[0]!;
    expect(text.split('\n')[0]).toBe(`■ ${first!.kpi}: ${first!.leads.length} lead${first!.leads.length > 1 ? 's' : ''} (final; more KPIs to come)`);
    expect(text.split('\n')[1]).toContain(`1. ${l.cohort}: failure rate ${(l.kpi_cohort * 100).toFixed(1)}% vs ${(l.kpi_rest * 100).toFixed(1)}%`);
  });

  it('aggregate progress names what each scan looks at, not its internal id', () => {
    const agg = events
      .filter((e) => e.kind === 'progress' && e.stage === 'aggregate')
      .map((e) => (e as { message: string }).message)
      .filter(Boolean);
    expect(agg.length).toBeGreaterThan(0);
    for (const m of agg) {
      expect(m).toMatch(/^scanning .+ for [a-z_, ]+$/);
      expect(m).not.toMatch(/agg_|\bv\d\b/);
    }
    expect(queries.length).toBeGreaterThan(0);
  });

  // Last: the CLI opens the same embedded store, which one process holds at a time.
  it('the CLI prints each KPI’s top leads on stderr as soon as they are final, before the report', async () => {
    await ex.close();
    ex = undefined as unknown as Executor;
    const out = join(dir, 'cli-report.json');
    const r = spawnSync(
      process.execPath,
      [join(__dirname, '../../bin/surfacer.js'), 'analyze', '--config', configPath, ...KPIS.flatMap((k) => ['--kpi', k]), '--format', 'json', '--out', out],
      { encoding: 'utf8', timeout: 240_000, env: { ...process.env, SURFACER_LOG_LEVEL: 'silent' } }
    );
    expect(r.status).toBe(0);
    const cli = JSON.parse(readFileSync(out, 'utf8')) as Report;
    const kpis = [...new Set(cli.opportunities.map((o) => o.kpi))];
    const lines = r.stderr.split('\n');
    for (const kpi of kpis) {
      const head = lines.findIndex((l) => l.startsWith(`■ ${kpi}: `));
      expect(head).toBeGreaterThanOrEqual(0);
      const top = cli.opportunities.find((o) => o.kpi === kpi && o.rank === 1)!;
      // The CLI says the dataset's noun (session_id → sessions) where the report says groups.
      expect(lines[head + 1]).toContain(`1. ${top.cohort.replace(/\bgroups\b/g, 'sessions')}: `);
      // Printed when final: before the progress line of the next KPI's grouping, and before the run's end.
      const next = kpis[kpis.indexOf(kpi) + 1];
      if (next) expect(head).toBeLessThan(lines.findIndex((l) => l.includes(`grouping and checking the leads of ${next}`)));
      expect(head).toBeLessThan(lines.findIndex((l) => /^\[[\d.]+s\] done\b/.test(l)));
    }
  }, 300_000);
});
