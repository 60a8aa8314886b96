/** Checks of a run request against the config and the template catalog, each problem with its field path. */
import type { LoadedConfig } from '../config/load';
import { TEMPLATES } from '../templates/catalog';
import { FAMILIES, type Family } from '../templates/types';
import type { RunRequest } from '../store/types';

export interface Issue {
  path: (string | number)[];
  message: string;
}

export function parseTime(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

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
  if (req.from !== undefined && from === undefined) issues.push({ path: ['from'], message: `not a date-time: ${JSON.stringify(req.from)}` });
  if (req.to !== undefined && to === undefined) issues.push({ path: ['to'], message: `not a date-time: ${JSON.stringify(req.to)}` });
  if (from !== undefined && to !== undefined && from >= to) issues.push({ path: ['to'], message: `must be after from (${req.from})` });
  (req.filters ?? []).forEach((f, i) => {
    const attrs = cfg.dataset.events.attributes;
    if (!attrs.includes(f.attribute)) issues.push({ path: ['filters', i, 'attribute'], message: `unknown attribute ${JSON.stringify(f.attribute)}; attributes are: ${attrs.join(', ') || '(none configured)'}` });
  });
  if (req.planner === 'llm' && !cfg.planner.llm) issues.push({ path: ['planner'], message: 'the LLM planner is not configured (planner.llm in the config)' });
  return issues;
}
