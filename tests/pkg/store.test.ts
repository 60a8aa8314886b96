/** The results store on a real embedded ClickHouse, with hand-made leads (no analysis). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../../pkg/execute/executor';
import { ResultStore } from '../../pkg/store/store';
import { opportunityId } from '../../pkg/store/leads';
import type { LeadInput } from '../../pkg/store/store';
import type { OpportunityWithSeries, RunRecord } from '../../pkg/store/types';

jest.setTimeout(60_000);

function lead(kpi: string, template: string, params: Record<string, unknown>, impact: number): LeadInput {
  const fingerprint = `${kpi}/${template}:${JSON.stringify(params)}`;
  const o = {
    rank: 1,
    kpi,
    template,
    title: `${kpi} is worse for ${template} ${JSON.stringify(params)}`,
    cohort: 'some groups',
    statement: 'an association',
    params,
    cohort_size: 120,
    kpi_cohort: 0.3,
    kpi_rest: 0.1,
    effect: { measure: 'rate_ratio', value: 3, ci_low: 2, ci_high: 4 },
    p_value: 1e-6,
    q_value: 1e-4,
    impact,
    experts: ['cohort'],
    test: 'G-test',
    inference: 'groups treated as independent',
    stable: true,
    stability: null,
    fingerprint,
    related: [],
    sql: 'SELECT 1 AS g',
    series: { from: 0, width_ms: 86_400_000, cohort: [{ groups: 60, value: 0.3 }], rest: [{ groups: 900, value: 0.1 }] },
  } as unknown as OpportunityWithSeries;
  return { opportunity: o, evidence: { series: o.series!, halves: null, example_groups: ['1', '2'], group_column: 'g', sql: o.sql } };
}

describe('results store (embedded ClickHouse)', () => {
  let dir: string;
  let ex: Executor;
  let store: ResultStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-store-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    store = new ResultStore(ex.onControl(), 'results_test', { publicUrl: 'http://grafana:3000/a/app/' });
  });
  afterAll(async () => {
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates once; a second start applies nothing', async () => {
    expect(await store.migrate()).toEqual({ applied: [1, 2], version: 2 });
    expect(await store.migrate()).toEqual({ applied: [], version: 2 });
    const tables = (await ex.query<{ name: string }>("SELECT name FROM system.tables WHERE database = 'results_test' ORDER BY name")).map((t) => t.name);
    expect(tables).toEqual(['heartbeat', 'investigations', 'leads', 'opportunities', 'plans', 'run_leads', 'runs', 'schema_migrations', 'triage']);
  });

  it('upserts leads by fingerprint: new, then known with the triage kept', async () => {
    const a = lead('crash_rate', 'static', { attributes: { country: 'IN' } }, 50);
    const b = lead('crash_rate', 'ngram', { ngram: ['x', 'y'] }, 20);
    const t1 = Date.UTC(2026, 0, 1);
    const r1 = await store.recordLeads('run-1', t1, [a, b]);
    expect(r1.newIds.sort()).toEqual([opportunityId(a.opportunity.fingerprint), opportunityId(b.opportunity.fingerprint)].sort());
    const idA = r1.newIds.find((id) => id === opportunityId(a.opportunity.fingerprint))!;
    const idB = opportunityId(b.opportunity.fingerprint);
    // A triage and the next run's upsert at the same time: neither loses the other's change.
    const t2 = t1 + 3_600_000;
    const [, , r2] = await Promise.all([
      store.triage(idB, { status: 'dismissed', note: 'known issue', actor: 'bob' }),
      store.triage(idA, { status: 'useful', actor: 'alice' }),
      store.recordLeads('run-2', t2, [lead('crash_rate', 'static', { attributes: { country: 'IN' } }, 70), b]),
    ]);
    expect(r2.knownIds.sort()).toEqual([idA, idB].sort());
    const [la, lb] = [await store.getLead(idA), await store.getLead(idB)];
    expect(la).toMatchObject({ status: 'useful', triaged_by: 'alice', known: true, runs_seen: 2, first_seen: t1, last_seen: t2, first_run_id: 'run-1', last_run_id: 'run-2', impact: 70, region: 'attributes=country' });
    expect(la!.link).toBe(`http://grafana:3000/a/app/opportunities/${idA}`);
    expect(la!.evidence.series!.cohort).toHaveLength(1);
    expect(lb).toMatchObject({ status: 'dismissed', note: 'known issue', known: true, runs_seen: 2 });
    expect((await store.leadHistory(idA)).map((h) => [h.run_id, h.is_new, h.impact])).toEqual([
      ['run-2', false, 70],
      ['run-1', true, 50],
    ]);
    expect((await store.leadInRun(idA, 'run-1'))!.opportunity.impact).toBe(50);
    expect(await store.triageLog(idB)).toEqual([{ at: expect.any(Number), status: 'dismissed', previous_status: 'new', note: 'known issue', actor: 'bob' }]);
    await expect(store.triage('0'.repeat(24), { status: 'useful', actor: 'x' })).rejects.toThrow(`no opportunity with id ${'0'.repeat(24)}`);
  });

  it('filters and pages leads', async () => {
    const all = await store.listLeads({ limit: 10, offset: 0 });
    expect(all.total).toBe(2);
    expect(all.items.map((l) => l.impact)).toEqual([70, 20]);
    expect((await store.listLeads({ statuses: ['dismissed'], limit: 10, offset: 0 })).items.map((l) => l.template)).toEqual(['ngram']);
    expect((await store.listLeads({ templates: ['static'], known: true, limit: 10, offset: 0 })).total).toBe(1);
    expect((await store.listLeads({ runId: 'run-1', limit: 1, offset: 1 })).items).toHaveLength(1);
    const t1 = Date.UTC(2026, 0, 1);
    expect((await store.listLeads({ from: t1 + 7_200_000, limit: 10, offset: 0 })).total).toBe(0);
    expect((await store.listLeads({ from: t1, to: t1 + 1, limit: 10, offset: 0 })).total).toBe(2);
    expect((await store.listLeads({ to: t1, limit: 10, offset: 0 })).total).toBe(0);
  });

  it('lists each lead with its cohort-vs-rest KPI, and, within a run, whether that run found it first', async () => {
    const all = await store.listLeads({ limit: 10, offset: 0 });
    expect(all.items[0]).toMatchObject({ kpi_cohort: 0.3, kpi_rest: 0.1, coverage: null });
    expect(all.items[0]).not.toHaveProperty('new_in_run');
    const first = await store.listLeads({ runId: 'run-1', limit: 10, offset: 0 });
    const second = await store.listLeads({ runId: 'run-2', limit: 10, offset: 0 });
    expect(first.items.map((l) => [l.new_in_run, l.known])).toEqual([
      [true, true],
      [true, true],
    ]);
    expect(second.items.map((l) => l.new_in_run)).toEqual([false, false]);
  });

  it('summarizes triage and effects per family and region for the planners', async () => {
    const fb = (await store.feedbackSummary())!;
    expect(fb.byFamily).toEqual({
      'ngram:length=2': { useful: 0, dismissed: 1, meanEffect: 2 },
      'static:attributes=country': { useful: 1, dismissed: 0, meanEffect: 2 },
    });
    expect(fb.notes!.join('\n')).toMatch(/marked useful: crash_rate is worse for static/);
  });

  it('keeps the Grafana view in step with public_url', async () => {
    const rows = await ex.query<Record<string, unknown>>('SELECT time, kpi, status, link, known FROM results_test.leads ORDER BY impact DESC');
    expect(rows[0]).toMatchObject({ time: '2026-01-01 00:00:00', kpi: 'crash_rate', status: 'useful', known: 1 });
    expect(rows[0]!.link).toMatch(/^http:\/\/grafana:3000\/a\/app\/opportunities\/[0-9a-f]{24}$/);
    const relative = new ResultStore(ex.onControl(), 'results_test');
    await relative.migrate();
    expect((await ex.query<{ link: string }>('SELECT link FROM results_test.leads LIMIT 1'))[0]!.link).toMatch(/^\/api\/opportunities\/[0-9a-f]{24}$/);
  });

  it('marks runs left queued or running as failed, with the reason', async () => {
    const base: RunRecord = {
      id: 'r-running',
      status: 'running',
      created_at: 1,
      started_at: 2,
      finished_at: null,
      updated_at: 2,
      request: { prompt: 'x' },
      progress: { stage: 'aggregate', done: 1, total: 4, updated_at: 2 },
      planner: 'deterministic',
      error: '',
      summary: null,
      investigation_id: '',
    };
    await store.saveRun(base);
    await store.saveRun({ ...base, id: 'r-queued', status: 'queued', started_at: null });
    await store.saveRun({ ...base, id: 'r-done', status: 'succeeded', finished_at: 3 });
    expect((await store.failInterruptedRuns('interrupted by a restart of the service')).sort()).toEqual(['r-queued', 'r-running']);
    expect(await store.getRun('r-running')).toMatchObject({ status: 'failed', error: 'interrupted by a restart of the service', progress: { stage: 'aggregate' } });
    expect(await store.getRun('r-done')).toMatchObject({ status: 'succeeded', finished_at: 3 });
    expect(await store.failInterruptedRuns('again')).toEqual([]);
  });
});
