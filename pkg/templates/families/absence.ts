import { z } from 'zod';
import { parseDuration } from '../../config/schema';
import { codesOf, fmtDuration, hypothesisKey, lit, type Template } from '../types';

const params = z
  .object({
    within: z.string().default('30s'),
    /** Explicit [A, B] pairs: "A not followed by B within T". Default: the data's expected transitions. */
    pairs: z.array(z.tuple([z.string(), z.string()])).optional(),
    /** A transition is "expected" when B follows A within T in at least this share of the groups with A. */
    min_follow_rate: z.number().min(0.05).max(1).default(0.5),
    max_pairs: z.number().int().min(1).max(200).default(40),
    /** Also test "B never happens" for events present in at least this share of groups (0 = off). */
    missing_min_share: z.number().min(0).max(1).default(0.3),
  })
  .strict();

/**
 * Absence: an expected step missing. "A not followed by B within T" only judges an A whose whole window was
 * observed before the group's outcome cut (sc), so cutting a group at its failure never fakes an absence.
 */
export const absence: Template<z.infer<typeof params>> = {
  name: 'absence',
  summary: 'An expected step missing: A not followed by B within T, or a usually present event absent',
  example: 'groups where login is not followed by token_refresh within 30 s',
  params,
  unavailable: () => null,
  build(p, ctx) {
    const id = ctx.id;
    const W = parseDuration(p.within);
    const ok = (e: string) => ctx.vocab.includes(e) && !ctx.excludedEvents.has(e);
    const pairs = (
      p.pairs ??
      ctx.profile.follows
        .filter((f) => f.withA > 0 && f.followed / f.withA >= p.min_follow_rate)
        .sort((x, y) => y.withA - x.withA)
        .map((f) => [f.a, f.b] as [string, string])
    )
      .filter(([a, b]) => a !== b && ok(a) && ok(b))
      .slice(0, p.max_pairs);
    const missing =
      p.missing_min_share > 0
        ? Object.entries(ctx.profile.eventGroups)
            .filter(([e, g]) => ok(e) && g >= p.missing_min_share * ctx.profile.groups && g < ctx.profile.groups)
            .map(([e]) => e)
        : [];
    const A = codesOf(ctx, pairs.map((x) => x[0]));
    const B = codesOf(ctx, pairs.map((x) => x[1]));
    const M = codesOf(ctx, missing);
    // One expression per pair with its codes as constants: ClickHouse copies arrays a lambda captures once per
    // element, so filtering s/st inside a lambda over the pairs (or over A's times) made a group cost
    // O(pairs × events) copies. Here each pair filters its A and B times once; only the few B times are captured.
    const params: Record<string, unknown> = {};
    const prelude: string[] = [];
    const checks = A.map((a, i) => {
      params[`${id}_a${i}`] = a;
      params[`${id}_b${i}`] = B[i];
      prelude.push(`arrayFilter((y, x) -> x = {${id}_a${i}:UInt16}, st, s) AS ${id}_ta${i}`, `arrayFilter((y, x) -> x = {${id}_b${i}:UInt16}, st, s) AS ${id}_tb${i}`);
      return `if(arrayExists(ta -> ta + ${W} <= sc AND NOT arrayExists(tb -> tb > ta AND tb <= ta + ${W}, ${id}_tb${i}), ${id}_ta${i}), ${i + 1}, 0)`;
    });
    // "Never happens" is only judged on uncut groups: a group cut at its failure would miss late events.
    const nevers = M.map((m, i) => {
      params[`${id}_m${i}`] = m;
      return `if(sc = 9223372036854775807 AND NOT has(s, {${id}_m${i}:UInt16}), ${1048576 + m}, 0)`;
    });
    // Integer keys: pair i as i, "never m" as 2^20 + m; zeros are the pairs and events a group does not have.
    const candidates = [...checks, ...nevers].map((c) => `toUInt64(${c})`);
    return {
      sequence: true,
      intKeys: true,
      keys: `arrayFilter(x -> x != 0, [${candidates.join(', ')}]::Array(UInt64))`,
      params,
      prelude: prelude.join(', ') || undefined,
      decode(key) {
        const k = Number(key);
        if (k > 0 && k < 1048576) {
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
            predicate: `arrayExists((ea, ta) -> ea = ${lit(a)} AND ta + ${W} <= sc AND NOT arrayExists((eb, tb) -> eb = ${lit(b)} AND tb > ta AND tb <= ta + ${W}, s, st), s, st)`,
            key: hypothesisKey('absence', hp),
          };
        }
        if (k > 1048576) {
          const name = ctx.vocab[k - 1048576 - 1];
          if (!name) return null;
          const hp = { missing: name };
          return {
            template: 'absence',
            params: hp,
            title: `groups without ${name} (present in most groups)`,
            events: [name],
            columns: [],
            predicate: `sc = 9223372036854775807 AND NOT has(s, ${lit(name)})`,
            key: hypothesisKey('absence', hp),
          };
        }
        return null;
      },
    };
  },
};
