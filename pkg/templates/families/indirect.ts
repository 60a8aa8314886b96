import { z } from 'zod';
import { quoteIdent } from '../../execute/sql';
import { nameList, thresholdList } from '../limits';
import { hypothesisKey, lit, type Template, scalar } from '../types';

const band = z.object({ name: z.string(), from_hour: z.number().int().min(0).max(23), to_hour: z.number().int().min(1).max(24) }).strict();
const params = z
  .object({
    hour_bands: thresholdList(band).default([
      { name: 'night', from_hour: 0, to_hour: 6 },
      { name: 'morning', from_hour: 6, to_hour: 12 },
      { name: 'afternoon', from_hour: 12, to_hour: 18 },
      { name: 'evening', from_hour: 18, to_hour: 24 },
    ]).describe('Times of day tested (in the dataset’s time zone), each a name and [from_hour, to_hour)'),
    weekend: z.boolean().default(true).describe('Test weekend against weekdays'),
    /** Attributes compared as versions ("at least X"); default: attributes whose values look like versions. */
    version_attributes: nameList().optional().describe('Attributes compared as versions ("at least X"); default: values that look like versions'),
  })
  .strict();

const VERSION = /^v?\d+(\.\d+){0,3}([-+][\w.]+)?$/;
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.+-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.replace(/^v/, '').split(/[.+-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x).localeCompare(String(y));
  }
  return 0;
}

/** Indirect predicates on columns: time-of-day bands and weekends (in the dataset's time zone), version ≥ X. */
export const indirect: Template<z.infer<typeof params>> = {
  name: 'indirect',
  label: 'time or version',
  kind: 'cohort',
  words: /\b(night|day|hour|weekend|weekday|version|morning|evening|time of day)s?\b/i,
  nameFields: { 'hour_bands[].name': 'label', 'version_attributes[]': 'attribute' },
  region: (p) => (scalar(p, 'predicate') ? `predicate=${scalar(p, 'predicate')}` : undefined),
  summary: 'Indirect predicates on columns: hour-of-day bands (night), weekend, version at least X',
  example: 'sessions that start at night (00:00–06:00)',
  params,
  unavailable: () => null,
  build(p, ctx) {
    const id = ctx.id;
    const versions = ctx.attributes
      .map((a, i) => ({ ...a, i, values: (ctx.profile.attributeValues[a.name] ?? []).map((v) => v.value) }))
      .filter((a) => (p.version_attributes ? p.version_attributes.includes(a.name) : a.values.length >= 2 && a.values.every((v) => VERSION.test(v))))
      .map((a) => ({ ...a, sorted: [...a.values].sort(compareVersions) }));
    const params: Record<string, unknown> = {
      [`${id}_bf`]: p.hour_bands.map((b) => b.from_hour),
      [`${id}_bt`]: p.hour_bands.map((b) => b.to_hour),
    };
    const parts = [`arrayMap(b -> concat('h', toString(b)), arrayFilter(b -> hour >= {${id}_bf:Array(UInt8)}[b] AND hour < {${id}_bt:Array(UInt8)}[b], range(1, ${p.hour_bands.length + 1})))`];
    if (p.weekend) parts.push(`if(dow >= 6, ['w'], [])`);
    versions.forEach((v, j) => {
      params[`${id}_v${j}`] = v.sorted;
      // "at least the r-th version" for every r up to the group's own; the lowest version is everyone.
      parts.push(`arrayMap(r -> concat('v${j}:', toString(r)), range(2, toUInt32(indexOf({${id}_v${j}:Array(String)}, ${v.col}) + 1)))`);
    });
    return {
      sequence: false,
      keys: `arrayConcat(${parts.join(', ')})`,
      params,
      decode(key) {
        if (key === 'w') {
          const hp = { predicate: 'weekend' };
          return { template: 'indirect', params: hp, title: 'sessions on weekends', events: [], columns: [], predicate: 'dow >= 6', key: hypothesisKey('indirect', hp) };
        }
        if (key.startsWith('h')) {
          const b = p.hour_bands[Number(key.slice(1)) - 1];
          if (!b) return null;
          const hp = { predicate: 'hour_band', band: b.name, from_hour: b.from_hour, to_hour: b.to_hour };
          const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
          return {
            template: 'indirect',
            params: hp,
            title: `sessions that start in the ${b.name} (${hh(b.from_hour)}–${hh(b.to_hour)} ${ctx.timezone})`,
            events: [],
            columns: [],
            predicate: `hour >= ${b.from_hour} AND hour < ${b.to_hour}`,
            key: hypothesisKey('indirect', hp),
          };
        }
        const m = /^v(\d+):(\d+)$/.exec(key);
        if (!m) return null;
        const v = versions[Number(m[1])];
        const at = v?.sorted[Number(m[2]) - 1];
        if (!v || at === undefined) return null;
        const hp = { predicate: 'version_at_least', attribute: v.name, value: at };
        return {
          template: 'indirect',
          params: hp,
          title: `sessions with ${v.name} ${at} or later`,
          events: [],
          columns: [v.name],
          predicate: `has(${lit(v.sorted.slice(Number(m[2]) - 1))}, ${quoteIdent(v.name)})`,
          key: hypothesisKey('indirect', hp),
        };
      },
    };
  },
};
