import type { PlanItem } from '../compile/dag';
import type { Dataset } from '../dataset/inspect';
import { attributeColumns } from '../compile/sessionize';
import { TEMPLATES } from '../templates/catalog';
import { FAMILIES, type Family } from '../templates/types';
import type { FeedbackSummary } from './llm';

export interface PlanRequest {
  prompt?: string;
  kpis?: string[];
  families?: Family[];
  /** Per-family parameter overrides. */
  params?: Partial<Record<Family, Record<string, unknown>>>;
  /** Earlier triage and effect sizes (see applyFeedback); the LLM planner takes it as its own option. */
  feedback?: FeedbackSummary;
}

export interface Plan {
  planner: 'deterministic' | 'llm';
  kpis: string[];
  items: PlanItem[];
  notes: string[];
  /** Set when the LLM planner was asked but its plan was not used: why (timeout, unreachable, no valid item…). */
  fallback?: string;
  /** What the run analysed and which prompt words made it so (set by the run, for either planner). */
  scope?: PlanScope;
}

export interface PlanScope {
  filters: Array<{ attribute: string; values: string[] }>;
  from?: string;
  to?: string;
  used: Array<{ phrase: string; as: string }>;
  ignored: string[];
}

const FAMILY_WORDS: Record<Family, RegExp> = {
  ngram: /\b(sequence|n-?gram|steps?|journey|flow|path)s?\b/i,
  ordered_pattern: /\b(pattern|sequence|then|followed|after|before|journey|funnel)s?\b/i,
  absence: /\b(missing|absent|absence|never|without|skipped?|drop-?off)\b/i,
  lifecycle: /\b(returning|first[- ]time|new users?|lifecycle|second|repeat|came back|churn|away)\b/i,
  indirect: /\b(night|day|hour|weekend|weekday|version|morning|evening|time of day)s?\b/i,
  static: /\b(country|countries|device|os|platform|version|region|browser|segment)s?\b/i,
  stateful: /\b(retr(y|ies)|count|many|long|duration|length|buffering|slow|time between)\b/i,
  nonlocal: /\b(cpu|backend|spike|load|outage|incident|context|infrastructure|server)s?\b/i,
};

const words = (s: string) => new Set(s.toLowerCase().match(/[a-z0-9_]+/g) ?? []);

/** KPIs the prompt is about: names or description words shared with the prompt; all when none match. */
/** Words an operator uses for each kind of KPI, besides the KPI's own name and description. */
const KIND_WORDS: Record<string, string[]> = {
  funnel: ['fail', 'failure', 'drop', 'abandon', 'conversion', 'convert', 'complete', 'funnel'],
  failure_events: ['fail', 'failure', 'error', 'crash', 'broken'],
  failure_when: ['fail', 'failure', 'error', 'broken'],
  numeric: ['slow', 'latency', 'time', 'duration', 'load', 'fast'],
};

/**
 * KPIs the prompt is about. Each KPI's vocabulary is its name and description (weight 2) and its kind's words
 * (weight 1); a prompt word counts by that weight times how specific it is (log(1 + KPIs / KPIs using it)), so "payment failures" picks the payment KPI,
 * not every KPI with "failure" in it. The best-scoring KPIs win; none matching means every KPI.
 */
export function kpisForPrompt(d: Dataset, prompt: string | undefined): { kpis: string[]; why: string } {
  const all = d.kpis.map((k) => k.kpi.name);
  if (!prompt?.trim()) return { kpis: all, why: 'no prompt: every KPI' };
  const stem = (w: string) => w.replace(/(sh|ch|ss|x)es$/, '$1').replace(/(ing|ions?|s|ed|ures?)$/, '');
  const pstems = new Set([...words(prompt)].map(stem).filter((w) => w.length >= 3));
  // stem → [word, weight]: the KPI's own words count twice its kind's generic words.
  const vocab = d.kpis.map((k) => {
    const m = new Map<string, [string, number]>();
    for (const w of KIND_WORDS[k.kind] ?? []) m.set(stem(w), [w, 1]);
    for (const w of [...words(k.kpi.name.replace(/_/g, ' ')), ...words(k.kpi.description)]) if (w.length >= 3) m.set(stem(w), [w, 2]);
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
  if (!(max > 0)) return { kpis: all, why: 'the prompt names no KPI: every KPI' };
  const best = scored.filter((s) => s.score >= max * 0.999);
  return { kpis: best.map((s) => s.name), why: best.map((s) => `${s.name} (prompt mentions ${s.hits.join(', ')})`).join('; ') };
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
  const avail = {
    hasUser: Boolean(d.spec.user),
    contexts: d.contexts.map((c) => ({ name: c.spec.name })) as never,
    attributes: attributeColumns(d),
  };
  const families = req.families?.length ? req.families : [...FAMILIES];
  const items: PlanItem[] = [];
  for (const f of families) {
    const why = TEMPLATES[f].unavailable(avail);
    if (why) {
      notes.push(`${f} skipped: ${why}`);
      continue;
    }
    const mentioned = req.prompt && FAMILY_WORDS[f].test(req.prompt);
    items.push({
      template: f,
      params: req.params?.[f] ?? {},
      kpis,
      reason: mentioned ? `the prompt asks about ${FAMILY_WORDS[f].exec(req.prompt!)![0]}` : req.families?.length ? 'requested' : 'every family is tested by default',
    });
  }
  // Families the prompt mentions go first: same results, but the plan reads in the operator's terms.
  items.sort((a, b) => Number(b.reason.startsWith('the prompt')) - Number(a.reason.startsWith('the prompt')));
  if (req.feedback) return { planner: 'deterministic', kpis, items: applyFeedback(items, req.feedback, notes), notes };
  return { planner: 'deterministic', kpis, items, notes };
}

/** A family's triage totals over its `family` and `family:region` keys, and the region dismissed most. */
export function familyFeedback(fb: FeedbackSummary | undefined, f: Family): { useful: number; dismissed: number; meanEffect?: number; topDismissedRegion?: string } {
  let useful = 0;
  let dismissed = 0;
  const effects: number[] = [];
  let top: { region: string; n: number } | undefined;
  for (const [key, v] of Object.entries(fb?.byFamily ?? {})) {
    if (key !== f && !key.startsWith(`${f}:`)) continue;
    const u = Number.isFinite(v.useful) ? v.useful : 0;
    const d = Number.isFinite(v.dismissed) ? v.dismissed : 0;
    useful += u;
    dismissed += d;
    if (typeof v.meanEffect === 'number' && Number.isFinite(v.meanEffect)) effects.push(v.meanEffect);
    if (key !== f && d > 0 && (!top || d > top.n)) top = { region: key.slice(f.length + 1), n: d };
  }
  return {
    useful,
    dismissed,
    meanEffect: effects.length ? effects.reduce((a, b) => a + b, 0) / effects.length : undefined,
    topDismissedRegion: top?.region,
  };
}

/** Dismissed this many times with none useful, a family goes last. */
export const DISMISSED_LAST = 3;

/**
 * Earlier triage on the plan: families operators marked useful go first ("marked useful N times"), families with
 * only dismissals (at least DISMISSED_LAST, none useful) go last ("operators dismissed N leads from this family"),
 * and the mean effect of a family's earlier leads is named in its reason. Within each of the three groups the
 * order is kept. No family is dropped: one merged computation tests them all, and a family that was dismissed
 * can still hold a new lead; the order is what the operator reads first and what the LLM planner is told.
 */
export function applyFeedback(items: PlanItem[], feedback: FeedbackSummary | undefined, notes?: string[]): PlanItem[] {
  if (!feedback || !Object.keys(feedback.byFamily ?? {}).length) return items;
  const times = (n: number) => (n === 1 ? 'once' : `${n} times`);
  const ranked = items.map((item, order) => {
    const fb = familyFeedback(feedback, item.template);
    const why: string[] = [];
    let group = 1;
    if (fb.useful > 0) {
      group = 0;
      why.push(`marked useful ${times(fb.useful)}${fb.dismissed ? `, dismissed ${times(fb.dismissed)}` : ''}`);
    } else if (fb.dismissed >= DISMISSED_LAST) {
      group = 2;
      why.push(`operators dismissed ${fb.dismissed} leads from this family${fb.topDismissedRegion ? ` (most in ${fb.topDismissedRegion})` : ''}`);
    } else if (fb.dismissed > 0) {
      why.push(`dismissed ${times(fb.dismissed)}`);
    }
    if (fb.meanEffect !== undefined) why.push(`earlier leads of this family: mean effect ${(fb.meanEffect * 100).toFixed(0)}% vs the rest`);
    return { item: why.length ? { ...item, reason: `${item.reason}; ${why.join('; ')}` } : item, order, group };
  });
  ranked.sort((a, b) => a.group - b.group || a.order - b.order);
  const first = ranked.filter((r) => r.group === 0).map((r) => r.item.template);
  const last = ranked.filter((r) => r.group === 2).map((r) => r.item.template);
  if (notes) {
    if (first.length) notes.push(`earlier triage: ${first.join(', ')} first (marked useful)`);
    if (last.length) notes.push(`earlier triage: ${last.join(', ')} last (only dismissed)`);
  }
  return ranked.map((r) => r.item);
}
