/**
 * The ordered_pattern family: events in order, with gaps, inside a time window.
 * Keys computed on the embedded engine over hand-written groups (tests/support/family-node.ts), read back as
 * hypotheses.
 */
import { contextOf, titlesOf, useEmbeddedEngine, type Group } from '../../../tests/support/family-node';
import { orderedPattern } from './ordered-pattern';

const engine = useEmbeddedEngine();

const groups: Group[] = [
  { events: ['open', 'login', 'search', 'retry', 'pay'], at: [0, 1, 2, 3, 4] },
  { events: ['open', 'login', 'search', 'retry', 'pay'], at: [0, 1, 50, 100, 101] },
  { events: ['open', 'retry', 'login', 'pay'], at: [0, 1, 2, 3] },
  { events: ['open', 'search', 'pay'] },
];

describe('ordered_pattern', () => {
  it('finds a pattern with gaps only when its steps come in order within the window', async () => {
    const params = { events: ['login', 'retry'], within: '30s' };
    const titles = await titlesOf(engine(), orderedPattern, params, contextOf(groups), groups);
    const pattern = 'groups where login, then retry happen in that order within 30 s';
    expect(titles.map((t) => t.includes(pattern))).toEqual([true, false, false, false]);
  });

  it('takes the window from its parameters', async () => {
    const params = { events: ['login', 'retry'], within: '2m' };
    const titles = await titlesOf(engine(), orderedPattern, params, contextOf(groups), groups);
    expect(titles.map((t) => t.some((x) => x.startsWith('groups where login, then retry')))).toEqual([true, true, false, false]);
  });
});
