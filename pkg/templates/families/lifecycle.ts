import { z } from 'zod';
import { quoteIdent } from '../../execute/sql';
import { nameList, thresholdList } from '../limits';
import { hypothesisKey, lit, type Template, scalar } from '../types';

const params = z
  .object({
    min_ordinals: thresholdList(z.number().int().min(2)).default([2, 3, 5]).describe('User’s Nth group or later, for each N'),
    first_session: z.boolean().default(true).describe('Test the user’s first group'),
    away_days: thresholdList(z.number().min(0.01)).default([7, 30]).describe('Back after at least this many days away, for each value'),
    /** Cross each phase with the values of these attributes; default: attributes with at most 30 values. */
    cross_with: nameList().optional().describe('Attributes whose values split each phase; default: attributes with few values'),
    max_cross_values: z.number().int().min(1).max(500).default(30).describe('Values of a crossed attribute at most'),
  })
  .strict();

/**
 * Lifecycle phase of the user: the group's ordinal among the user's groups (history read back by
 * analysis.lookback_days), first group after a long absence, optionally crossed with one static attribute.
 */
export const lifecycle: Template<z.infer<typeof params>> = {
  name: 'lifecycle',
  label: 'user lifecycle',
  kind: 'cohort',
  words: /\b(returning|first[- ]time|new users?|lifecycle|second|repeat|came back|churn|away)\b/i,
  nameFields: { 'cross_with[]': 'attribute' },
  region: (p) => (scalar(p, 'phase') ? `phase=${scalar(p, 'phase')}` : undefined),
  summary: "The user's lifecycle phase: first vs later sessions, first session after days away, crossed with an attribute",
  example: 'second-or-later sessions on os_version android_14',
  params,
  unavailable: (ctx) => (ctx.hasUser ? null : 'needs dataset.events.user'),
  build(p, ctx) {
    const id = ctx.id;
    const cross = ctx.attributes
      .map((a, i) => ({ ...a, i }))
      .filter((a) => (p.cross_with ? p.cross_with.includes(a.name) : (ctx.profile.attributeValues[a.name]?.length ?? 0) <= p.max_cross_values));
    const phases = `arrayConcat(
        arrayMap(k -> concat('o', toString(k)), arrayFilter(k -> ordinal >= k, {${id}_ord:Array(UInt32)})),
        if(${p.first_session ? 1 : 0} AND ordinal = 1, ['f'], []),
        arrayMap(d -> concat('a', toString(d)), arrayFilter(d -> away_days >= d, {${id}_away:Array(Float64)})))`;
    const crossed = cross.length
      ? `arrayFlatten(arrayMap(ph -> [${cross.map((a) => `concat(ph, '|${a.i}=', ${a.col})`).join(', ')}], ${id}_ph))`
      : '[]';
    const phase = (code: string): { hp: Record<string, unknown>; title: string; pred: string } | null => {
      if (code === 'f') return { hp: { phase: 'first_session' }, title: "users' first sessions", pred: 'ordinal = 1' };
      if (code.startsWith('o')) {
        const k = Number(code.slice(1));
        return { hp: { phase: 'returning', min_ordinal: k }, title: k === 2 ? 'second-or-later sessions' : `sessions number ${k} or later of a user`, pred: `ordinal >= ${k}` };
      }
      if (code.startsWith('a')) {
        const d = Number(code.slice(1));
        return { hp: { phase: 'return_after', min_days_away: d }, title: `first sessions after at least ${d} days away`, pred: `away_days >= ${d}` };
      }
      return null;
    };
    return {
      sequence: false,
      prelude: `${phases} AS ${id}_ph`,
      keys: `arrayConcat(${id}_ph, ${crossed})`,
      params: { [`${id}_ord`]: p.min_ordinals, [`${id}_away`]: p.away_days },
      decode(key) {
        const bar = key.indexOf('|');
        const ph = phase(bar < 0 ? key : key.slice(0, bar));
        if (!ph || !Number.isFinite(Number(ph.hp.min_ordinal ?? ph.hp.min_days_away ?? 0))) return null;
        if (bar < 0) return { template: 'lifecycle', params: ph.hp, title: ph.title, events: [], columns: [], predicate: ph.pred, key: hypothesisKey('lifecycle', ph.hp) };
        const rest = key.slice(bar + 1);
        const eq = rest.indexOf('=');
        const attr = ctx.attributes[Number(rest.slice(0, eq))];
        if (!attr) return null;
        const value = rest.slice(eq + 1);
        const hp = { ...ph.hp, attribute: attr.name, value };
        return {
          template: 'lifecycle',
          params: hp,
          title: `${ph.title} with ${attr.name} = ${value}`,
          events: [],
          columns: [attr.name],
          predicate: `${ph.pred} AND ${quoteIdent(attr.name)} = ${lit(value)}`,
          key: hypothesisKey('lifecycle', hp),
          parents: [
            hypothesisKey('lifecycle', ph.hp),
            hypothesisKey('static', { attributes: { [attr.name]: value } }),
            // A later ordinal with the same attribute sits inside the earlier one.
            ...p.min_ordinals
              .filter((k) => typeof ph.hp.min_ordinal === 'number' && k < (ph.hp.min_ordinal as number))
              .map((k) => hypothesisKey('lifecycle', { phase: 'returning', min_ordinal: k, attribute: attr.name, value })),
          ],
        };
      },
    };
  },
};
