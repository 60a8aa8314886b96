/**
 * List answers are shared until the next write to what they read (ResultStore.listed): every write must show in
 * the next answer of every list it changes — runs (queued, running, finished, filtered by status), leads and their
 * triage, saved investigations — including a write that lands while a list read is under way. Real embedded store.
 */
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../pkg/api/app';
import { loadConfigFile, type LoadedConfig } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';

const TOKEN = 'cache-token-0123456789abcdef';
jest.setTimeout(180_000);

describe('list answers follow every write (embedded store, 20k events)', () => {
  let dir: string;
  let ex: Executor;
  let cfg: LoadedConfig;
  let app: FastifyInstance;
  let base = '';

  const call = async (method: string, url: string, payload?: unknown) => {
    const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${url}`, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const list = async (url: string) => {
    const r = await call('GET', url);
    expect(r.status).toBe(200);
    return r.body as { items: any[]; total: number };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-lists-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 20_000, seed: 11, outDir: dir });
    cfg = loadConfigFile(g.files.config);
    cfg.server.token = TOKEN;
    app = await buildApp({ cfg, executor: ex, logger: false, schedulerIntervalMs: 0 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saved investigations: created, renamed and deleted ones show in the next page', async () => {
    expect(await list('/api/investigations')).toMatchObject({ items: [], total: 0 });
    const a = await call('POST', '/api/investigations', { name: 'first', request: { kpis: ['error_rate'] } });
    expect(a.status).toBe(201);
    expect((await list('/api/investigations')).items.map((i) => i.name)).toEqual(['first']);
    expect((await call('PATCH', `/api/investigations/${a.body.id}`, { name: 'renamed' })).status).toBe(200);
    expect((await list('/api/investigations')).items.map((i) => i.name)).toEqual(['renamed']);
    expect((await call('DELETE', `/api/investigations/${a.body.id}`)).status).toBe(204);
    expect(await list('/api/investigations')).toMatchObject({ items: [], total: 0 });
  });

  it('a write that lands while a list is being read shows in the next answer', async () => {
    const reading = list('/api/investigations?limit=10');
    const created = call('POST', '/api/investigations', { name: 'during a read', request: {} });
    await Promise.all([reading, created]);
    const after = await list('/api/investigations?limit=10');
    expect(after.items.map((i) => i.name)).toContain('during a read');
  });

  it('runs: queued or running, then finished, in the unfiltered and the status-filtered lists; its leads and their triage', async () => {
    const before = await list('/api/runs');
    expect(await list('/api/runs?status=succeeded')).toMatchObject({ total: 0 });
    const r = await call('POST', '/api/runs', { kpis: ['error_rate'], families: ['static'] });
    expect(r.status).toBe(202);
    const listed = await list('/api/runs');
    expect(listed.total).toBe(before.total + 1);
    expect(['queued', 'running', 'succeeded']).toContain(listed.items.find((x) => x.id === r.body.id)?.status);
    await app.surfacer.runs.idle();

    const all = await list('/api/runs');
    expect(all.items.find((x) => x.id === r.body.id)).toMatchObject({ status: 'succeeded' });
    expect((await list('/api/runs?status=queued,running')).items.map((x) => x.id)).not.toContain(r.body.id);
    const done = await list('/api/runs?status=succeeded');
    expect(done.items.map((x) => x.id)).toEqual([r.body.id]);
    const leadIds: string[] = done.items[0].summary.lead_ids;
    expect(leadIds.length).toBeGreaterThan(0);

    const leads = await list('/api/opportunities?limit=500');
    expect(leads.items.map((l) => l.id).sort()).toEqual([...leadIds].sort());
    expect((await call('PATCH', `/api/opportunities/${leadIds[0]}`, { status: 'useful', note: 'seen' })).status).toBe(200);
    const triaged = await list('/api/opportunities?limit=500');
    expect(triaged.items.find((l) => l.id === leadIds[0])).toMatchObject({ status: 'useful', note: 'seen' });
    expect((await list('/api/opportunities?status=useful')).items.map((l) => l.id)).toEqual([leadIds[0]]);
  });

  it('a cancelled run shows as cancelled in the next page', async () => {
    const r = await call('POST', '/api/runs', {});
    expect(r.status).toBe(202);
    await list('/api/runs?status=cancelled');
    expect((await call('POST', `/api/runs/${r.body.id}/cancel`)).status).toBe(200);
    expect((await list('/api/runs?status=cancelled')).items.map((x) => x.id)).toEqual([r.body.id]);
    expect((await list('/api/runs')).items.find((x) => x.id === r.body.id)).toMatchObject({ status: 'cancelled' });
  });
});
