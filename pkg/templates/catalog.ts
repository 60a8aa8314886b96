import { z } from 'zod';
import { FAMILIES, type Family, type Template } from './types';
import { ngram } from './families/ngram';
import { orderedPattern } from './families/ordered-pattern';
import { absence } from './families/absence';
import { lifecycle } from './families/lifecycle';
import { indirect } from './families/indirect';
import { staticTemplate } from './families/static';
import { stateful } from './families/stateful';
import { nonlocal } from './families/nonlocal';

/** The template library T. */
export const TEMPLATES: Record<Family, Template<any>> = {
  ngram,
  ordered_pattern: orderedPattern,
  absence,
  lifecycle,
  indirect,
  static: staticTemplate,
  stateful,
  nonlocal,
};

/**
 * Adds a family at run time (a test's, or one shipped apart from the engine): every part of the engine reads a
 * family from its Template, so this is all it takes. Refuses a name already in the catalog.
 */
export function registerTemplate(t: Omit<Template<any>, 'name'> & { name: string }): void {
  if (!/^[a-z][a-z0-9_]*$/.test(t.name)) throw new Error(`a family name is lowercase letters, digits and _, not ${JSON.stringify(t.name)}`);
  if ((FAMILIES as readonly string[]).includes(t.name)) throw new Error(`family ${t.name} is already in the catalog`);
  (FAMILIES as unknown as string[]).push(t.name);
  TEMPLATES[t.name as Family] = t as Template<any>;
}

export function getTemplate(name: string): Template<any> {
  if (!(FAMILIES as readonly string[]).includes(name)) {
    throw new Error(`unknown template ${JSON.stringify(name)}; templates are: ${FAMILIES.join(', ')}`);
  }
  return TEMPLATES[name as Family];
}

/**
 * One line per parameter for the catalog (the Templates page, GET /api/templates), kept here in one place rather
 * than in each family's file; a `.describe()` on the family's schema wins over these.
 */
export const PARAM_DESCRIPTIONS: Record<Family, Record<string, string>> = {
  ngram: {
    min_n: 'Shortest sequence tested, in events',
    max_n: 'Longest sequence tested, in events',
    tokens: 'Event names read as one token, e.g. every web error as web_error',
    exclude: 'Events dropped from the sequence first (noise such as heartbeats)',
  },
  ordered_pattern: {
    max_steps: 'Events in a pattern (2 or 3), in order, other events allowed between them',
    events: 'Candidate events; default: the most common events that are not outcomes',
    max_events: 'Candidate events at most (the most common first)',
    max_group_events: 'Longer groups are cut to their first N candidate events',
    max_gap_events: 'Steps at most this many candidate events apart',
  },
  absence: {
    within: 'How soon the follow-up event is expected',
    pairs: 'Explicit [A, B] pairs: A not followed by B; default: the data’s usual transitions',
    min_follow_rate: 'A transition counts as usual when B follows A in at least this share of groups with A',
    max_pairs: 'Pairs tested at most',
    missing_min_share: 'Also test "B never happens" for events in at least this share of groups (0: off)',
  },
  lifecycle: {
    min_ordinals: 'User’s Nth group or later, for each N',
    first_session: 'Test the user’s first group',
    away_days: 'Back after at least this many days away, for each value',
    cross_with: 'Attributes whose values split each phase; default: attributes with few values',
    max_cross_values: 'Values of a crossed attribute at most',
  },
  indirect: {
    hour_bands: 'Times of day tested (in the dataset’s time zone), each a name and [from_hour, to_hour)',
    weekend: 'Test weekend against weekdays',
    version_attributes: 'Attributes compared as versions ("at least X"); default: values that look like versions',
  },
  static: {
    attributes: 'Attributes whose values are tested; default: all',
    pairs: 'Also test pairs of attribute values',
    max_values_for_pairs: 'Pairs only among attributes with at most this many values',
  },
  stateful: {
    count_events: 'Events whose count per group is tested; default: the common non-outcome events',
    max_count_events: 'Counted events at most',
    count_thresholds: 'Count thresholds: the event at least N times',
    duration_thresholds_s: 'Group duration thresholds, in seconds',
    length_thresholds: 'Group length thresholds, in events',
    retries: 'Retries of an event before its first success ({event, success})',
    retry_thresholds: 'Retry thresholds: at least N retries',
    time_between: 'Time from one event to the next of another ({from, to})',
    time_between_thresholds_s: 'Time-between thresholds, in seconds',
  },
  nonlocal: {
    contexts: 'Context metrics used; default: all configured',
    top_n: 'Membership in the N most common values of an attribute',
    top_n_attributes: 'Attributes for the top-N membership; default: all',
  },
};

/** The catalog as data: name, meaning, example, and the JSON Schema of its parameters (each with a description). */
export function catalog(): { name: Family; summary: string; example: string; params_schema: unknown }[] {
  return FAMILIES.map((f) => {
    const schema = z.toJSONSchema(TEMPLATES[f].params as z.ZodType, { io: 'input', unrepresentable: 'any' }) as {
      properties?: Record<string, { description?: string }>;
    };
    for (const [name, prop] of Object.entries(schema.properties ?? {})) {
      prop.description ??= PARAM_DESCRIPTIONS[f][name];
    }
    return { name: f, summary: TEMPLATES[f].summary, example: TEMPLATES[f].example, params_schema: schema };
  });
}
