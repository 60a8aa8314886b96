/** What the panel asks the engine and where it sends the user. Pure; the component only renders. */
import type { TimeRange } from '@grafana/data';
import { PLUGIN_ID, ROUTES } from '../../constants';
import { investigateUrl, prefixRoute } from '../../utils/utils.routing';
import { TRIAGE_STATUSES, type LeadQuery, type RunRequest, type TriageStatus } from '../../types/api';
import { DEFAULT_STATUSES, type PanelOptions } from './types';

export const MAX_LEADS_LIMIT = 50;

/** The app's configuration page, where the engine URL and token live. */
export const CONFIG_PAGE_URL = `/plugins/${PLUGIN_ID}`;
export const OPPORTUNITIES_URL = prefixRoute(ROUTES.Opportunities);

export function clampLimit(n: unknown): number {
  const v = typeof n === 'number' ? n : Number(n);
  if (!Number.isFinite(v)) {
    return 5;
  }
  return Math.min(MAX_LEADS_LIMIT, Math.max(1, Math.round(v)));
}

/** Statuses as saved in the dashboard, with anything unknown dropped; none left means the defaults. */
export function cleanStatuses(s: unknown): TriageStatus[] {
  const list = Array.isArray(s) ? s.filter((x): x is TriageStatus => TRIAGE_STATUSES.includes(x as TriageStatus)) : [];
  return list.length ? Array.from(new Set(list)) : DEFAULT_STATUSES;
}

/** The top leads for the KPI (every KPI when none is set) by impact. */
export function leadQuery(o: Partial<PanelOptions>): LeadQuery {
  const kpi = o.kpi?.trim();
  return {
    ...(kpi ? { kpi: [kpi] } : {}),
    status: cleanStatuses(o.statuses),
    sort: 'impact',
    limit: clampLimit(o.maxLeads ?? 5),
  };
}

/** An investigation of the panel's KPI over the dashboard's time range. */
export function runRequest(prompt: string, o: Partial<PanelOptions>, range: Pick<TimeRange, 'from' | 'to'>): RunRequest {
  const kpi = o.kpi?.trim();
  const text = prompt.trim();
  const req: RunRequest = {};
  if (text) {
    req.prompt = text;
  }
  if (kpi) {
    req.kpis = [kpi];
  }
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  if (Number.isFinite(from) && Number.isFinite(to) && from < to) {
    req.from = new Date(from).toISOString();
    req.to = new Date(to).toISOString();
  }
  return req;
}

/** The Investigate page watching a run. */
export function investigateRunUrl(runId: string): string {
  return investigateUrl(runId);
}

/** Statuses that mean "the engine itself isn't reachable or configured", as opposed to a bad request. */
export function isConnectionProblem(status: number): boolean {
  return status === 0 || status === 401 || status === 403 || status === 404 || (status >= 500 && status <= 504);
}

/**
 * Below this content height the panel's leads need the room: the prompt box hides (the Investigate page has one).
 * The panel gets its height under Grafana's title bar (~32 px), so this is a panel of about 270 px.
 */
export const PROMPT_MIN_HEIGHT = 240;

/**
 * A lead's label in the panel: scoped to one KPI, the title without "<kpi> is worse for " (the panel already says
 * which KPI), capitalised; otherwise the whole title.
 */
export function leadLabel(title: string, kpi: string | undefined): string {
  const prefix = kpi ? `${kpi} is worse for ` : undefined;
  if (!prefix || !title.startsWith(prefix)) {
    return title;
  }
  const rest = title.slice(prefix.length);
  return rest.charAt(0).toUpperCase() + rest.slice(1);
}
