import { z } from 'zod';
import { quoteIdent } from '../../execute/sql';
import { nameList } from '../limits';
import { hypothesisKey, lit, type Template } from '../types';

const params = z
  .object({
    attributes: nameList().optional().describe('Attributes whose values are tested; default: all'),
    pairs: z.boolean().default(true).describe('Also test pairs of attribute values'),
    /** Pairs only among attributes with at most this many values, to bound the cohorts. */
    max_values_for_pairs: z.number().int().min(2).max(1000).default(50).describe('Pairs only among attributes with at most this many values'),
  })
  .strict();

const SEP = '\u001f';

/** Static attributes of the group: each value, and each pair of values of two attributes. */
export const staticTemplate: Template<z.infer<typeof params>> = {
  name: 'static',
  label: 'attribute',
  kind: 'cohort',
  words: /\b(country|countries|device|os|platform|version|region|browser|segment)s?\b/i,
  nameFields: { 'attributes[]': 'attribute' },
  region: (p) => (p.attributes && typeof p.attributes === 'object' ? `attributes=${Object.keys(p.attributes).sort().join('+')}` : undefined),
  summary: 'Static attributes: single values and pairs of values (os_version = X and country = Y)',
  example: 'sessions with country = IN and device = tablet',
  params,
  unavailable: (ctx) => (ctx.attributes.length ? null : 'needs dataset.events.attributes'),
  build(p, ctx) {
    const attrs = ctx.attributes.map((a, i) => ({ ...a, i })).filter((a) => !p.attributes || p.attributes.includes(a.name));
    const small = attrs.filter((a) => (ctx.profile.attributeValues[a.name]?.length ?? Infinity) <= p.max_values_for_pairs);
    const singles = attrs.map((a) => `concat('${a.i}', char(31), ${a.col})`);
    const pairs: string[] = [];
    if (p.pairs) {
      small.forEach((a, x) => small.slice(x + 1).forEach((b) => pairs.push(`concat('${a.i}', char(31), '${b.i}', char(31), ${a.col}, char(31), ${b.col})`)));
    }
    return {
      sequence: false,
      keys: `[${[...singles, ...pairs].join(', ') || "''"}]`,
      params: {},
      decode(key) {
        const parts = key.split(SEP);
        const one = (i: string) => ctx.attributes[Number(i)];
        if (parts.length === 2) {
          const a = one(parts[0]!);
          if (!a) return null;
          const hp = { attributes: { [a.name]: parts[1]! } };
          return { template: 'static', params: hp, title: `groups with ${a.name} = ${parts[1]}`, events: [], columns: [a.name], predicate: `${quoteIdent(a.name)} = ${lit(parts[1])}`, key: hypothesisKey('static', hp) };
        }
        if (parts.length === 4) {
          const a = one(parts[0]!);
          const b = one(parts[1]!);
          if (!a || !b) return null;
          const hp = { attributes: { [a.name]: parts[2]!, [b.name]: parts[3]! } };
          return {
            template: 'static',
            params: hp,
            title: `groups with ${a.name} = ${parts[2]} and ${b.name} = ${parts[3]}`,
            events: [],
            columns: [a.name, b.name],
            predicate: `${quoteIdent(a.name)} = ${lit(parts[2])} AND ${quoteIdent(b.name)} = ${lit(parts[3])}`,
            key: hypothesisKey('static', hp),
            parents: [hypothesisKey('static', { attributes: { [a.name]: parts[2]! } }), hypothesisKey('static', { attributes: { [b.name]: parts[3]! } })],
          };
        }
        return null;
      },
    };
  },
};
