import { COHORT_MIN_RELATIVE_DIFFERENCE } from './cohort';
import { subtractStats, worseThan, type Lead } from './ensemble';
import type { KpiStats } from './types';

/** What ClickHouse measured for a pair of leads i (stronger) and j (weaker) of one KPI. */
export interface PairStats {
  /** Groups in both cohorts. */
  both: number;
  /** KPI aggregates of the groups in j but not in i. */
  jNotI: KpiStats;
}

/** Overlap coefficient above which two cohorts are one finding said two ways. */
export const SAME_GROUPS_OVERLAP = 0.6;

/**
 * Is j's effect still there once i's groups are set aside? j's groups outside i against everything outside
 * both. When not, j is a shadow of i (e.g. a pattern that mostly co-occurs with a stronger one).
 */
export function explainedBy(i: Lead, pair: PairStats): boolean {
  const o = i.finding.obs;
  const outside = subtractStats(subtractStats(o.total, o.cohort), pair.jNotI);
  const w = worseThan(pair.jNotI, outside, o.kpi.binary, o.kpi.kpi.higher_is_better);
  return !(w.worse && w.p < 0.01 && w.ratio > 1 + COHORT_MIN_RELATIVE_DIFFERENCE / 2);
}

/**
 * Groups one KPI's leads (in impact order) into findings. A weaker lead joins a stronger one when their
 * cohorts mostly coincide (overlap coefficient) or when it has no effect left outside the stronger one's groups.
 * A cluster keeps its place and is shown by its most specific member (the strongest lower CI bound among members
 * measured the same way); the others become its relatives. Returns the indexes folded away.
 */
export function clusterLeads(top: Lead[], sizes: number[], pairs: (i: number, j: number) => PairStats): Set<number> {
  const folded = new Set<number>();
  top.forEach((l, i) => {
    if (folded.has(i)) return;
    const leader = { ...l };
    const cluster = [i];
    const shadows: number[] = [];
    top.forEach((_, j) => {
      if (j <= i || folded.has(j)) return;
      const p = pairs(i, j);
      const small = Math.min(sizes[i]!, sizes[j]!);
      if (small > 0 && p.both / small >= SAME_GROUPS_OVERLAP) cluster.push(j);
      else if (explainedBy(leader, p)) shadows.push(j);
    });
    if (cluster.length === 1 && shadows.length === 0) return;
    const same = cluster.filter((c) => top[c]!.finding.effect.measure === l.finding.effect.measure);
    const rep = same.reduce((a, b) => (top[b]!.finding.effect.ci_low > top[a]!.finding.effect.ci_low ? b : a), i);
    if (rep !== i) {
      const r = top[rep]!;
      l.related = [...r.related, l.finding.obs.hyp.key, ...l.related];
      l.finding = r.finding;
      l.q = r.q;
      l.support = r.support;
    }
    for (const c of [...cluster, ...shadows]) {
      if (c === i) continue;
      folded.add(c);
      if (c !== rep) l.related.push(top[c]!.finding.obs.hyp.key, ...top[c]!.related);
    }
  });
  return folded;
}
