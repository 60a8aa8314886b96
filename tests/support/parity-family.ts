/**
 * A family written for a test, as a new family is written: this one file, then one line registering it with the
 * catalog (tests/pkg/new-family.test.ts). Its cohorts: groups with an even, or an odd, number of events.
 */
import { z } from 'zod';
import { hypothesisKey, type Family, type Template } from '../../pkg/templates/types';

const NAME = 'parity' as Family;

export const parity: Omit<Template<Record<string, never>>, 'name'> & { name: string } = {
  name: NAME,
  kind: 'cohort',
  words: /\b(even|odd|parity)\b/i,
  nameFields: {},
  region: (p) => (typeof p.parity === 'string' ? `parity=${p.parity}` : undefined),
  summary: 'Groups with an even or an odd number of events',
  example: '{"parity": "odd"}',
  params: z.object({}).strict(),
  unavailable: () => null,
  build: () => ({
    keys: `[if(length(ev) % 2 = 0, 'even', 'odd')]`,
    params: {},
    sequence: false,
    decode(key) {
      if (key !== 'even' && key !== 'odd') return null;
      const hp = { parity: key };
      return {
        template: NAME,
        params: hp,
        title: `groups with an ${key} number of events`,
        events: [],
        columns: [],
        predicate: `length(events) % 2 = ${key === 'even' ? 0 : 1}`,
        key: hypothesisKey(NAME, hp),
      };
    },
  }),
};
