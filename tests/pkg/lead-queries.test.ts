/**
 * What a lead's page asks of ClickHouse beyond the lead itself (issue 14): the short cohort-vs-rest query the page
 * offers for Explore (src/services/explore.ts, with the ClickHouse data source's macros expanded as its backend
 * does) runs on the engine's store and returns the cohort's and the rest's KPI over time; and a non-local lead's
 * context series (GET /api/opportunities/{id}/context): the metric, the threshold its hypothesis used, the windows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../pkg/api/app';
import { loadConfigFile } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';
import { cohortVsRestSql } from '../../src/services/explore';
import { expandMacros } from '../support/macros';

const TOKEN = 'test-token-lead-queries-0123456789';

describe('a lead’s Explore query and context series (embedded engine)', () => {
  let dir: string;
  let ex: Executor;
  let app: FastifyInstance;
  let base: string;
  let leads: Array<{ id: string; kpi: string; template: string; kpi_cohort: number; kpi_rest: number; cohort_size: number; rank: number }>;

  const get = async (url: string) => {
    const r = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: r.status, body: (await r.json()) as any };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-lead-queries-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 120_000, seed: 5, outDir: dir });
    const cfg = loadConfigFile(g.files.config);
    cfg.server.token = TOKEN;
    app = await buildApp({ cfg, executor: ex, logger: false, schedulerIntervalMs: 0 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const r = await fetch(`${base}/api/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kpis: ['payment_conversion', 'error_rate', 'page_load_ms'], planner: 'deterministic' }),
    });
    const id = ((await r.json()) as { id: string }).id;
    for (let i = 0; ; i++) {
      const run = (await get(`/api/runs/${id}`)).body;
      if (run.status === 'succeeded') break;
      if (run.status !== 'queued' && run.status !== 'running') throw new Error(`run ${run.status}: ${run.error}`);
      if (i > 3000) throw new Error('run did not finish');
      await new Promise((res) => setTimeout(res, 100));
    }
    leads = (await get(`/api/opportunities?run=${id}&limit=500`)).body.items;
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the short query returns the cohort’s and the rest’s KPI per time bucket, matching the lead', async () => {
    const tops = leads.filter((l) => l.rank === 1);
    expect(tops.length).toBeGreaterThanOrEqual(2);
    for (const l of tops) {
      const detail = (await get(`/api/opportunities/${l.id}`)).body;
      const sql = cohortVsRestSql(detail.evidence.sql);
      expect(sql).toBeDefined();
      const s = detail.evidence.series;
      const from = Date.parse(s.from);
      const to = from + s.width_ms * s.cohort.length;
      // One bucket holding the whole window: the cohort's and the rest's KPI over all of it, as the lead states them.
      const whole = await ex.query<{ time: string; cohort: number; rest: number }>(
        expandMacros(sql!, { from, to, intervalMs: 3650 * 86_400_000 })
      );
      expect(whole).toHaveLength(1);
      expect(Number(whole[0]!.cohort)).toBeCloseTo(l.kpi_cohort, 6);
      expect(Number(whole[0]!.rest)).toBeCloseTo(l.kpi_rest, 6);
      // Over time, in buckets of the lead's series: a cohort and a rest value per bucket, times in order.
      const rows = await ex.query<{ time: string; cohort: number | null; rest: number | null }>(
        expandMacros(sql!, { from, to, intervalMs: s.width_ms })
      );
      expect(rows.length).toBeGreaterThan(1);
      expect(rows.every((r) => 'cohort' in r && 'rest' in r)).toBe(true);
      const times = rows.map((r) => Date.parse(`${r.time.replace(' ', 'T')}Z`));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(rows.filter((r) => Number.isFinite(Number(r.rest))).length).toBeGreaterThan(1);
    }
  });

  it('a non-local lead’s context series: the metric in the lead’s range, its threshold and the windows above it', async () => {
    const nl = leads.find((l) => l.template === 'nonlocal');
    expect(nl).toBeDefined();
    const detail = (await get(`/api/opportunities/${nl!.id}`)).body;
    const r = await get(`/api/opportunities/${nl!.id}/context`);
    expect(r.status).toBe(200);
    const cs = r.body;
    expect(cs.context).toBe(detail.opportunity.params.context);
    expect(cs.threshold).toBe(detail.opportunity.params.threshold);
    const s = detail.evidence.series;
    expect(Date.parse(cs.from)).toBe(Date.parse(s.from));
    expect(Date.parse(cs.to)).toBe(Date.parse(s.from) + s.width_ms * s.cohort.length);
    expect(cs.points.length).toBeGreaterThan(10);
    for (const p of cs.points) {
      expect(Date.parse(p.time)).toBeGreaterThanOrEqual(Date.parse(cs.from));
      expect(Date.parse(p.time)).toBeLessThan(Date.parse(cs.to));
    }
    expect(cs.windows.length).toBeGreaterThan(0);
    // Every bucket whose highest sample is above the threshold overlaps a window, and every window overlaps such a bucket.
    const above = cs.points.filter((p: any) => p.value > cs.threshold).map((p: any) => [Date.parse(p.time), Date.parse(p.time) + cs.bucket_ms]);
    const wins = cs.windows.map((w: any) => [Date.parse(w.from), Date.parse(w.to)]);
    const overlaps = (a: number[], b: number[]) => a[0]! < b[1]! && b[0]! < a[1]!;
    expect(above.length).toBeGreaterThan(0);
    for (const b of above) expect(wins.some((w: number[]) => overlaps(b, w))).toBe(true);
    for (const w of wins) expect(above.some((b: number[]) => overlaps(b, w))).toBe(true);
  });

  it('a lead that is not about a context metric has no context series (404 naming why)', async () => {
    const other = leads.find((l) => l.template !== 'nonlocal')!;
    const r = await get(`/api/opportunities/${other.id}/context`);
    expect(r.status).toBe(404);
    expect(r.body.message).toContain('is not about a context metric');
  });
});
