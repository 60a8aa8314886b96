import type { Lead } from './ensemble';
import type { MembershipRow } from './cluster';
import type { KpiStats } from './types';

/**
 * How much of a KPI its leads explain, and an order that favours leads explaining what the ones above do not.
 *
 * A failure KPI's *coverage* is the share of its failed groups inside a lead's cohort. A numeric KPI's is the share
 * of its total (all groups' values summed) that is excess in the cohort: what the total would drop by if those
 * groups behaved like the rest ("these sessions hold 4% of all page-load time above normal").
 *
 * The order is greedy: first the lead with the largest impact (excess failures), then each time the lead with the
 * largest excess among groups in none of the leads above it, measured against its own rest level as impact is.
 * A sub-cohort of a lead above adds little and sinks; a disjoint failure mode keeps its place. Each lead's
 * *incremental coverage* is its coverage over those new groups alone.
 *
 * Rows are the KPI's membership rows over `top` (membership flags, aggregates); `total` is the KPI over the window.
 * Returns the new order (indexes into top) and the union's coverage; sets each lead's coverage fields.
 */
export function rankByCoverage(
  top: Lead[],
  rows: MembershipRow[],
  total: KpiStats,
  binary: boolean
): { order: number[]; coverage: number } {
  const denom = total.s > 0 ? total.s : 1;
  const restLevel = (l: Lead) => l.finding.kpiRest;
  // Failure KPIs count failed groups; numeric ones the excess over the lead's rest level.
  const worth = (l: Lead, s: KpiStats) => (binary ? s.s : s.s - s.a * restLevel(l));
  const excess = (l: Lead, s: KpiStats) => s.s - s.a * restLevel(l);
  // Rows already inside a taken lead: each pick marks its rows, so a candidate's new groups are one pass.
  const covered = new Uint8Array(rows.length);
  const sum = (i: number): KpiStats => {
    const out = { a: 0, s: 0 };
    rows.forEach((r, k) => {
      if (r.f[i] && !covered[k]) ((out.a += r.stats.a), (out.s += r.stats.s));
    });
    return out;
  };
  top.forEach((l, i) => (l.coverage = Math.max(0, worth(l, sum(i))) / denom));
  const taken = new Array<boolean>(top.length).fill(false);
  const order: number[] = [];
  for (let n = 0; n < top.length; n++) {
    let pick = -1;
    let pickExcess = -Infinity;
    let pickNew: KpiStats = { a: 0, s: 0 };
    top.forEach((l, i) => {
      if (taken[i]) return;
      const s = sum(i);
      // The first pick is the largest impact itself (nothing is taken yet, so s is the whole cohort).
      const e = n === 0 ? l.finding.impact : excess(l, s);
      if (e > pickExcess || (e === pickExcess && l.finding.impact > top[pick]!.finding.impact)) {
        pick = i;
        pickExcess = e;
        pickNew = s;
      }
    });
    top[pick]!.incrementalCoverage = Math.max(0, worth(top[pick]!, pickNew)) / denom;
    taken[pick] = true;
    order.push(pick);
    rows.forEach((r, k) => {
      if (r.f[pick]) covered[k] = 1;
    });
  }
  // The union: failed groups in any lead; for numeric KPIs the excess over the groups in none of them.
  const inAny = { a: 0, s: 0 };
  const outside = { a: 0, s: 0 };
  for (const r of rows) {
    const t = r.f.some((x) => x) ? inAny : outside;
    t.a += r.stats.a;
    t.s += r.stats.s;
  }
  const union = binary ? inAny.s : inAny.s - inAny.a * (outside.a ? outside.s / outside.a : 0);
  return { order, coverage: top.length ? Math.max(0, union) / denom : 0 };
}
