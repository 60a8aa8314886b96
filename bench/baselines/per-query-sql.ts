/**
 * Baseline (a): one SQL query per hypothesis, as an operator would write it. Each query sessionizes the raw
 * events (the engine's readable sessions CTE for the hypothesis' KPI, the same CTE an Opportunity's `sql` uses),
 * applies the hypothesis' readable predicate, and returns the KPI in the cohort and in the rest. The cohort's
 * numbers must equal the engine's observation for that key; any difference is reported as a mismatch.
 */
import { readableSessionsCte } from '../../pkg/compile/sessionize';
import type { Dataset } from '../../pkg/dataset/inspect';
import type { Executor } from '../../pkg/execute/executor';
import type { Observation } from '../../pkg/experts/types';
import { lit } from '../../pkg/templates/types';

export interface PerQueryResult {
  hypothesis: string;
  family: string;
  kpi: string;
  seconds: number;
  engine: { cohort: number; sum: number };
  baseline: { cohort: number; sum: number; rest: number; rest_sum: number };
  match: boolean;
}

export function sourceOf(d: Dataset): string {
  return d.events.isFile ? `file(${lit(d.events.label)})` : d.events.from;
}

/** The standalone query for one hypothesis and KPI: cohort vs rest, straight from the raw events. */
export function perHypothesisSql(d: Dataset, o: Observation, lookbackMs: number): string {
  const cte = readableSessionsCte(d, o.kpi, { from: d.range.from, to: d.range.to, lookbackMs }, sourceOf(d));
  const k = `k${o.kpi.index}`;
  return `WITH ${cte}
SELECT
  countIf(${k} IS NOT NULL AND in_cohort) AS a_cohort,
  sumIf(ifNull(${k}, 0), in_cohort) AS s_cohort,
  countIf(${k} IS NOT NULL AND NOT in_cohort) AS a_rest,
  sumIf(ifNull(${k}, 0), NOT in_cohort) AS s_rest
FROM (SELECT *, coalesce((${o.hyp.predicate}), 0) != 0 AS in_cohort FROM sessions)`;
}

export async function runPerQuery(ex: Executor, d: Dataset, sample: Observation[], lookbackMs: number, log: (m: string) => void): Promise<PerQueryResult[]> {
  const out: PerQueryResult[] = [];
  for (const [i, o] of sample.entries()) {
    const sql = perHypothesisSql(d, o, lookbackMs);
    const t = performance.now();
    const r = (await ex.query<Record<string, number>>(sql, {}, { label: `baseline per-query ${o.hyp.key}` }))[0]!;
    const seconds = (performance.now() - t) / 1000;
    const b = { cohort: Number(r.a_cohort), sum: Number(r.s_cohort), rest: Number(r.a_rest), rest_sum: Number(r.s_rest) };
    const e = { cohort: o.cohort.a, sum: o.cohort.s };
    const match = b.cohort === e.cohort && Math.abs(b.sum - e.sum) <= 1e-6 * Math.max(1, Math.abs(e.sum));
    out.push({ hypothesis: o.hyp.key, family: o.hyp.template, kpi: o.kpi.kpi.name, seconds, engine: e, baseline: b, match });
    log(`  per-query ${i + 1}/${sample.length} ${seconds.toFixed(2)} s ${match ? 'ok' : 'MISMATCH'} ${o.kpi.kpi.name} ${o.hyp.key.slice(0, 90)}`);
  }
  return out;
}
