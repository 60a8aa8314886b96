import { z } from 'zod';
import { nameList, within } from '../limits';
import { parseDuration } from '../../config/schema';
import {
  CODE_BITS,
  codesOf,
  fmtDuration,
  hypothesisKey,
  lit,
  nameOf,
  packCodesSql,
  POSITION_BITS,
  unpackCodes,
  type NodeContext,
  type Template,
  unionOverVariants,
  scalar,
} from '../types';

const params = z
  .object({
    max_steps: z.number().int().min(2).max(3).default(3).describe('Events in a pattern (2 or 3), in order, other events allowed between them'),
    within: within('30s').describe('All steps within this time of the first'),
    /** Candidate events; default: the most common events of the window that are not outcomes. */
    events: nameList().optional().describe('Candidate events; default: the most common events that are not outcomes'),
    max_events: z.number().int().min(2).max(60).default(30).describe('Candidate events at most (the most common first)'),
    /** Longer groups are cut to their first N candidate events (bounds the per-group work). */
    max_group_events: z.number().int().min(3).max(2000).default(200).describe('Longer groups are cut to their first N candidate events'),
    /** Steps are at most this many candidate events apart (bounds the work per group; the window usually binds first). */
    max_gap_events: z.number().int().min(2).max(16).default(10).describe('Steps at most this many candidate events apart'),
  })
  .strict();

export function patternCandidates(ctx: NodeContext, explicit: string[] | undefined, max: number): string[] {
  // A node serving several variants: every variant's own candidates, in one list.
  return unionOverVariants(
    ctx,
    (excluded) =>
      explicit
        ? explicit.filter((e) => ctx.vocab.includes(e) && !excluded.has(e))
        : Object.entries(ctx.profile.eventGroups)
            .filter(([e]) => !excluded.has(e) && ctx.vocab.includes(e))
            // Events in (nearly) every group carry no contrast; leave them out of ordered patterns.
            .filter(([, g]) => g < 0.98 * ctx.profile.groups)
            .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
            .slice(0, max)
            .map(([e]) => e),
    (e) => e
  );
}

/**
 * The readable form of "A, then B, then C, all within W of A, before the KPI's cut" over the sessions CTE (the
 * whole sequence in events/times, the KPI's cut in sc), with the fast path's exact bounds: only candidate events
 * count as positions, the group's first maxGroupEvents of them, and the steps at most maxGap positions apart.
 */
export function orderedPredicate(
  steps: string[],
  withinMs: number,
  cands: string[],
  maxGroupEvents: number,
  maxGap: number
): string {
  const e = `arraySlice(arrayFilter(x -> has(${lit(cands)}, x), events), 1, ${maxGroupEvents})`;
  const t = `arraySlice(arrayFilter((y, x) -> has(${lit(cands)}, x), times, events), 1, ${maxGroupEvents})`;
  const idx = `arrayEnumerate(${e})`;
  const [a, b, c] = steps;
  const third = c
    ? ` AND arrayExists((e3, t3, k) -> k > j AND k - i <= ${maxGap} AND e3 = ${lit(c)} AND t3 - t1 <= ${withinMs} AND t3 < sc, ${e}, ${t}, ${idx})`
    : ` AND t2 - t1 <= ${withinMs} AND t2 < sc`;
  return `arrayExists((e1, t1, i) -> e1 = ${lit(a)} AND arrayExists((e2, t2, j) -> j > i AND j - i <= ${maxGap} AND e2 = ${lit(b)}${third}, ${e}, ${t}, ${idx}), ${e}, ${t}, ${idx})`;
}

/**
 * Every in-window chain of 2 or 3 distinct events of one group's arrays e (codes) and t (ms), as packed integer
 * keys (packCodes) shifted above POSITION_BITS, plus the position (1-based, in e) of the chain's last event; 0
 * for none. Written with shifted slices of the arrays (one arrayMap per offset combination)
 * rather than nested lambdas: ClickHouse copies captured arrays for each element, which made the nested form
 * cubic. Integers, not strings: no string is formatted per candidate chain, and the aggregate groups by a UInt64.
 */
export function windowChains(
  e: string,
  t: string,
  withinMs: number,
  maxGap: number,
  steps: 2 | 3,
  gapPositions?: string
): string {
  const sl = (a: string, from: number, minus: number) =>
    `arraySlice(${a}, ${from}, greatest(toInt64(length(${a})) - ${minus}, 0))`;
  const p = `arrayEnumerate(${e})`;
  // e may be a subsequence of the candidate events (gapPositions: where each sits among all of them). Its offsets
  // then still cover every allowed gap (positions grow at least as fast), and the gap is checked on positions.
  const g = gapPositions;
  const packed = (codes: string[], last: string) => `bitShiftLeft(${packCodesSql(codes)}, ${POSITION_BITS}) + ${last}`;
  const parts: string[] = [];
  if (steps === 2) {
    for (let d = 1; d <= maxGap; d++) {
      const gap = g ? ` AND gb - ga <= ${maxGap}` : '';
      const gs = g ? `, ${sl(g, 1, d)}, ${sl(g, d + 1, 0)}` : '';
      parts.push(
        `arrayMap((a, b, ta, tb, pb${g ? ', ga, gb' : ''}) -> if(tb - ta <= ${withinMs} AND a != b${gap}, ${packed(['a', 'b'], 'pb')}, 0), ${sl(e, 1, d)}, ${sl(e, d + 1, 0)}, ${sl(t, 1, d)}, ${sl(t, d + 1, 0)}, ${sl(p, d + 1, 0)}${gs})`
      );
    }
  } else {
    // Per distance d2 from first to last step, the ends' test (window, distinct, gap) and their packed codes
    // once; each middle step at d1 < d2 then only adds its code where it differs from both ends. The ends' array
    // is named on first use and referred to by name (each copy of its text would grow the query tree).
    for (let d2 = 2; d2 <= maxGap; d2++) {
      const gap = g ? ` AND gc - ga <= ${maxGap}` : '';
      const gs = g ? `, ${sl(g, 1, d2)}, ${sl(g, d2 + 1, 0)}` : '';
      const ends = `${e}_ac${d2}`;
      const endsSql = `arrayMap((a, c, ta, tc, pc${g ? ', ga, gc' : ''}) -> if(tc - ta <= ${withinMs} AND a != c${gap}, ${packed(['a', '0', 'c'], 'pc')}, 0), ${sl(e, 1, d2)}, ${sl(e, d2 + 1, 0)}, ${sl(t, 1, d2)}, ${sl(t, d2 + 1, 0)}, ${sl(p, d2 + 1, 0)}${gs})`;
      for (let d1 = 1; d1 < d2; d1++) {
        parts.push(
          `arrayMap((x, a, b, c) -> if(x != 0 AND b != a AND b != c, x + bitShiftLeft(toUInt64(b), ${CODE_BITS + POSITION_BITS}), 0), ${d1 === 1 ? `${endsSql} AS ${ends}` : ends}, ${sl(e, 1, d2)}, ${sl(e, d1 + 1, d2)}, ${sl(e, d2 + 1, 0)})`
        );
      }
    }
  }
  return `arrayFilter(x -> x != 0, arrayConcat(${parts.join(',\n        ')}))`;
}

/** Each chain once, as packed codes without positions (packCodes). */
export function distinctChains(e: string, t: string, withinMs: number, maxGap: number, steps: 2 | 3): string {
  return `arrayCompact(arraySort(arrayMap(x -> bitShiftRight(x, ${POSITION_BITS}), ${windowChains(e, t, withinMs, maxGap, steps)})))`;
}

/**
 * Each chain once, with the earliest position at which it is complete: sorted (the chain's codes lead, so a
 * chain's first occurrence sorts first), then the first of each run of the same codes. With no cut at all the
 * positions never matter, so the chains alone (position 0), distinct, say the same. (A cheaper distinct set for
 * groups that no cut reaches was tried: ClickHouse's lazily evaluated if() cost more than it saved.)
 */
export function firstCompletions(chains: string, cutColumns: string[] | 'always', name: string): string {
  const code = (x: string) => `bitShiftRight(${x}, ${POSITION_BITS})`;
  if (cutColumns.length === 0)
    return `arrayCompact(arraySort(arrayMap(x -> bitShiftLeft(${code('x')}, ${POSITION_BITS}), ${chains})))`;
  // Each element against the one before it (0 before the first; an empty array stays empty). The sorted chains
  // are named once and referred to by name: each copy of their text would grow the query tree.
  return `arrayFilter((x, y) -> ${code('x')} != ${code('y')}, arraySort(${chains}) AS ${name}_srt, arraySlice(arrayPushFront(${name}_srt, 0), 1, length(${name}_srt)))`;
}

/**
 * Ordered patterns with gaps: A then B (then C), each later in the group, all within a window of the first step
 * — windowFunnel's semantics for distinct steps, enumerated for every candidate chain in one pass over the groups.
 */
export const orderedPattern: Template<z.infer<typeof params>> = {
  name: 'ordered_pattern',
  label: 'ordered pattern',
  kind: 'pattern',
  words: /\b(pattern|sequence|then|followed|after|before|journey|funnel)s?\b/i,
  nameFields: { within: 'duration', 'events[]': 'event' },
  minItems: { events: 2 },
  region: (p) => (Array.isArray(p.pattern) ? `length=${p.pattern.length}${scalar(p, 'within_s') ? `,within_s=${scalar(p, 'within_s')}` : ''}` : undefined),
  summary: 'Ordered event patterns with gaps inside a time window (A, then B, then C within T)',
  example: 'groups where buy_plan is followed by web_cors_error and then timeout_error within 30 s',
  params,
  unavailable: () => null,
  acrossVariants: true,
  build(p, ctx) {
    const id = ctx.id;
    const W = parseDuration(p.within);
    const candNames = patternCandidates(ctx, p.events, p.max_events);
    const cand = codesOf(ctx, candNames);
    const e = `${id}_e`;
    const t = `${id}_t`;
    const pairs = windowChains(e, t, W, p.max_gap_events, 2);
    const chains = p.max_steps === 3 ? `arrayConcat(${pairs}, ${windowChains(e, t, W, p.max_gap_events, 3)})` : pairs;
    return {
      sequence: true,
      intKeys: true,
      // The whole sequence, not a variant's: one scan serves every KPI. Positions count every candidate event;
      // each KPI's cut applies afterwards, by position, and a chain with a KPI's own outcome event is not
      // tested for that KPI (pipeline/observe.ts).
      prelude: `arraySlice(arrayFilter(x -> has({${id}_cand:Array(UInt16)}, x), ev), 1, ${p.max_group_events}) AS ${e}, arraySlice(arrayFilter((y, x) -> has({${id}_cand:Array(UInt16)}, x), tm, ev), 1, ${p.max_group_events}) AS ${t}`,
      keys: firstCompletions(chains, ctx.cutColumns ?? [], id),
      positions: {
        // Positions count candidate events: a KPI's bound is how many of them come before its cut.
        cut: (cutColumn) => `arrayCount(x -> x < ${cutColumn}, ${t})`,
        // A few members' chains: only their events are enumerated (at their positions among all candidates), so
        // the membership pass costs a fraction of the full enumeration. Positions are always computed here.
        only(keys, param) {
          const events = [...new Set(keys.flatMap((k) => unpackCodes(k)))].filter((c) => c > 0);
          const [me, mt, mp] = [`${id}_me`, `${id}_mt`, `${id}_mp`];
          const pairsOnly = windowChains(me, mt, W, p.max_gap_events, 2, mp);
          const only =
            p.max_steps === 3
              ? `arrayConcat(${pairsOnly}, ${windowChains(me, mt, W, p.max_gap_events, 3, mp)})`
              : pairsOnly;
          const has = `has({${param}:Array(UInt16)}, x)`;
          return {
            prelude: `arrayFilter(x -> ${has}, ${e}) AS ${me}, arrayFilter((y, x) -> ${has}, ${t}, ${e}) AS ${mt}, arrayFilter((i, x) -> ${has}, arrayEnumerate(${e}), ${e}) AS ${mp}`,
            keys: firstCompletions(only, 'always', `${id}_m`),
            times: mt,
            params: { [param]: events },
          };
        },
      },
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
          // Built when read (a lead's SQL): it spells out the candidate list, and most hypotheses never need it.
          get predicate() {
            return orderedPredicate(steps, W, candNames, p.max_group_events, p.max_gap_events);
          },
          key: hypothesisKey('ordered_pattern', hp),
          parents:
            steps.length === 3
              ? [
                  [0, 1],
                  [1, 2],
                  [0, 2],
                ].map(([x, y]) =>
                  hypothesisKey('ordered_pattern', { pattern: [steps[x!]!, steps[y!]!], within_s: W / 1000 })
                )
              : [],
        };
      },
    };
  },
};
