import { COHORT_MIN_RELATIVE_DIFFERENCE } from './cohort';
import { worseThan, type Lead } from './ensemble';
import { addStats, emptyStats, type KpiStats } from './types';

/** Groups of one KPI with the same membership in the leads under study: f[i] = 1 when in lead i's cohort. */
export interface MembershipRow {
  f: number[];
  stats: KpiStats;
}

/** Overlap coefficient above which two cohorts are one finding said two ways. */
export const SAME_GROUPS_OVERLAP = 0.6;

/**
 * Groups one KPI's leads (in impact order) into findings. A weaker lead joins a stronger one when their cohorts
 * mostly coincide (overlap coefficient); it is folded as a shadow when it has no effect left in the groups
 * outside every stronger lead kept so far (its groups there against the groups in none of them) — e.g. "long
 * sessions" when long sessions are simply likelier to contain two planted patterns. A cluster keeps its place
 * and is shown by its most specific member (the strongest lower CI bound among members measured the same way);
 * the others become its relatives. Returns the indexes folded away.
 */
export function clusterLeads(top: Lead[], rows: MembershipRow[]): Set<number> {
  const N = top.length;
  const sizes = new Array<number>(N).fill(0);
  const both = new Float64Array(N * N);
  for (const r of rows) {
    const inSet = r.f.map((x, i) => (x ? i : -1)).filter((i) => i >= 0);
    for (const i of inSet) {
      sizes[i] += r.stats.a;
      for (const j of inSet) both[i * N + j] += r.stats.a;
    }
  }
  const folded = new Set<number>();
  const kept: number[] = [];
  const clusterOf = new Map<number, number[]>();
  for (let j = 0; j < N; j++) {
    // Same groups as a kept lead: one cluster.
    const same = kept.find((i) => Math.min(sizes[i]!, sizes[j]!) > 0 && both[i * N + j]! / Math.min(sizes[i]!, sizes[j]!) >= SAME_GROUPS_OVERLAP);
    if (same !== undefined) {
      clusterOf.get(same)!.push(j);
      folded.add(j);
      continue;
    }
    if (kept.length && shadowOf(top[j]!, j, kept, rows)) {
      // Fold into the kept lead it shares most groups with.
      const host = kept.reduce((a, b) => (both[b * N + j]! > both[a * N + j]! ? b : a));
      top[host]!.related.push(top[j]!.finding.obs.hyp.key, ...top[j]!.related);
      folded.add(j);
      continue;
    }
    kept.push(j);
    clusterOf.set(j, [j]);
  }
  // Second look, weakest first: a kept lead with no effect left outside all the other kept leads' groups is a
  // shadow of them together (long sessions, when long sessions just hold more of two planted patterns).
  for (const j of [...kept].reverse()) {
    const others = kept.filter((i) => i !== j);
    if (others.length < 2 || !shadowOf(top[j]!, j, others, rows)) continue;
    const host = others.reduce((a, b) => (both[b * N + j]! > both[a * N + j]! ? b : a));
    top[host]!.related.push(top[j]!.finding.obs.hyp.key, ...top[j]!.related);
    for (const c of clusterOf.get(j)!) if (c !== j) top[host]!.related.push(top[c]!.finding.obs.hyp.key);
    clusterOf.delete(j);
    kept.splice(kept.indexOf(j), 1);
    folded.add(j);
  }
  for (const [i, members] of clusterOf) {
    if (members.length === 1) continue;
    const l = top[i]!;
    const measured = members.filter((c) => top[c]!.finding.effect.measure === l.finding.effect.measure);
    const rep = measured.reduce((a, b) => (top[b]!.finding.effect.ci_low > top[a]!.finding.effect.ci_low ? b : a), i);
    const others = members.filter((c) => c !== rep).map((c) => top[c]!);
    const r = top[rep]!;
    const related = [...others.flatMap((o) => [o.finding.obs.hyp.key, ...o.related]), ...r.related];
    if (rep !== i) {
      l.finding = r.finding;
      l.q = r.q;
      l.support = r.support;
    }
    l.related = related;
  }
  return folded;
}

/** Is lead j's effect gone once the groups of every kept (stronger) lead are set aside? */
function shadowOf(lead: Lead, j: number, kept: number[], rows: MembershipRow[]): boolean {
  const jOnly = emptyStats();
  const neither = emptyStats();
  for (const r of rows) {
    if (kept.some((i) => r.f[i])) continue;
    addStats(r.f[j] ? jOnly : neither, r.stats);
  }
  const k = lead.finding.obs.kpi;
  const w = worseThan(jOnly, neither, k.binary, k.kpi.higher_is_better);
  return !(w.worse && w.p < 0.01 && w.ratio > 1 + COHORT_MIN_RELATIVE_DIFFERENCE / 2);
}
