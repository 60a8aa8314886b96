/**
 * The stateful family: counts, durations, lengths, retries and times between events of a group.
 * Keys computed on the embedded engine over hand-written groups (tests/support/family-node.ts), read back as
 * hypotheses.
 */
import { contextOf, titlesOf, useEmbeddedEngine, type Group } from '../../../tests/support/family-node';
import { stateful } from './stateful';

const engine = useEmbeddedEngine();

const groups: Group[] = [
  { events: ['open', 'retry', 'retry', 'retry', 'pay'], at: [0, 1, 2, 3, 400] },
  { events: ['open', 'retry', 'pay'], at: [0, 1, 2] },
  { events: ['open', 'pay'], at: [0, 100] },
];

describe('stateful', () => {
  it('counts an event per group against its thresholds', async () => {
    const titles = await titlesOf(engine(), stateful, { count_events: ['retry'], count_thresholds: [2, 3] }, contextOf(groups), groups);
    const atLeast = (n: number) => titles.map((t) => t.some((x) => x.includes('retry') && x.includes(`at least ${n}`)));
    expect(atLeast(3)).toEqual([true, false, false]);
    expect(atLeast(2)).toEqual([true, false, false]);
  });

  it('measures the duration of a group', async () => {
    const titles = await titlesOf(engine(), stateful, { count_events: [], duration_thresholds_s: [60] }, contextOf(groups), groups);
    expect(titles.map((t) => t.some((x) => /60 s/.test(x)))).toEqual([true, false, true]);
  });
});
