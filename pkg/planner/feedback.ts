/**
 * Earlier triage as the planners read it: one summary per family (familyFeedback), one score to order families
 * by (feedbackScore), the phrase a reason quotes (feedbackPhrase), and the plan order it implies (applyFeedback).
 */
import type { PlanItem } from '../compile/dag';
import type { Family } from '../templates/types';
import type { FeedbackSummary } from './types';

export interface FamilyFeedback {
  useful: number;
  dismissed: number;
  meanEffect?: number;
  topDismissedRegion?: string;
}

/** A family's triage totals over its `family` and `family:region` keys, and the region dismissed most. */
export function familyFeedback(fb: FeedbackSummary | undefined, f: Family): FamilyFeedback {
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

/** Useful minus dismissed: the order in which the LLM planner appends the families the model left out. */
export function feedbackScore(fb: FeedbackSummary | undefined, f: Family): number {
  const s = familyFeedback(fb, f);
  return s.useful - s.dismissed;
}

const times = (n: number) => (n === 1 ? 'once' : `${n} times`);

/** "family static was marked useful 3 times, dismissed once (mean effect 1.80)", or null without feedback. */
export function feedbackPhrase(fb: FeedbackSummary | undefined, f: Family): string | null {
  if (!fb) return null;
  const s = familyFeedback(fb, f);
  if (!s.useful && !s.dismissed && s.meanEffect === undefined) return null;
  const parts = [`family ${f} was marked useful ${times(s.useful)}`];
  if (s.dismissed) parts.push(`dismissed ${times(s.dismissed)}`);
  const eff = s.meanEffect !== undefined ? ` (mean effect ${s.meanEffect.toFixed(2)})` : '';
  return `${parts.join(', ')}${eff}`;
}

/** A reason with the family's earlier triage appended, once. */
export function withFeedback(reason: string, fb: FeedbackSummary | undefined, f: Family): string {
  const p = feedbackPhrase(fb, f);
  return p && !reason.includes(p) ? `${reason}; earlier triage: ${p}` : reason;
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
