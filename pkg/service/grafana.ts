/**
 * Optional push of new leads to Grafana as annotations, for dashboards that do not read the `leads` table:
 * `POST {grafana.url}/api/annotations` with a service-account token (Grafana HTTP API, "Create Annotation":
 * body `{dashboardUID?, time, tags, text}`, time in epoch ms). Off unless `grafana` is configured. A failure is
 * logged and never fails the run.
 */
import type { Config } from '../config/schema';
import type { LeadRecord } from '../store/types';

export interface AnnotationLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PushResult {
  sent: number;
  failed: number;
}

export function annotationBody(g: NonNullable<Config['grafana']>, lead: LeadRecord): Record<string, unknown> {
  const body: Record<string, unknown> = {
    time: lead.first_seen,
    tags: [...new Set([...(g.tags ?? []), lead.kpi, lead.template])],
    text: `${lead.title}\n${lead.link}`,
  };
  if (g.dashboard_uid) body.dashboardUID = g.dashboard_uid;
  return body;
}

export async function pushAnnotations(
  g: Config['grafana'] | undefined,
  leads: LeadRecord[],
  log: AnnotationLogger,
  opts: { timeoutMs?: number } = {},
): Promise<PushResult> {
  if (!g || !leads.length) return { sent: 0, failed: 0 };
  const url = `${g.url.replace(/\/+$/, '')}/api/annotations`;
  let sent = 0;
  let failed = 0;
  for (const lead of leads) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(g.token ? { Authorization: `Bearer ${g.token}` } : {}) },
        body: JSON.stringify(annotationBody(g, lead)),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      if (!res.ok) {
        const text = (await res.text().catch(() => '')).slice(0, 300);
        throw new Error(`HTTP ${res.status}${text ? `: ${text}` : ''}`);
      }
      await res.arrayBuffer().catch(() => undefined);
      sent++;
    } catch (e) {
      failed++;
      const err = e as Error & { cause?: { code?: string } };
      log.warn({ lead: lead.id, grafana: g.url, error: err.cause?.code ?? err.message }, 'could not push a lead to Grafana as an annotation');
    }
  }
  if (sent) log.info({ sent, failed }, 'pushed new leads to Grafana as annotations');
  return { sent, failed };
}
