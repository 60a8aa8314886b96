import { z } from 'zod';
import { quoteIdent } from '../../execute/sql';
import { nameList } from '../limits';
import { hypothesisKey, lit, type Template, scalar } from '../types';

const params = z
  .object({
    /** Context metrics to use; default: all configured. */
    contexts: nameList().optional().describe('Context metrics used; default: all configured'),
    /** Membership in the global top-N values of these attributes (by groups). */
    top_n: z.number().int().min(1).max(100).default(3).describe('Membership in the N most common values of an attribute'),
    top_n_attributes: nameList().optional().describe('Attributes for the top-N membership; default: all'),
  })
  .strict();

/**
 * The windows [a, b) of a context as a sorted step function for the overlap test `a <= t1 AND b > t0` (some
 * window starts by the group's end and ends after its start): `starts` are the distinct window starts in
 * ascending order, `maxEnds[j]` the latest end among the windows starting at or before `starts[j]`. A group
 * overlaps a window iff t1 >= starts[0] and maxEnds[j] > t0 for the last j with starts[j] <= t1. Exact for any
 * windows (unsorted, overlapping, nested, touching, even empty ones), and any t0, t1. Steps whose latest end does
 * not grow are dropped (the previous step gives the same answer), so sorted disjoint windows stay as they are and
 * nested ones fold into their container.
 */
export function overlapIndex(starts: number[], ends: number[]): { starts: number[]; maxEnds: number[] } {
  if (starts.length !== ends.length) throw new Error(`context windows: ${starts.length} starts but ${ends.length} ends`);
  const order = starts.map((_, i) => i).sort((x, y) => starts[x]! - starts[y]!);
  const s: number[] = [];
  const m: number[] = [];
  let max = -Infinity;
  for (const i of order) {
    const a = starts[i]!;
    max = Math.max(max, ends[i]!);
    if (s.length && s[s.length - 1] === a) m[m.length - 1] = max;
    else if (!m.length || max > m[m.length - 1]!) {
      s.push(a);
      m.push(max);
    }
  }
  return { starts: s, maxEnds: m };
}

/**
 * `overlapIndex`'s test in SQL (params `{s}`, `{m}` and `{s}_min` = its first start; at least one window): a binary
 * search (roundDown) for the last start <= t1, then its latest end by a hash lookup (transform). Cost per group
 * O(log windows), and the constant arrays are never copied per row. The readable form, arrayExists((a, b) -> a <=
 * t1 AND b > t0, starts, ends), materializes both arrays for every group of the block: O(groups × windows)
 * memory, seconds at 500k groups.
 */
export function overlapsSql(t0: string, t1: string, s: string, m: string): string {
  return `(${t1} >= {${s}_min:Int64} AND transform(roundDown(${t1}, {${s}:Array(Int64)}), {${s}:Array(Int64)}, {${m}:Array(Int64)}, toInt64(0)) > ${t0})`;
}

/**
 * Non-local context: the group's time span overlapped a window where a context metric (from another table)
 * was abnormal; or the group's attribute is among the global top-N values.
 */
export const nonlocal: Template<z.infer<typeof params>> = {
  name: 'nonlocal',
  label: 'context overlap',
  kind: 'cohort',
  words: /\b(cpu|backend|spike|load|outage|incident|context|infrastructure|server)s?\b/i,
  nameFields: { 'contexts[]': 'context', 'top_n_attributes[]': 'attribute' },
  region: (p) => (scalar(p, 'context') ? `context=${scalar(p, 'context')}` : scalar(p, 'predicate') ? `predicate=${scalar(p, 'predicate')}` : undefined),
  summary: 'Non-local context: the group overlapped an abnormal window of a context metric; membership in global top-N values',
  example: 'sessions that overlapped a backend_cpu spike (above its p95)',
  params,
  unavailable: (ctx) => (ctx.contexts.length || ctx.attributes.length ? null : 'needs dataset.context or attributes'),
  build(p, ctx) {
    const id = ctx.id;
    const ctxs = ctx.contexts.map((c, i) => ({ ...c, i })).filter((c) => !p.contexts || p.contexts.includes(c.name));
    const tops = ctx.attributes
      .map((a, i) => ({ ...a, i, values: (ctx.profile.attributeValues[a.name] ?? []).slice(0, p.top_n).map((v) => v.value) }))
      .filter((a) => (p.top_n_attributes ? p.top_n_attributes.includes(a.name) : (ctx.profile.attributeValues[a.name]?.length ?? 0) > p.top_n * 2));
    const params: Record<string, unknown> = {};
    const parts: string[] = [];
    ctxs.forEach((c) => {
      const w = overlapIndex(c.starts, c.ends);
      if (!w.starts.length) return; // no window: no group overlaps one
      params[`${id}_s${c.i}`] = w.starts;
      params[`${id}_m${c.i}`] = w.maxEnds;
      params[`${id}_s${c.i}_min`] = w.starts[0];
      parts.push(`if(${overlapsSql('t0', 't1', `${id}_s${c.i}`, `${id}_m${c.i}`)}, ['x${c.i}'], [])`);
    });
    tops.forEach((a) => {
      params[`${id}_t${a.i}`] = a.values;
      parts.push(`if(has({${id}_t${a.i}:Array(String)}, ${a.col}), ['t${a.i}'], [])`);
    });
    return {
      sequence: false,
      keys: parts.length ? `arrayConcat(${parts.join(', ')})` : 'CAST([], \'Array(String)\')',
      params,
      decode(key) {
        const m = /^([xt])(\d+)$/.exec(key);
        if (!m) return null;
        if (m[1] === 'x') {
          const c = ctx.contexts[Number(m[2])];
          if (!c) return null;
          const hp = { context: c.name, rule: c.rule, threshold: Math.round(c.threshold * 1000) / 1000 };
          return {
            template: 'nonlocal',
            params: hp,
            title: `groups that overlapped a window when ${c.name} was ${c.rule === 'above_p95' ? 'above its p95' : 'above the threshold'} (> ${hp.threshold})`,
            events: [],
            columns: [],
            predicate: `arrayExists((a, b) -> a <= t1 AND b > t0, ${lit(c.starts)}, ${lit(c.ends)})`,
            key: hypothesisKey('nonlocal', { context: c.name, rule: c.rule }),
          };
        }
        const a = tops.find((x) => x.i === Number(m[2]));
        if (!a) return null;
        const hp = { predicate: 'top_values', attribute: a.name, n: p.top_n, values: a.values };
        return {
          template: 'nonlocal',
          params: hp,
          title: `groups whose ${a.name} is among the ${p.top_n} most common (${a.values.join(', ')})`,
          events: [],
          columns: [a.name],
          predicate: `has(${lit(a.values)}, ${quoteIdent(a.name)})`,
          key: hypothesisKey('nonlocal', { predicate: 'top_values', attribute: a.name, n: p.top_n }),
        };
      },
    };
  },
};
