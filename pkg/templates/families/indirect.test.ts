/**
 * The indirect family: predicates on time of day, weekday and versions rather than on a column's value.
 * Keys computed on the embedded engine over hand-written groups (tests/support/family-node.ts), read back as
 * hypotheses.
 */
import { contextOf, titlesOf, useEmbeddedEngine, type Group } from '../../../tests/support/family-node';
import { indirect } from './indirect';

const engine = useEmbeddedEngine();

const groups: Group[] = [
  { events: ['open'], attributes: ['1.2.0'], hour: 2, dow: 6 },
  { events: ['open'], attributes: ['1.10.0'], hour: 14, dow: 2 },
  { events: ['open'], attributes: ['1.9.1'], hour: 3, dow: 3 },
];

describe('indirect', () => {
  it('puts each group in the hour band and weekend it starts in', async () => {
    const titles = await titlesOf(engine(), indirect, {}, contextOf(groups), groups);
    expect(titles.map((t) => t.some((x) => x.includes('night')))).toEqual([true, false, true]);
    expect(titles.map((t) => t.includes('sessions on weekends'))).toEqual([true, false, false]);
    expect(titles[1]).toContain('sessions that start in the afternoon (12:00–18:00 UTC)');
  });

  it('orders versions as versions, not as text', async () => {
    const ctx = contextOf(groups, { attributes: ['app_version'] });
    const titles = await titlesOf(engine(), indirect, { version_attributes: ['app_version'] }, ctx, groups);
    // 1.10.0 is the newest: in "1.9.1 or later", which 1.2.0 is not.
    const later = titles.map((t) => t.some((x) => x.startsWith('sessions with app_version 1.9.1 or later')));
    expect(later).toEqual([false, true, true]);
  });
});
