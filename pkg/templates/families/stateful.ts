import { z } from 'zod';
import { codesOf, hypothesisKey, lit, nameOf, type Template } from '../types';
import { patternCandidates } from './ordered-pattern';

const params = z
  .object({
    /** Events whose per-group count is bucketed; default: the common non-outcome events. */
    count_events: z.array(z.string()).optional(),
    max_count_events: z.number().int().min(0).max(100).default(40),
    count_thresholds: z.array(z.number().int().min(1)).default([2, 3, 5, 10]),
    duration_thresholds_s: z.array(z.number().min(0)).default([60, 300, 900, 1800]),
    length_thresholds: z.array(z.number().int().min(1)).default([10, 25, 50, 100]),
    /** Retries of `event` before the first `success` (all of them when it never succeeds). */
    retries: z.array(z.object({ event: z.string(), success: z.string() }).strict()).default([]),
    retry_thresholds: z.array(z.number().int().min(1)).default([1, 2, 3, 5]),
    /** Time from the first `from` to the first `to` after it, in seconds. */
    time_between: z.array(z.object({ from: z.string(), to: z.string() }).strict()).default([]),
    time_between_thresholds_s: z.array(z.number().min(0)).default([5, 30, 120]),
  })
  .strict();

/**
 * Stateful values over the group, bucketed as "at least X": counts of an event, duration, length, retries
 * before success, time between two events. Only "at least" buckets: a group cut at its failure is shorter,
 * so "at most" buckets would fake leads.
 */
export const stateful: Template<z.infer<typeof params>> = {
  name: 'stateful',
  summary: 'Per-group numeric state bucketed: event counts, duration, length, retries before success, time between events',
  example: 'groups with at least 3 api_retry events',
  params,
  unavailable: () => null,
  build(p, ctx) {
    const id = ctx.id;
    const ok = (e: string) => ctx.vocab.includes(e) && !ctx.excludedEvents.has(e);
    const countEvents = p.count_events ? p.count_events.filter(ok) : patternCandidates(ctx, undefined, p.max_count_events);
    const retries = p.retries.filter((r) => ok(r.event) && ok(r.success));
    const between = p.time_between.filter((r) => ok(r.from) && ok(r.to));
    const C = codesOf(ctx, countEvents);
    const P = (name: string) => `{${id}_${name}:Array(Float64)}`;
    // Integer keys: kind × 2^40 + index × 2^16 + threshold position. Every per-group value is an alias of the
    // prelude with its event codes as constants, so the lambdas over thresholds capture scalars, never s or st
    // (ClickHouse copies a captured array once per element).
    const KIND = { c: 1, d: 2, l: 3, r: 4, b: 5 } as const;
    const base = (kind: keyof typeof KIND, idx: number) => KIND[kind] * 2 ** 40 + idx * 2 ** 16;
    const over = (value: string, th: string, b: number) => `arrayMap(j -> toUInt64(${b} + j), arrayFilter(j -> ${value} >= ${P(th)}[j], arrayEnumerate(${P(th)})))`;
    const params: Record<string, unknown> = {
      [`${id}_cth`]: p.count_thresholds,
      [`${id}_dth`]: p.duration_thresholds_s,
      [`${id}_lth`]: p.length_thresholds,
      [`${id}_rth`]: p.retry_thresholds,
      [`${id}_bth`]: p.time_between_thresholds_s,
    };
    const prelude: string[] = [`(st[-1] - st[1]) / 1000 AS ${id}_dur`, `length(s) AS ${id}_len`];
    const parts = [over(`${id}_dur`, 'dth', base('d', 0)), over(`${id}_len`, 'lth', base('l', 0))];
    C.forEach((c, i) => {
      params[`${id}_c${i}`] = c;
      prelude.push(`countEqual(s, {${id}_c${i}:UInt16}) AS ${id}_cnt${i}`);
      parts.push(over(`${id}_cnt${i}`, 'cth', base('c', c)));
    });
    const INF = '9223372036854775807';
    retries.forEach((r, i) => {
      params[`${id}_re${i}`] = codesOf(ctx, [r.event])[0];
      params[`${id}_rs${i}`] = codesOf(ctx, [r.success])[0];
      const rs = `{${id}_rs${i}:UInt16}`;
      prelude.push(
        `if(has(s, ${rs}), arrayFirst((y2, x2) -> x2 = ${rs}, st, s), ${INF}) AS ${id}_rf${i}`,
        `arrayCount((x, y) -> x = {${id}_re${i}:UInt16} AND y < ${id}_rf${i}, s, st) AS ${id}_rc${i}`,
      );
      parts.push(over(`${id}_rc${i}`, 'rth', base('r', i + 1)));
    });
    between.forEach((b, i) => {
      params[`${id}_bf${i}`] = codesOf(ctx, [b.from])[0];
      params[`${id}_bt${i}`] = codesOf(ctx, [b.to])[0];
      const bt = `{${id}_bt${i}:UInt16}`;
      prelude.push(
        `has(s, {${id}_bf${i}:UInt16}) AS ${id}_bh${i}`,
        `arrayFirst((y2, x2) -> x2 = {${id}_bf${i}:UInt16}, st, s) AS ${id}_b0${i}`,
        `arrayExists((y, x) -> x = ${bt} AND y >= ${id}_b0${i}, st, s) AS ${id}_be${i}`,
        `if(${id}_bh${i} AND ${id}_be${i}, (arrayFirst((y, x) -> x = ${bt} AND y >= ${id}_b0${i}, st, s) - ${id}_b0${i}) / 1000, -1) AS ${id}_bd${i}`,
      );
      parts.push(`if(${id}_bh${i} AND ${id}_be${i}, ${over(`${id}_bd${i}`, 'bth', base('b', i + 1))}, [])`);
    });
    return {
      sequence: true,
      intKeys: true,
      prelude: prelude.join(',\n    '),
      keys: `arrayConcat(${parts.join(',\n      ')})`,
      params,
      decode(key) {
        const v = Number(key);
        if (!Number.isSafeInteger(v) || v <= 0) return null;
        const kind = (['', 'c', 'd', 'l', 'r', 'b'] as const)[Math.floor(v / 2 ** 40)];
        const idx = Math.floor(v / 2 ** 16) % 2 ** 24;
        const j = v % 2 ** 16;
        const list = { c: p.count_thresholds, d: p.duration_thresholds_s, l: p.length_thresholds, r: p.retry_thresholds, b: p.time_between_thresholds_s }[kind || 'c'];
        if (!kind || !(j >= 1 && j <= list.length)) return null;
        const th = list[j - 1]!;
        // The next lower threshold of the same feature contains this cohort: its parent.
        const lower = (list: number[], hp: Record<string, unknown>, field: string) => {
          const below = list.filter((x) => x < th).sort((a, b) => b - a)[0];
          return below === undefined ? [] : [hypothesisKey('stateful', { ...hp, [field]: below })];
        };
        const base = (hp: Record<string, unknown>, title: string, predicate: string, events: string[], parents: string[] = []) => ({
          parents,
          template: 'stateful' as const,
          params: hp,
          title,
          events,
          columns: [],
          predicate,
          key: hypothesisKey('stateful', hp),
        });
        if (kind === 'c') {
          const ev = nameOf(ctx, Number(idx));
          const hp = { feature: 'event_count', event: ev, min: th };
          const parents = [...lower(p.count_thresholds, hp, 'min'), hypothesisKey('ngram', { ngram: [ev] })];
          return base(hp, `groups with at least ${th} ${ev} events`, `countEqual(s, ${lit(ev)}) >= ${th}`, [ev], parents);
        }
        if (kind === 'd') {
          const hp = { feature: 'duration_s', min: th };
          return base(hp, `groups lasting at least ${th} s`, `(st[-1] - st[1]) / 1000 >= ${th}`, [], lower(p.duration_thresholds_s, hp, 'min'));
        }
        if (kind === 'l') {
          const hp = { feature: 'length', min: th };
          return base(hp, `groups with at least ${th} events`, `length(s) >= ${th}`, [], lower(p.length_thresholds, hp, 'min'));
        }
        if (kind === 'r') {
          const r = retries[Number(idx) - 1];
          if (!r) return null;
          return base(
            { feature: 'retries_before', event: r.event, success: r.success, min: th },
            `groups with at least ${th} ${r.event} before the first ${r.success}`,
            `arrayCount((x, y) -> x = ${lit(r.event)} AND y < if(has(s, ${lit(r.success)}), arrayFirst((y2, x2) -> x2 = ${lit(r.success)}, st, s), 9223372036854775807), s, st) >= ${th}`,
            [r.event, r.success],
          );
        }
        const b = between[Number(idx) - 1];
        if (!b) return null;
        const first = `arrayFirst((y2, x2) -> x2 = ${lit(b.from)}, st, s)`;
        return base(
          { feature: 'time_between', from: b.from, to: b.to, min_s: th },
          `groups where ${b.to} comes at least ${th} s after ${b.from}`,
          `has(s, ${lit(b.from)}) AND arrayExists((y, x) -> x = ${lit(b.to)} AND y >= ${first}, st, s) AND (arrayFirst((y, x) -> x = ${lit(b.to)} AND y >= ${first}, st, s) - ${first}) / 1000 >= ${th}`,
          [b.from, b.to],
        );
      },
    };
  },
};
