/**
 * A context series as a non-local lead's page charts it: the metric over the lead's range (the highest sample per
 * bucket, so a spike narrower than a bucket still shows), the threshold the lead's hypothesis used, and the windows
 * where the metric was above it, computed as the analysis computes them (compile/profile.ts). Computed in
 * ClickHouse; identifiers come from the checked dataset, values travel as parameters.
 */
import type { ContextInfo } from '../dataset/inspect';
import { timeMsExpr } from '../dataset/inspect';
import type { Executor, Params } from '../execute/executor';
import { quoteIdent } from '../execute/sql';
import { contextQueries, toIntervals } from '../compile/profile';

/** Points at most in the chart's series (buckets of the range). */
export const CONTEXT_POINTS = 240;

export interface ContextSeries {
  context: string;
  threshold: number;
  from: number;
  to: number;
  bucket_ms: number;
  /** Bucket start (epoch ms) and the highest sample in it; buckets without samples are left out. */
  points: { time: number; value: number }[];
  /** [from, to) epoch ms where the metric was above the threshold. */
  windows: { from: number; to: number }[];
}

export async function contextSeries(
  ex: Executor,
  c: ContextInfo,
  range: { from: number; to: number; threshold: number },
  signal?: AbortSignal
): Promise<ContextSeries> {
  const ms = timeMsExpr(c.timeColumn);
  const v = `toFloat64(${quoteIdent(c.spec.value)})`;
  const bucket = Math.max(1, Math.ceil((range.to - range.from) / CONTEXT_POINTS));
  const p: Params = { ...c.src.params, cs_from: range.from, cs_to: range.to, cs_w: bucket };
  const rows = await ex.query<{ b: number; value: number }>(
    `SELECT intDiv(${ms} - {cs_from:Int64}, {cs_w:Int64}) AS b, max(${v}) AS value
FROM ${c.src.from}
WHERE ${ms} >= {cs_from:Int64} AND ${ms} < {cs_to:Int64}
GROUP BY b
ORDER BY b`,
    p,
    { label: `context ${c.spec.name} series`, signal }
  );
  // The windows as the analysis finds them: samples above the threshold, each covering one sampling step.
  const cq = contextQueries(c, 0);
  const wp: Params = { ...cq.params, cx0_from: range.from, cx0_to: range.to, cx0_thr: range.threshold };
  const st = (await ex.query<{ step: number; n: number }>(cq.stats, wp, { label: `context ${c.spec.name} step`, signal }))[0];
  const ab = (await ex.query<{ abnormal: number[] }>(cq.abnormal, wp, { label: `context ${c.spec.name} windows`, signal }))[0];
  const iv = st && Number(st.n) ? toIntervals((ab?.abnormal ?? []).map(Number), Number(st.step)) : { starts: [], ends: [] };
  return {
    context: c.spec.name,
    threshold: range.threshold,
    from: range.from,
    to: range.to,
    bucket_ms: bucket,
    points: rows.map((r) => ({ time: range.from + Number(r.b) * bucket, value: Number(r.value) })),
    windows: iv.starts.map((s, i) => ({ from: s, to: iv.ends[i]! })),
  };
}
