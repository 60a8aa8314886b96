import type { Dag } from '../compile/dag';
import {
  attributeMixQuery,
  chainsTablesSql,
  maskedRows,
  sigGroupsQuery,
  membershipFlags,
  memberToken,
  membershipTableSql,
  userMomentsQuery,
  type ChainsTable,
  type Member,
  type SigRow,
} from '../compile/membership';
import { qualified } from '../execute/sql';
import { robustRatio, type CellMoments } from '../experts/robust';
import type { Dataset } from '../dataset/inspect';
import type { Executor } from '../execute/executor';
import { clusterLeads, type MembershipRow } from '../experts/cluster';
import { rankByCoverage } from '../experts/coverage';
import { byImpact, worseThan, type Lead } from '../experts/ensemble';
import { benjaminiHochberg, twoProportionZ } from '../experts/stats';
import { trendExpert } from '../experts/trend';
import { addStats, emptyStats, type KpiStats } from '../experts/types';
import type { Totals } from './observe';

/**
 * Leads checked per KPI and round when grouping; leads measured per KPI in the one heavy pass. The heavy pass
 * measures well past the top because folds move lower leads up: at 10M events (bench) 150 made two KPIs build
 * their table twice (+2.7 s); 300 builds each once, with the same leads, and cost nothing measurable at 1M.
 */
export const GROUPING_TOP = 50;
export const MEASURED_TOP = 300;

/** Per KPI, the scratch table of its top leads' memberships (compile/membership.ts), built once. */
export class Memberships {
  private readonly tables = new Map<number, MembershipTable>();
  constructor(
    private readonly ex: Executor,
    private readonly dag: Dag,
    private readonly d: Dataset,
    private readonly sess: string,
    private readonly database: string,
    private readonly runTag: string,
    private readonly vocab: string[],
    private readonly signal?: AbortSignal
  ) {}

  private readonly chains: ChainsTable[] = [];

  /**
   * Before any KPI's table: the keys of every KPI's measured leads from positioned nodes (those serving every
   * variant), read back from their stored keys or enumerated once, for all KPIs (compile/membership.ts).
   */
  async prepare(leads: Lead[]): Promise<void> {
    const measured = this.d.kpis.flatMap((k) =>
      leads
        .filter((l) => l.finding.obs.kpi.index === k.index)
        .sort((a, b) => a.rank - b.rank)
        .slice(0, MEASURED_TOP)
        .map(memberOf)
    );
    await this.addChains(measured, 'membership chains');
  }

  /** Chains tables (compile/membership.ts) for these members, named after the run and how many exist already. */
  private async addChains(members: Member[], label: string): Promise<void> {
    const unique = [...new Map(members.map((m) => [memberToken(m), m])).values()];
    const first = this.chains.length;
    const tables = chainsTablesSql(this.dag, unique, this.sess, (i) =>
      qualified(this.database, first + i === 0 ? `chn_${this.runTag}` : `chn_${this.runTag}_${first + i}`)
    );
    for (const q of tables) {
      await this.ex.command(q.sql, q.params, { label, signal: this.signal });
      const nodes = new Set(q.nodes.map((n) => n.id));
      this.chains.push({
        table: q.table,
        members: new Set(unique.filter((m) => nodes.has(m.node)).map(memberToken)),
      });
    }
  }

  /**
   * Whether a membership table for these members reads every positioned node's members from one chains table;
   * where not (leads that rose into the top after folds), it would enumerate that node's chains over the whole
   * session table again.
   */
  private chainsCover(members: Member[]): boolean {
    const positioned = new Set(
      members.filter((m) => this.dag.nodes.find((n) => n.id === m.node)?.spec.positions).map((m) => m.node)
    );
    return [...positioned].every((node) =>
      this.chains.some((c) => members.every((m) => m.node !== node || c.members.has(memberToken(m))))
    );
  }

  /**
   * The table holding these leads' memberships: the KPI's current one when it has them all, else one built for
   * `batch` (these leads and the next ones, so leads rising into the top later need no table of their own).
   */
  async tableFor(kpiIndex: number, leads: Lead[], batch: Lead[] = leads): Promise<MembershipTable> {
    const have = this.tables.get(kpiIndex);
    if (have && leads.every((l) => have.numbers.has(memberToken(memberOf(l))))) return have;
    const wanted = [...leads, ...batch].map((l) => memberOf(l));
    const k = this.d.kpis.find((x) => x.index === kpiIndex)!;
    const table = qualified(this.database, `memb_${this.runTag}_${kpiIndex}_${this.tables.size}`);
    const members = [...new Map(wanted.map((m) => [memberToken(m), m])).values()];
    // Read back from the stored keys (or enumerated over their events only), a chains table for these members
    // costs a fraction of enumerating every chain of the session table in the membership table's pass.
    if (!this.chainsCover(members)) await this.addChains(members, `membership chains of ${k.kpi.name} leads`);
    const q = membershipTableSql(this.dag, k, members, this.sess, table, this.vocab, {
      user: Boolean(this.d.spec.user),
      attributes: this.d.spec.attributes.length,
      chains: this.chains,
    });
    if (have) {
      await this.ex.command(`DROP TABLE IF EXISTS ${have.table}`, {}, { label: 'drop membership table' });
      this.sigRows.delete(have.table);
    }
    await this.ex.command(q.sql, q.params, { label: `membership of ${k.kpi.name} leads`, signal: this.signal });
    const numbers = new Map(members.map((m, i) => [memberToken(m), i + 1]));
    const t: MembershipTable = { table, numbers, number: (l) => numbers.get(memberToken(memberOf(l)))! };
    this.tables.set(kpiIndex, t);
    return t;
  }

  private readonly sigRows = new Map<string, SigRow[]>();

  /** A membership table's moments by distinct membership and bucket (sigGroupsQuery), read once per table. */
  async sigGroups(mt: MembershipTable, label: string): Promise<SigRow[]> {
    let rows = this.sigRows.get(mt.table);
    if (!rows) {
      const q = sigGroupsQuery(mt.table);
      rows = await this.ex.query<SigRow>(q.sql, q.params, { label, signal: this.signal });
      this.sigRows.set(mt.table, rows);
    }
    return rows;
  }

  async drop(): Promise<void> {
    for (const { table } of this.chains)
      await this.ex
        .command(`DROP TABLE IF EXISTS ${table}`, {}, { label: 'drop membership table' })
        .catch(() => undefined);
    for (const { table } of this.tables.values())
      await this.ex
        .command(`DROP TABLE IF EXISTS ${table}`, {}, { label: 'drop membership table' })
        .catch(() => undefined);
  }
}

const memberOf = (l: Lead): Member => ({ node: l.finding.obs.node, key: l.finding.obs.key });

/** A KPI's membership table: its name, and each lead's number in its sig arrays. */
export interface MembershipTable {
  table: string;
  numbers: Map<string, number>;
  number(l: Lead): number;
}

/**
 * Rounds of grouping per KPI at most (each folds the top's redundant leads, so leads below move up to be compared);
 * a last round only measures (series, coverage) without folding.
 */
const GROUPING_ROUNDS = 40;

/**
 * Groups each KPI's top leads into findings (experts/cluster.ts). Overlaps, residual aggregates and each lead's
 * series over time come from the KPI's membership table, aggregated by membership vector and time bucket.
 * Rounds go on while a round folds something, as folding frees places in the top. The round that folds nothing
 * orders the top by what each lead explains beyond the ones above it (experts/coverage.ts). Returns each KPI's
 * coverage by its leads (by KPI index).
 */
export async function groupLeads(
  ex: Executor,
  m: Memberships,
  dag: Dag,
  d: Dataset,
  leads: Lead[],
  totals: Totals,
  signal?: AbortSignal,
  kpis: Dataset['kpis'] = d.kpis
): Promise<Map<number, number>> {
  const coverage = new Map<number, number>();
  for (const k of kpis) {
    const measured = leads
      .filter((l) => l.finding.obs.kpi.index === k.index)
      .sort((a, b) => a.rank - b.rank)
      .slice(0, MEASURED_TOP);
    for (let round = 0; round <= GROUPING_ROUNDS; round++) {
      const list = leads.filter((l) => l.finding.obs.kpi.index === k.index).sort((a, b) => a.rank - b.rank);
      const top = list.slice(0, GROUPING_TOP);
      if (top.length === 0) break;
      // Leads that rose into the top after folds are measured in a batch with the next ones, not a table a round.
      const mt = await m.tableFor(k.index, round === 0 ? measured : top, list.slice(0, MEASURED_TOP));
      const rows = maskedRows(await m.sigGroups(mt, `grouping of ${k.kpi.name} leads`), top.map(mt.number));
      const series = top.map(() => Array.from({ length: dag.buckets.count }, emptyStats));
      // One row per membership pattern for the clustering (the buckets only matter to the series).
      const byPattern = new Map<string, MembershipRow>();
      for (const r of rows) {
        const stats: KpiStats = { a: Number(r.n), s: Number(r.s), q: Number(r.q), l: Number(r.l), m: Number(r.m) };
        const fm = String(r.fm);
        const seen = byPattern.get(fm);
        const f = seen?.f ?? membershipFlags(fm, top.length);
        if (seen) addStats(seen.stats, stats);
        else byPattern.set(fm, { f, stats: { ...stats } });
        const b = Number(r.b);
        f.forEach((x, i) => {
          if (x && b >= 0 && b < dag.buckets.count) addStats(series[i]![b]!, stats);
        });
      }
      // Every measured lead now has its series over time, whatever its family.
      top.forEach((l, i) => {
        l.finding.obs.series = {
          from: dag.buckets.from,
          width: dag.buckets.width,
          cohort: series[i]!,
          total: totals.byBucket.get(k.index)!,
        };
      });
      const members = [...byPattern.values()];
      const folded = top.length < 2 || round === GROUPING_ROUNDS ? new Set<number>() : clusterLeads(top, members);
      if (folded.size === 0) {
        const ranked = rankByCoverage(top, members, totals.overall.get(k.index)!, k.binary);
        ranked.order.forEach((i, r) => (top[i]!.rank = r + 1));
        coverage.set(k.index, ranked.coverage);
        break;
      }
      const keep = list
        .filter((_, i) => !folded.has(i))
        .sort(byImpact);
      keep.forEach((l, i) => (l.rank = i + 1));
      for (const i of [...folded].sort((a, b) => b - a)) leads.splice(leads.indexOf(top[i]!), 1);
    }
  }
  return coverage;
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
    const rest = {
      a: t.a - c.a,
      s: t.s - c.s,
      q: (t.q ?? 0) - (c.q ?? 0),
      l: (t.l ?? 0) - (c.l ?? 0),
      m: (t.m ?? 0) - (c.m ?? 0),
    };
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
export async function robustLeads(
  ex: Executor,
  m: Memberships,
  d: Dataset,
  leads: Lead[],
  signal?: AbortSignal,
  kpis: Dataset['kpis'] = d.kpis
): Promise<number> {
  if (!d.spec.user) return 0;
  let dropped = 0;
  for (const k of kpis) {
    const list = leads.filter((l) => l.finding.obs.kpi.index === k.index && l.finding.expert !== 'trend');
    if (list.length === 0) continue;
    const mt = await m.tableFor(k.index, list);
    const uq = userMomentsQuery(mt.table, list.map(mt.number), k.binary);
    const row = (
      await ex.query<Record<string, number[] | number>>(uq.sql, uq.params, {
        label: `cluster-robust inference for ${k.kpi.name}`,
        signal,
      })
    )[0];
    if (!row) continue;
    const at = (name: string, i: number) => Number((row[name] as number[])[i]);
    list.forEach((l, i) => {
      const cells: CellMoments = {
        m: Number(row.users),
        t: [at('tA', i), at('tB', i), at('tC', i), at('tD', i)],
        sq: ['AA', 'BB', 'CC', 'DD', 'AB', 'AC', 'AD', 'BC', 'BD', 'CD'].map((n) => at(n, i)),
      };
      const f = l.finding;
      const kind =
        f.effect.measure === 'prevalence_ratio' ? 'prevalence_ratio' : k.binary ? 'risk_ratio' : 'ratio_of_means';
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
export async function confounderHints(
  ex: Executor,
  m: Memberships,
  d: Dataset,
  l: Lead,
  signal?: AbortSignal
): Promise<ConfounderHint[]> {
  if (l.finding.obs.hyp.template !== 'nonlocal' || d.spec.attributes.length === 0) return [];
  const o = l.finding.obs;
  const mt = await m.tableFor(o.kpi.index, [l]);
  const aq = attributeMixQuery(mt.table, mt.number(l), d.spec.attributes.length);
  const rows = await ex.query<{ i: number; value: string; in_cohort: number; total: number }>(aq.sql, aq.params, {
    label: `attribute mix of ${o.hyp.title}`,
    signal,
  });
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
  return hints
    .sort((a, b) => b.share_in_cohort / b.share_elsewhere - a.share_in_cohort / a.share_elsewhere)
    .slice(0, 5);
}
