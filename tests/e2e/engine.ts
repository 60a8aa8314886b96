/**
 * Helpers for the specs: the engine through Grafana's plugin proxy (the same path the app uses), with the
 * provisioned token injected by Grafana. The specs expect the Docker stack (`npm run server`).
 */
import type { APIRequestContext } from '@playwright/test';
import pluginJson from '../../src/plugin.json';

export const PROXY = `/api/plugin-proxy/${pluginJson.id}/engine`;
export const DASHBOARD_UID = 'surfacer-demo';
export const DATASOURCE_UID = 'surfacer-clickhouse';
export const ALERT_RULE_UID = 'surfacer-new-leads';

interface Lead {
  id: string;
  kpi: string;
  title: string;
  status: string;
}

/** Leads in the results store; starts a run and waits for it when there are none yet. */
export async function ensureLeads(request: APIRequestContext, kpi = 'payment_conversion'): Promise<Lead[]> {
  const list = async () => {
    const r = await request.get(`${PROXY}/api/opportunities?limit=50`);
    if (!r.ok()) throw new Error(`GET opportunities: ${r.status()} ${await r.text()}`);
    return ((await r.json()) as { items: Lead[] }).items;
  };
  let leads = await list();
  if (leads.length) return leads;
  const started = await request.post(`${PROXY}/api/runs`, { data: { kpis: [kpi], planner: 'deterministic' } });
  if (started.status() !== 202) throw new Error(`POST runs: ${started.status()} ${await started.text()}`);
  const { id } = (await started.json()) as { id: string };
  for (let i = 0; i < 150; i++) {
    const run = (await (await request.get(`${PROXY}/api/runs/${id}`)).json()) as { status: string; error?: string };
    if (run.status === 'succeeded') break;
    if (run.status === 'failed' || run.status === 'cancelled') throw new Error(`run ${id} ${run.status}: ${run.error ?? ''}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  leads = await list();
  if (!leads.length) throw new Error('the run found no lead on the demo telemetry');
  return leads;
}
