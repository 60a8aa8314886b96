import type { Params } from '../execute/executor';
import { pushTo } from '../util/collections';
import type { Dataset, KpiInfo } from '../dataset/inspect';
import { getTemplate } from '../templates/catalog';
import { canonicalJson, codesOf, KEY_BITS, type Family, type NodeContext, type NodeSpec, type Profile } from '../templates/types';
import { NO_CUT } from './sessionize';

/** A hypothesis class chosen by a planner: one template, its parameters, the KPIs it is tested against. */
export interface PlanItem {
  template: Family;
  params: Record<string, unknown>;
  kpis: string[];
  reason: string;
}

/** A KPI's view of the sequences: its outcome events removed, and cut at its failure for failure-event KPIs. */
export interface Variant {
  id: string;
  excluded: string[];
  cutColumn: string | null;
  kpis: KpiInfo[];
}

export interface FamilyNode {
  id: string;
  template: Family;
  params: Record<string, unknown>;
  /** The variant whose sequence it reads; null for group-level (cohort) families. */
  variant: string | null;
  kpis: string[];
  reasons: string[];
  spec: NodeSpec;
}

/** One scan of the session table: the keys of its nodes for every group, aggregated per key for its KPIs. */
export interface AggregateQuery {
  id: string;
  /** Keys are UInt64: the node's number above KEY_BITS, the node's own integer key below. */
  intKeys: boolean;
  /** Rows per key and time bucket (b), for the trend expert; otherwise one row per key. */
  byBucket: boolean;
  nodes: string[];
  kpis: KpiInfo[];
  sql: string;
  params: Params;
}

/** Time buckets of the window: b = intDiv(t0 - from, width). */
export interface Buckets {
  from: number;
  width: number;
  count: number;
}

/** Bucket width: the shortest of 1h … 7d that cuts the window into at most 60 buckets, aligned to UTC. */
export function bucketsFor(from: number, to: number): Buckets {
  const H = 3_600_000;
  const widths = [H, 3 * H, 6 * H, 12 * H, 24 * H, 7 * 24 * H];
  const width = widths.find((w) => (to - from) / w <= 59) ?? widths[widths.length - 1]!;
  const start = Math.floor(from / width) * width;
  return { from: start, width, count: Math.max(1, Math.ceil((to - start) / width)) };
}

export const BUCKET = 'intDiv(t0 - {bk_from:Int64}, {bk_width:Int64}) AS b';

export interface Dag {
  buckets: Buckets;
  variants: Variant[];
  nodes: FamilyNode[];
  queries: AggregateQuery[];
  totals: AggregateQuery;
}

const SEQUENCE_FAMILIES: Family[] = ['ngram', 'ordered_pattern', 'absence', 'stateful'];

export function variantsOf(kpis: KpiInfo[]): Variant[] {
  const byKey = new Map<string, Variant>();
  for (const k of kpis) {
    const excluded = [...new Set(k.outcomeEvents)].sort();
    const cutColumn = k.kind === 'failure_events' ? `c${k.index}` : null;
    // KPIs with the same failure events share one cut; each failure-event KPI has its own cut column.
    const key = canonicalJson({ excluded, cut: k.kind === 'failure_events' ? [...k.kpi.failure_events!].sort() : null });
    const v = byKey.get(key);
    if (v) v.kpis.push(k);
    else byKey.set(key, { id: `v${byKey.size}`, excluded, cutColumn, kpis: [k] });
  }
  return [...byKey.values()];
}

/** Per-KPI aggregates: for binary KPIs applicable groups and failures; for numeric ones moments, raw and log. */
export function statsColumns(kpis: KpiInfo[]): string[] {
  return kpis.flatMap((k) => {
    const i = k.index;
    const base = [`countIf(k${i} IS NOT NULL) AS a${i}`, `sum(ifNull(k${i}, 0)) AS s${i}`];
    if (k.binary) return base;
    return [
      ...base,
      `sum(ifNull(k${i} * k${i}, 0)) AS q${i}`,
      `sum(ifNull(log1p(greatest(k${i}, 0)), 0)) AS l${i}`,
      `sum(ifNull(pow(log1p(greatest(k${i}, 0)), 2), 0)) AS m${i}`,
    ];
  });
}

/**
 * All chosen hypothesis classes become one DAG over the shared session table: identical classes merge (one node
 * serving several KPIs), sequence families group by the KPIs' sequence variant, and each group of nodes is one
 * scan of the session table. The events themselves are scanned once, by the sessionize node.
 */
export function compileDag(
  items: PlanItem[],
  d: Dataset,
  ctxBase: Omit<NodeContext, 'id' | 'excludedEvents'>,
  sessTable: string,
  minSupport: number,
  buckets: Buckets,
): Dag {
  const variants = variantsOf(d.kpis);
  const variantOfKpi = new Map<string, Variant>();
  variants.forEach((v) => v.kpis.forEach((k) => variantOfKpi.set(k.kpi.name, v)));
  const nodes = new Map<string, FamilyNode>();
  for (const item of items) {
    const t = getTemplate(item.template);
    const params = t.params.parse(item.params ?? {}) as Record<string, unknown>;
    const seq = SEQUENCE_FAMILIES.includes(item.template);
    const groups = seq
      ? groupBy(item.kpis, (k) => variantOfKpi.get(k)!.id)
      : new Map([[null as string | null, item.kpis]]);
    for (const [variantId, kpis] of groups) {
      const key = canonicalJson({ t: item.template, params, v: variantId });
      const existing = nodes.get(key);
      if (existing) {
        existing.kpis = [...new Set([...existing.kpis, ...kpis])];
        existing.reasons.push(item.reason);
        continue;
      }
      const id = `n${nodes.size}`;
      const variant = variants.find((v) => v.id === variantId);
      const ctx: NodeContext = { ...ctxBase, id, excludedEvents: new Set(variant?.excluded ?? []) };
      nodes.set(key, { id, template: item.template, params, variant: variantId, kpis: [...kpis], reasons: [item.reason], spec: t.build(params, ctx) });
    }
  }
  const all = [...nodes.values()];
  const queries: AggregateQuery[] = [];
  for (const v of variants) {
    const vn = all.filter((n) => n.variant === v.id);
    if (vn.length === 0) continue;
    const kpis = v.kpis.filter((k) => vn.some((n) => n.kpis.includes(k.kpi.name)));
    const seq = variantSequence(v, ctxBase.vocab);
    queries.push(aggregateQuery(`agg_${v.id}`, vn, kpis, seq.rowCols, seq.params, sessTable, minSupport, false));
  }
  const cohortNodes = all.filter((n) => n.variant === null);
  if (cohortNodes.length) {
    const names = new Set(cohortNodes.flatMap((n) => n.kpis));
    // Group-level cohorts are few: they come back per time bucket, so the trend expert sees each one over time.
    queries.push(aggregateQuery('agg_groups', cohortNodes, d.kpis.filter((k) => names.has(k.kpi.name)), [], {}, sessTable, minSupport, true));
  }
  const totals: AggregateQuery = {
    id: 'totals',
    intKeys: false,
    byBucket: true,
    nodes: [],
    kpis: d.kpis,
    sql: `SELECT ${BUCKET}, count() AS n,\n  ${statsColumns(d.kpis).join(',\n  ')}\nFROM ${sessTable}\nGROUP BY b`,
    params: {},
  };
  const bk = { bk_from: buckets.from, bk_width: buckets.width };
  for (const q of [...queries, totals]) if (q.byBucket) Object.assign(q.params, bk);
  return { buckets, variants, nodes: all, queries, totals };
}

/** The variant's sequence columns over the session table: s (codes), st (times), sc (cut time). */
export function variantSequence(v: Variant, vocab: string[]): { rowCols: string[]; params: Params } {
  return {
    params: { [`${v.id}_x`]: codesOf({ vocab } as NodeContext, v.excluded) },
    rowCols: [
      `${v.cutColumn ?? NO_CUT} AS sc`,
      `arrayFilter((x, t) -> NOT has({${v.id}_x:Array(UInt16)}, x) AND t < sc, ev, tm) AS s`,
      `arrayFilter((t, x) -> NOT has({${v.id}_x:Array(UInt16)}, x) AND t < sc, tm, ev) AS st`,
    ],
  };
}

function aggregateQuery(
  id: string,
  nodes: FamilyNode[],
  kpis: KpiInfo[],
  rowCols: string[],
  params: Params,
  sessTable: string,
  minSupport: number,
  byBucket: boolean,
): AggregateQuery {
  const p: Params = { ...params, [`${id}_min`]: minSupport };
  nodes.forEach((n) => Object.assign(p, n.spec.params));
  const preludes = nodes.map((n) => n.spec.prelude).filter(Boolean);
  // All-integer scans group by a UInt64 (the node's number in the high bits); otherwise by 'node|key' strings.
  const intKeys = nodes.every((n) => n.spec.intKeys);
  const keys = nodes.map((n) =>
    intKeys
      ? `arrayMap(x -> x + ${nodeKeyBase(n.id)}, ${n.spec.keys})`
      : `arrayMap(x -> concat('${n.id}|', ${n.spec.intKeys ? 'toString(x)' : 'x'}), ${n.spec.keys})`,
  );
  const kpiCols = kpis.map((k) => `k${k.index}`);
  // Integer keys come back as text: they exceed 2^53, and JSON numbers would round them.
  const sql = `SELECT ${intKeys ? 'toString(ik) AS key' : 'key'},${byBucket ? ' b,' : ''} count() AS n,
  ${statsColumns(kpis).join(',\n  ')}
FROM (
  SELECT
    ${[...(byBucket ? [BUCKET] : []), ...kpiCols, ...rowCols, ...preludes, `arrayConcat(\n      ${keys.join(',\n      ')}\n    ) AS keys`].join(',\n    ')}
  FROM ${sessTable}
)
ARRAY JOIN keys AS ${intKeys ? 'ik' : 'key'}
${byBucket ? `GROUP BY ${intKeys ? 'ik' : 'key'}, b` : `GROUP BY ${intKeys ? 'ik' : 'key'}\nHAVING n >= {${id}_min:UInt64}`}`;
  // Per-bucket rows carry no support floor: it applies to the key's total, after the rows are summed.
  if (byBucket) delete p[`${id}_min`];
  return { id, intKeys, byBucket, nodes: nodes.map((n) => n.id), kpis, sql, params: p };
}

/** The high bits of a node's integer keys: its number (n12 → 12) shifted above KEY_BITS, as a UInt64 literal. */
export function nodeKeyBase(nodeId: string): string {
  const i = Number(nodeId.slice(1));
  if (!Number.isInteger(i) || i < 0 || i >= 2 ** (64 - KEY_BITS)) throw new Error(`node id ${nodeId} does not fit an integer key`);
  return `${BigInt(i) << BigInt(KEY_BITS)}`;
}

/** Splits an aggregate row's key into its node and the node's own key (decimal for integer keys). */
export function splitKey(q: Pick<AggregateQuery, 'intKeys'>, key: string): { node: string; key: string } {
  if (q.intKeys) {
    const v = BigInt(key);
    return { node: `n${v >> BigInt(KEY_BITS)}`, key: (v & ((1n << BigInt(KEY_BITS)) - 1n)).toString() };
  }
  const bar = key.indexOf('|');
  return { node: key.slice(0, bar), key: key.slice(bar + 1) };
}

function groupBy<T>(xs: T[], f: (x: T) => string): Map<string | null, T[]> {
  const m = new Map<string | null, T[]>();
  xs.forEach((x) => {
    const k = f(x);
    pushTo(m, k, x);
  });
  return m;
}

