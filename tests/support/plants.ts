import type { Opportunity } from '../../pkg/pipeline/analyze';

/** A planted effect from the generator's ground_truth.json. */
export interface Plant {
  id: string;
  family: string;
  kpi: string;
  params: Record<string, unknown>;
}

const seq = (o: Opportunity): string[] => ((o.params.pattern ?? o.params.ngram ?? []) as string[]);
const isSubsequence = (needle: string[], hay: string[]) => {
  let i = 0;
  for (const h of hay) if (h === needle[i]) i++;
  return i === needle.length;
};
const isContiguous = (needle: string[], hay: string[]) => hay.join('\u0001').includes(needle.join('\u0001'));

/**
 * Does a lead express the plant, in the plant's own family? Loose only where the engine legitimately
 * reports a minimal form (a sub-pattern, a neighbouring threshold), never across families.
 */
export function expresses(p: Plant, o: Opportunity): boolean {
  if (o.kpi !== p.kpi || o.template !== p.family) return false;
  const pp = p.params;
  switch (p.family) {
    case 'ordered_pattern': {
      // buy_plan is the funnel's entry: every applicable group has it, so the minimal pattern may drop it.
      const plant = pp.pattern as string[];
      return isSubsequence(plant.slice(1), seq(o)) && seq(o).every((e) => plant.includes(e));
    }
    case 'ngram':
      return seq(o).length >= 2 && isContiguous(seq(o), pp.ngram as string[]);
    case 'absence':
      return o.params.missing === pp.missing && (o.params.after === undefined || o.params.after === pp.after);
    case 'lifecycle':
      return o.params.phase === 'returning' && Number(o.params.min_ordinal) <= 3 && o.params.attribute === pp.attribute && o.params.value === pp.value;
    case 'indirect':
      return o.params.predicate === 'hour_band' && o.params.from_hour === pp.from_hour && o.params.to_hour === pp.to_hour;
    case 'static':
      return JSON.stringify(o.params.attributes) === JSON.stringify(pp.attributes) ||
        (Object.keys(o.params.attributes as object).length === 2 &&
          Object.entries(pp.attributes as Record<string, string>).every(([k, v]) => (o.params.attributes as Record<string, string>)[k] === v));
    case 'nonlocal':
      return o.params.context === pp.context;
    case 'stateful':
      return o.params.feature === pp.feature && o.params.event === pp.event && Math.abs(Number(o.params.min) - Number(pp.min)) <= 1;
    default:
      return false;
  }
}

/** A related hypothesis key ("template:{params}") read as a lead of the same KPI. */
export function relatedAsLead(o: Opportunity, key: string): Opportunity {
  const i = key.indexOf(':');
  return { ...o, template: key.slice(0, i), params: JSON.parse(key.slice(i + 1)) };
}
