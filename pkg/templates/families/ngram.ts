import { z } from 'zod';
import { codesOf, hypothesisKey, lit, nameOf, type Template } from '../types';

const params = z
  .object({
    min_n: z.number().int().min(1).max(5).default(1),
    max_n: z.number().int().min(1).max(5).default(3),
    /** Token map M: several event names read as one token (e.g. all web errors as web_error). */
    tokens: z.record(z.string(), z.string()).default({}),
    /** Filter F: events dropped from the sequence before n-grams are formed (noise such as heartbeats). */
    exclude: z.array(z.string()).default([]),
  })
  .strict()
  .refine((p) => p.min_n <= p.max_n, { message: 'min_n must be <= max_n' });

/** Contiguous event sequences of length n, after the token map and the filter (the seed's expert-1 input). */
export const ngram: Template<z.infer<typeof params>> = {
  name: 'ngram',
  summary: 'Contiguous event sequences (n-grams) in the group, after an optional token map and filter',
  example: 'groups where search, apply_filter, sort_price occur back to back',
  params,
  unavailable: () => null,
  build(p, ctx) {
    const id = ctx.id;
    // Tokens get codes after the vocabulary so they never collide with an event's code.
    const tokenNames = [...new Set(Object.values(p.tokens))];
    const from = Object.keys(p.tokens).filter((e) => ctx.vocab.includes(e));
    const fromCodes = codesOf(ctx, from);
    const toCodes = from.map((e) => 60000 + tokenNames.indexOf(p.tokens[e]!));
    const dropCodes = codesOf(ctx, p.exclude);
    const seq = `arrayMap(x -> transform(x, {${id}_from:Array(UInt16)}, {${id}_to:Array(UInt16)}, x), arrayFilter(x -> x != 0 AND NOT has({${id}_drop:Array(UInt16)}, x), s))`;
    const grams = [];
    for (let n = p.min_n; n <= p.max_n; n++) {
      const q = `${id}_q`;
      grams.push(`arrayMap(i -> arrayStringConcat(arrayMap(x -> toString(x), arraySlice(${q}, i, ${n})), ','), range(1, toUInt32(greatest(toInt64(length(${q})) - ${n} + 2, 1))))`);
    }
    const label = (c: number) => (c >= 60000 ? tokenNames[c - 60000]! : nameOf(ctx, c));
    return {
      sequence: true,
      keys: `arrayDistinct(arrayConcat(${grams.join(', ')}))`,
      params: { [`${id}_from`]: fromCodes, [`${id}_to`]: toCodes, [`${id}_drop`]: dropCodes },
      // The filtered, token-mapped sequence is bound once per row.
      prelude: `${seq} AS ${id}_q`,
      decode(key) {
        const codes = key.split(',').map(Number);
        if (codes.some((c) => !Number.isInteger(c) || c <= 0)) return null;
        const names = codes.map(label);
        const rawEvents = codes.flatMap((c) => (c >= 60000 ? Object.keys(p.tokens).filter((e) => p.tokens[e] === label(c)) : [label(c)]));
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
