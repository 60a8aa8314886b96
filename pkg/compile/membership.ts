import type { Params } from '../execute/executor';
import type { KpiInfo } from '../dataset/inspect';
import { KEY_BITS, MAX_POSITION, POSITION_BITS } from '../templates/types';
import { attributeColumn } from './columns';
import {
  BUCKET,
  cutPosition,
  cutPositionColumn,
  nodeKeyBase,
  variantOf,
  variantSequence,
  type Dag,
  type FamilyNode,
} from './dag';

/** The low KEY_BITS of a UInt64 key (without its node number), as a SQL literal. */
const KEY_MASK = `${(1n << BigInt(KEY_BITS)) - 1n}`;

/** A hypothesis as the fast path names it: its node and its key there. */
export interface Member {
  node: string;
  key: string;
}

export const memberToken = (m: Member) => `${m.node}|${m.key}`;

/**
 * One pass over the session table for one KPI's leads: a scratch table with, per group, the leads it belongs
 * to (sig: sorted numbers of the members, 1-based in the order given, from the same key expressions as the aggregate pass, so exactly the same
 * cohorts), its KPI value v, time bucket b, user u and static attributes. Grouping, robust inference and
 * confounder hints then read this small table instead of recomputing the keys.
 */
/** A table of positioned members' chains (chainsTableSql): which nodes it holds, and which of their keys. */
export interface ChainsTable {
  table: string;
  members: Set<string>;
}

/**
 * Positioned nodes' members (nodes serving every variant), for every KPI at once: per group and KPI, the member
 * keys complete before that KPI's cut (${id}_k<index>). One table per stored keys table (AggregateQuery.store) the
 * members' nodes are in, read back from it; members of nodes with nothing stored are enumerated once over only
 * their events, where the node can (NodeSpec.positions.only). Either way no KPI enumerates all chains again.
 */
export function chainsTablesSql(
  dag: Dag,
  members: Member[],
  sessTable: string,
  tableName: (i: number) => string
): { table: string; sql: string; params: Params; nodes: FamilyNode[] }[] {
  const positioned = [...new Set(members.map((m) => m.node))]
    .map((id) => dag.nodes.find((n) => n.id === id)!)
    .filter((n) => n.spec.positions);
  const storeOf = (n: FamilyNode) => dag.queries.find((q) => q.store && q.nodes.includes(n.id));
  const parts = [...new Set(positioned.map(storeOf))].map((q) => positioned.filter((n) => storeOf(n) === q));
  return parts
    .map((nodes) => (storeOf(nodes[0]!) ? nodes : nodes.filter((n) => n.spec.positions!.only)))
    .filter((nodes) => nodes.length > 0)
    .map((nodes, i) => ({
      table: tableName(i),
      nodes,
      ...chainsTableSql(dag, nodes, members, sessTable, tableName(i)),
    }));
}

function chainsTableSql(
  dag: Dag,
  nodes: FamilyNode[],
  members: Member[],
  sessTable: string,
  table: string
): { sql: string; params: Params } {
  const stored = dag.queries.find((q) => q.store && nodes.every((n) => q.nodes.includes(n.id)));
  const keysOf = (n: FamilyNode) => members.filter((m) => m.node === n.id).map((m) => BigInt(m.key));
  const kpisOf = (n: FamilyNode) =>
    dag.queries.find((q) => q.nodes.includes(n.id))!.kpis.filter((k) => n.kpis.includes(k.kpi.name));
  const params: Params = {};
  const outer: string[] = [];
  let from: string;
  if (stored) {
    // Full stored keys: node number, codes, position. A KPI keeps those within its cut position (stored too).
    params.cm_full = nodes.flatMap((n) =>
      keysOf(n).map((k) => BigInt(nodeKeyBase(n.id)) + (k << BigInt(POSITION_BITS)))
    );
    for (const n of nodes) {
      for (const k of kpisOf(n)) {
        const within = variantOf(dag, k.kpi.name).cutColumn
          ? ` AND bitAnd(x, ${MAX_POSITION}) <= ${cutPositionColumn(n.id, k.index)}`
          : '';
        outer.push(
          `arrayMap(x -> bitShiftRight(bitAnd(x, ${KEY_MASK}), ${POSITION_BITS}), arrayFilter(x -> bitShiftRight(x, ${KEY_BITS}) = ${Number(n.id.slice(1))}${within}, mk)) AS ${n.id}_k${k.index}`
        );
      }
    }
    from = `SELECT *, arrayFilter(x -> has({cm_full:Array(UInt64)}, bitAnd(x, bitNot(toUInt64(${MAX_POSITION})))), keys) AS mk
    FROM ${stored.store!.table}`;
  } else {
    const inner: string[] = [];
    for (const n of nodes) {
      const keys = keysOf(n);
      const only = n.spec.positions!.only!(keys.map(String), `${n.id}_cev`);
      Object.assign(params, n.spec.params, only.params, { [`${n.id}_cm`]: keys });
      inner.push(...[n.spec.prelude, only.prelude].filter((x): x is string => Boolean(x)));
      // Each member chain once, with the time it first completes; a KPI keeps those complete before its cut.
      const mk = `arrayFilter(x -> has({${n.id}_cm:Array(UInt64)}, bitShiftRight(x, ${POSITION_BITS})), ${only.keys})`;
      inner.push(
        `arrayMap(x -> bitShiftRight(x, ${POSITION_BITS}), ${mk}) AS ${n.id}_pc`,
        `arrayMap(x -> ${only.times}[bitAnd(x, ${MAX_POSITION})], ${mk}) AS ${n.id}_pt`
      );
      for (const k of kpisOf(n)) {
        const cut = variantOf(dag, k.kpi.name).cutColumn;
        outer.push(
          `${cut ? `arrayFilter((c, t) -> t < ${cut}, ${n.id}_pc, ${n.id}_pt)` : `${n.id}_pc`} AS ${n.id}_k${k.index}`
        );
      }
    }
    from = `SELECT g, ${[...dag.variants.flatMap((v) => (v.cutColumn ? [v.cutColumn] : [])), ...inner].join(',\n      ')}
    FROM ${sessTable}`;
  }
  const cols = nodes.flatMap((n) => kpisOf(n).map((k) => `${n.id}_k${k.index}`));
  // Subqueries, not aliases, between the steps: ClickHouse expands each use of an alias into a copy of its
  // expression when it analyzes a query, and the chains' expression is large.
  const sql = `CREATE TABLE ${table} ENGINE = ${dag.scratch.engine} AS
SELECT g, ${cols.join(', ')}
FROM (
  SELECT g,
    ${outer.join(',\n    ')}
  FROM (
    ${from}
  )
)
WHERE ${cols.map((c) => `notEmpty(${c})`).join(' OR ')}
${dag.scratch.settings}`;
  return { sql, params };
}

export function membershipTableSql(
  dag: Dag,
  k: KpiInfo,
  members: Member[],
  sessTable: string,
  table: string,
  vocab: string[],
  opts: { user: boolean; attributes: number; chains?: ChainsTable[] }
) {
  const v = variantOf(dag, k.kpi.name);
  const nodes = [...new Set(members.map((m) => m.node))].map((id) => dag.nodes.find((n) => n.id === id)!);
  const seq = variantSequence(v, vocab);
  const params: Params = { ...seq.params, bk_from: dag.buckets.from, bk_width: dag.buckets.width };
  nodes.forEach((n) => Object.assign(params, n.spec.params));
  // Each node's member keys as one set (a hash intersection per group rather than a scan of the keys per member),
  // then each present key as its member's number: the sig arrays hold small integers, not strings.
  const number = new Map(members.map((m, i) => [memberToken(m), i + 1]));
  nodes.forEach((n) => {
    const mine = members.filter((m) => m.node === n.id);
    params[`${n.id}_mb`] = n.spec.intKeys ? mine.map((m) => BigInt(m.key)) : mine.map((m) => m.key);
    params[`${n.id}_mi`] = mine.map((m) => number.get(memberToken(m))!);
  });
  const present = nodes.map((n) => {
    const t = n.spec.intKeys ? 'Array(UInt64)' : 'Array(String)';
    return `arrayMap(x -> {${n.id}_mi:Array(UInt16)}[indexOf({${n.id}_mb:${t}}, x)], arrayIntersect(${n.id}_keys, {${n.id}_mb:${t}}))`;
  });
  const attrs = Array.from({ length: opts.attributes }, (_, i) => attributeColumn(i));
  // Positioned keys (nodes serving every variant): those complete before this KPI's cut, without the position.
  // Nodes whose members all sit in a chains table read them there (joined by group) instead of computing keys.
  const chainsOf = (n: FamilyNode) =>
    n.spec.positions
      ? opts.chains?.find((c) => members.every((m) => m.node !== n.id || c.members.has(memberToken(m))))
      : undefined;
  const fromChains = (n: FamilyNode) => Boolean(chainsOf(n));
  const keysOf = (n: FamilyNode) => {
    if (fromChains(n)) return `${n.id}_k${k.index}`;
    if (!n.spec.positions) return n.spec.keys;
    const cp = cutPosition(n, v.cutColumn);
    const kept = cp ? `arrayFilter(x -> bitAnd(x, ${MAX_POSITION}) <= ${cp}, ${n.spec.keys})` : n.spec.keys;
    return `arrayMap(x -> bitShiftRight(x, ${POSITION_BITS}), ${kept})`;
  };
  const cols = [
    BUCKET,
    ...(opts.user ? ['u'] : []),
    ...attrs,
    `assumeNotNull(k${k.index}) AS v`,
    ...(nodes.some((n) => n.spec.sequence && !n.spec.positions) ? seq.rowCols : []),
    ...nodes
      .filter((n) => !fromChains(n))
      .map((n) => n.spec.prelude)
      .filter(Boolean),
    ...nodes.map((n) => `${keysOf(n)} AS ${n.id}_keys`),
  ];
  const joined = [...new Set(nodes.map(chainsOf))]
    .flatMap((c) => (c ? [` LEFT ANY JOIN ${c.table} USING (g)`] : []))
    .join('');
  const sql = `CREATE TABLE ${table} ENGINE = ${dag.scratch.engine} AS
SELECT arraySort(arrayConcat(${present.join(', ')})) AS sig, v, b${opts.user ? ', u' : ''}${attrs.map((a) => `, ${a}`).join('')}
FROM (
  SELECT
    ${cols.join(',\n    ')}
  FROM ${sessTable}${joined}
  WHERE k${k.index} IS NOT NULL
)
${dag.scratch.settings}`;
  return { sql, params };
}

const fOf = `arrayMap(m -> toUInt8(has(sig, m)), {mb:Array(UInt16)})`;

/** A grouping row's mask (maskedRows' fm) as 0/1 per member, in the order the members were given. */
export function membershipFlags(fm: string, members: number): number[] {
  // One BigInt per row, then 32-bit halves: a BigInt shift per member and row cost seconds at 10M events.
  const mask = BigInt(fm);
  const lo = Number(mask & 0xffffffffn);
  const hi = Number(mask >> 32n);
  const f = new Array<number>(members);
  for (let i = 0; i < members; i++) f[i] = i < 32 ? (lo >>> i) & 1 : (hi >>> (i - 32)) & 1;
  return f;
}

/** Members a grouping round takes: their memberships fit one UInt64 bit mask. */
export const GROUPING_MAX_MEMBERS = 64;

/**
 * The KPI's moments per distinct membership (sig) and time bucket: what every grouping round reads (maskedRows
 * folds it to the round's members). One query per membership table instead of one per round; groups sharing
 * their memberships and bucket are few next to the groups. Ordered, so the rounds meet the patterns in the same
 * order on every run (threads finish in any order).
 */
export function sigGroupsQuery(table: string) {
  return {
    sql: `SELECT sig, b, count() AS n, sum(v) AS s, sum(v * v) AS q, sum(log1p(greatest(v, 0))) AS l, sum(pow(log1p(greatest(v, 0)), 2)) AS m
FROM ${table}
GROUP BY sig, b
ORDER BY sig, b`,
    params: {} as Params,
  };
}

/** A KPI's moments in one time bucket b (as sigGroupsQuery sums them). */
interface BucketMoments {
  b: number;
  n: number;
  s: number;
  q: number;
  l: number;
  m: number;
}

export interface SigRow extends BucketMoments {
  sig: number[];
}

/** Moments by membership mask and bucket: fm's bit i says the group has members[i] (at most 64 members). */
export interface MaskRow extends BucketMoments {
  fm: string;
}

/**
 * sigGroupsQuery's rows folded to membership in the given members (their numbers in the table) and bucket, with
 * the mask as a decimal UInt64 (membershipFlags reads it back).
 */
export function maskedRows(rows: SigRow[], members: number[]): MaskRow[] {
  if (members.length > GROUPING_MAX_MEMBERS)
    throw new Error(`a membership mask takes at most ${GROUPING_MAX_MEMBERS} members, not ${members.length}`);
  const bit = new Map(members.map((x, i) => [x, i]));
  const out = new Map<string, MaskRow & { lo: number; hi: number }>();
  for (const r of rows) {
    // 32-bit halves: a BigInt per row cost more than the rest of the fold.
    let lo = 0;
    let hi = 0;
    for (const x of r.sig) {
      const i = bit.get(Number(x));
      if (i === undefined) continue;
      if (i < 32) lo |= 1 << i;
      else hi |= 1 << (i - 32);
    }
    const key = `${hi}:${lo}:${r.b}`;
    const e = out.get(key);
    if (e) {
      e.n += Number(r.n);
      e.s += Number(r.s);
      e.q += Number(r.q);
      e.l += Number(r.l);
      e.m += Number(r.m);
    } else
      out.set(key, {
        fm: '',
        lo: lo >>> 0,
        hi: hi >>> 0,
        b: Number(r.b),
        n: Number(r.n),
        s: Number(r.s),
        q: Number(r.q),
        l: Number(r.l),
        m: Number(r.m),
      });
  }
  return [...out.values()].map(({ lo, hi, ...r }) => ({ ...r, fm: ((BigInt(hi) << 32n) | BigInt(lo)).toString() }));
}

/** How one member's groups spread over the static attributes' values, against all the KPI's groups. */
export function attributeMixQuery(table: string, member: number, attrCount: number) {
  const attrs = Array.from({ length: attrCount }, (_, i) => `(${i}, a${i})`);
  return {
    sql: `SELECT x.1 AS i, x.2 AS value, countIf(has(sig, {mb:UInt16})) AS in_cohort, count() AS total
FROM ${table}
ARRAY JOIN [${attrs.join(', ')}] AS x
GROUP BY i, value`,
    params: { mb: member },
  };
}

/**
 * Per-user cell sums for each member, and their second moments over users: what the cluster-robust variance
 * needs (experts/robust.ts). Binary KPIs: A in & failed, B in & not, C out & failed, D out & not; numeric: A groups
 * in, B their sum, C groups out, D their sum. One row back.
 */
export function userMomentsQuery(table: string, members: number[], binary: boolean) {
  const cells = binary
    ? [
        'FV AS A',
        'arrayMap((x, y) -> y - x, FV, F) AS B',
        'arrayMap(x -> sv - x, FV) AS C',
        'arrayMap((x, y) -> (nn - sv) - (y - x), FV, F) AS D',
      ]
    : ['F AS A', 'FV AS B', 'arrayMap(y -> nn - y, F) AS C', 'arrayMap(x -> sv - x, FV) AS D'];
  const names = ['A', 'B', 'C', 'D'];
  const products: string[] = [];
  for (const [x, y] of [
    [0, 0],
    [1, 1],
    [2, 2],
    [3, 3],
    [0, 1],
    [0, 2],
    [0, 3],
    [1, 2],
    [1, 3],
    [2, 3],
  ] as const) {
    products.push(`sumForEach(arrayMap((x, y) -> x * y, ${names[x]}, ${names[y]})) AS ${names[x]}${names[y]}`);
  }
  return {
    sql: `SELECT count() AS users, ${names.map((n) => `sumForEach(${n}) AS t${n}`).join(', ')},
  ${products.join(',\n  ')}
FROM (
  SELECT ${cells.join(', ')}
  FROM (
    SELECT u, sumForEach(arrayMap(x -> toFloat64(x), f)) AS F, sumForEach(arrayMap(x -> x * v, f)) AS FV, sum(v) AS sv, toFloat64(count()) AS nn
    FROM (SELECT u, v, ${fOf} AS f FROM ${table})
    GROUP BY u
  )
)`,
    params: { mb: members } as Params,
  };
}
