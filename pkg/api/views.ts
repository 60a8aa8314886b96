/**
 * Stored records as the API shows them: dates as ISO text, links, units. Each view returns its response schema's
 * own type (z.infer), which the zod serializer then checks at runtime.
 */
import type { z } from 'zod';
import type { LoadedConfig } from '../config/load';
import { kpiKind } from '../config/schema';
import type { ResultStore } from '../store/store';
import type { InvestigationRecord, LeadRecord, RunRecord } from '../store/types';
import type * as S from './schemas';

export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : iso(ms));

function unitOf(p: { stage: string; total: number }): string {
  if (p.stage === 'aggregate') return 'queries';
  if (p.stage === 'evidence' || p.stage === 'store') return 'leads';
  return p.total > 0 ? 'stages' : '';
}

export async function planView(store: ResultStore, runId: string): Promise<z.infer<typeof S.PlanBody> | null> {
  const p = await store.getPlan(runId);
  if (!p?.plan) return null;
  return {
    run_id: runId,
    created_at: iso(p.created_at),
    planner: p.plan.planner,
    fallback: p.plan.fallback ?? null,
    kpis: p.plan.kpis,
    items: p.plan.items.map((i) => ({ template: i.template, params: i.params, kpis: i.kpis, reason: i.reason })),
    notes: p.plan.notes,
    feedback: (p.feedback as Record<string, unknown> | null) ?? null,
    scope: p.plan.scope ?? null,
  };
}

export function runView(r: RunRecord): Omit<z.infer<typeof S.RunBody>, 'plan'> {
  return {
    id: r.id,
    status: r.status,
    created_at: iso(r.created_at),
    started_at: isoOrNull(r.started_at),
    finished_at: isoOrNull(r.finished_at),
    updated_at: iso(r.updated_at),
    request: r.request as Record<string, unknown>,
    progress: {
      stage: r.progress.stage,
      done: r.progress.done,
      total: r.progress.total,
      unit: unitOf(r.progress),
      ...(r.progress.message ? { message: r.progress.message } : {}),
      updated_at: iso(r.progress.updated_at),
      ...(r.progress.kpi_leads && r.status === 'running' ? { kpi_leads: r.progress.kpi_leads } : {}),
    },
    planner: r.planner || null,
    error: r.error || null,
    summary: r.summary,
    investigation_id: r.investigation_id || null,
    links: {
      self: `/api/runs/${r.id}`,
      plan: `/api/runs/${r.id}/plan`,
      opportunities: `/api/opportunities?run=${r.id}`,
      cancel: `/api/runs/${r.id}/cancel`,
    },
  };
}

export function leadView(l: LeadRecord): z.infer<typeof S.Lead> {
  return { ...l, triaged_at: isoOrNull(l.triaged_at), first_seen: iso(l.first_seen), last_seen: iso(l.last_seen) };
}

export function invView(i: InvestigationRecord): z.infer<typeof S.Investigation> {
  return {
    id: i.id,
    name: i.name,
    request: i.request as Record<string, unknown>,
    schedule: i.every_ms ? { every: formatEvery(i.every_ms), every_ms: i.every_ms } : null,
    enabled: i.enabled,
    created_at: iso(i.created_at),
    updated_at: iso(i.updated_at),
    last_run_id: i.last_run_id || null,
    last_run_at: isoOrNull(i.last_run_at),
    next_run_at: isoOrNull(i.next_run_at),
  };
}

export function kpiView(k: LoadedConfig['kpis'][number]) {
  const kind = kpiKind(k);
  const definition: Record<string, unknown> = { [kind]: k[kind] };
  return { name: k.name, kind, description: k.description, definition, higher_is_better: k.higher_is_better };
}

function formatEvery(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
