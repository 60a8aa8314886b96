import { COHORT_MIN_RELATIVE_DIFFERENCE } from './cohort';
import { worseThan, type Lead, type Refinement } from './ensemble';
import { addStats, emptyStats, type KpiStats } from './types';

/** Groups of one KPI with the same membership in the leads under study: f[i] = 1 when in lead i's cohort. */
export interface MembershipRow {
  f: number[];
  stats: KpiStats;
}

/** Jaccard similarity above which two cohorts are one finding said two ways (then only the name is chosen). */
export const SAME_GROUPS_JACCARD = 0.8;
/** Share of a cohort's groups inside another above which it is a sub-cohort of that one. */
export const NESTED_SHARE = 0.8;

/** The groups of each lead and of each pair of leads, from the membership rows. */
function overlaps(n: number, rows: MembershipRow[]): { sizes: number[]; both: Float64Array } {
  const sizes = new Array<number>(n).fill(0);
  const both = new Float64Array(n * n);
  for (const r of rows) {
    const inSet: number[] = [];
    for (let i = 0; i < n; i++) if (r.f[i]) inSet.push(i);
    for (const i of inSet) {
      sizes[i] += r.stats.a;
      for (const j of inSet) both[i * n + j] += r.stats.a;
    }
  }
  return { sizes, both };
}

/**
 * Groups one KPI's leads (in impact order) into distinct findings, so that folding never hides a failure mode:
 * - **same groups** (Jaccard ≥ 0.8): one finding said two ways; it is named by its most interpretable member
 *   (namedBy) and the others become its relatives;
 * - **a sub-cohort** of a kept lead (≥ 80% of its groups inside it): when the broad lead still fails without it,
 *   the broad lead keeps its place, groups and impact, and the narrow one becomes its *refinement* (when worse than
 *   the rest of the broad one, else a relative); when the broad one's effect lives in the narrow one, the narrow
 *   one takes its place (the minimal explanation, holding the same excess) and the broad one is a relative;
 * - **a broader cohort** around a kept lead, or any lead with no effect left outside the kept leads' groups: a
 *   shadow, folded into the kept lead holding most of its groups — never into one it does not overlap;
 * - otherwise (disjoint or partly overlapping with its own effect) it stays a lead of its own: even a few groups
 *   failing outside every stronger lead are failures none of them explains.
 * Returns the indexes folded away.
 */
export function clusterLeads(top: Lead[], rows: MembershipRow[]): Set<number> {
  const N = top.length;
  const { sizes, both } = overlaps(N, rows);
  const inter = (i: number, j: number) => both[i * N + j]!;
  const jaccard = (i: number, j: number) => inter(i, j) / Math.max(1, sizes[i]! + sizes[j]! - inter(i, j));
  const share = (j: number, i: number) => (sizes[j]! > 0 ? inter(i, j) / sizes[j]! : 0); // of j's groups, inside i
  const folded = new Set<number>();
  const kept: number[] = [];
  // How many kept leads hold each row's groups, kept up to date as leads are kept, replaced or dropped: the shadow
  // test reads "outside every kept lead" per row without walking the kept list for each row.
  const cover = new Int32Array(rows.length);
  const keep = (i: number, by: 1 | -1) => rows.forEach((r, x) => r.f[i] && (cover[x] += by));
  const clusterOf = new Map<number, number[]>();
  const relate = (host: number, j: number) => {
    top[host]!.related.push(top[j]!.finding.obs.hyp.key, ...top[j]!.related);
    top[host]!.refinements = [...(top[host]!.refinements ?? []), ...(top[j]!.refinements ?? [])];
    folded.add(j);
  };
  const best = (cands: number[], score: (i: number) => number) =>
    cands.length ? cands.reduce((a, b) => (score(b) > score(a) ? b : a)) : undefined;
  for (let j = 0; j < N; j++) {
    const same = best(
      kept.filter((i) => jaccard(i, j) >= SAME_GROUPS_JACCARD),
      (i) => jaccard(i, j)
    );
    if (same !== undefined) {
      clusterOf.get(same)!.push(j);
      folded.add(j);
      continue;
    }
    const host = best(
      kept.filter((i) => share(j, i) >= NESTED_SHARE),
      (i) => share(j, i)
    );
    if (host !== undefined) {
      if (!remainderWorse(host, j, rows, top)) {
        // The broad lead's effect lives in this narrower one (without it, the broad one is no worse than the
        // groups outside it): the narrow one is the finding, and it holds the broad one's impact.
        for (const c of clusterOf.get(host)!) relate(j, c);
        clusterOf.delete(host);
        clusterOf.set(j, [j]);
        kept[kept.indexOf(host)] = j;
        keep(host, -1);
        keep(j, 1);
        continue;
      }
      const within = refinementWithin(top[j]!, j, host, rows);
      if (within) top[host]!.refinements = [...(top[host]!.refinements ?? []), { lead: top[j]!, index: j, ...within }];
      relate(host, j);
      continue;
    }
    const explainedBy = shadowHost(j, kept, rows, (x) => cover[x] === 0, top, inter);
    if (explainedBy !== undefined) {
      relate(explainedBy, j);
      continue;
    }
    kept.push(j);
    keep(j, 1);
    clusterOf.set(j, [j]);
  }
  // Second look, weakest first: a kept lead with no effect left outside all the other kept leads' groups is a
  // shadow of them together (long sessions, when long sessions just hold more of two planted patterns).
  for (const j of [...kept].reverse()) {
    const others = kept.filter((i) => i !== j);
    if (others.length < 2) continue;
    const host = shadowHost(j, others, rows, (x) => cover[x]! - (rows[x]!.f[j] ? 1 : 0) === 0, top, inter);
    if (host === undefined) continue;
    relate(host, j);
    for (const c of clusterOf.get(j)!) if (c !== j) relate(host, c);
    clusterOf.delete(j);
    kept.splice(kept.indexOf(j), 1);
    keep(j, -1);
  }
  for (const [i, members] of clusterOf) {
    top[i]!.refinements = distinct(top[i]!.refinements, jaccard);
    if (members.length === 1) continue;
    const l = top[i]!;
    const rep = namedBy(members.map((c) => top[c]!));
    const others = members.map((c) => top[c]!).filter((o) => o !== rep);
    const related = [
      ...others.flatMap((o) => [o.finding.obs.hyp.key, ...o.related]),
      ...(rep === l ? l.related : rep.related),
    ];
    const refinements = distinct(
      members.flatMap((c) => top[c]!.refinements ?? []),
      jaccard
    );
    if (rep !== l) {
      // Same groups (Jaccard ≥ 0.8): the name changes, the finding's numbers are the named member's own.
      l.finding = rep.finding;
      l.q = rep.q;
      l.support = rep.support;
    }
    l.related = related;
    l.refinements = refinements;
  }
  return folded;
}

/**
 * How hard a cohort is to act on: the events it names, plus one when it rests on adjacency or order ("A, B back
 * to back", "A then B") rather than on an event being there or missing. "validate is missing" beats its proxy
 * "load_config, commit back to back" over the same groups.
 */
export function complexityOf(l: Lead): number {
  const h = l.finding.obs.hyp;
  const sequence = h.template === 'ordered_pattern' || (h.template === 'ngram' && h.events.length > 1);
  return h.events.length + (sequence ? 1 : 0);
}

/**
 * The member that names a cluster of leads over the same groups: the simplest (complexityOf), unless a more
 * specific one measured the same way is clearly stronger — its CI entirely above the simplest's — which is when
 * order (or adjacency) matters. Among equals, the strongest lower CI bound.
 */
export function namedBy(members: Lead[]): Lead {
  const byCi = (xs: Lead[]) => xs.reduce((a, b) => (b.finding.effect.ci_low > a.finding.effect.ci_low ? b : a));
  const least = Math.min(...members.map(complexityOf));
  const simplest = byCi(members.filter((m) => complexityOf(m) === least));
  const clearlyStronger = members.filter(
    (m) =>
      complexityOf(m) > least &&
      m.finding.effect.measure === simplest.finding.effect.measure &&
      m.finding.effect.ci_low > simplest.finding.effect.ci_high
  );
  return clearlyStronger.length ? byCi(clearlyStronger) : simplest;
}

/** Refinements over distinct groups: of those over the same groups (Jaccard ≥ 0.8), the one namedBy picks. */
function distinct(list: Refinement[] | undefined, jaccard: (i: number, j: number) => number): Refinement[] | undefined {
  if (!list?.length) return undefined;
  const out: Refinement[][] = [];
  for (const r of list) {
    const same = out.find((g) => jaccard(g[0]!.index, r.index) >= SAME_GROUPS_JACCARD);
    if (same) same.push(r);
    else out.push([r]);
  }
  return out.map((g) => g.find((r) => r.lead === namedBy(g.map((x) => x.lead)))!);
}

/** A refinement of a lead: a narrower cohort inside it, worse than the rest of it. */
/** Is lead j (inside the host) worse than the host's other groups? Its numbers there when it is. */
function refinementWithin(
  lead: Lead,
  j: number,
  host: number,
  rows: MembershipRow[]
): Omit<Refinement, 'lead' | 'index'> | null {
  const inJ = emptyStats();
  const rest = emptyStats();
  for (const r of rows) if (r.f[host]) addStats(r.f[j] ? inJ : rest, r.stats);
  const k = lead.finding.obs.kpi;
  const w = worseThan(inJ, rest, k.binary, k.kpi.higher_is_better);
  if (!(w.worse && w.p < 0.01 && w.ratio > 1 + COHORT_MIN_RELATIVE_DIFFERENCE / 2)) return null;
  return { kpiWithin: inJ.a ? inJ.s / inJ.a : 0, kpiRestOfHost: rest.a ? rest.s / rest.a : 0, groupsWithin: inJ.a };
}

/** Are the host's groups outside j (inside it) still worse than the groups outside the host? */
function remainderWorse(host: number, j: number, rows: MembershipRow[], top: Lead[]): boolean {
  const remainder = emptyStats();
  const outside = emptyStats();
  for (const r of rows) if (!r.f[j]) addStats(r.f[host] ? remainder : outside, r.stats);
  const k = top[host]!.finding.obs.kpi;
  const w = worseThan(remainder, outside, k.binary, k.kpi.higher_is_better);
  return w.worse && w.p < 0.01 && w.ratio > 1 + COHORT_MIN_RELATIVE_DIFFERENCE / 2;
}

/**
 * Is lead j's effect gone once the groups of the given (stronger) leads are set aside (`outside(x)`: row x is in
 * none of them)? Then the one of them holding most of j's groups explains it; a lead that shares no group with
 * them is never folded into them.
 */
function shadowHost(
  j: number,
  kept: number[],
  rows: MembershipRow[],
  outside: (x: number) => boolean,
  top: Lead[],
  inter: (i: number, j: number) => number
): number | undefined {
  if (kept.length === 0) return undefined;
  const host = kept.reduce((a, b) => (inter(b, j) > inter(a, j) ? b : a));
  if (!(inter(host, j) > 0)) return undefined;
  const jOnly = emptyStats();
  const neither = emptyStats();
  rows.forEach((r, x) => outside(x) && addStats(r.f[j] ? jOnly : neither, r.stats));
  const k = top[j]!.finding.obs.kpi;
  const w = worseThan(jOnly, neither, k.binary, k.kpi.higher_is_better);
  return w.worse && w.p < 0.01 && w.ratio > 1 + COHORT_MIN_RELATIVE_DIFFERENCE / 2 ? undefined : host;
}
