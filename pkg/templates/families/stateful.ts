import { z } from 'zod';
import { nameList, pairList, paramName, thresholdList } from '../limits';
import {
  codesOf,
  cutRank,
  cutRankBound,
  hypothesisKey,
  lit,
  nameOf,
  NO_CUT,
  POSITION_BITS,
  type NodeContext,
  type NodeSpec,
  type Template,
  scalar,
} from '../types';
import { patternCandidates } from './ordered-pattern';

const params = z
  .object({
    /** Events whose per-group count is bucketed; default: the common non-outcome events. */
    count_events: nameList().optional().describe('Events whose count per group is tested; default: the common non-outcome events'),
    max_count_events: z.number().int().min(0).max(100).default(40).describe('Counted events at most'),
    count_thresholds: thresholdList(z.number().int().min(1)).default([2, 3, 5, 10]).describe('Count thresholds: the event at least N times'),
    duration_thresholds_s: thresholdList(z.number().min(0)).default([60, 300, 900, 1800]).describe('Group duration thresholds, in seconds'),
    length_thresholds: thresholdList(z.number().int().min(1)).default([10, 25, 50, 100]).describe('Group length thresholds, in events'),
    /** Retries of `event` before the first `success` (all of them when it never succeeds). */
    retries: pairList(z.object({ event: paramName, success: paramName }).strict()).default([]).describe('Retries of an event before its first success ({event, success})'),
    retry_thresholds: thresholdList(z.number().int().min(1)).default([1, 2, 3, 5]).describe('Retry thresholds: at least N retries'),
    /** Time from the first `from` to the first `to` after it, in seconds. */
    time_between: pairList(z.object({ from: paramName, to: paramName }).strict()).default([]).describe('Time from one event to the next of another ({from, to})'),
    time_between_thresholds_s: thresholdList(z.number().min(0)).default([5, 30, 120]).describe('Time-between thresholds, in seconds'),
  })
  .strict();

type P = z.infer<typeof params>;

// Integer keys: kind × 2^40 + index × 2^16 + threshold position (1-based in the params' list).
const KIND = { c: 1, d: 2, l: 3, r: 4, b: 5 } as const;
const keyBase = (kind: keyof typeof KIND, idx: number) => KIND[kind] * 2 ** 40 + idx * 2 ** 16;

function chosen(p: P, ctx: NodeContext) {
  const ok = (e: string) => ctx.vocab.includes(e) && !ctx.excludedEvents.has(e);
  return {
    retries: p.retries.filter((r) => ok(r.event) && ok(r.success)),
    between: p.time_between.filter((r) => ok(r.from) && ok(r.to)),
  };
}

/** Reads a key back (both nodes of the family use the same key layout). */
function decoder(p: P, ctx: NodeContext): NodeSpec['decode'] {
  const { retries, between } = chosen(p, ctx);
  return (key) => {
    const v = Number(key);
    if (!Number.isSafeInteger(v) || v <= 0) return null;
    const kind = (['', 'c', 'd', 'l', 'r', 'b'] as const)[Math.floor(v / 2 ** 40)];
    const idx = Math.floor(v / 2 ** 16) % 2 ** 24;
    const j = v % 2 ** 16;
    const list = {
      c: p.count_thresholds,
      d: p.duration_thresholds_s,
      l: p.length_thresholds,
      r: p.retry_thresholds,
      b: p.time_between_thresholds_s,
    }[kind || 'c'];
    if (!kind || !(j >= 1 && j <= list.length)) return null;
    const th = list[j - 1]!;
    // The next lower threshold of the same feature contains this cohort: its parent.
    const lower = (list: number[], hp: Record<string, unknown>, field: string) => {
      const below = list.filter((x) => x < th).sort((a, b) => b - a)[0];
      return below === undefined ? [] : [hypothesisKey('stateful', { ...hp, [field]: below })];
    };
    const base = (
      hp: Record<string, unknown>,
      title: string,
      predicate: string,
      events: string[],
      parents: string[] = []
    ) => ({
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
      return base(
        hp,
        `groups lasting at least ${th} s`,
        `(st[-1] - st[1]) / 1000 >= ${th}`,
        [],
        lower(p.duration_thresholds_s, hp, 'min')
      );
    }
    if (kind === 'l') {
      const hp = { feature: 'length', min: th };
      return base(
        hp,
        `groups with at least ${th} events`,
        `length(s) >= ${th}`,
        [],
        lower(p.length_thresholds, hp, 'min')
      );
    }
    if (kind === 'r') {
      const r = retries[Number(idx) - 1];
      if (!r) return null;
      return base(
        { feature: 'retries_before', event: r.event, success: r.success, min: th },
        `groups with at least ${th} ${r.event} before the first ${r.success}`,
        `arrayCount((x, y) -> x = ${lit(r.event)} AND y < if(has(s, ${lit(r.success)}), arrayFirst((y2, x2) -> x2 = ${lit(r.success)}, st, s), ${NO_CUT}), s, st) >= ${th}`,
        [r.event, r.success]
      );
    }
    const b = between[Number(idx) - 1];
    if (!b) return null;
    const first = `arrayFirst((y2, x2) -> x2 = ${lit(b.from)}, st, s)`;
    return base(
      { feature: 'time_between', from: b.from, to: b.to, min_s: th },
      `groups where ${b.to} comes at least ${th} s after ${b.from}`,
      `has(s, ${lit(b.from)}) AND arrayExists((y, x) -> x = ${lit(b.to)} AND y >= ${first}, st, s) AND (arrayFirst((y, x) -> x = ${lit(b.to)} AND y >= ${first}, st, s) - ${first}) / 1000 >= ${th}`,
      [b.from, b.to]
    );
  };
}

/**
 * Stateful values over the group, bucketed as "at least X": counts of an event, duration, length, retries
 * before success, time between two events. Only "at least" buckets: a group cut at its failure is shorter,
 * so "at most" buckets would fake leads. Event counts serve every KPI from one node (buildAcross); the rest
 * depends on each KPI's own view of the sequence and is built per variant.
 */
export const stateful: Template<P> = {
  name: 'stateful',
  label: 'count or duration',
  kind: 'sequence',
  words: /\b(retr(y|ies)|count|many|long|duration|length|buffering|slow|time between)\b/i,
  nameFields: {
    'count_events[]': 'event',
    'retries[].event': 'event',
    'retries[].success': 'event',
    'time_between[].from': 'event',
    'time_between[].to': 'event',
  },
  region: (p) => (scalar(p, 'feature') ? `feature=${scalar(p, 'feature')}` : undefined),
  summary:
    'Per-group numeric state bucketed: event counts, duration, length, retries before success, time between events',
  example: 'groups with at least 3 api_retry events',
  params,
  unavailable: () => null,
  build(p, ctx) {
    const id = ctx.id;
    const { retries, between } = chosen(p, ctx);
    const P = (name: string) => `{${id}_${name}:Array(Float64)}`;
    // Every per-group value is an alias of the prelude with its event codes as constants, so the lambdas over
    // thresholds capture scalars, never s or st (ClickHouse copies a captured array once per element).
    const over = (value: string, th: string, b: number) =>
      `arrayMap(j -> toUInt64(${b} + j), arrayFilter(j -> ${value} >= ${P(th)}[j], arrayEnumerate(${P(th)})))`;
    const params: Record<string, unknown> = {
      [`${id}_dth`]: p.duration_thresholds_s,
      [`${id}_lth`]: p.length_thresholds,
      [`${id}_rth`]: p.retry_thresholds,
      [`${id}_bth`]: p.time_between_thresholds_s,
    };
    const prelude: string[] = [`(st[-1] - st[1]) / 1000 AS ${id}_dur`, `length(s) AS ${id}_len`];
    const parts = [over(`${id}_dur`, 'dth', keyBase('d', 0)), over(`${id}_len`, 'lth', keyBase('l', 0))];
    retries.forEach((r, i) => {
      params[`${id}_re${i}`] = codesOf(ctx, [r.event])[0];
      params[`${id}_rs${i}`] = codesOf(ctx, [r.success])[0];
      const rs = `{${id}_rs${i}:UInt16}`;
      prelude.push(
        `if(has(s, ${rs}), arrayFirst((y2, x2) -> x2 = ${rs}, st, s), ${NO_CUT}) AS ${id}_rf${i}`,
        `arrayCount((x, y) -> x = {${id}_re${i}:UInt16} AND y < ${id}_rf${i}, s, st) AS ${id}_rc${i}`
      );
      parts.push(over(`${id}_rc${i}`, 'rth', keyBase('r', i + 1)));
    });
    between.forEach((b, i) => {
      params[`${id}_bf${i}`] = codesOf(ctx, [b.from])[0];
      params[`${id}_bt${i}`] = codesOf(ctx, [b.to])[0];
      const bt = `{${id}_bt${i}:UInt16}`;
      prelude.push(
        `has(s, {${id}_bf${i}:UInt16}) AS ${id}_bh${i}`,
        `arrayFirst((y2, x2) -> x2 = {${id}_bf${i}:UInt16}, st, s) AS ${id}_b0${i}`,
        `arrayExists((y, x) -> x = ${bt} AND y >= ${id}_b0${i}, st, s) AS ${id}_be${i}`,
        `if(${id}_bh${i} AND ${id}_be${i}, (arrayFirst((y, x) -> x = ${bt} AND y >= ${id}_b0${i}, st, s) - ${id}_b0${i}) / 1000, -1) AS ${id}_bd${i}`
      );
      parts.push(`if(${id}_bh${i} AND ${id}_be${i}, ${over(`${id}_bd${i}`, 'bth', keyBase('b', i + 1))}, [])`);
    });
    return {
      sequence: true,
      intKeys: true,
      prelude: prelude.join(',\n    '),
      keys: `arrayConcat(${parts.join(',\n      ')})`,
      params,
      decode: decoder(p, ctx),
    };
  },
  /**
   * Event counts for every KPI at once, over the whole sequence. "At least the j-th threshold of e before the KPI's
   * cut" is complete at that many e events; its position is how many of the row's cuts have fewer e events before
   * them (cutRank), so it counts for a KPI exactly when the KPI's own count passes the threshold.
   */
  buildAcross(p, ctx) {
    const id = ctx.id;
    const cuts = ctx.cutColumns ?? [];
    const events = patternCandidates(ctx, p.count_events, p.max_count_events);
    const order = p.count_thresholds.map((th, j) => ({ th, j: j + 1 })).sort((a, b) => a.th - b.th || a.j - b.j);
    if (events.length === 0 || order.length === 0) return null;
    const params: Record<string, unknown> = {};
    order.forEach((o, j) => (params[`${id}_th${j}`] = o.th));
    // Thresholds passed by a count: a prefix of the ascending thresholds.
    const passed = (count: string) => order.map((_, j) => `(${count} >= {${id}_th${j}:Float64})`).join(' + ');
    // The events before each real cut, and none without one (most groups): the cut is an event time, so indexOf
    // finds it. Arithmetic rather than if(): ClickHouse's lazily evaluated branches cost more than they saved.
    const prelude = cuts.map(
      (c, q) => `arraySlice(ev, 1, (${c} != ${NO_CUT}) * (toInt64(indexOf(tm, ${c})) - 1)) AS ${id}_pre${q}`
    );
    const parts = codesOf(ctx, events).map((c, i) => {
      params[`${id}_c${i}`] = c;
      // The keys in ascending threshold order, at position 0; a group has the prefix its count passes.
      params[`${id}_k${i}`] = order.map((o) => BigInt(keyBase('c', c) + o.j) << BigInt(POSITION_BITS));
      prelude.push(
        `countEqual(ev, {${id}_c${i}:UInt16}) AS ${id}_n${i}`,
        `arraySlice({${id}_k${i}:Array(UInt64)}, 1, ${passed(`${id}_n${i}`)}) AS ${id}_p${i}`
      );
      if (cuts.length === 0) return `${id}_p${i}`;
      // Thresholds passed before each cut (all the group's where that cut is none); the j-th is complete before a
      // cut that passes at least j, so its position is the number of cuts passing fewer.
      const before = cuts.map((c, q) => {
        prelude.push(
          `greatest(${passed(`countEqual(${id}_pre${q}, {${id}_c${i}:UInt16})`)}, (${c} = ${NO_CUT}) * length(${id}_p${i})) AS ${id}_m${i}_${q}`
        );
        return `(${id}_m${i}_${q} < j)`;
      });
      return `arrayMap((k, j) -> k + toUInt64(${before.join(' + ')}), ${id}_p${i}, arrayEnumerate(${id}_p${i}))`;
    });
    return {
      sequence: true,
      intKeys: true,
      prelude: prelude.join(',\n    '),
      keys: `arrayConcat(${parts.join(', ')})`,
      params,
      positions: { cut: (cutColumn) => cutRankBound(cutColumn, cuts) },
      decode: decoder(p, ctx),
    };
  },
};
