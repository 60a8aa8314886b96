/**
 * The Investigate page's logic without React: what the URL pre-fills (from the dashboard panel-menu link and the
 * nested panel), and the run request built from the form, with the per-family parameters checked as JSON.
 */
import { FAMILIES, type Family, type RunRequest, type RunStatus } from '../types/api';

export interface InvestigatePrefill {
  prompt?: string;
  kpis?: string[];
  from?: string;
  to?: string;
  panelTitle?: string;
  dashboardUid?: string;
  run?: string;
}

/** A time from the URL: epoch ms (Grafana's from/to) or an ISO date; as ISO, or undefined if unreadable. */
export function parseTimeParam(v: string | null | undefined): string | undefined {
  if (!v) {
    return undefined;
  }
  const s = v.trim();
  const ms = /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(ms)) {
    return undefined;
  }
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

const list = (v: string | null) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

export function parsePrefill(params: URLSearchParams): InvestigatePrefill {
  const out: InvestigatePrefill = {};
  const text = (k: string) => {
    const v = params.get(k);
    return v && v.trim() ? v : undefined;
  };
  out.prompt = text('prompt');
  const kpis = list(params.get('kpi'));
  out.kpis = kpis.length ? kpis : undefined;
  out.from = parseTimeParam(params.get('from'));
  out.to = parseTimeParam(params.get('to'));
  out.panelTitle = text('panelTitle');
  out.dashboardUid = text('dashboardUid');
  out.run = text('run');
  return out;
}

/** The prompt a panel title suggests when the link gives none. */
export function promptFromPanel(panelTitle: string | undefined): string | undefined {
  return panelTitle ? `Why is "${panelTitle}" worse for some groups?` : undefined;
}

export type ParamsText = Partial<Record<Family, string>>;

export interface FormState {
  prompt: string;
  kpis: string[];
  families: Family[];
  params: ParamsText;
  from?: string;
  to?: string;
}

export interface FormIssue {
  /** As the engine names it: body.params.absence, body.to, … */
  path: string;
  message: string;
}

/** A family's parameter text: empty is none; otherwise it must be a JSON object. */
export function parseParamsJson(text: string | undefined): { value?: Record<string, unknown>; error?: string } {
  if (!text || !text.trim()) {
    return {};
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { error: `not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return { error: 'expected a JSON object, e.g. {"within": "30s"}' };
  }
  return { value: v as Record<string, unknown> };
}

/** The request to POST /api/runs, or what is wrong with the form (checked before sending). */
export function buildRunRequest(f: FormState): { request?: RunRequest; issues: FormIssue[] } {
  const issues: FormIssue[] = [];
  const req: RunRequest = {};
  if (f.prompt.trim()) {
    req.prompt = f.prompt.trim();
  }
  if (f.kpis.length) {
    req.kpis = [...f.kpis];
  }
  if (f.families.length) {
    req.families = [...f.families];
  }
  const params: Partial<Record<Family, Record<string, unknown>>> = {};
  for (const fam of FAMILIES) {
    const r = parseParamsJson(f.params[fam]);
    if (r.error) {
      issues.push({ path: `body.params.${fam}`, message: r.error });
    } else if (r.value && Object.keys(r.value).length) {
      params[fam] = r.value;
    }
  }
  if (Object.keys(params).length) {
    req.params = params;
  }
  if (f.from) {
    req.from = f.from;
  }
  if (f.to) {
    req.to = f.to;
  }
  if (f.from && f.to && Date.parse(f.from) >= Date.parse(f.to)) {
    issues.push({ path: 'body.to', message: 'must be after from' });
  }
  return issues.length ? { issues } : { request: req, issues };
}

export const isTerminal = (s: RunStatus) => s === 'succeeded' || s === 'failed' || s === 'cancelled';

/** Stage names as a user reads them. */
const STAGE_LABELS: Record<string, string> = {
  queued: 'Waiting to start',
  inspect: 'Inspecting the dataset',
  plan: 'Planning hypotheses',
  sessionize: 'Building groups',
  profile: 'Profiling groups',
  compile: 'Compiling queries',
  aggregate: 'Running queries',
  experts: 'Testing hypotheses',
  evidence: 'Collecting evidence',
  store: 'Storing leads',
  done: 'Done',
};

export function stageLabel(stage: string): string {
  return STAGE_LABELS[stage] ?? stage;
}

/** Share done, 0..1, or null when the stage has no count. */
export function progressFraction(p: { done: number; total: number }): number | null {
  return p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : null;
}

/** Words for what a family scans (engines before 0.1 sent the internal query id as the progress message). */
const SCAN_WORDS: Record<string, string> = {
  ngram: 'event sequences',
  ordered_pattern: 'ordered event patterns',
  absence: 'missing follow-up events',
  lifecycle: 'where users are in their lifecycle',
  indirect: 'time of day and version predicates',
  static: 'attribute values',
  stateful: 'retries, durations and counts',
  nonlocal: 'overlap with context spikes',
  groups: 'whole-group cohorts',
};

/** The engine's progress message in words: internal query ids ("agg_v0", "agg_ordered_pattern") become what they scan. */
export function progressMessage(message: string): string {
  const m = /^agg_(.+)$/.exec(message.trim());
  if (!m) {
    return message;
  }
  return /^v\d+$/.test(m[1]!)
    ? 'scanning event sequences'
    : `scanning ${SCAN_WORDS[m[1]!] ?? m[1]!.replace(/_/g, ' ')}`;
}
