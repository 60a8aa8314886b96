import type { PlanItem } from '../compile/dag';
import type { Dataset } from '../dataset/inspect';
import { FAMILIES, TEMPLATES } from '../templates/catalog';
import { unavailableFamilies } from './availability';
import { applyFeedback } from './feedback';
import type { Plan, PlanRequest } from './types';

const words = (s: string) => new Set(s.toLowerCase().match(/[a-z0-9_]+/g) ?? []);

/**
 * English function words: they say nothing about a KPI, yet "the" in a KPI's description would match "the" in any
 * prompt. Dropped from the prompt and from every KPI's vocabulary before stemming ("this" would stem to "thi").
 */
const STOPWORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between ' +
    'both but by can could did do does doing done down during each either few for from further had has have having ' +
    'he her here hers him his how i if in into is it its itself just may me might more most must my no nor not of ' +
    'off on once only or other our ours out over own per same shall she should so some such than that the their ' +
    'theirs them then there these they this those through to too under until up upon us very via was we were what ' +
    'when where which while who whom whose why will with within without would yet you your yours'
  ).split(' ')
);
const contentWords = (s: string) => [...words(s)].filter((w) => w.length >= 3 && !STOPWORDS.has(w));

/** Words an operator uses for each kind of KPI, besides the KPI's own name and description. */
const KIND_WORDS: Record<string, string[]> = {
  funnel: ['fail', 'failure', 'drop', 'abandon', 'conversion', 'convert', 'complete', 'funnel'],
  failure_events: ['fail', 'failure', 'error', 'crash', 'broken'],
  failure_when: ['fail', 'failure', 'error', 'broken'],
  numeric: ['slow', 'latency', 'time', 'duration', 'load', 'fast'],
};

/**
 * KPIs the prompt is about. A KPI named exactly in the prompt ("payment_conversion on android") wins outright.
 * Otherwise each KPI's vocabulary is its name and description (weight 2) and its kind's words
 * (weight 1); a prompt word counts by that weight times how specific it is (log(1 + KPIs / KPIs using it)), so "payment failures" picks the payment KPI,
 * not every KPI with "failure" in it. The best-scoring KPIs win; none matching means every KPI (`named` false).
 */
export function kpisForPrompt(d: Dataset, prompt: string | undefined): { kpis: string[]; why: string; named: boolean } {
  const all = d.kpis.map((k) => k.kpi.name);
  if (!prompt?.trim()) return { kpis: all, why: 'no prompt: every KPI', named: false };
  const said = words(prompt);
  const exact = all.filter((k) => said.has(k.toLowerCase()));
  if (exact.length) return { kpis: exact, why: exact.map((k) => `${k} (named in the prompt)`).join('; '), named: true };
  const stem = (w: string) => w.replace(/(sh|ch|ss|x)es$/, '$1').replace(/(ing|ions?|s|ed|ures?)$/, '');
  const pstems = new Set(contentWords(prompt).map(stem).filter((w) => w.length >= 3));
  // stem → [word, weight]: the KPI's own words count twice its kind's generic words.
  const vocab = d.kpis.map((k) => {
    const m = new Map<string, [string, number]>();
    for (const w of KIND_WORDS[k.kind] ?? []) m.set(stem(w), [w, 1]);
    for (const w of [...contentWords(k.kpi.name.replace(/_/g, ' ')), ...contentWords(k.kpi.description)]) m.set(stem(w), [w, 2]);
    return m;
  });
  const df = new Map<string, number>();
  vocab.forEach((v) => v.forEach((_, st) => df.set(st, (df.get(st) ?? 0) + 1)));
  const scored = d.kpis.map((k, i) => {
    const hits = [...vocab[i]!.keys()].filter((st) => pstems.has(st));
    const score = hits.reduce((acc, st) => acc + vocab[i]!.get(st)![1] * Math.log(1 + d.kpis.length / df.get(st)!), 0);
    return { name: k.kpi.name, hits: hits.map((st) => vocab[i]!.get(st)![0]), score };
  });
  const max = Math.max(...scored.map((s) => s.score));
  if (!(max > 0)) return { kpis: all, why: 'the prompt names no KPI: every KPI', named: false };
  const best = scored.filter((s) => s.score >= max * 0.999);
  return { kpis: best.map((s) => s.name), why: best.map((s) => `${s.name} (prompt mentions ${s.hits.join(', ')})`).join('; '), named: true };
}

/**
 * The planner without an LLM: every family the dataset supports (testing all of them is cheap, one merged
 * computation), for the KPIs the prompt is about; the prompt's words explain the order and the reasons.
 */
export function deterministicPlan(d: Dataset, req: PlanRequest): Plan {
  const notes: string[] = [];
  let kpis: string[];
  if (req.kpis?.length) {
    const unknown = req.kpis.filter((k) => !d.kpis.some((x) => x.kpi.name === k));
    if (unknown.length) throw new Error(`unknown KPI ${unknown.join(', ')}; KPIs are: ${d.kpis.map((k) => k.kpi.name).join(', ')}`);
    kpis = req.kpis;
    notes.push(`KPIs chosen by the request: ${kpis.join(', ')}`);
  } else {
    const r = kpisForPrompt(d, req.prompt);
    kpis = r.kpis;
    notes.push(`KPIs: ${r.why}`);
  }
  const unavailable = unavailableFamilies(d);
  const families = req.families?.length ? req.families : [...FAMILIES];
  const items: PlanItem[] = [];
  for (const f of families) {
    const why = unavailable[f];
    if (why) {
      notes.push(`${f} skipped: ${why}`);
      continue;
    }
    const asks = TEMPLATES[f].words;
    const mentioned = req.prompt && asks.test(req.prompt);
    items.push({
      template: f,
      params: req.params?.[f] ?? {},
      kpis,
      reason: mentioned ? `the prompt asks about ${asks.exec(req.prompt!)![0]}` : req.families?.length ? 'requested' : 'every family is tested by default',
    });
  }
  // Families the prompt mentions go first: same results, but the plan reads in the operator's terms.
  items.sort((a, b) => Number(b.reason.startsWith('the prompt')) - Number(a.reason.startsWith('the prompt')));
  if (req.feedback) return { planner: 'deterministic', kpis, items: applyFeedback(items, req.feedback, notes), notes };
  return { planner: 'deterministic', kpis, items, notes };
}
