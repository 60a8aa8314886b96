/** Checks of a run request against the config and the template catalog, each problem with its field path. */
import type { LoadedConfig } from '../config/load';
import type { Dataset } from '../dataset/inspect';
import { unknownParamNames } from '../planner/params';
import { FAMILIES, TEMPLATES } from '../templates/catalog';
import type { Family } from '../templates/types';
import type { RunRequest } from '../store/types';

export interface Issue {
  path: (string | number)[];
  message: string;
}

/** Earliest and latest instants a request may name, and the longest window a run may analyze. */
export const TIME_LIMITS = { earliest: Date.UTC(1970, 0, 1), latest: Date.UTC(2200, 0, 1), maxWindowDays: 3660 } as const;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * An ISO 8601 date (2026-10-01) or date-time (2026-10-01T12:00:00Z; no offset means UTC) → epoch ms; undefined when
 * the text is not one, or names a day that does not exist (2026-02-30), or lies outside 1970–2200. Date.parse is
 * not used: it reads "1" as 2001-01-01 and rolls 2026-02-30 over to March.
 */
export function parseTime(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const m = ISO.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map((x) => Number(x ?? 0));
  const day = new Date(Date.UTC(y!, mo! - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo! - 1 || day.getUTCDate() !== d) return undefined;
  if (h! > 23 || mi! > 59 || sec! > 59) return undefined;
  const t = Date.parse(m[4] && !m[7] ? `${s}Z` : s);
  if (Number.isNaN(t) || t < TIME_LIMITS.earliest || t > TIME_LIMITS.latest) return undefined;
  return t;
}

export const TIME_FORMAT = 'an ISO 8601 date or date-time between 1970 and 2200, e.g. 2026-10-01 or 2026-10-01T12:00:00Z';

export function checkRunRequest(cfg: LoadedConfig, req: RunRequest): Issue[] {
  const issues: Issue[] = [];
  const kpiNames = cfg.kpis.map((k) => k.name);
  (req.kpis ?? []).forEach((k, i) => {
    if (!kpiNames.includes(k)) issues.push({ path: ['kpis', i], message: `unknown KPI ${JSON.stringify(k)}; KPIs are: ${kpiNames.join(', ')}` });
  });
  (req.families ?? []).forEach((f, i) => {
    if (!(FAMILIES as readonly string[]).includes(f)) issues.push({ path: ['families', i], message: `unknown family ${JSON.stringify(f)}; families are: ${FAMILIES.join(', ')}` });
  });
  for (const [f, p] of Object.entries(req.params ?? {})) {
    if (!(FAMILIES as readonly string[]).includes(f)) {
      issues.push({ path: ['params', f], message: `unknown family ${JSON.stringify(f)}; families are: ${FAMILIES.join(', ')}` });
      continue;
    }
    if (req.families?.length && !req.families.includes(f as Family)) {
      issues.push({ path: ['params', f], message: `parameters for ${f}, which is not among the requested families (${req.families.join(', ')})` });
    }
    const r = TEMPLATES[f as Family].params.safeParse(p ?? {});
    if (!r.success) for (const i of r.error.issues) issues.push({ path: ['params', f, ...(i.path as (string | number)[])], message: i.message });
  }
  const from = parseTime(req.from);
  const to = parseTime(req.to);
  if (req.from !== undefined && from === undefined) issues.push({ path: ['from'], message: `expected ${TIME_FORMAT}` });
  if (req.to !== undefined && to === undefined) issues.push({ path: ['to'], message: `expected ${TIME_FORMAT}` });
  if (from !== undefined && to !== undefined && from >= to) issues.push({ path: ['to'], message: `must be after from (${req.from})` });
  if (from !== undefined && to !== undefined && to - from > TIME_LIMITS.maxWindowDays * 86_400_000) {
    issues.push({ path: ['to'], message: `the window is longer than the ${TIME_LIMITS.maxWindowDays} days a run may analyze` });
  }
  (req.filters ?? []).forEach((f, i) => {
    const attrs = cfg.dataset.events.attributes;
    if (!attrs.includes(f.attribute)) issues.push({ path: ['filters', i, 'attribute'], message: `unknown attribute ${JSON.stringify(f.attribute)}; attributes are: ${attrs.join(', ') || '(none configured)'}` });
  });
  if (req.planner === 'llm' && !cfg.planner.llm) issues.push({ path: ['planner'], message: 'the LLM planner is not configured (planner.llm in the config)' });
  return issues;
}

/**
 * Checks of a run request against the data (an inspection of the whole range): every event, attribute and context
 * name in its parameters exists, and the window holds data; a request failing either would run and find nothing.
 * A window that overlaps the data only in part is fair (a dashboard's "last 7 days" on data that ends yesterday):
 * the run analyzes the overlap, as only those events exist.
 */
export function checkAgainstData(req: RunRequest, d: Dataset): Issue[] {
  const issues: Issue[] = [];
  const from = parseTime(req.from) ?? -Infinity;
  const to = parseTime(req.to) ?? Infinity;
  if (from >= d.range.to || to <= d.range.from) {
    const iso = (ms: number) => new Date(ms).toISOString();
    issues.push({
      path: [from >= d.range.to ? 'from' : 'to'],
      message: `the window holds no data: the data covers ${iso(d.range.from)} to ${iso(d.range.to)}; choose a window that overlaps it`,
    });
  }
  for (const [f, p] of Object.entries(req.params ?? {})) {
    if (!(FAMILIES as readonly string[]).includes(f) || !p) continue;
    for (const i of unknownParamNames(f as Family, p, d)) issues.push({ path: ['params', f, ...i.path], message: i.message });
  }
  return issues;
}
