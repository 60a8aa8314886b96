/**
 * The ngram family: contiguous runs of events, after its token map and filter.
 * Keys computed on the embedded engine over hand-written groups (tests/support/family-node.ts), read back as
 * hypotheses.
 */
import { contextOf, titlesOf, useEmbeddedEngine, type Group } from '../../../tests/support/family-node';
import { ngram } from './ngram';

const engine = useEmbeddedEngine();

const groups: Group[] = [
  { events: ['open', 'login', 'retry', 'retry', 'pay'] },
  { events: ['open', 'login', 'token', 'pay'] },
  { events: ['open', 'search', 'pay'] },
];

describe('ngram', () => {
  it('puts a group in the n-grams it contains back to back, and in no other', async () => {
    const [g0, g1, g2] = await titlesOf(engine(), ngram, {}, contextOf(groups), groups);
    expect(g0).toEqual(expect.arrayContaining(['groups where login, retry, retry occur back to back', 'groups with retry']));
    expect(g1).toContain('groups where login, token occur back to back');
    expect(g1).not.toContain('groups where login, retry occur back to back');
    expect(g2).toEqual(expect.arrayContaining(['groups where open, search, pay occur back to back']));
    expect(g2.some((t) => t.includes('login'))).toBe(false);
  });

  it('reads the sequence through the token map and leaves excluded events out', async () => {
    const params = { tokens: { retry: 'again' }, exclude: ['open'] };
    const [g0, , g2] = await titlesOf(engine(), ngram, params, contextOf(groups), groups);
    expect(g0).toContain('groups where login, again occur back to back');
    expect(g0.some((t) => t.includes('retry') || t.includes('open'))).toBe(false);
    expect(g2).toContain('groups where search, pay occur back to back');
  });
});
