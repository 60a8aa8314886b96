import type { Params } from '../execute/executor';
import { sql } from '../execute/sql';
import { pushTo } from '../util/collections';
import type { Dataset, KpiInfo } from '../dataset/inspect';
import { getTemplate } from '../templates/catalog';
import {
  canonicalJson,
  codesOf,
  KEY_BITS,
  MAX_POSITION,
  POSITION_BITS,
  type Family,
  type NodeContext,
  type NodeSpec,
  type Profile,
} from '../templates/types';
import { GROUPS, groupsForKpi, kpiColumn, kpiCutColumn, sequenceView, statColumns } from './columns';
import { NO_CUT } from './sessionize';
import { MEMORY_SCRATCH, type ScratchTables } from './scratch';

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
  /** The variant whose sequence it reads; null for group-level (cohort) families; ACROSS_VARIANTS for all. */
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
  /** Nodes with positioned keys (NodeSpec.positions): groups per KPI come back as n<index>, each after its cut. */
  positioned: boolean;
  /** Run first: stores each group's keys (and KPI values, cut positions) in `table`, which `sql` then reads. */
  store?: { table: string; sql: string };
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

/**
 * Bucket width: the shortest of 1h … 7d that cuts the window into at most 60 buckets, aligned to UTC; a longer
 * window gets whole weeks wide enough for 60 buckets, so the count (and every lead's series) stays bounded.
 */
export function bucketsFor(from: number, to: number): Buckets {
  const H = 3_600_000;
  const WEEK = 7 * 24 * H;
  const widths = [H, 3 * H, 6 * H, 12 * H, 24 * H, WEEK];
  const width = widths.find((w) => (to - from) / w <= 59) ?? Math.ceil((to - from) / 59 / WEEK) * WEEK;
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
  /** Plan items left out because their parameters or their SQL could not be built, each with why. */
  skipped: string[];
  /** Where the stored keys (and the leads' memberships built from the DAG) are kept: memory or disk. */
  scratch: ScratchTables;
}

/** FamilyNode.variant of a node that serves all its KPIs' variants in one scan (Template.acrossVariants). */
export const ACROSS_VARIANTS = '*';

export function variantsOf(kpis: KpiInfo[]): Variant[] {
  const byKey = new Map<string, Variant>();
  for (const k of kpis) {
    const excluded = [...new Set(k.outcomeEvents)].sort();
    const cutColumn = k.kind === 'failure_events' ? kpiCutColumn(k.index) : null;
    // KPIs with the same failure events share one cut; each failure-event KPI has its own cut column.
    const key = canonicalJson({
      excluded,
      cut: k.kind === 'failure_events' ? [...k.kpi.failure_events!].sort() : null,
    });
    const v = byKey.get(key);
    if (v) v.kpis.push(k);
    else byKey.set(key, { id: `v${byKey.size}`, excluded, cutColumn, kpis: [k] });
  }
  return [...byKey.values()];
}

/**
 * Per-KPI aggregates: for binary KPIs applicable groups and failures; for numeric ones moments, raw and log.
 * With `when`, a KPI's rows count only where its condition holds (positioned keys: complete before its cut).
 */
export function statsColumns(kpis: KpiInfo[], when: (k: KpiInfo) => string | null = () => null): string[] {
  return kpis.flatMap((k) => {
    const v = kpiColumn(k.index);
    const out = statColumns(k.index);
    const c = when(k);
    const sum = (x: string) => (c ? `sumIf(${x}, ${c})` : `sum(${x})`);
    const base = [
      c ? `countIf(${v} IS NOT NULL AND ${c}) AS ${out.a}` : `countIf(${v} IS NOT NULL) AS ${out.a}`,
      `${sum(`ifNull(${v}, 0)`)} AS ${out.s}`,
    ];
    if (k.binary) return base;
    return [
      ...base,
      `${sum(`ifNull(${v} * ${v}, 0)`)} AS ${out.q}`,
      `${sum(`ifNull(log1p(greatest(${v}, 0)), 0)`)} AS ${out.l}`,
      `${sum(`ifNull(pow(log1p(greatest(${v}, 0)), 2), 0)`)} AS ${out.m}`,
    ];
  });
}

/**
 * All chosen hypothesis classes become one DAG over the shared session table: identical classes merge (one node
 * serving several KPIs), sequence families group by the KPIs' sequence variant, and each group of nodes is one
 * scan of the session table. The events themselves are scanned once, by the sessionize node.
 */
/** One line saying why an item could not be compiled: the first zod issue, else the error's message. */
function whyNot(e: unknown): string {
  const issue = (e as { issues?: { path: (string | number)[]; message: string }[] }).issues?.[0];
  const text = issue ? `${issue.path.join('.') || 'params'}: ${issue.message}` : ((e as Error)?.message ?? String(e));
  return text.replace(/\s+/g, ' ').slice(0, 200);
}

export function compileDag(
  items: PlanItem[],
  d: Dataset,
  ctxBase: Omit<NodeContext, 'id' | 'excludedEvents'>,
  sessTable: string,
  minSupport: number,
  buckets: Buckets,
  opts: {
    storeKeys?: boolean;
    /**
     * A session-table column to add to every scan's GROUP BY (pipeline/watch.ts: the time slice of the group), with
     * no support floor: the rows are additive partials, summed over slices and floored later.
     */
    partialsBy?: string;
    /** Where a family's stored keys go (storeKeys), instead of a table named after the session table. */
    keysTableOf?: (template: string) => string;
    /** Engines of the scratch tables (compile/scratch.ts): in memory, or on disk for a partitioned run. */
    scratch?: ScratchTables;
  } = {}
): Dag {
  const scratch = opts.scratch ?? MEMORY_SCRATCH;
  const variants = variantsOf(d.kpis);
  const variantOfKpi = new Map<string, Variant>();
  variants.forEach((v) => v.kpis.forEach((k) => variantOfKpi.set(k.kpi.name, v)));
  // Identical classes merge first (their KPIs united), then each is built once for the KPIs it serves.
  const merged = new Map<string, Omit<FamilyNode, 'id' | 'spec'>>();
  // One bad item (e.g. from an LLM plan) is left out with a note rather than failing the whole run.
  const skipped: string[] = [];
  for (const [n, item] of items.entries()) {
    let params: Record<string, unknown>;
    try {
      params = getTemplate(item.template).params.parse(item.params ?? {}) as Record<string, unknown>;
    } catch (e) {
      skipped.push(`skipped item ${n + 1} ${item.template}: invalid parameters (${whyNot(e)})`);
      continue;
    }
    const t = getTemplate(item.template);
    // Group-level families read no sequence: one node serves every KPI.
    const groups = t.kind === 'cohort'
      ? new Map([[null as string | null, item.kpis]])
      : t.acrossVariants
        ? new Map([[ACROSS_VARIANTS as string | null, item.kpis]])
        : groupBy(item.kpis, (k) => variantOfKpi.get(k)!.id);
    // A family split in two: its per-variant nodes, and one node for the part that serves every variant.
    if (t.buildAcross) groups.set(ACROSS_VARIANTS, item.kpis);
    for (const [variantId, kpis] of groups) {
      const key = canonicalJson({ t: item.template, params, v: variantId });
      const existing = merged.get(key);
      if (existing) {
        existing.kpis = [...new Set([...existing.kpis, ...kpis])];
        existing.reasons.push(item.reason);
      } else
        merged.set(key, {
          template: item.template,
          params,
          variant: variantId,
          kpis: [...kpis],
          reasons: [item.reason],
        });
    }
  }
  const nodes = new Map<string, FamilyNode>();
  let next = 0;
  for (const [key, m] of merged) {
    const id = `n${next++}`;
    const served = m.variant === ACROSS_VARIANTS ? [...new Set(m.kpis.map((k) => variantOfKpi.get(k)!))] : [];
    const variant = variants.find((v) => v.id === m.variant);
    const excluded = served.length
      ? served.map((v) => v.excluded).reduce((a, b) => a.filter((x) => b.includes(x)))
      : (variant?.excluded ?? []);
    const ctx: NodeContext = {
      ...ctxBase,
      id,
      excludedEvents: new Set(excluded),
      ...(served.length
        ? {
            variantExclusions: served.map((v) => new Set(v.excluded)),
            cutColumns: [...new Set(served.flatMap((v) => (v.cutColumn ? [v.cutColumn] : [])))],
          }
        : {}),
    };
    const t = getTemplate(m.template);
    let spec: ReturnType<typeof t.build> | null;
    try {
      spec = m.variant === ACROSS_VARIANTS && !t.acrossVariants ? t.buildAcross!(m.params, ctx) : t.build(m.params, ctx);
    } catch (e) {
      skipped.push(`skipped ${m.template} for ${m.kpis.join(', ')}: it could not be built (${whyNot(e)})`);
      continue;
    }
    if (spec) nodes.set(key, { id, ...m, spec });
  }
  const all = [...nodes.values()];
  const queries: AggregateQuery[] = [];
  for (const v of variants) {
    const vn = all.filter((n) => n.variant === v.id);
    if (vn.length === 0) continue;
    const kpis = v.kpis.filter((k) => vn.some((n) => n.kpis.includes(k.kpi.name)));
    const seq = variantSequence(v, ctxBase.vocab);
    queries.push(aggregateQuery(`agg_${v.id}`, vn, kpis, seq.rowCols, seq.params, sessTable, minSupport, false, opts.partialsBy));
  }
  // Nodes serving every variant: one scan per family (one query with all of them analyzes and runs slower than
  // the parts), each storing its keys for the leads' membership.
  const across = all.filter((n) => n.variant === ACROSS_VARIANTS);
  for (const template of [...new Set(across.map((n) => n.template))]) {
    const mine = across.filter((n) => n.template === template);
    const names = new Set(mine.flatMap((n) => n.kpis));
    queries.push(
      positionedQuery(
        `agg_${template}`,
        mine,
        d.kpis.filter((k) => names.has(k.kpi.name)),
        variantOfKpi,
        sessTable,
        minSupport,
        opts.storeKeys ? (opts.keysTableOf?.(template) ?? suffixed(sessTable, `_keys_${template}`)) : undefined,
        opts.partialsBy,
        scratch
      )
    );
  }
  const cohortNodes = all.filter((n) => n.variant === null);
  if (cohortNodes.length) {
    const names = new Set(cohortNodes.flatMap((n) => n.kpis));
    // Group-level cohorts are few: they come back per time bucket, so the trend expert sees each one over time.
    queries.push(
      aggregateQuery(
        'agg_groups',
        cohortNodes,
        d.kpis.filter((k) => names.has(k.kpi.name)),
        [],
        {},
        sessTable,
        minSupport,
        true,
        opts.partialsBy
      )
    );
  }
  const totals: AggregateQuery = {
    id: 'totals',
    intKeys: false,
    byBucket: true,
    positioned: false,
    nodes: [],
    kpis: d.kpis,
    sql: sql`
      -- every group of the window, per time bucket: the base every cohort is compared with
      SELECT ${BUCKET},${opts.partialsBy ? ` ${opts.partialsBy},` : ''} count() AS ${GROUPS},
        ${statsColumns(d.kpis).join(',\n')}
      FROM ${sessTable}
      GROUP BY b${opts.partialsBy ? `, ${opts.partialsBy}` : ''}`,
    params: {},
  };
  const bk = { bk_from: buckets.from, bk_width: buckets.width };
  for (const q of [...queries, totals]) if (q.byBucket) Object.assign(q.params, bk);
  return { buckets, variants, nodes: all, queries, totals, skipped, scratch };
}

/** The variant's view of the sequence over the session table (columns.ts sequenceView), its codes as a parameter. */
export function variantSequence(v: Variant, vocab: string[]): { rowCols: string[]; params: Params } {
  return {
    params: { [`${v.id}_x`]: codesOf({ vocab } as NodeContext, v.excluded) },
    rowCols: sequenceView(v.cutColumn ?? NO_CUT, `{${v.id}_x:Array(UInt16)}`),
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
  partialsBy?: string
): AggregateQuery {
  const p: Params = { ...params, [`${id}_min`]: minSupport };
  nodes.forEach((n) => Object.assign(p, n.spec.params));
  // All-integer scans group by a UInt64 (the node's number in the high bits); otherwise by 'node|key' strings.
  const intKeys = nodes.every((n) => n.spec.intKeys);
  const key = intKeys ? 'ik' : 'key';
  const perGroup: Step[] = [
    { why: 'the time bucket of the group', exprs: byBucket ? [BUCKET] : [] },
    { why: 'the sequence variant these nodes read: events and times before the cut, outcome events removed', exprs: rowCols },
    { why: 'what the nodes compute once per group before their keys', exprs: preludes(nodes) },
    { why: 'every key of every node the group has', exprs: [keysOfNodes(nodes, intKeys)] },
  ];
  // Integer keys come back as text: they exceed 2^53, and JSON numbers would round them.
  const select = sql`
    -- one row per key${byBucket ? ' and bucket' : ''}: the groups with it, and each KPI over them
    SELECT ${intKeys ? 'toString(ik) AS key' : 'key'},${byBucket ? ' b,' : ''}${partialsBy ? ` ${partialsBy},` : ''} count() AS ${GROUPS},
      ${statsColumns(kpis).join(',\n')}`;
  // Per-bucket rows carry no support floor: it applies to the key's total, after the rows are summed.
  const by = partialsBy ? `, ${partialsBy}` : '';
  const groupBy =
    byBucket || partialsBy ? [`GROUP BY ${key}${byBucket ? ', b' : ''}${by}`] : [`GROUP BY ${key}`, `HAVING ${GROUPS} >= {${id}_min:UInt64}`];
  if (byBucket || partialsBy) delete p[`${id}_min`];
  const text = scanSql(perGroup, select, sessTable, [`ARRAY JOIN keys AS ${key}`, ...groupBy]);
  return { id, intKeys, byBucket, positioned: false, nodes: nodes.map((n) => n.id), kpis, sql: text, params: p };
}

/** Aliases computed per group row before the keys, each run of them after a comment saying what it is. */
interface Step {
  why: string;
  exprs: string[];
}

function preludes(nodes: FamilyNode[]): string[] {
  return nodes.map((n) => n.spec.prelude).filter((x): x is string => Boolean(x));
}

/** Each node's keys of the row, as one array: the node's number above KEY_BITS (integer keys), else a 'node|' prefix. */
function keysOfNodes(nodes: FamilyNode[], intKeys: boolean): string {
  const keys = nodes.map((n) =>
    intKeys
      ? `arrayMap(x -> x + ${nodeKeyBase(n.id)}, ${n.spec.keys})`
      : `arrayMap(x -> concat('${n.id}|', ${n.spec.intKeys ? 'toString(x)' : 'x'}), ${n.spec.keys})`
  );
  return sql`
    arrayConcat(
      ${keys.join(',\n')}
    ) AS keys`;
}

function withList(steps: Step[]): string {
  const kept = steps.filter((s) => s.exprs.length);
  return kept.map((s, i) => `-- ${s.why}\n${s.exprs.join(',\n')}${i < kept.length - 1 ? ',' : ''}`).join('\n');
}

/**
 * A scan of the session table, flat: the per-group expressions as WITH aliases over the table itself, not in a
 * subquery. Over a Distributed session table (a cluster) each shard then expands and pre-aggregates its own
 * groups and only per-key partial aggregates travel to be merged; a subquery would stream every group's row to
 * the initiator. prefer_column_name_to_alias: outputs such as a0 (a KPI's count) must not shadow the session
 * columns of the same name (a0, an attribute) that the per-group expressions read.
 */
function scanSql(perGroup: Step[], select: string, sessTable: string, rest: string[], settings = 'SETTINGS'): string {
  const tail = [...rest, `${settings} prefer_column_name_to_alias = 1`].join('\n');
  return sql`
    WITH
      ${withList(perGroup)}
    ${select}
    FROM ${sessTable}
    ${tail}`;
}

/** The session-table column of a positioned node's cut position for a KPI (cutPosition), when it has a cut. */
export const cutPositionColumn = (nodeId: string, kpiIndex: number) => `${nodeId}_cp${kpiIndex}`;

/** The sequence variant a KPI reads. */
export function variantOf(dag: Pick<Dag, 'variants'>, kpiName: string): Variant {
  return dag.variants.find((v) => v.kpis.some((k) => k.kpi.name === kpiName))!;
}

/** A positioned node's bound for a KPI's cut (NodeSpec.positions.cut); null when the KPI has no cut. */
export function cutPosition(n: FamilyNode, cutColumn: string | null): string | null {
  return cutColumn ? n.spec.positions!.cut(cutColumn) : null;
}

/**
 * One scan for nodes that serve every variant (positioned keys): each key is counted for a KPI only where it is
 * complete before that KPI's cut, so each KPI gets its own groups (n<index>) and aggregates from the same pass.
 */
function positionedQuery(
  id: string,
  nodes: FamilyNode[],
  kpis: KpiInfo[],
  variantOfKpi: Map<string, Variant>,
  sessTable: string,
  minSupport: number,
  keysTable: string | undefined,
  partialsBy?: string,
  scratch: ScratchTables = MEMORY_SCRATCH
): AggregateQuery {
  const p: Params = partialsBy ? {} : { [`${id}_min`]: minSupport };
  nodes.forEach((n) => Object.assign(p, n.spec.params));
  const cols: string[] = [];
  const cpNames: string[] = [];
  const conds = new Map<number, string>();
  for (const k of kpis) {
    const cut = variantOfKpi.get(k.kpi.name)!.cutColumn;
    const per = nodes.map((n) => ({ n, cp: cutPosition(n, n.kpis.includes(k.kpi.name) ? cut : null) }));
    if (per.every((x) => x.cp === null)) continue;
    for (const x of per) {
      if (!x.cp) continue;
      cpNames.push(cutPositionColumn(x.n.id, k.index));
      cols.push(`${x.cp} AS ${cutPositionColumn(x.n.id, k.index)}`);
    }
    const limit = (x: (typeof per)[number]) => (x.cp ? cutPositionColumn(x.n.id, k.index) : `${MAX_POSITION}`);
    const bound =
      per.length === 1
        ? limit(per[0]!)
        : `multiIf(${per.map((x) => `bitShiftRight(kp, ${KEY_BITS}) = ${Number(x.n.id.slice(1))}, ${limit(x)}`).join(', ')}, 0)`;
    conds.set(k.index, `bitAnd(kp, ${MAX_POSITION}) <= ${bound}`);
  }
  const ns = kpis.map((k) =>
    conds.has(k.index) ? `countIf(${conds.get(k.index)}) AS ${groupsForKpi(k.index)}` : `count() AS ${groupsForKpi(k.index)}`
  );
  const support = kpis.length === 1 ? groupsForKpi(kpis[0]!.index) : `greatest(${kpis.map((k) => groupsForKpi(k.index)).join(', ')})`;
  const select = sql`
    -- one row per key (its position masked off): the groups with it, those where it is complete before each
    -- KPI cut, and each KPI over the latter
    SELECT toString(ik) AS key,${partialsBy ? ` ${partialsBy},` : ''} count() AS ${GROUPS}, ${ns.join(', ')},
      ${statsColumns(kpis, (k) => conds.get(k.index) ?? null).join(',\n')}`;
  const perGroup: Step[] = [
    { why: 'what the nodes compute once per group before their keys', exprs: preludes(nodes) },
    { why: 'how far into the group each KPI cut falls, per node (a key counts for a KPI up to it)', exprs: cols },
    { why: 'every key of every node the group has, its position in the low bits', exprs: [keysOfNodes(nodes, true)] },
  ];
  const rest = [
    'ARRAY JOIN keys AS kp',
    `GROUP BY bitAnd(kp, bitNot(toUInt64(${MAX_POSITION}))) AS ik${partialsBy ? `, ${partialsBy}` : ''}`,
    ...(partialsBy ? [] : [`HAVING ${support} >= {${id}_min:UInt64}`]),
  ];
  const base = { id, intKeys: true, byBucket: false, positioned: true, nodes: nodes.map((n) => n.id), kpis, params: p };
  if (!keysTable) return { ...base, sql: scanSql(perGroup, select, sessTable, rest) };
  // Stored: the per-group keys (the costly part) go to a table first; the aggregate reads them back, and so
  // does the leads' membership later (compile/membership.ts), instead of enumerating the chains again.
  const stored = [...kpis.map((k) => kpiColumn(k.index)), ...cpNames, 'keys', ...(partialsBy ? [partialsBy] : [])];
  return {
    ...base,
    store: {
      table: keysTable,
      // Memory, in many blocks (scans run a thread per block), where it fits: MergeTree's compression cost more
      // than the scan. On disk when the run is partitioned (compile/scratch.ts).
      sql: sql`
        CREATE TABLE ${keysTable} ENGINE = ${scratch.engine} AS
        ${scanSql(perGroup, `SELECT g, ${stored.join(', ')}`, sessTable, [], `${scratch.settings}, max_insert_threads = 2,`)}`,
    },
    sql: [select, `FROM ${keysTable}`, ...rest].join('\n'),
  };
}

/** A scratch table named after another: `db`.`name` → `db`.`name<suffix>`. */
export function suffixed(table: string, suffix: string): string {
  return table.endsWith('`') ? `${table.slice(0, -1)}${suffix}\`` : `${table}${suffix}`;
}

/** The high bits of a node's integer keys: its number (n12 → 12) shifted above KEY_BITS, as a UInt64 literal. */
export function nodeKeyBase(nodeId: string): string {
  const i = Number(nodeId.slice(1));
  if (!Number.isInteger(i) || i < 0 || i >= 2 ** (64 - KEY_BITS))
    throw new Error(`node id ${nodeId} does not fit an integer key`);
  return `${BigInt(i) << BigInt(KEY_BITS)}`;
}

/** Splits an aggregate row's key into its node and the node's own key (decimal for integer keys). */
export function splitKey(
  q: Pick<AggregateQuery, 'intKeys' | 'positioned'>,
  key: string
): { node: string; key: string } {
  if (q.intKeys) {
    const v = BigInt(key);
    const own = v & ((1n << BigInt(KEY_BITS)) - 1n);
    return { node: `n${v >> BigInt(KEY_BITS)}`, key: (q.positioned ? own >> BigInt(POSITION_BITS) : own).toString() };
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
