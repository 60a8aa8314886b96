import { attributeColumns } from '../compile/sessionize';
import type { Dataset } from '../dataset/inspect';
import { FAMILIES, TEMPLATES } from '../templates/catalog';
import type { Availability, Family } from '../templates/types';

/** What the dataset offers a family: a user column, contexts, attributes. */
export function availability(d: Dataset): Availability {
  return { hasUser: Boolean(d.spec.user), contexts: d.contexts.map((c) => ({ name: c.spec.name })), attributes: attributeColumns(d) };
}

/** The families this dataset cannot run, each with why (e.g. lifecycle: 'needs dataset.events.user'). */
export function unavailableFamilies(d: Dataset): Partial<Record<Family, string>> {
  const avail = availability(d);
  const out: Partial<Record<Family, string>> = {};
  for (const f of FAMILIES) {
    const why = TEMPLATES[f].unavailable(avail);
    if (why) out[f] = why;
  }
  return out;
}
