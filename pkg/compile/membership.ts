import type { Params } from '../execute/executor';
import type { KpiInfo } from '../dataset/inspect';
import { BUCKET, variantSequence, type Dag } from './dag';

/** A hypothesis as the fast path names it: its node and its key there. */
export interface Member {
  node: string;
  key: string;
}

export const memberToken = (m: Member) => `${m.node}|${m.key}`;

/**
 * One pass over the session table for one KPI's leads: a scratch table with, per group, the leads it belongs
 * to (sig: sorted 'node|key' tokens, from the same key expressions as the aggregate pass, so exactly the same
 * cohorts), its KPI value v, time bucket b, user u and static attributes. Grouping, robust inference and
 * confounder hints then read this small table instead of recomputing the keys.
 */
export function membershipTableSql(dag: Dag, k: KpiInfo, members: Member[], sessTable: string, table: string, vocab: string[], opts: { user: boolean; attributes: number }) {
  const v = dag.variants.find((x) => x.kpis.some((y) => y.index === k.index))!;
  const nodes = [...new Set(members.map((m) => m.node))].map((id) => dag.nodes.find((n) => n.id === id)!);
  const seq = variantSequence(v, vocab);
  const params: Params = { ...seq.params, bk_from: dag.buckets.from, bk_width: dag.buckets.width };
  nodes.forEach((n) => Object.assign(params, n.spec.params));
  // Each node's member keys as one set: a hash intersection per group rather than a scan of the keys per member.
  nodes.forEach((n) => {
    const keys = members.filter((m) => m.node === n.id).map((m) => m.key);
    params[`${n.id}_mb`] = n.spec.intKeys ? keys.map((k) => BigInt(k)) : keys;
  });
  const present = nodes.map((n) =>
    n.spec.intKeys
      ? `arrayMap(x -> concat('${n.id}|', toString(x)), arrayIntersect(${n.id}_keys, {${n.id}_mb:Array(UInt64)}))`
      : `arrayMap(x -> concat('${n.id}|', x), arrayIntersect(${n.id}_keys, {${n.id}_mb:Array(String)}))`,
  );
  const attrs = Array.from({ length: opts.attributes }, (_, i) => `a${i}`);
  const cols = [
    BUCKET,
    ...(opts.user ? ['u'] : []),
    ...attrs,
    `assumeNotNull(k${k.index}) AS v`,
    ...(nodes.some((n) => n.spec.sequence) ? seq.rowCols : []),
    ...nodes.map((n) => n.spec.prelude).filter(Boolean),
    ...nodes.map((n) => `${n.spec.keys} AS ${n.id}_keys`),
  ];
  const sql = `CREATE TABLE ${table} ENGINE = Memory AS
SELECT arraySort(arrayConcat(${present.join(', ')})) AS sig, v, b${opts.user ? ', u' : ''}${attrs.map((a) => `, ${a}`).join('')}
FROM (
  SELECT
    ${cols.join(',\n    ')}
  FROM ${sessTable}
  WHERE k${k.index} IS NOT NULL
)`;
  return { sql, params };
}

const fOf = `arrayMap(m -> toUInt8(has(sig, m)), {mb:Array(String)})`;

/** Groups by membership in the given members (f, 0/1 per member) and time bucket, with the KPI's moments. */
export function groupingQuery(table: string, members: Member[]) {
  return {
    sql: `SELECT ${fOf} AS f, b, count() AS n, sum(v) AS s, sum(v * v) AS q, sum(log1p(greatest(v, 0))) AS l, sum(pow(log1p(greatest(v, 0)), 2)) AS m
FROM ${table}
GROUP BY f, b`,
    params: { mb: members.map(memberToken) },
  };
}

/** How one member's groups spread over the static attributes' values, against all the KPI's groups. */
export function attributeMixQuery(table: string, member: Member, attrCount: number) {
  const attrs = Array.from({ length: attrCount }, (_, i) => `(${i}, a${i})`);
  return {
    sql: `SELECT x.1 AS i, x.2 AS value, countIf(has(sig, {mb:String})) AS in_cohort, count() AS total
FROM ${table}
ARRAY JOIN [${attrs.join(', ')}] AS x
GROUP BY i, value`,
    params: { mb: memberToken(member) },
  };
}

/**
 * Per-user cell sums for each member, and their second moments over users: what the cluster-robust variance
 * needs (experts/robust.ts). Binary KPIs: A in & failed, B in & not, C out & failed, D out & not; numeric: A groups
 * in, B their sum, C groups out, D their sum. One row back.
 */
export function userMomentsQuery(table: string, members: Member[], binary: boolean) {
  const cells = binary
    ? ['FV AS A', 'arrayMap((x, y) -> y - x, FV, F) AS B', 'arrayMap(x -> sv - x, FV) AS C', 'arrayMap((x, y) -> (nn - sv) - (y - x), FV, F) AS D']
    : ['F AS A', 'FV AS B', 'arrayMap(y -> nn - y, F) AS C', 'arrayMap(x -> sv - x, FV) AS D'];
  const names = ['A', 'B', 'C', 'D'];
  const products: string[] = [];
  for (const [x, y] of [[0, 0], [1, 1], [2, 2], [3, 3], [0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]] as const) {
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
    params: { mb: members.map(memberToken) } as Params,
  };
}
