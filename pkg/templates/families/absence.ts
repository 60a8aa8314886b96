import { z } from 'zod';
import { pairList, paramName, within } from '../limits';
import { parseDuration } from '../../config/schema';
import {
  codesOf,
  cutRank,
  cutRankBound,
  fmtDuration,
  hypothesisKey,
  lit,
  NO_CUT,
  POSITION_BITS,
  type Template,
  unionOverVariants,
  scalar,
} from '../types';

const params = z
  .object({
    within: within('30s').describe('How soon the follow-up event is expected'),
    /** Explicit [A, B] pairs: "A not followed by B within T". Default: the data's expected transitions. */
    pairs: pairList(z.tuple([paramName, paramName])).optional().describe('Explicit [A, B] pairs: A not followed by B; default: the data’s usual transitions'),
    /** A transition is "expected" when B follows A within T in at least this share of the groups with A. */
    min_follow_rate: z.number().min(0.05).max(1).default(0.5).describe('A transition counts as usual when B follows A in at least this share of groups with A'),
    max_pairs: z.number().int().min(1).max(200).default(40).describe('Pairs tested at most'),
    /** Also test "B never happens" for events present in at least this share of groups (0 = off). */
    missing_min_share: z.number().min(0).max(1).default(0.3).describe('Also test "B never happens" for events in at least this share of groups (0: off)'),
  })
  .strict();

/** Keys of "never m": NEVER + m's code, above every pair's key (pair i is i + 1). */
const NEVER = 1048576;

/** The times of the group's events with this code (an SQL UInt16), in order. */
const timesOf = (code: string) => `arrayFilter((y, x) -> x = ${code}, tm, ev)`;

/** The earliest A (times `ta`) with no B (times `tb`) within `withinMs` after it: 1-based in ta, 0 for none. */
const firstUnfollowed = (ta: string, tb: string, withinMs: number) =>
  `arrayFirstIndex(x -> NOT arrayExists(y -> y > x AND y <= x + ${withinMs}, ${tb}), ${ta})`;

/** A positioned integer key: the candidate's number above POSITION_BITS, its position (SQL) below. */
const positioned = (key: number, position: string) => `bitShiftLeft(toUInt64(${key}), ${POSITION_BITS}) + ${position}`;

/**
 * Absence: an expected step missing. "A not followed by B within T" only judges an A whose whole window was
 * observed before the KPI's cut, so cutting a group at its failure never fakes an absence. One node serves every
 * KPI: it reads the whole sequence, finds each group's earliest A with no B within T, and that A's window end
 * is the key's completion time, compared with each KPI's cut by rank (cutRank).
 */
export const absence: Template<z.infer<typeof params>> = {
  name: 'absence',
  label: 'missing follow-up',
  kind: 'pattern',
  words: /\b(missing|absent|absence|never|without|skipped?|drop-?off)\b/i,
  nameFields: { within: 'duration', 'pairs[][*]': 'event' },
  region: (p) => {
    if (p.missing === undefined) return undefined;
    return p.after !== undefined ? `kind=not_followed${scalar(p, 'within_s') ? `,within_s=${scalar(p, 'within_s')}` : ''}` : 'kind=never';
  },
  summary: 'An expected step missing: A not followed by B within T, or a usually present event absent',
  example: 'groups where login is not followed by token_refresh within 30 s',
  params,
  unavailable: () => null,
  acrossVariants: true,
  build(p, ctx) {
    const id = ctx.id;
    const W = parseDuration(p.within);
    const cuts = ctx.cutColumns ?? [];
    // Each served variant picks its own pairs and events (never its outcome events); the node tests the union,
    // and a KPI never tests a pair with its own outcome events (pipeline/observe.ts).
    const pairs = unionOverVariants(
      ctx,
      (excluded) => {
        const ok = (e: string) => ctx.vocab.includes(e) && !excluded.has(e);
        return (
          p.pairs ??
          ctx.profile.follows
            .filter((f) => f.withA > 0 && f.followed / f.withA >= p.min_follow_rate)
            .sort((x, y) => y.withA - x.withA)
            .map((f) => [f.a, f.b] as [string, string])
        )
          .filter(([a, b]) => a !== b && ok(a) && ok(b))
          .slice(0, p.max_pairs);
      },
      ([a, b]) => `${a}\u0000${b}`
    );
    const missing =
      p.missing_min_share > 0
        ? unionOverVariants(
            ctx,
            (excluded) =>
              Object.entries(ctx.profile.eventGroups)
                .filter(
                  ([e, g]) =>
                    ctx.vocab.includes(e) &&
                    !excluded.has(e) &&
                    g >= p.missing_min_share * ctx.profile.groups &&
                    g < ctx.profile.groups
                )
                .map(([e]) => e),
            (e) => e
          )
        : [];
    // Each event's times once (not once per pair it is in), with its code as a constant.
    const events = [...new Set(pairs.flat())];
    const params: Record<string, unknown> = {};
    const prelude = events.map((e, j) => {
      params[`${id}_e${j}`] = codesOf(ctx, [e])[0];
      return `${timesOf(`{${id}_e${j}:UInt16}`)} AS ${id}_t${j}`;
    });
    const times = (e: string) => `${id}_t${events.indexOf(e)}`;
    const checks = pairs.map(([a, b], i) => {
      const [ta, tb] = [times(a), times(b)];
      prelude.push(`${firstUnfollowed(ta, tb, W)} AS ${id}_f${i}`);
      return `if(${id}_f${i} = 0, 0, ${positioned(i + 1, cutRank(`${ta}[${id}_f${i}] + ${W}`, cuts, false))})`;
    });
    // "Never happens" is only judged on uncut groups (a group cut at its failure would miss late events): its
    // completion time is past every cut.
    const nevers = missing.map((m, i) => {
      params[`${id}_m${i}`] = codesOf(ctx, [m])[0];
      return `if(has(ev, {${id}_m${i}:UInt16}), 0, ${positioned(NEVER + codesOf(ctx, [m])[0]!, cutRank(NO_CUT, cuts, false))})`;
    });
    // Integer keys above the position: pair i as i + 1, "never m" as 2^20 + m; zeros are what a group does not have.
    const candidates = [...checks, ...nevers].map((c) => `toUInt64(${c})`);
    return {
      sequence: true,
      intKeys: true,
      keys: `arrayFilter(x -> x != 0, [${candidates.join(', ')}]::Array(UInt64))`,
      params,
      prelude: prelude.join(',\n    ') || undefined,
      positions: { cut: (cutColumn) => cutRankBound(cutColumn, cuts) },
      decode(key) {
        const k = Number(key);
        if (k > 0 && k < NEVER) {
          const pair = pairs[k - 1];
          if (!pair) return null;
          const [a, b] = pair;
          const hp = { after: a, missing: b, within_s: W / 1000 };
          return {
            template: 'absence',
            params: hp,
            title: `groups where ${a} is not followed by ${b} within ${fmtDuration(W)}`,
            events: [a, b],
            columns: [],
            // Over the whole sequence: a B is seen wherever it is; only the A's window must end by the cut.
            predicate: `arrayExists((ea, ta) -> ea = ${lit(a)} AND ta + ${W} <= sc AND NOT arrayExists((eb, tb) -> eb = ${lit(b)} AND tb > ta AND tb <= ta + ${W}, events, times), events, times)`,
            key: hypothesisKey('absence', hp),
          };
        }
        if (k > NEVER) {
          const name = ctx.vocab[k - NEVER - 1];
          if (!name) return null;
          const hp = { missing: name };
          return {
            template: 'absence',
            params: hp,
            title: `groups without ${name} (present in most groups)`,
            events: [name],
            columns: [],
            predicate: `sc = ${NO_CUT} AND NOT has(events, ${lit(name)})`,
            key: hypothesisKey('absence', hp),
          };
        }
        return null;
      },
    };
  },
};
