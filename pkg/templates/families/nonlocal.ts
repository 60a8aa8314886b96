import { z } from 'zod';
import { hypothesisKey, lit, type Template } from '../types';

const params = z
  .object({
    /** Context metrics to use; default: all configured. */
    contexts: z.array(z.string()).optional(),
    /** Membership in the global top-N values of these attributes (by groups). */
    top_n: z.number().int().min(1).max(100).default(3),
    top_n_attributes: z.array(z.string()).optional(),
  })
  .strict();

/**
 * Non-local context: the group's time span overlapped a window where a context metric (from another table)
 * was abnormal; or the group's attribute is among the global top-N values.
 */
export const nonlocal: Template<z.infer<typeof params>> = {
  name: 'nonlocal',
  summary: 'Non-local context: the group overlapped an abnormal window of a context metric; membership in global top-N values',
  example: 'sessions that overlapped a backend_cpu spike (above its p95)',
  params,
  unavailable: (ctx) => (ctx.contexts.length || ctx.attributes.length ? null : 'needs dataset.context or attributes'),
  build(p, ctx) {
    const id = ctx.id;
    const ctxs = ctx.contexts.map((c, i) => ({ ...c, i })).filter((c) => !p.contexts || p.contexts.includes(c.name));
    const tops = ctx.attributes
      .map((a, i) => ({ ...a, i, values: (ctx.profile.attributeValues[a.name] ?? []).slice(0, p.top_n).map((v) => v.value) }))
      .filter((a) => (p.top_n_attributes ? p.top_n_attributes.includes(a.name) : (ctx.profile.attributeValues[a.name]?.length ?? 0) > p.top_n * 2));
    const params: Record<string, unknown> = {};
    const parts: string[] = [];
    ctxs.forEach((c) => {
      params[`${id}_s${c.i}`] = c.starts;
      params[`${id}_e${c.i}`] = c.ends;
      parts.push(`if(arrayExists((a, b) -> a <= t1 AND b > t0, {${id}_s${c.i}:Array(Int64)}, {${id}_e${c.i}:Array(Int64)}), ['x${c.i}'], [])`);
    });
    tops.forEach((a) => {
      params[`${id}_t${a.i}`] = a.values;
      parts.push(`if(has({${id}_t${a.i}:Array(String)}, ${a.col}), ['t${a.i}'], [])`);
    });
    return {
      sequence: false,
      keys: parts.length ? `arrayConcat(${parts.join(', ')})` : 'CAST([], \'Array(String)\')',
      params,
      decode(key) {
        const m = /^([xt])(\d+)$/.exec(key);
        if (!m) return null;
        if (m[1] === 'x') {
          const c = ctx.contexts[Number(m[2])];
          if (!c) return null;
          const hp = { context: c.name, rule: c.rule, threshold: Math.round(c.threshold * 1000) / 1000 };
          return {
            template: 'nonlocal',
            params: hp,
            title: `groups that overlapped a window when ${c.name} was ${c.rule === 'above_p95' ? 'above its p95' : 'above the threshold'} (> ${hp.threshold})`,
            events: [],
            columns: [],
            predicate: `arrayExists((a, b) -> a <= t1 AND b > t0, ${lit(c.starts)}, ${lit(c.ends)})`,
            key: hypothesisKey('nonlocal', { context: c.name, rule: c.rule }),
          };
        }
        const a = tops.find((x) => x.i === Number(m[2]));
        if (!a) return null;
        const hp = { predicate: 'top_values', attribute: a.name, n: p.top_n, values: a.values };
        return {
          template: 'nonlocal',
          params: hp,
          title: `groups whose ${a.name} is among the ${p.top_n} most common (${a.values.join(', ')})`,
          events: [],
          columns: [a.name],
          predicate: `has(${lit(a.values)}, \`${a.name}\`)`,
          key: hypothesisKey('nonlocal', { predicate: 'top_values', attribute: a.name, n: p.top_n }),
        };
      },
    };
  },
};
