/**
 * The absence family: a step not followed by another within a window, or a usual event missing.
 * Keys computed on the embedded engine over hand-written groups (tests/support/family-node.ts), read back as
 * hypotheses.
 */
import { contextOf, titlesOf, useEmbeddedEngine, type Group } from '../../../tests/support/family-node';
import { absence } from './absence';

const engine = useEmbeddedEngine();

const groups: Group[] = [
  { events: ['login', 'token', 'pay'] },
  { events: ['login', 'token', 'pay'] },
  { events: ['login', 'pay'] },
  { events: ['login', 'search', 'token'], at: [0, 1, 60] },
];

describe('absence', () => {
  it('puts a group where A is not followed by B within the window in "A not followed by B"', async () => {
    const params = { pairs: [['login', 'token']], within: '30s' };
    const titles = await titlesOf(engine(), absence, params, contextOf(groups), groups);
    const gap = 'groups where login is not followed by token within 30 s';
    expect(titles.map((t) => t.includes(gap))).toEqual([false, false, true, true]);
  });

  it('puts a group lacking an event most groups have in "without it"', async () => {
    const titles = await titlesOf(engine(), absence, {}, contextOf(groups), groups);
    expect(titles.map((t) => t.some((x) => x.startsWith('groups without token')))).toEqual([false, false, true, false]);
  });
});
