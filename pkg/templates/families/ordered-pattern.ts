import { z } from 'zod';
import { parseDuration } from '../../config/schema';
import { codesOf, fmtDuration, hypothesisKey, lit, nameOf, packCodesSql, unpackCodes, type NodeContext, type Template } from '../types';

const params = z
  .object({
    max_steps: z.number().int().min(2).max(3).default(3),
    within: z.string().default('30s').describe('All steps within this time of the first'),
    /** Candidate events; default: the most common events of the window that are not outcomes. */
    events: z.array(z.string()).optional(),
    max_events: z.number().int().min(2).max(60).default(30),
    /** Longer groups are cut to their first N candidate events (bounds the per-group work). */
    max_group_events: z.number().int().min(3).max(2000).default(200),
    /** Steps are at most this many candidate events apart (bounds the work per group; the window usually binds first). */
    max_gap_events: z.number().int().min(2).max(16).default(10),
  })
  .strict();

export function patternCandidates(ctx: NodeContext, explicit: string[] | undefined, max: number): string[] {
  if (explicit) return explicit.filter((e) => ctx.vocab.includes(e) && !ctx.excludedEvents.has(e));
  return Object.entries(ctx.profile.eventGroups)
    .filter(([e]) => !ctx.excludedEvents.has(e) && ctx.vocab.includes(e))
    // Events in (nearly) every group carry no contrast; leave them out of ordered patterns.
    .filter(([, g]) => g < 0.98 * ctx.profile.groups)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([e]) => e);
}

/**
 * The readable form of "A, then B, then C, all within W of A" over the sessions CTE (names in s, times in st),
 * with the fast path's exact bounds: only candidate events count as positions, the group's first
 * maxGroupEvents of them, and the steps at most maxGap positions apart.
 */
export function orderedPredicate(steps: string[], withinMs: number, cands: string[], maxGroupEvents: number, maxGap: number): string {
  const e = `arraySlice(arrayFilter(x -> has(${lit(cands)}, x), s), 1, ${maxGroupEvents})`;
  const t = `arraySlice(arrayFilter((y, x) -> has(${lit(cands)}, x), st, s), 1, ${maxGroupEvents})`;
  const idx = `arrayEnumerate(${e})`;
  const [a, b, c] = steps;
  const third = c
    ? ` AND arrayExists((e3, t3, k) -> k > j AND k - i <= ${maxGap} AND e3 = ${lit(c)} AND t3 - t1 <= ${withinMs}, ${e}, ${t}, ${idx})`
    : ` AND t2 - t1 <= ${withinMs}`;
  return `arrayExists((e1, t1, i) -> e1 = ${lit(a)} AND arrayExists((e2, t2, j) -> j > i AND j - i <= ${maxGap} AND e2 = ${lit(b)}${third}, ${e}, ${t}, ${idx}), ${e}, ${t}, ${idx})`;
}

/**
 * Every in-window chain of 2 or 3 distinct events, as packed integer keys (packCodes), for one group's arrays
 * e (codes) and t (ms). Written with shifted slices of the arrays (one arrayMap per offset combination) rather
 * than nested lambdas: ClickHouse copies captured arrays for each element, which made the nested form cubic.
 * Integers, not strings: no string is formatted per candidate chain, and the aggregate groups by a UInt64.
 */
export function windowChains(e: string, t: string, withinMs: number, maxGap: number, steps: 2 | 3): string {
  const sl = (a: string, from: number, minus: number) => `arraySlice(${a}, ${from}, greatest(toInt64(length(${a})) - ${minus}, 0))`;
  const parts: string[] = [];
  if (steps === 2) {
    for (let d = 1; d <= maxGap; d++) {
      parts.push(
        `arrayMap((a, b, ta, tb) -> if(tb - ta <= ${withinMs} AND a != b, ${packCodesSql(['a', 'b'])}, 0), ${sl(e, 1, d)}, ${sl(e, d + 1, 0)}, ${sl(t, 1, d)}, ${sl(t, d + 1, 0)})`,
      );
    }
  } else {
    for (let d1 = 1; d1 < maxGap; d1++) {
      for (let d2 = d1 + 1; d2 <= maxGap; d2++) {
        parts.push(
          `arrayMap((a, b, c, ta, tc) -> if(tc - ta <= ${withinMs} AND a != b AND b != c AND a != c, ${packCodesSql(['a', 'b', 'c'])}, 0), ${sl(e, 1, d2)}, ${sl(e, d1 + 1, d2)}, ${sl(e, d2 + 1, 0)}, ${sl(t, 1, d2)}, ${sl(t, d2 + 1, 0)})`,
        );
      }
    }
  }
  return `arrayFilter(x -> x != 0, arrayDistinct(arrayConcat(${parts.join(',\n        ')})))`;
}

/**
 * Ordered patterns with gaps: A then B (then C), each later in the group, all within a window of the first step
 * — windowFunnel's semantics for distinct steps, enumerated for every candidate chain in one pass over the groups.
 */
export const orderedPattern: Template<z.infer<typeof params>> = {
  name: 'ordered_pattern',
  summary: 'Ordered event patterns with gaps inside a time window (A, then B, then C within T)',
  example: 'groups where buy_plan is followed by web_cors_error and then timeout_error within 30 s',
  params,
  unavailable: () => null,
  build(p, ctx) {
    const id = ctx.id;
    const W = parseDuration(p.within);
    const candNames = patternCandidates(ctx, p.events, p.max_events);
    const cand = codesOf(ctx, candNames);
    const e = `${id}_e`;
    const t = `${id}_t`;
    const pairs = windowChains(e, t, W, p.max_gap_events, 2);
    const triples = windowChains(e, t, W, p.max_gap_events, 3);
    return {
      sequence: true,
      intKeys: true,
      prelude: `arraySlice(arrayFilter(x -> has({${id}_cand:Array(UInt16)}, x), s), 1, ${p.max_group_events}) AS ${e}, arraySlice(arrayFilter((y, x) -> has({${id}_cand:Array(UInt16)}, x), st, s), 1, ${p.max_group_events}) AS ${t}`,
      keys: p.max_steps === 3 ? `arrayDistinct(arrayConcat(${pairs}, ${triples}))` : `arrayDistinct(${pairs})`,
      params: { [`${id}_cand`]: cand },
      decode(key) {
        const codes = unpackCodes(key);
        if (codes.length < 2 || codes.length > 3 || codes.some((c) => !(c > 0))) return null;
        const steps = codes.map((c) => nameOf(ctx, c));
        const hp = { pattern: steps, within_s: W / 1000 };
        return {
          template: 'ordered_pattern',
          params: hp,
          title: `groups where ${steps.join(', then ')} happen in that order within ${fmtDuration(W)}`,
          events: steps,
          columns: [],
          predicate: orderedPredicate(steps, W, candNames, p.max_group_events, p.max_gap_events),
          key: hypothesisKey('ordered_pattern', hp),
          parents:
            steps.length === 3
              ? [[0, 1], [1, 2], [0, 2]].map(([x, y]) => hypothesisKey('ordered_pattern', { pattern: [steps[x!]!, steps[y!]!], within_s: W / 1000 }))
              : [],
        };
      },
    };
  },
};
