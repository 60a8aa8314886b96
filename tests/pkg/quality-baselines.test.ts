/**
 * The peer baselines of bench:quality on small hand-made groups: each method's own arithmetic (PostHog's smoothed
 * odds ratio and support floor, Elasticsearch's p_value heuristic, MacroBase's risk ratio and APriori levels).
 */
import { elasticLogRate, pValueScoreP } from '../../bench/baselines/elastic-log-rate';
import { macrobaseDiff, riskRatioOf } from '../../bench/baselines/macrobase-diff';
import { entityOddsRatio, posthogCorrelation } from '../../bench/baselines/posthog-correlation';
import { count, groupTable, hasBit } from '../../bench/quality/groups';
import { gTest } from '../../pkg/experts/stats';

/** n groups built from a spec: how many fail / not, with which events and attributes. */
function rows(spec: { n: number; failed: number; events: string[]; attributes?: Record<string, string> }[]) {
  const out: Parameters<typeof groupTable>[0] = [];
  for (const s of spec) {
    for (let i = 0; i < s.n; i++) out.push({ id: `g${out.length}`, failed: i < s.failed, events: s.events, attributes: s.attributes });
  }
  return out;
}

describe('PostHog funnel correlation', () => {
  it('is the odds ratio with one added to every cell (get_entity_odds_ratio)', () => {
    // visited: 5 succeeded, 1 failed; totals 7 succeeded, 11 failed → (5+1)(11−1+1) / ((7−5+1)(1+1)) = 66 / 6
    expect(entityOddsRatio({ success: 5, failure: 1 }, { success: 7, failure: 11 })).toBeCloseTo(11, 12);
  });

  it('drops events done by fewer than min(25, 2%) of the groups and ranks failure correlations by ascending odds ratio', () => {
    const t = groupTable(
      rows([
        { n: 40, failed: 30, events: ['bad', 'common'] }, // fails a lot
        { n: 30, failed: 12, events: ['meh', 'common'] },
        { n: 1, failed: 1, events: ['rare', 'common'] }, // 1 group < min(25, 2% of 200 = 4)
        { n: 129, failed: 10, events: ['good', 'common'] },
      ]),
    );
    const out = posthogCorrelation(t);
    const failure = out.filter((c) => c.worse).map((c) => c.items[0]);
    expect(failure).toEqual(['bad', 'meh']);
    expect(out.some((c) => c.items[0] === 'rare')).toBe(false);
    expect(out.find((c) => c.items[0] === 'good')!.worse).toBe(false);
    const bad = out[0]!;
    // bad: success 10, failure 30; totals: 147 succeeded, 53 failed.
    expect(bad.score).toBeCloseTo(((10 + 1) * (53 - 30 + 1)) / ((147 - 10 + 1) * (30 + 1)), 12);
    expect(count(bad.groups)).toBe(40);
  });
});

describe('Elastic log rate analysis', () => {
  it('computes the p_value heuristic as a likelihood-ratio test on the eps-adjusted counts', () => {
    // 30 of 100 deviation docs vs 10 of 900 baseline docs: eps 5 and 45 → 35/105 vs min(1.05·55, …) = 58 of 945.
    expect(pValueScoreP(30, 100, 10, 900)).toBeCloseTo(gTest({ a: 35, b: 70, c: 58, d: 887 }).p, 12);
    // Not more frequent in the deviation: p = 1.
    expect(pValueScoreP(10, 100, 100, 1000)).toBe(1);
    // 11% vs 10%: the 5% cap and eps leave no evidence.
    expect(pValueScoreP(11, 100, 100, 1000)).toBeGreaterThan(0.3);
  });

  it('keeps items with p < 0.02 and groups items that always co-occur among the failures', () => {
    const t = groupTable(
      rows([
        { n: 30, failed: 27, events: ['x', 'y', 'common'] },
        { n: 20, failed: 15, events: ['z', 'common'] },
        { n: 300, failed: 15, events: ['common'] },
      ]),
    );
    const out = elasticLogRate(t);
    const sets = out.map((c) => [...c.items].sort().join('+'));
    expect(sets).toContain('x+y');
    expect(sets).toContain('z');
    expect(sets).not.toContain('common');
    expect(sets).not.toContain('x'); // x is shown inside its group only
    expect(count(out.find((c) => c.items.includes('z'))!.groups)).toBe(20);
  });
});

describe('MacroBase DIFF', () => {
  it('is the risk ratio of RiskRatio.computeDouble', () => {
    // 100 groups, 20 outliers; 20 exposed (15 outliers), 80 unexposed (5 outliers): (15/20) / (5/80) = 12
    expect(riskRatioOf(5, 15, 80, 20)).toBeCloseTo(12, 12);
    expect(riskRatioOf(3, 20, 50, 20)).toBe(Infinity);
    expect(riskRatioOf(0, 0, 50, 20)).toBe(0);
  });

  it('finds an order-2 explanation whose items alone stay under a risk ratio of 3, absences included, and does not expand kept ones', () => {
    const t = groupTable(
      rows([
        { n: 20, failed: 18, events: ['a'], attributes: { os: 'x' } }, // a ∧ os=x fails
        { n: 60, failed: 6, events: ['a'], attributes: { os: 'y' } },
        { n: 60, failed: 6, events: ['b'], attributes: { os: 'x' } },
        { n: 60, failed: 6, events: ['b'], attributes: { os: 'y' } },
        { n: 30, failed: 27, events: ['b', 'c'], attributes: { os: 'y' } }, // c fails, alone
      ]),
    );
    const out = macrobaseDiff(t);
    const labels = out.map((c) => c.items.join(' & '));
    expect(labels).toContain('a & os=x');
    expect(labels).toContain('c');
    expect(labels).not.toContain('a');
    // c is kept at order 1, so no combination holding c is reported.
    expect(labels.filter((l) => l.split(' & ').includes('c'))).toEqual(['c']);
    const ax = out.find((c) => c.items.join(' & ') === 'a & os=x')!;
    expect(count(ax.groups)).toBe(20);
    expect(hasBit(ax.groups, 0)).toBe(1);
    // Risk ratio of a ∧ os=x: (18/20) / ((18+6+6+6+27−18)/(230−20)) = 0.9 / (45/210)
    expect(ax.score).toBeCloseTo(0.9 / (45 / 210), 12);
    // Absence items exist: "c absent" has risk ratio < 1, never an explanation, but it is an attribute.
    expect(out.some((c) => c.items.includes('!c'))).toBe(false);
  });
});
