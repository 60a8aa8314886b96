/**
 * The feedback loop: what operators said about earlier leads (useful / dismissed) and how strong earlier leads
 * were, per family and parameter region, as the planners' `FeedbackSummary`.
 */
import type { FeedbackSummary } from '../planner/types';

/** Earlier leads of one family and parameter region: triage counts and their mean relative effect. */
export interface FeedbackRow {
  template: string;
  region: string;
  leads: number;
  useful: number;
  dismissed: number;
  /** Mean |KPI cohort − KPI rest| / KPI rest of the region's leads, or null. */
  mean_effect: number | null;
}

/**
 * Keys of `byFamily` are `family:region` only (never a bare family), so the planners' sums over a family's keys
 * count each lead once. Regions with leads but no triage still carry their mean effect (a prior from effect sizes).
 */
export function buildFeedback(rows: FeedbackRow[], examples: { useful: string[]; dismissed: string[] } = { useful: [], dismissed: [] }): FeedbackSummary | undefined {
  const byFamily: FeedbackSummary['byFamily'] = {};
  for (const r of rows) {
    if (!r.leads && !r.useful && !r.dismissed) continue;
    const e: FeedbackSummary['byFamily'][string] = { useful: Number(r.useful) || 0, dismissed: Number(r.dismissed) || 0 };
    if (r.mean_effect !== null && Number.isFinite(r.mean_effect)) e.meanEffect = Math.round(Number(r.mean_effect) * 1000) / 1000;
    byFamily[`${r.template}:${r.region}`] = e;
  }
  if (!Object.keys(byFamily).length) return undefined;
  const notes: string[] = [];
  const useful = rows.reduce((s, r) => s + (Number(r.useful) || 0), 0);
  const dismissed = rows.reduce((s, r) => s + (Number(r.dismissed) || 0), 0);
  const leads = rows.reduce((s, r) => s + (Number(r.leads) || 0), 0);
  notes.push(`${leads} earlier leads: ${useful} marked useful, ${dismissed} dismissed; meanEffect is the mean |KPI in cohort − KPI in rest| / KPI in rest`);
  if (examples.useful.length) notes.push(`marked useful: ${examples.useful.join(' | ')}`);
  if (examples.dismissed.length) notes.push(`dismissed: ${examples.dismissed.join(' | ')}`);
  return { byFamily, notes };
}
