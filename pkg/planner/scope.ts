/**
 * Scope from the prompt (issue 14): attribute values the prompt names become filters ("android" → os_version in
 * android_13, android_14), time phrases set the window ("this week" → the last 7 days of data), and the plan says
 * which words it used and which it ignored. Shared by both planners: the scope is settled before either plans.
 */
import type { Dataset } from '../dataset/inspect';
import type { Executor } from '../execute/executor';
import { quoteIdent } from '../execute/sql';
import type { PlanScope } from './types';

export interface ScopeFilter {
  attribute: string;
  values: string[];
}

export interface Scope {
  filters: ScopeFilter[];
  /** Window in epoch ms from a time phrase; absent when the prompt names no time. */
  from?: number;
  to?: number;
  /** Each phrase the scope took, and what it became. */
  used: Array<{ phrase: string; as: string }>;
}

/** Values of each attribute in the data (most groups first), for matching prompt words. */
export type AttributeValues = Array<{ attribute: string; values: string[] }>;

const DAY = 86_400_000;
const NUMBER_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, ten: 10, fourteen: 14, thirty: 30 };
const UNIT_DAYS: Record<string, number> = { hour: 1 / 24, day: 1, week: 7, month: 30 };

/**
 * A time phrase as a window ending at the data's end (`dataTo`): "today", "yesterday", "this/last/past week",
 * "last 3 days", "past 24 hours", "this month". Relative to the data, not the clock, so a dataset that ends last
 * week still has a "this week".
 */
export function timeFromPrompt(prompt: string, dataTo: number): { phrase: string; from: number; to: number; days: number } | undefined {
  const p = prompt.toLowerCase();
  const n = '(\\d+|' + Object.keys(NUMBER_WORDS).join('|') + ')';
  const counted = new RegExp(`\\b(?:last|past|previous)\\s+${n}\\s+(hour|day|week|month)s?\\b`).exec(p);
  if (counted) {
    const k = Number(counted[1]) || NUMBER_WORDS[counted[1]!]!;
    const days = k * UNIT_DAYS[counted[2]!]!;
    return { phrase: counted[0], from: dataTo - days * DAY, to: dataTo, days };
  }
  const single = /\b(today|yesterday|(?:this|last|past|previous)\s+(hour|day|week|month)|(?:24|twenty-four)\s+hours)\b/.exec(p);
  if (!single) return undefined;
  const phrase = single[0];
  if (phrase === 'yesterday') return { phrase, from: dataTo - 2 * DAY, to: dataTo - DAY, days: 1 };
  const days = phrase === 'today' || /hours$/.test(phrase) ? 1 : UNIT_DAYS[single[2]!]!;
  return { phrase, from: dataTo - days * DAY, to: dataTo, days };
}

/** Values of each attribute a prompt word names: the whole value, or its first token ("android" of android_14). */
export function filtersFromPrompt(prompt: string, attrs: AttributeValues): Array<ScopeFilter & { phrase: string }> {
  const words = prompt.match(/[A-Za-z0-9_.-]+/g) ?? [];
  const out: Array<ScopeFilter & { phrase: string }> = [];
  for (const { attribute, values } of attrs) {
    for (const w of words) {
      const lw = w.toLowerCase();
      // Short values (country codes: US, IN, DE, ID) collide with English words: they match only as written.
      const hit = values.filter((v) =>
        v.length <= 2 ? w === v : lw === v.toLowerCase() || (lw.length >= 3 && lw === v.toLowerCase().split(/[_\s.-]/)[0]),
      );
      if (!hit.length) continue;
      const f = out.find((x) => x.attribute === attribute);
      if (f) f.values = [...new Set([...f.values, ...hit])];
      else out.push({ attribute, values: hit, phrase: w });
    }
  }
  return out;
}

/** The prompt's scope over a dataset: filters from attribute values, a window from a time phrase. */
export function scopeFromPrompt(prompt: string | undefined, attrs: AttributeValues, dataTo: number): Scope {
  const scope: Scope = { filters: [], used: [] };
  if (!prompt?.trim()) return scope;
  for (const f of filtersFromPrompt(prompt, attrs)) {
    scope.filters.push({ attribute: f.attribute, values: f.values });
    scope.used.push({ phrase: f.phrase, as: `${f.attribute} in ${f.values.join(', ')}` });
  }
  const t = timeFromPrompt(prompt, dataTo);
  if (t) {
    scope.from = t.from;
    scope.to = t.to;
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    scope.used.push({ phrase: t.phrase, as: `the last ${t.days >= 1 ? `${t.days} days` : `${Math.round(t.days * 24)} hours`} of data (${day(t.from)} – ${day(t.to)})` });
  }
  return scope;
}

const STOP = new Set(
  'a an and are as at be by can do does for from how i in is it me my of on or our show tell that the their there these this to was we what when where which who why will with you your any anything something find look looking make makes made get gets'.split(' '),
);

/** Prompt words no part of the plan used: not a scope phrase, not a KPI's word, not a family's word. */
export function ignoredWords(prompt: string | undefined, used: string[]): string[] {
  const usedWords = new Set(used.flatMap((u) => u.toLowerCase().match(/[a-z0-9_]+/g) ?? []));
  const stem = (w: string) => w.replace(/(ing|ed|ly|s)$/, '');
  const usedStems = new Set([...usedWords].map(stem));
  const out: string[] = [];
  for (const w of (prompt ?? '').toLowerCase().match(/[a-z0-9_]+/g) ?? []) {
    // "failures" counts as used when the plan used "fail" (a KPI kind's word): a used word of 4+ letters it starts with.
    const prefixed = [...usedWords].some((u) => u.length >= 4 && w.startsWith(u));
    if (w.length < 3 || STOP.has(w) || usedWords.has(w) || usedStems.has(stem(w)) || prefixed || out.includes(w)) continue;
    out.push(w);
  }
  return out;
}

/** The 50 values with most events of each attribute in the window (one scan). */
export async function attributeValues(ex: Executor, d: Dataset, signal?: AbortSignal): Promise<AttributeValues> {
  if (!d.spec.attributes.length) return [];
  const pairs = d.spec.attributes.map((a, i) => `(${i}, toString(${quoteIdent(a)}))`).join(', ');
  const rows = await ex.query<{ i: number; v: string }>(
    `SELECT p.1 AS i, p.2 AS v FROM (SELECT arrayJoin([${pairs}]) AS p FROM ${d.events.from} WHERE ${d.timeMs} >= {av_from:Int64} AND ${d.timeMs} < {av_to:Int64})
     GROUP BY i, v ORDER BY i, count() DESC LIMIT 50 BY i`,
    { ...d.events.params, av_from: d.range.from, av_to: d.range.to },
    { label: 'scope: attribute values', signal },
  );
  return d.spec.attributes.map((attribute, i) => ({ attribute, values: rows.filter((r) => Number(r.i) === i).map((r) => String(r.v)) }));
}

/**
 * The run's dataset and scope: the request's filters when it gives them (even none), else the prompt's; the
 * prompt's time phrase sets the window only when the request gives no from/to. Inspects again for a new window.
 */
export async function settleScope(
  ex: Executor,
  inspect: (w: { from?: number; to?: number }) => Promise<Dataset>,
  req: { prompt?: string; filters?: ScopeFilter[]; from?: number; to?: number },
  signal?: AbortSignal,
): Promise<{ d: Dataset; scope: Scope }> {
  let d = await inspect({ from: req.from, to: req.to });
  let scope: Scope = { filters: req.filters ?? [], used: [] };
  if (req.filters !== undefined && req.prompt?.trim()) {
    // A stated scope (the app sends the chips the user kept): the prompt's words still explain the parts they match.
    const said = scopeFromPrompt(req.prompt, await attributeValues(ex, d, signal), d.range.to);
    const same = (a: ScopeFilter, b: ScopeFilter) => a.attribute === b.attribute && [...a.values].sort().join() === [...b.values].sort().join();
    const kept = said.filters.filter((f) => scope.filters.some((g) => same(f, g)));
    const timeKept = said.from !== undefined && said.from === req.from && said.to === req.to;
    scope.used = said.used.filter((u) => kept.some((f) => u.as === `${f.attribute} in ${f.values.join(', ')}`) || (timeKept && u.as.includes(' of data (')));
    if (timeKept) Object.assign(scope, { from: said.from, to: said.to });
  }
  if (req.filters === undefined) {
    scope = scopeFromPrompt(req.prompt, await attributeValues(ex, d, signal), d.range.to);
    if (scope.from !== undefined && (req.from !== undefined || req.to !== undefined)) {
      // The request's own window wins over a time phrase.
      scope.used = scope.used.filter((u) => !u.as.includes(' of data ('));
      delete scope.from;
      delete scope.to;
    }
    if (scope.from !== undefined) d = await inspect({ from: scope.from, to: scope.to });
  }
  d.filters = scope.filters;
  return { d, scope };
}

/** The scope as the plan shows it: filters, window, words used, and the prompt words no part of the plan used. */
export function planScope(scope: Scope, d: Dataset, prompt: string | undefined, plan: { kpis: string[]; notes: string[]; items: Array<{ reason: string }> }): PlanScope {
  const kpiText = d.kpis.filter((k) => plan.kpis.includes(k.kpi.name)).map((k) => `${k.kpi.name.replace(/_/g, ' ')} ${k.kpi.description}`);
  const used = [...scope.used.map((u) => u.phrase), ...plan.notes, ...plan.items.map((i) => i.reason), ...kpiText];
  return {
    filters: scope.filters,
    ...(scope.from !== undefined ? { from: new Date(scope.from).toISOString(), to: new Date(scope.to!).toISOString() } : {}),
    used: scope.used,
    ignored: ignoredWords(prompt, used),
  };
}
