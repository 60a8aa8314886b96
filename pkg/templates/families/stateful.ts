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
    const parts = [
      `arrayFlatten(arrayMap(c -> arrayMap(th -> concat('c', toString(c), ':', toString(th)), arrayFilter(th -> countEqual(s, c) >= th, ${P('cth')})), {${id}_c:Array(UInt16)}))`,
      `arrayMap(th -> concat('d:', toString(th)), arrayFilter(th -> (st[-1] - st[1]) / 1000 >= th, ${P('dth')}))`,
      `arrayMap(th -> concat('l:', toString(th)), arrayFilter(th -> length(s) >= th, ${P('lth')}))`,
    ];
    if (retries.length) {
      parts.push(
        `arrayFlatten(arrayMap(r -> arrayMap(th -> concat('r', toString(r), ':', toString(th)), arrayFilter(th -> arrayCount((x, y) -> x = {${id}_re:Array(UInt16)}[r] AND y < if(has(s, {${id}_rs:Array(UInt16)}[r]), arrayFirst((y2, x2) -> x2 = {${id}_rs:Array(UInt16)}[r], st, s), 9223372036854775807), s, st) >= th, ${P('rth')})), range(1, ${retries.length + 1})))`,
      );
    }
    if (between.length) {
      parts.push(
        `arrayFlatten(arrayMap(b -> arrayMap(th -> concat('b', toString(b), ':', toString(th)), arrayFilter(th -> has(s, {${id}_bf:Array(UInt16)}[b]) AND arrayExists((y, x) -> x = {${id}_bt:Array(UInt16)}[b] AND y >= arrayFirst((y2, x2) -> x2 = {${id}_bf:Array(UInt16)}[b], st, s), st, s) AND (arrayFirst((y, x) -> x = {${id}_bt:Array(UInt16)}[b] AND y >= arrayFirst((y2, x2) -> x2 = {${id}_bf:Array(UInt16)}[b], st, s), st, s) - arrayFirst((y2, x2) -> x2 = {${id}_bf:Array(UInt16)}[b], st, s)) / 1000 >= th, ${P('bth')})), range(1, ${between.length + 1})))`,
      );
    }
    return {
      sequence: true,
      keys: `arrayConcat(${parts.join(',\n      ')})`,
      params: {
        [`${id}_c`]: C,
        [`${id}_cth`]: p.count_thresholds,
        [`${id}_dth`]: p.duration_thresholds_s,
        [`${id}_lth`]: p.length_thresholds,
        [`${id}_rth`]: p.retry_thresholds,
        [`${id}_bth`]: p.time_between_thresholds_s,
        [`${id}_re`]: codesOf(ctx, retries.map((r) => r.event)),
        [`${id}_rs`]: codesOf(ctx, retries.map((r) => r.success)),
        [`${id}_bf`]: codesOf(ctx, between.map((r) => r.from)),
        [`${id}_bt`]: codesOf(ctx, between.map((r) => r.to)),
      },
      decode(key) {
        const m = /^([cdlrb])(\d*):([\d.]+)$/.exec(key);
        if (!m) return null;
        const [, kind, idx, thText] = m;
        const th = Number(thText);
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
