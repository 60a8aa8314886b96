import { attributeMixQuery, membershipQuery, userMomentsQuery, type Dag } from '../compile/dag';
import { robustRatio, type CellMoments } from '../experts/robust';
import type { Dataset } from '../dataset/inspect';
import type { Executor } from '../execute/executor';
import { clusterLeads } from '../experts/cluster';
import { worseThan, type Lead } from '../experts/ensemble';
import { benjaminiHochberg, twoProportionZ } from '../experts/stats';
import { trendExpert } from '../experts/trend';
import { addStats, emptyStats, type KpiStats } from '../experts/types';
import type { Totals } from './observe';

type MemberRow = { f: number[]; b: number; n: number; s: number; q: number; l: number; m: number };

/** Leads checked per KPI and round when grouping. */
export const GROUPING_TOP = 50;

/**
 * Groups each KPI's top leads into findings (experts/cluster.ts). Overlaps, residual aggregates and each lead's
 * series over time come from one pass over the session table per KPI and round: every group's membership in
 * the top leads (the fast path's own key expressions), aggregated by membership vector and time bucket.
 * Rounds go on while a round folds something, as folding frees places in the top.
 */
export async function groupLeads(
  ex: Executor,
  dag: Dag,
  d: Dataset,
  leads: Lead[],
  totals: Totals,
  sess: string,
  vocab: string[],
  signal?: AbortSignal,
): Promise<void> {
  for (const k of d.kpis) {
    for (let round = 0; round < 8; round++) {
      const list = leads.filter((l) => l.finding.obs.kpi.index === k.index).sort((a, b) => a.rank - b.rank);
      const top = list.slice(0, GROUPING_TOP);
      if (top.length === 0) break;
      const mq = membershipQuery(dag, k, top.map((l) => ({ node: l.finding.obs.node, key: l.finding.obs.key })), sess, vocab);
      const rows = await ex.query<MemberRow>(mq.sql, mq.params, { label: `grouping of ${k.kpi.name} leads`, signal });
      const N = top.length;
      const sizes = new Array<number>(N).fill(0);
      const both = new Float64Array(N * N);
      const rest = Array.from({ length: N * N }, emptyStats);
      const series = top.map(() => Array.from({ length: dag.buckets.count }, emptyStats));
      for (const r of rows) {
        const st: KpiStats = { a: Number(r.n), s: Number(r.s), q: Number(r.q), l: Number(r.l), m: Number(r.m) };
        const inSet = r.f.map((x, i) => (Number(x) ? i : -1)).filter((i) => i >= 0);
        const member = new Set(inSet);
        for (const i of inSet) {
          sizes[i] += st.a;
          const b = Number(r.b);
          if (b >= 0 && b < dag.buckets.count) addStats(series[i]![b]!, st);
        }
        for (let i = 0; i < N; i++) {
          for (const j of inSet) {
            if (member.has(i)) both[i * N + j] += st.a;
            else addStats(rest[i * N + j]!, st);
          }
        }
      }
      // Every measured lead now has its series over time, whatever its family.
      top.forEach((l, i) => {
        l.finding.obs.series = { from: dag.buckets.from, width: dag.buckets.width, cohort: series[i]!, total: totals.byBucket.get(k.index)! };
      });
      const folded = N < 2 ? new Set<number>() : clusterLeads(top, sizes, (i, j) => ({ both: both[i * N + j]!, jNotI: rest[i * N + j]! }));
      const keep = list.filter((_, i) => !folded.has(i)).sort((a, b) => b.finding.impact - a.finding.impact || a.q - b.q);
      keep.forEach((l, i) => (l.rank = i + 1));
      for (const i of [...folded].sort((a, b) => b - a)) leads.splice(leads.indexOf(top[i]!), 1);
      if (folded.size === 0) break;
    }
  }
}

/**
 * Is a lead getting worse? Asked of every final lead, as a follow-up with its own false discovery rate over
 * the run's leads (BH). The trend tests condition on the cohort's total, which is what selected the lead, so
 * the selection does not bias them; trends strong enough to stand out among all cohorts are already found by
 * the trend expert in the main pool.
 */
export function followUpTrends(leads: Lead[]): void {
  const tested = leads
    .filter((l) => l.finding.obs.series && !l.support.some((s) => s.finding.expert === 'trend'))
    .map((l) => ({ l, f: trendExpert.assess(l.finding.obs) }))
    .filter((x): x is { l: Lead; f: NonNullable<typeof x.f> } => x.f !== null && Number.isFinite(x.f.p));
  const q = benjaminiHochberg(tested.map((x) => x.f.p));
  tested.forEach((x, i) => {
    if (x.f.gates(q[i]!).pass) x.l.support.push({ finding: x.f, q: q[i]! });
  });
}

export interface HalfResult {
  from: string;
  to: string;
  cohort_groups: number;
  kpi_cohort: number | null;
  kpi_rest: number | null;
  p: number | null;
  holds: boolean;
}

/**
 * Stability: does the lead hold in both halves of the window? In each half the cohort must be worse than the
 * rest of that half, one-sided p < 0.05. A lead that holds in one half only is reported, marked unstable.
 */
export function stabilityOf(l: Lead): { stable: boolean; halves: HalfResult[] } | null {
  const s = l.finding.obs.series;
  if (!s) return null;
  const n = s.cohort.length;
  const mid = Math.ceil(n / 2);
  const halves = [
    [0, mid],
    [mid, n],
  ].map(([lo, hi]) => {
    const c = emptyStats();
    const t = emptyStats();
    for (let b = lo!; b < hi!; b++) {
      addStats(c, s.cohort[b]!);
      addStats(t, s.total[b]!);
    }
    const rest = { a: t.a - c.a, s: t.s - c.s, q: (t.q ?? 0) - (c.q ?? 0), l: (t.l ?? 0) - (c.l ?? 0), m: (t.m ?? 0) - (c.m ?? 0) };
    const k = l.finding.obs.kpi;
    const w = worseThan(c, rest, k.binary, k.kpi.higher_is_better);
    // worseThan is two-sided; halve it in the harmful direction.
    const p = c.a >= 2 && rest.a >= 2 ? (w.worse ? w.p / 2 : 1 - w.p / 2) : null;
    return {
      from: new Date(s.from + lo! * s.width).toISOString(),
      to: new Date(s.from + hi! * s.width).toISOString(),
      cohort_groups: c.a,
      kpi_cohort: c.a ? c.s / c.a : null,
      kpi_rest: rest.a ? rest.s / rest.a : null,
      p,
      holds: p !== null && p < 0.05 && w.worse,
    };
  });
  return { stable: halves.every((h) => h.holds), halves };
}

/**
 * Re-states each lead with cluster-robust inference when groups belong to users (several sessions of one user
 * are not independent): the CI from per-user cell moments, and p scaled into q; a lead that no longer passes
 * (q ≥ 0.05, or its CI reaching no effect) is dropped. Returns how many were dropped.
 */
export async function robustLeads(ex: Executor, dag: Dag, d: Dataset, leads: Lead[], sess: string, vocab: string[], signal?: AbortSignal): Promise<number> {
  if (!d.spec.user) return 0;
  let dropped = 0;
  for (const k of d.kpis) {
    const list = leads.filter((l) => l.finding.obs.kpi.index === k.index && l.finding.expert !== 'trend');
    if (list.length === 0) continue;
    const uq = userMomentsQuery(dag, k, list.map((l) => ({ node: l.finding.obs.node, key: l.finding.obs.key })), sess, vocab);
    const row = (await ex.query<Record<string, number[] | number>>(uq.sql, uq.params, { label: `cluster-robust inference for ${k.kpi.name}`, signal }))[0];
    if (!row) continue;
    const at = (name: string, i: number) => Number((row[name] as number[])[i]);
    list.forEach((l, i) => {
      const cells: CellMoments = {
        m: Number(row.users),
        t: [at('tA', i), at('tB', i), at('tC', i), at('tD', i)],
        sq: ['AA', 'BB', 'CC', 'DD', 'AB', 'AC', 'AD', 'BC', 'BD', 'CD'].map((n) => at(n, i)),
      };
      const f = l.finding;
      const kind = f.effect.measure === 'prevalence_ratio' ? 'prevalence_ratio' : k.binary ? 'risk_ratio' : 'ratio_of_means';
      const r = robustRatio(kind, cells);
      if (!r) return;
      // Numeric KPIs where higher is better: the harm is a lower mean.
      const flip = !k.binary && k.kpi.higher_is_better;
      const [lo, hi, p] = flip ? [1 / r.ciHigh, 1 / r.ciLow, 1 - r.p] : [r.ciLow, r.ciHigh, r.p];
      const shift = f.effect.measure === 'prevalence_ratio' ? 0 : 1;
      const q = Math.min(1, l.q * Math.max(1, p / Math.max(f.p, 1e-300)));
      l.finding = { ...f, effect: { ...f.effect, ci_low: lo - shift, ci_high: hi - shift } };
      l.q = q;
      l.inference = `cluster-robust over ${cells.m.toLocaleString('en-US')} users`;
      if (!(q < 0.05) || !(lo > 1)) {
        leads.splice(leads.indexOf(l), 1);
        dropped++;
      }
    });
    leads
      .filter((l) => l.finding.obs.kpi.index === k.index)
      .sort((a, b) => a.rank - b.rank)
      .forEach((l, i) => (l.rank = i + 1));
  }
  return dropped;
}

export interface ConfounderHint {
  attribute: string;
  value: string;
  share_in_cohort: number;
  share_elsewhere: number;
}

/**
 * For non-local leads (a context metric, a global top-N): which static attribute values are over-represented
 * in the cohort (at least 1.5× their share elsewhere, two-proportion p < 0.001). A CPU spike that hit mostly one
 * region's sessions may be that region's problem: a hint to check, not a verdict.
 */
export async function confounderHints(ex: Executor, dag: Dag, d: Dataset, l: Lead, sess: string, vocab: string[], signal?: AbortSignal): Promise<ConfounderHint[]> {
  if (l.finding.obs.hyp.template !== 'nonlocal' || d.spec.attributes.length === 0) return [];
  const o = l.finding.obs;
  const aq = attributeMixQuery(dag, o.kpi, { node: o.node, key: o.key }, sess, vocab, d.spec.attributes.length);
  const rows = await ex.query<{ i: number; value: string; in_cohort: number; total: number }>(aq.sql, aq.params, { label: `attribute mix of ${o.hyp.title}`, signal });
  const inAll = new Map<number, number>();
  const all = new Map<number, number>();
  rows.forEach((r) => {
    inAll.set(Number(r.i), (inAll.get(Number(r.i)) ?? 0) + Number(r.in_cohort));
    all.set(Number(r.i), (all.get(Number(r.i)) ?? 0) + Number(r.total));
  });
  const hints: ConfounderHint[] = [];
  for (const r of rows) {
    const i = Number(r.i);
    const n1 = inAll.get(i)!;
    const n0 = all.get(i)! - n1;
    const x1 = Number(r.in_cohort);
    const x0 = Number(r.total) - x1;
    if (n1 < 1 || n0 < 1 || x1 < 20) continue;
    const s1 = x1 / n1;
    const s0 = x0 / n0;
    if (s1 >= 1.5 * s0 && twoProportionZ(x1, n1, x0, n0).p < 0.001) {
      hints.push({ attribute: d.spec.attributes[i]!, value: r.value, share_in_cohort: s1, share_elsewhere: s0 });
    }
  }
  return hints.sort((a, b) => b.share_in_cohort / b.share_elsewhere - a.share_in_cohort / a.share_elsewhere).slice(0, 5);
}
