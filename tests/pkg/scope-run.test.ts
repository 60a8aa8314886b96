/**
 * Scope from the prompt through the API, on the synthetic dataset: the preview the app shows as chips, the run's
 * plan saying what it used and ignored, the analysis kept to the scope, and a request's own filters winning.
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

jest.setTimeout(180_000);

const TOKEN = 'scope-test-token-0123456789';
const PROMPT = 'what makes pages slow on android this week';
const DAY = 86_400_000;

describe('scope from the prompt, through the API', () => {
  let dir: string;
  let ex: Executor;
  let app: FastifyInstance;
  let base = '';
  const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: await r.json() };
  };
  const finished = async (id: string): Promise<any> => {
    for (;;) {
      const r = (await call('GET', `/api/runs/${id}`)).body;
      if (!['queued', 'running'].includes(r.status)) return r;
      await new Promise((res) => setTimeout(res, 100));
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-scope-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 30_000, seed: 7, outDir: dir });
    app = await buildApp({ cfg: loadConfigFile(g.files.config), executor: ex, token: TOKEN, logger: false, schedulerIntervalMs: 0 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('previews the scope: an android filter and the last 7 days of data', async () => {
    const dataset = (await call('GET', '/api/dataset')).body;
    const r = await call('GET', `/api/scope?prompt=${encodeURIComponent(PROMPT)}`);
    expect(r.status).toBe(200);
    expect(r.body.filters).toEqual([{ attribute: 'os_version', values: expect.arrayContaining(['android_13', 'android_14']) }]);
    expect(r.body.filters[0].values.every((v: string) => v.startsWith('android'))).toBe(true);
    expect(Date.parse(r.body.to) - Date.parse(r.body.from)).toBe(7 * DAY);
    expect(Date.parse(r.body.to)).toBeLessThanOrEqual(Date.parse(dataset.range.to) + 1);
    expect(r.body.used.map((u: { phrase: string }) => u.phrase)).toEqual(['android', 'this week']);
    expect((await call('GET', '/api/scope?prompt=slow%20pages')).body).toEqual({ filters: [], used: [] });
  });

  it('names the KPIs a panel title is about, as the planner of a run picks them, and none for a title that names none', async () => {
    const pick = async (prompt: string) => (await call('GET', `/api/scope/kpis?prompt=${encodeURIComponent(prompt)}`)).body;
    expect((await pick('Payment failures by country')).kpis).toEqual(['payment_conversion']);
    expect((await pick('Page load time p95')).kpis).toEqual(['page_load_ms']);
    const none = await pick('Memory per host');
    expect(none).toEqual({ kpis: [], why: 'the prompt names no KPI: every KPI' });
    // The same pick a run makes from the same words.
    const run = await finished((await call('POST', '/api/runs', { prompt: 'Payment failures by country', families: ['static'] })).body.id);
    expect(run.plan.kpis).toEqual(['payment_conversion']);
  });

  it('runs over the scope and the plan says what it used and ignored', async () => {
    const scoped = await finished((await call('POST', '/api/runs', { prompt: `${PROMPT}, wobbly` })).body.id);
    expect(scoped.status).toBe('succeeded');
    expect(scoped.plan.scope).toMatchObject({ filters: [{ attribute: 'os_version' }], used: [{ phrase: 'android' }, { phrase: 'this week' }], ignored: ['wobbly'] });
    expect(Date.parse(scoped.summary.window.to) - Date.parse(scoped.summary.window.from)).toBe(7 * DAY);

    // The same prompt with the scope taken off (filters: [] and the whole range): more sessions analysed.
    const whole = await finished((await call('POST', '/api/runs', { prompt: PROMPT, filters: [] })).body.id);
    expect(whole.plan.scope).toMatchObject({ filters: [], used: [] });
    const groups = (r: { summary: { kpis: Array<{ name: string; groups: number }> } }) => r.summary.kpis.find((k) => k.name === 'page_load_ms')!.groups;
    expect(groups(scoped)).toBeGreaterThan(0);
    expect(groups(scoped)).toBeLessThan(groups(whole) / 4);

  });

  it('a stated scope (the chips the app kept) is run as stated, explained by the prompt words it matches', async () => {
    const preview = (await call('GET', `/api/scope?prompt=${encodeURIComponent(PROMPT)}`)).body;
    const run = await finished(
      (await call('POST', '/api/runs', { prompt: PROMPT, filters: preview.filters, from: preview.from, to: preview.to })).body.id,
    );
    expect(run.plan.scope).toMatchObject({ filters: preview.filters, from: preview.from, to: preview.to, used: preview.used });
    // Only the chips kept: the window was removed, so "this week" explains nothing.
    const noTime = await finished((await call('POST', '/api/runs', { prompt: PROMPT, filters: preview.filters })).body.id);
    expect(noTime.plan.scope.used.map((u: { phrase: string }) => u.phrase)).toEqual(['android']);
    expect(noTime.plan.scope.from).toBeUndefined();
  });

  it('keeps every lead to the scope: its SQL selects android sessions only', async () => {
    const run = await finished((await call('POST', '/api/runs', { prompt: 'what makes pages slow on android' })).body.id);
    expect(run.plan.scope.from).toBeUndefined();
    const leads = (await call('GET', `/api/opportunities?run=${run.id}&limit=100`)).body.items;
    expect(leads.length).toBeGreaterThan(0);
    for (const l of leads.slice(0, 3)) {
      const detail = (await call('GET', `/api/opportunities/${l.id}?run=${run.id}`)).body;
      expect(detail.evidence.sql).toMatch(/`?os_version`? IN \('android_1[34]', 'android_1[34]'\)/);
    }
  });

  it('refuses a filter on an attribute the dataset does not have', async () => {
    const r = await call('POST', '/api/runs', { filters: [{ attribute: 'platform', values: ['android'] }] });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/body\.filters\[0\]\.attribute: unknown attribute "platform"/);
  });
});
