/**
 * The lifecycle family: the group's place in its user's life (first, later, after days away), crossed with attributes.
 * Keys computed on the embedded engine over hand-written groups (tests/support/family-node.ts), read back as
 * hypotheses.
 */
import { contextOf, titlesOf, useEmbeddedEngine, type Group } from '../../../tests/support/family-node';
import { lifecycle } from './lifecycle';

const engine = useEmbeddedEngine();

const groups: Group[] = [
  { events: ['open'], attributes: ['android'], ordinal: 1 },
  { events: ['open'], attributes: ['ios'], ordinal: 2, awayDays: 10 },
  { events: ['open'], attributes: ['android'], ordinal: 3, awayDays: 0.5 },
];
const ctx = () => contextOf(groups, { attributes: ['os_version'] });

describe('lifecycle', () => {
  it('tells first sessions, later ones and returns after days away apart', async () => {
    const [first, back, third] = await titlesOf(engine(), lifecycle, {}, ctx(), groups);
    expect(first).toContain("users' first sessions");
    expect(first.some((t) => t.startsWith('second-or-later'))).toBe(false);
    expect(back).toEqual(expect.arrayContaining(['second-or-later sessions', 'first sessions after at least 7 days away']));
    expect(third).toContain('second-or-later sessions');
    expect(third.some((t) => t.includes('days away'))).toBe(false);
  });

  it('crosses a phase with the attribute value of the group', async () => {
    const [first, back] = await titlesOf(engine(), lifecycle, {}, ctx(), groups);
    expect(first).toContain("users' first sessions with os_version = android");
    expect(back).toContain('second-or-later sessions with os_version = ios');
    expect(back.some((t) => t.includes('android'))).toBe(false);
  });

  it('is unavailable without users', () => {
    expect(lifecycle.unavailable({ hasUser: false, contexts: [], attributes: [] })).toMatch(/user/);
  });
});
