/**
 * The engine's HTTP API as the app calls it: every request goes through Grafana's plugin proxy (plugin.json
 * `routes`), which adds the token; the browser never holds it.
 */
import { lastValueFrom } from 'rxjs';
import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { ENGINE_PROXY_URL } from '../constants';
import type {
  ContextSeries,
  DatasetInfo,
  EngineErrorBody,
  Health,
  Kpi,
  Lead,
  LeadDetail,
  LeadQuery,
  Page,
  Plan,
  Run,
  RunRequest,
  PromptKpis,
  ScopePreview,
  Template,
  TriageRequest,
} from '../types/api';

/** An engine call that failed, with a message a user can act on. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly issues: Array<{ path: string; message: string }> = []
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Turns a failed fetch into what went wrong and where, from the engine's error body or the proxy's status. */
export function toEngineError(e: unknown, what: string): EngineError {
  if (e instanceof EngineError) {
    return e;
  }
  if (isFetchError(e)) {
    const body = e.data as Partial<EngineErrorBody> | undefined;
    if (body && typeof body.message === 'string' && typeof body.statusCode === 'number') {
      return new EngineError(`${what}: ${body.message}`, e.status, body.issues ?? []);
    }
    const grafana = grafanaProxyError(e.status, e.data);
    if (grafana) {
      return new EngineError(`${what}: ${grafana}`, e.status);
    }
    switch (e.status) {
      case 401:
      case 403:
        return new EngineError(
          `${what}: the engine refused the request (${e.status}). Check the engine token on the app's configuration page, and your Grafana role.`,
          e.status
        );
      case 404:
        return new EngineError(`${what}: not found (404). Is the engine URL set on the app's configuration page?`, 404);
      case 502:
      case 503:
      case 504:
        return new EngineError(
          `${what}: the engine is unreachable through Grafana (${e.status}). Is an engine URL saved on the app's configuration page, and is \`surfacer serve\` running there?`,
          e.status
        );
      default:
        return new EngineError(`${what}: ${e.statusText || 'request failed'} (${e.status})`, e.status);
    }
  }
  return new EngineError(`${what}: ${e instanceof Error ? e.message : String(e)}`, 0);
}

/**
 * What Grafana itself answered, before the engine was reached (the messages of grafana pkg/api/plugin_checks.go
 * checkAppEnabled, pkg/api/pluginproxy/pluginproxy.go HandleRequest, and the access control middleware's deny).
 */
function grafanaProxyError(status: number, data: unknown): string | undefined {
  const message = typeof data === 'object' && data !== null ? (data as { message?: unknown }).message : undefined;
  if (typeof message !== 'string') {
    return undefined;
  }
  if (status === 404 && message === 'Plugin is not enabled') {
    return 'the Surfacer app is disabled in this organization. An admin can enable it in Administration → Plugins → Surfacer.';
  }
  if (status === 404 && message === 'plugin route match not found') {
    return 'Grafana has no route of the Surfacer app for this request (404). The installed plugin may be older than this page: reinstall it.';
  }
  if (status === 403 && message === 'plugin proxy route access denied') {
    return 'your Grafana role may not do this (403): it needs Editor or above.';
  }
  if (status === 403 && /Permissions needed/.test(message)) {
    return `Grafana denied access to the Surfacer app (403). ${message}`;
  }
  return undefined;
}

type Method = 'GET' | 'POST' | 'PATCH';

async function call<T>(what: string, method: Method, path: string, opts: { params?: Record<string, unknown>; data?: unknown } = {}): Promise<T> {
  try {
    const res = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url: `${ENGINE_PROXY_URL}${path}`,
        method,
        params: opts.params,
        data: opts.data,
        // Pages show errors in place, with what to do; no global toast.
        showErrorAlert: false,
        showSuccessAlert: false,
      })
    );
    return res.data;
  } catch (e) {
    throw toEngineError(e, what);
  }
}

/** Query string values: arrays as comma-separated lists (the engine accepts both), no undefined. */
export function leadParams(q: LeadQuery): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') {
      continue;
    }
    if (Array.isArray(v)) {
      if (v.length) {
        out[k] = v.join(',');
      }
    } else if (typeof v === 'boolean') {
      out[k] = String(v);
    } else {
      out[k] = v as string | number;
    }
  }
  return out;
}

export const engine = {
  health: () => call<Health>('Engine health', 'GET', '/api/health'),
  dataset: () => call<DatasetInfo>('Dataset', 'GET', '/api/dataset'),
  kpis: () => call<Kpi[]>('KPIs', 'GET', '/api/kpis'),
  /** The KPIs a text (a prompt, a panel title) names, as the engine's planner picks them; empty when none. */
  promptKpis: (prompt: string) => call<PromptKpis>('KPIs of the prompt', 'GET', '/api/scope/kpis', { params: { prompt } }),
  templates: () => call<Template[]>('Templates', 'GET', '/api/templates'),
  startRun: (req: RunRequest) => call<Run>('Start investigation', 'POST', '/api/runs', { data: req }),
  run: (id: string) => call<Run>(`Run ${id}`, 'GET', `/api/runs/${encodeURIComponent(id)}`),
  runs: (q: { status?: string; limit?: number; offset?: number } = {}) => call<Page<Run>>('Runs', 'GET', '/api/runs', { params: q }),
  plan: (id: string) => call<Plan>(`Plan of run ${id}`, 'GET', `/api/runs/${encodeURIComponent(id)}/plan`),
  // `{}`, not no data: Grafana's fetch sends `content-type: application/json` either way, and older engines refuse an
  // empty JSON body.
  scope: (prompt: string) => call<ScopePreview>('Scope of the prompt', 'GET', '/api/scope', { params: { prompt } }),
  cancelRun: (id: string) => call<Run>(`Cancel run ${id}`, 'POST', `/api/runs/${encodeURIComponent(id)}/cancel`, { data: {} }),
  leads: (q: LeadQuery = {}) => call<Page<Lead>>('Opportunities', 'GET', '/api/opportunities', { params: leadParams(q) }),
  lead: (id: string, run?: string) =>
    call<LeadDetail>(`Opportunity ${id}`, 'GET', `/api/opportunities/${encodeURIComponent(id)}`, { params: run ? { run } : undefined }),
  leadContext: (id: string, run?: string) =>
    call<ContextSeries>(`Context series of ${id}`, 'GET', `/api/opportunities/${encodeURIComponent(id)}/context`, {
      params: run ? { run } : undefined,
    }),
  triage: (id: string, body: TriageRequest) => call<Lead>(`Triage ${id}`, 'PATCH', `/api/opportunities/${encodeURIComponent(id)}`, { data: body }),
};

export type Engine = typeof engine;
