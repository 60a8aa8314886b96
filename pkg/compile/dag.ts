import type { Params } from '../execute/executor';
import type { Dataset, KpiInfo } from '../dataset/inspect';
import { getTemplate } from '../templates/catalog';
import { canonicalJson, codesOf, type Family, type NodeContext, type NodeSpec, type Profile } from '../templates/types';
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

const BUCKET = 'intDiv(t0 - {bk_from:Int64}, {bk_width:Int64}) AS b';

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
function variantSequence(v: Variant, vocab: string[]): { rowCols: string[]; params: Params } {
  return {
    params: { [`${v.id}_x`]: codesOf({ vocab } as NodeContext, v.excluded) },
    rowCols: [
      `${v.cutColumn ?? NO_CUT} AS sc`,
      `arrayFilter((x, t) -> NOT has({${v.id}_x:Array(UInt16)}, x) AND t < sc, ev, tm) AS s`,
      `arrayFilter((t, x) -> NOT has({${v.id}_x:Array(UInt16)}, x) AND t < sc, tm, ev) AS st`,
    ],
  };
}

/**
 * For chosen hypotheses of one KPI (node id + key): each group's membership vector f, its KPI value v, time
 * bucket b (and user u): the same key expressions as the aggregate pass, so exactly the same cohorts, only
 * for the nodes involved.
 */
function membershipRows(dag: Dag, k: KpiInfo, members: { node: string; key: string }[], sessTable: string, vocab: string[], withUser: boolean, extra: string[] = []) {
  const v = dag.variants.find((x) => x.kpis.some((y) => y.index === k.index))!;
  const nodes = [...new Set(members.map((m) => m.node))].map((id) => dag.nodes.find((n) => n.id === id)!);
  const seq = variantSequence(v, vocab);
  const params: Params = { ...seq.params, bk_from: dag.buckets.from, bk_width: dag.buckets.width };
  nodes.forEach((n) => Object.assign(params, n.spec.params));
  members.forEach((m, i) => (params[`mb${i}`] = m.key));
  const cols = [
    BUCKET,
    ...(withUser ? ['u'] : []),
    ...extra,
    `assumeNotNull(k${k.index}) AS v`,
    ...(nodes.some((n) => n.spec.sequence) ? seq.rowCols : []),
    ...nodes.map((n) => n.spec.prelude).filter(Boolean),
    ...nodes.map((n) => `${n.spec.keys} AS ${n.id}_keys`),
  ];
  const f = members.map((m, i) => `toUInt8(has(${m.node}_keys, {mb${i}:String}))`);
  const sql = `SELECT [${f.join(', ')}] AS f, v, b${withUser ? ', u' : ''}${extra.map((e) => `, ${e.split(' AS ').pop()}`).join('')}
  FROM (
    SELECT
      ${cols.join(',\n      ')}
    FROM ${sessTable}
    WHERE k${k.index} IS NOT NULL
  )`;
  return { sql, params };
}

/** Membership in the chosen hypotheses, aggregated by vector and time bucket with the KPI's moments: few rows. */
export function membershipQuery(dag: Dag, k: KpiInfo, members: { node: string; key: string }[], sessTable: string, vocab: string[]) {
  const r = membershipRows(dag, k, members, sessTable, vocab, false);
  const sql = `SELECT f, b, count() AS n, sum(v) AS s, sum(v * v) AS q, sum(log1p(greatest(v, 0))) AS l, sum(pow(log1p(greatest(v, 0)), 2)) AS m
FROM (
  ${r.sql}
)
GROUP BY f, b`;
  return { sql, params: r.params };
}

/**
 * How the groups of one hypothesis spread over the static attributes' values, against all the KPI's groups:
 * the confounder hint for non-local leads (is the CPU-spike cohort mostly one country?).
 */
export function attributeMixQuery(dag: Dag, k: KpiInfo, member: { node: string; key: string }, sessTable: string, vocab: string[], attrCount: number) {
  const attrs = Array.from({ length: attrCount }, (_, i) => `a${i}`);
  const r = membershipRows(dag, k, [member], sessTable, vocab, false, attrs);
  const sql = `SELECT x.1 AS i, x.2 AS value, sum(f[1]) AS in_cohort, count() AS total
FROM (
  ${r.sql}
)
ARRAY JOIN [${attrs.map((a, i) => `(${i}, ${a})`).join(', ')}] AS x
GROUP BY i, value`;
  return { sql, params: r.params };
}

/**
 * Per-user cell sums for each chosen hypothesis, and their second moments over users: what the cluster-robust
 * variance needs (experts/robust.ts). Binary KPIs: A in & failed, B in & not, C out & failed, D out & not;
 * numeric: A groups in, B their sum, C groups out, D their sum. One row back.
 */
export function userMomentsQuery(dag: Dag, k: KpiInfo, members: { node: string; key: string }[], sessTable: string, vocab: string[]) {
  const r = membershipRows(dag, k, members, sessTable, vocab, true);
  const cells = k.binary
    ? ['FV AS A', 'arrayMap((x, y) -> y - x, FV, F) AS B', 'arrayMap(x -> sv - x, FV) AS C', 'arrayMap((x, y) -> (nn - sv) - (y - x), FV, F) AS D']
    : ['F AS A', 'FV AS B', 'arrayMap(y -> nn - y, F) AS C', 'arrayMap(x -> sv - x, FV) AS D'];
  const names = ['A', 'B', 'C', 'D'];
  const products: string[] = [];
  for (const [x, y] of [[0, 0], [1, 1], [2, 2], [3, 3], [0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]] as const) {
    products.push(`sumForEach(arrayMap((x, y) -> x * y, ${names[x]}, ${names[y]})) AS ${names[x]}${names[y]}`);
  }
  const sql = `SELECT count() AS users, ${names.map((n) => `sumForEach(${n}) AS t${n}`).join(', ')},
  ${products.join(',\n  ')}
FROM (
  SELECT ${cells.join(', ')}
  FROM (
    SELECT u, sumForEach(arrayMap(x -> toFloat64(x), f)) AS F, sumForEach(arrayMap(x -> x * v, f)) AS FV, sum(v) AS sv, toFloat64(count()) AS nn
    FROM (
      ${r.sql}
    )
    GROUP BY u
  )
)`;
  return { sql, params: r.params };
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
  const keys = nodes.map((n) => `arrayMap(x -> concat('${n.id}|', x), ${n.spec.keys})`);
  const kpiCols = kpis.map((k) => `k${k.index}`);
  const sql = `SELECT key,${byBucket ? ' b,' : ''} count() AS n,
  ${statsColumns(kpis).join(',\n  ')}
FROM (
  SELECT
    ${[...(byBucket ? [BUCKET] : []), ...kpiCols, ...rowCols, ...preludes, `arrayConcat(\n      ${keys.join(',\n      ')}\n    ) AS keys`].join(',\n    ')}
  FROM ${sessTable}
)
ARRAY JOIN keys AS key
${byBucket ? 'GROUP BY key, b' : `GROUP BY key\nHAVING n >= {${id}_min:UInt64}`}`;
  // Per-bucket rows carry no support floor: it applies to the key's total, after the rows are summed.
  if (byBucket) delete p[`${id}_min`];
  return { id, byBucket, nodes: nodes.map((n) => n.id), kpis, sql, params: p };
}

function groupBy<T>(xs: T[], f: (x: T) => string): Map<string | null, T[]> {
  const m = new Map<string | null, T[]>();
  xs.forEach((x) => {
    const k = f(x);
    m.set(k, [...(m.get(k) ?? []), x]);
  });
  return m;
}

