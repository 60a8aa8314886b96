import { z } from 'zod';
import { nameList, PARAM_LIMITS, paramName } from '../limits';
import { codesOf, hypothesisKey, lit, MAX_CODE, nameOf, packCodesSql, unpackCodes, type Template } from '../types';

const params = z
  .object({
    min_n: z.number().int().min(1).max(5).default(1).describe('Shortest sequence tested, in events'),
    max_n: z.number().int().min(1).max(5).default(3).describe('Longest sequence tested, in events'),
    /** Token map M: several event names read as one token (e.g. all web errors as web_error). */
    tokens: z
      .record(paramName, paramName)
      .refine((t) => Object.keys(t).length <= PARAM_LIMITS.names, { message: `at most ${PARAM_LIMITS.names} entries` })
      .default({}).describe('Event names read as one token, e.g. every web error as web_error'),
    /** Filter F: events dropped from the sequence before n-grams are formed (noise such as heartbeats). */
    exclude: nameList().default([]).describe('Events dropped from the sequence first (noise such as heartbeats)'),
  })
  .strict()
  .refine((p) => p.min_n <= p.max_n, { message: 'min_n must be <= max_n' });

/** Contiguous event sequences of length n, after the token map and the filter (the seed's expert-1 input). */
export const ngram: Template<z.infer<typeof params>> = {
  name: 'ngram',
  label: 'event sequence',
  kind: 'pattern',
  words: /\b(sequence|n-?gram|steps?|journey|flow|path)s?\b/i,
  nameFields: { 'tokens{k}': 'event', 'tokens{v}': 'label', 'exclude[]': 'event' },
  region: (p) => (Array.isArray(p.ngram) ? `length=${p.ngram.length}` : undefined),
  summary: 'Contiguous event sequences (n-grams) in the group, after an optional token map and filter',
  example: 'groups where search, apply_filter, sort_price occur back to back',
  params,
  unavailable: () => null,
  build(p, ctx) {
    const id = ctx.id;
    // Tokens get codes after the vocabulary so they never collide with an event's code.
    const tokenNames = [...new Set(Object.values(p.tokens))];
    const tokenBase = ctx.vocab.length + 1;
    if (tokenBase + tokenNames.length - 1 > MAX_CODE) {
      throw new Error(`ngram: ${ctx.vocab.length} events and ${tokenNames.length} tokens exceed the ${MAX_CODE} codes an integer key holds; map fewer tokens`);
    }
    const from = Object.keys(p.tokens).filter((e) => ctx.vocab.includes(e));
    const fromCodes = codesOf(ctx, from);
    const toCodes = from.map((e) => tokenBase + tokenNames.indexOf(p.tokens[e]!));
    const dropCodes = codesOf(ctx, p.exclude);
    const seq = `arrayMap(x -> transform(x, {${id}_from:Array(UInt16)}, {${id}_to:Array(UInt16)}, x), arrayFilter(x -> x != 0 AND NOT has({${id}_drop:Array(UInt16)}, x), s))`;
    const q = `${id}_q`;
    // Each n-gram as one packed integer (packCodes), from shifted slices of the sequence: no string per position.
    const sl = (from: number, minus: number) => `arraySlice(${q}, ${from}, greatest(toInt64(length(${q})) - ${minus}, 0))`;
    const grams = [];
    for (let n = p.min_n; n <= p.max_n; n++) {
      const vars = Array.from({ length: n }, (_, i) => `x${i}`);
      const slices = vars.map((_, i) => sl(i + 1, n - 1));
      grams.push(n === 1 ? `arrayMap(x0 -> toUInt64(x0), ${q})` : `arrayMap((${vars.join(', ')}) -> ${packCodesSql(vars)}, ${slices.join(', ')})`);
    }
    const label = (c: number) => (c >= tokenBase ? tokenNames[c - tokenBase]! : nameOf(ctx, c));
    return {
      sequence: true,
      intKeys: true,
      keys: `arrayDistinct(arrayConcat(${grams.join(', ')}))`,
      params: { [`${id}_from`]: fromCodes, [`${id}_to`]: toCodes, [`${id}_drop`]: dropCodes },
      // The filtered, token-mapped sequence is bound once per row.
      prelude: `${seq} AS ${q}`,
      decode(key) {
        const codes = unpackCodes(key);
        if (codes.length < p.min_n || codes.length > p.max_n || codes.some((c) => !Number.isInteger(c) || c <= 0)) return null;
        const names = codes.map(label);
        const rawEvents = codes.flatMap((c) => (c >= tokenBase ? Object.keys(p.tokens).filter((e) => p.tokens[e] === label(c)) : [label(c)]));
        const hp: Record<string, unknown> = { ngram: names };
        if (Object.keys(p.tokens).length) hp.tokens = p.tokens;
        if (p.exclude.length) hp.exclude = p.exclude;
        const readableSeq = `arrayMap(x -> transform(x, ${lit(from)}, ${lit(from.map((e) => p.tokens[e]!))}, x), arrayFilter(x -> NOT has(${lit(p.exclude)}, x), s))`;
        return {
          template: 'ngram',
          params: hp,
          title: names.length === 1 ? `groups with ${names[0]}` : `groups where ${names.join(', ')} occur back to back`,
          events: rawEvents,
          columns: [],
          predicate: `hasSubstr(${readableSeq}, ${lit(names)})`,
          key: hypothesisKey('ngram', hp),
          parents: names.length > 1 ? [hypothesisKey('ngram', { ...hp, ngram: names.slice(0, -1) }), hypothesisKey('ngram', { ...hp, ngram: names.slice(1) })] : [],
        };
      },
    };
  },
};
