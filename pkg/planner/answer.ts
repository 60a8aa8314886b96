/** The model's answer checked: every template, KPI and parameter against the catalog and the data. */
import type { PlanItem } from '../compile/dag';
import type { Dataset } from '../dataset/inspect';
import { canonicalJson, type Family } from '../templates/types';
import { FAMILIES } from '../templates/catalog';
import { unavailableFamilies } from './availability';
import { withFeedback } from './feedback';
import { repairParams, resolveName } from './params';
import { isRecord, norm, oneLine, show } from './text';
import type { FeedbackSummary, Plan, PlanRequest } from './types';

/** Caps on what the model may ask for: items and the length of a reason. */
const MAX_ITEMS = 32;
const MAX_REASON = 300;

/**
 * The model's answer → validated items and KPIs, with a note for every repair or drop. Returns no items when
 * nothing valid is left (the caller then falls back to the deterministic plan).
 */
export function validateAnswer(
  d: Dataset,
  req: PlanRequest,
  answer: unknown,
  base: Plan,
  feedback?: FeedbackSummary,
): { kpis: string[]; items: PlanItem[]; notes: string[]; modelNotes?: string } {
  const notes: string[] = [];
  const allKpis = d.kpis.map((k) => k.kpi.name);
  if (!isRecord(answer)) return { kpis: base.kpis, items: [], notes: [`the answer is ${show(answer)}, not a JSON object`] };
  const extra = Object.keys(answer).filter((k) => !['kpis', 'items', 'notes'].includes(k));
  if (extra.length) notes.push(`ignored fields of the answer: ${oneLine(extra.join(', '), 120)}`);

  const resolveKpis = (raw: unknown, where: string, allowed: string[]): string[] => {
    const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
    const out: string[] = [];
    for (const k of list) {
      if (typeof k !== 'string') {
        notes.push(`${where}: ${show(k)} is not a KPI name; dropped`);
        continue;
      }
      const r = resolveName(k, allKpis);
      if (r.name === null) {
        notes.push(`${where}: unknown ${show(k)} dropped${r.suggestion ? ` (did you mean ${r.suggestion}?)` : ''}`);
        continue;
      }
      if (!allowed.includes(r.name)) {
        notes.push(`${where}: ${r.name} dropped (the operator asked for ${allowed.join(', ')})`);
        continue;
      }
      if (r.name !== k) notes.push(`${where}: ${show(k)} read as ${r.name}`);
      if (!out.includes(r.name)) out.push(r.name);
    }
    return out;
  };

  // Plan KPIs: the operator's when given; else the model's valid ones; else the deterministic planner's choice.
  const fixedKpis = req.kpis?.length ? req.kpis : null;
  let kpis: string[];
  if (fixedKpis) {
    kpis = [...fixedKpis];
    const asked = resolveKpis(answer.kpis, 'kpis', allKpis).filter((k) => !fixedKpis.includes(k));
    if (asked.length) notes.push(`kpis: ${asked.join(', ')} not used (the operator asked for ${fixedKpis.join(', ')})`);
  } else {
    kpis = resolveKpis(answer.kpis, 'kpis', allKpis);
    if (!kpis.length) {
      kpis = [...base.kpis];
      notes.push(`kpis: none valid in the answer; the deterministic planner's choice used: ${kpis.join(', ')}`);
    }
  }

  const unavailable = unavailableFamilies(d);
  const families = req.families?.length ? req.families : [...FAMILIES];
  const rawItems = Array.isArray(answer.items) ? answer.items : [];
  if (!Array.isArray(answer.items)) notes.push(`the answer has no list of items (${show(answer.items)})`);
  if (rawItems.length > MAX_ITEMS) notes.push(`items: ${rawItems.length} given, the first ${MAX_ITEMS} read`);
  const items: PlanItem[] = [];
  const seen = new Map<string, PlanItem>();
  rawItems.slice(0, MAX_ITEMS).forEach((it, i) => {
    const n = i + 1;
    if (!isRecord(it)) {
      notes.push(`dropped item ${n}: ${show(it)} is not an object`);
      return;
    }
    const t = it.template;
    let f: Family | undefined;
    if (typeof t === 'string') {
      f = (FAMILIES as readonly string[]).includes(t) ? (t as Family) : FAMILIES.find((x) => norm(x) === norm(t));
      if (f && f !== t) notes.push(`item ${n}: template ${show(t)} read as ${f}`);
    }
    if (!f) {
      notes.push(`dropped item ${n}: unknown template ${show(t)}`);
      return;
    }
    if (!families.includes(f)) {
      notes.push(`dropped item ${n}: ${f} is not among the requested families (${families.join(', ')})`);
      return;
    }
    const why = unavailable[f];
    if (why) {
      notes.push(`dropped item ${n}: ${f} is unavailable on this dataset (${why})`);
      return;
    }
    const extraKeys = Object.keys(it).filter((k) => !['template', 'params', 'kpis', 'reason'].includes(k));
    if (extraKeys.length) notes.push(`item ${n}: ignored fields ${oneLine(extraKeys.join(', '), 120)}`);
    const where = `item ${n} ${f}`;
    let rawParams = it.params;
    const op = req.params?.[f];
    if (op) {
      rawParams = { ...(isRecord(rawParams) ? rawParams : {}), ...op };
      notes.push(`${where}: the operator's parameters ${Object.keys(op).join(', ')} applied over the model's`);
    }
    const params = repairParams(f, rawParams, d, where, notes);
    let itemKpis = resolveKpis(it.kpis, `${where} kpis`, fixedKpis ?? allKpis);
    if (!itemKpis.length) {
      if (it.kpis !== undefined && !(Array.isArray(it.kpis) && it.kpis.length === 0)) notes.push(`${where}: no valid KPI; the plan's KPIs used`);
      itemKpis = [...kpis];
    }
    for (const k of itemKpis) {
      if (!kpis.includes(k)) {
        kpis.push(k);
        notes.push(`kpis: ${k} added (item ${n} tests it)`);
      }
    }
    const reasonText = typeof it.reason === 'string' ? oneLine(it.reason, MAX_REASON) : '';
    const reason = withFeedback(reasonText || 'chosen by the LLM planner', feedback, f);
    const key = canonicalJson({ f, params });
    const dup = seen.get(key);
    if (dup) {
      dup.kpis = [...new Set([...dup.kpis, ...itemKpis])];
      notes.push(`item ${n}: same template and parameters as an earlier item; merged`);
      return;
    }
    const item: PlanItem = { template: f, params, kpis: itemKpis, reason };
    seen.set(key, item);
    items.push(item);
  });
  const modelNotes = typeof answer.notes === 'string' && answer.notes.trim() ? oneLine(answer.notes, 500) : undefined;
  return { kpis, items, notes, modelNotes };
}
