import { groupsForKpi, statColumns } from '../compile/columns';
import { splitKey, type Dag } from '../compile/dag';
import type { Dataset, KpiInfo } from '../dataset/inspect';
import type { Executor } from '../execute/executor';
import { failedFloor, supportFloor } from '../experts/ensemble';
import { addStats, emptyStats, type KpiStats, type Observation } from '../experts/types';
import type { Hypothesis } from '../templates/types';

type Row = Record<string, unknown>;

export function statsOf(row: Row, i: number): KpiStats {
  const n = (k: string) => (row[k] === null || row[k] === undefined ? undefined : Number(row[k]));
  const c = statColumns(i);
  return { a: n(c.a) ?? 0, s: n(c.s) ?? 0, q: n(c.q), l: n(c.l), m: n(c.m) };
}

export interface Totals {
  groups: number;
  /** Per KPI index: the whole window, and per bucket. */
  overall: Map<number, KpiStats>;
  byBucket: Map<number, KpiStats[]>;
}

/** The KPIs over the whole window and per bucket, from the totals query's per-bucket rows. */
export function readTotals(rows: Row[], kpis: KpiInfo[], bucketCount: number): Totals {
  const overall = new Map<number, KpiStats>();
  const byBucket = new Map<number, KpiStats[]>();
  let groups = 0;
  for (const k of kpis) {
    overall.set(k.index, emptyStats());
    byBucket.set(k.index, Array.from({ length: bucketCount }, emptyStats));
  }
  for (const r of rows) {
    groups += Number(r.n);
    const b = Number(r.b);
    for (const k of kpis) {
      const s = statsOf(r, k.index);
      addStats(overall.get(k.index)!, s);
      if (b >= 0 && b < bucketCount) addStats(byBucket.get(k.index)![b]!, s);
    }
  }
  return { groups, overall, byBucket };
}

/**
 * The fewest groups a key needs, for a KPI, to be an observation: the configured floor, lowered to the experts'
 * floor (ensemble.reachesFloor) as a count of groups. A failure KPI's floor counts failed groups, and a cohort with
 * f failed groups has at least f groups. The experts then apply their exact floor.
 */
export function groupPrefilter(k: KpiInfo, totals: Totals, minSupport: number): number {
  const t = totals.overall.get(k.index)!;
  return Math.min(minSupport, k.binary ? failedFloor(minSupport, t.s) : supportFloor(minSupport, t.a));
}

/**
 * Sets each aggregate scan's floor (`<id>_min`, compared with a key's groups in its HAVING) from the totals: the
 * lowest prefilter of the KPIs it serves. Run between the totals query and the scans. Bucketed scans have no
 * HAVING (the floor applies to a key's summed buckets, in observe).
 */
export function applySupportFloors(dag: Dag, totals: Totals, minSupport: number): void {
  for (const q of dag.queries) {
    if (!q.byBucket) q.params[`${q.id}_min`] = Math.min(...q.kpis.map((k) => groupPrefilter(k, totals, minSupport)));
  }
}

/**
 * Runs the DAG's aggregate scans and turns their rows into observations: one per hypothesis and KPI, with the
 * outcome-defining hypotheses of each KPI left out, and per-bucket series where the scan was bucketed.
 */
export async function observe(
  ex: Executor,
  dag: Dag,
  d: Dataset,
  totals: Totals,
  minSupport: number,
  opts: {
    signal?: AbortSignal;
    onQuery?: (done: number, total: number) => void;
    /** Where a scan's rows come from instead of running it (pipeline/watch.ts: summed per-slice partials). */
    rowsOf?: (query: Dag['queries'][number]) => Promise<Row[]>;
  } = {}
): Promise<Observation[]> {
  const observations: Observation[] = [];
  const nodeById = new Map(dag.nodes.map((n) => [n.id, n]));
  const fetch = async (i: number) => {
    const query = dag.queries[i]!;
    opts.onQuery?.(i, dag.queries.length);
    if (opts.rowsOf) return opts.rowsOf(query);
    const label = `aggregate ${query.id} (${query.nodes.map((n) => nodeById.get(n)!.template).join(', ')})`;
    if (query.store)
      await ex.command(query.store.sql, query.params, { label: `${label}: store keys`, signal: opts.signal });
    return ex.query<Row>(query.sql, query.params, { label, signal: opts.signal });
  };
  // One scan at a time in ClickHouse, the next one running while this process decodes the rows of the last.
  let next = dag.queries.length ? fetch(0) : null;
  for (const [i, query] of dag.queries.entries()) {
    const rows = await next!;
    next = i + 1 < dag.queries.length ? fetch(i + 1) : null;
    // A failed scan ahead is reported when its turn comes; until then it must not be an unhandled rejection.
    next?.catch(() => undefined);
    // Bucketed rows are summed per key first; keys then pass the same support floor as unbucketed ones.
    const byKey = new Map<string, { n: number; rows: Row[] }>();
    for (const row of rows) {
      const key = String(row.key);
      const e = byKey.get(key) ?? { n: 0, rows: [] };
      e.n += Number(row.n);
      e.rows.push(row);
      byKey.set(key, e);
    }
    for (const [key, { n, rows: keyRows }] of byKey) {
      if (query.byBucket && n < Math.min(...query.kpis.map((k) => groupPrefilter(k, totals, minSupport)))) continue;
      const split = splitKey(query, key);
      const node = nodeById.get(split.node);
      const hyp: Hypothesis | null | undefined = node?.spec.decode(split.key);
      if (!node || !hyp) continue;
      for (const k of query.kpis) {
        if (!node.kpis.includes(k.kpi.name)) continue;
        // What defines the outcome is never a candidate for it.
        if (
          hyp.events.some((e) => k.outcomeEvents.includes(e)) ||
          hyp.columns.some((c) => k.outcomeColumns.includes(c))
        )
          continue;
        // Positioned scans count each KPI's groups after its own cut; each KPI passes the floor on its own.
        const groups = query.positioned ? Number(keyRows[0]![groupsForKpi(k.index)]) : n;
        if (query.positioned && !(groups >= groupPrefilter(k, totals, minSupport))) continue;
        const cohort = emptyStats();
        let series: Observation['series'];
        if (query.byBucket) {
          const perBucket = Array.from({ length: dag.buckets.count }, emptyStats);
          for (const r of keyRows) {
            const s = statsOf(r, k.index);
            addStats(cohort, s);
            const b = Number(r.b);
            if (b >= 0 && b < perBucket.length) addStats(perBucket[b]!, s);
          }
          series = {
            from: dag.buckets.from,
            width: dag.buckets.width,
            cohort: perBucket,
            total: totals.byBucket.get(k.index)!,
          };
        } else addStats(cohort, statsOf(keyRows[0]!, k.index));
        observations.push({
          hyp,
          kpi: k,
          node: node.id,
          key: split.key,
          groups,
          cohort,
          total: totals.overall.get(k.index)!,
          series,
        });
      }
    }
  }
  return observations;
}
