import type { KpiInfo } from '../dataset/inspect';
import type { Hypothesis } from '../templates/types';
import { clusterLeads } from './cluster';
import { hierarchicalQ, refinementVerdict, runEnsemble, siblingOutliers, type Lead } from './ensemble';
import { cohortExpert } from './cohort';
import type { KpiStats, Observation } from './types';

const kpi = (name: string, index = 0): KpiInfo =>
  ({ index, kind: 'failure_events', binary: true, kpi: { name, description: '', failure_events: ['crash'], higher_is_better: false }, outcomeEvents: ['crash'], outcomeColumns: [] }) as KpiInfo;
const hyp = (key: string, template: Hypothesis['template'] = 'static', parents: string[] = []): Hypothesis => ({
  template, params: { key }, title: key, events: [], columns: [], predicate: '1', key, parents,
});
const obs = (k: KpiInfo, h: Hypothesis, cohort: KpiStats, total: KpiStats): Observation => ({ hyp: h, kpi: k, node: 'n0', key: h.key, groups: cohort.a, cohort, total });
const TOTAL = { a: 20000, s: 1000 };

describe('ensemble', () => {
  it('keeps a KPI with no effect free of leads even when another KPI has many', () => {
    const real = kpi('real', 0);
    const none = kpi('none', 1);
    const o: Observation[] = [];
    // 40 strong effects on "real"; on "none", 400 cohorts at the base rate (5%) with ordinary noise.
    for (let i = 0; i < 40; i++) o.push(obs(real, hyp(`r${i}`), { a: 500, s: 100 }, TOTAL));
    for (let i = 0; i < 400; i++) o.push(obs(none, hyp(`n${i}`), { a: 500, s: 25 + ((i * 7) % 11) - 5 }, TOTAL));
    const r = runEnsemble(o, 25);
    expect(r.leads.filter((l) => l.finding.obs.kpi.kpi.name === 'real').length).toBeGreaterThan(0);
    expect(r.leads.filter((l) => l.finding.obs.kpi.kpi.name === 'none')).toEqual([]);
  });

  it('corrects within each KPI (BY) and scales by the share of KPIs selected', () => {
    const a = kpi('a', 0);
    const b = kpi('b', 1);
    const f = (k: KpiInfo, p: number) => ({ obs: { kpi: k } as Observation, p }) as never;
    const q = hierarchicalQ([f(a, 1e-6), f(a, 0.5), f(b, 0.3), f(b, 0.9)]);
    // a: BY within gives 1e-6 · 2 · (1 + 1/2) = 3e-6; one of two KPIs selected → ×2. b is not selected.
    expect(q[0]).toBeCloseTo(6e-6, 12);
    expect(q[2]).toBeGreaterThan(0.05);
  });

  it('folds a parent whose effect lives in its refinement, and a refinement that adds nothing', () => {
    const k = kpi('k');
    // Parent: 2000 groups at 15%; child (inside it): 1000 at 25%; so the parent's remainder is at the 5% base.
    const parent = obs(k, hyp('os=a'), { a: 2000, s: 300 }, TOTAL);
    const child = obs(k, hyp('os=a&returning', 'lifecycle', ['os=a']), { a: 1000, s: 250 }, TOTAL);
    expect(refinementVerdict(child, parent)).toBe('parent-redundant');
    // Child at the parent's own rate: nothing beyond the parent.
    const flat = obs(k, hyp('os=a&x', 'static', ['os=a']), { a: 1000, s: 150 }, TOTAL);
    expect(refinementVerdict(flat, parent)).toBe('child-redundant');
  });

  it('clusters leads over the same groups and folds leads with no effect outside a stronger one', () => {
    const k = kpi('k');
    const lead = (key: string, cohort: KpiStats, ciLow: number): Lead =>
      ({ finding: { obs: obs(k, hyp(key), cohort, TOTAL), effect: { measure: 'prevalence_ratio', value: ciLow + 1, ci_low: ciLow, ci_high: ciLow + 2 }, impact: cohort.s }, q: 0.001, rank: 0, related: [] }) as never;
    const top = [lead('broad', { a: 1200, s: 300 }, 3), lead('specific', { a: 800, s: 280 }, 9), lead('shadow', { a: 900, s: 75 }, 2), lead('other', { a: 700, s: 200 }, 4)];
    // Disjoint membership patterns [broad, specific, shadow, other] with their groups and failures (20,000 / 1,000 in all).
    const rows = [
      { f: [1, 1, 1, 0], stats: { a: 100, s: 35 } },
      { f: [1, 1, 0, 0], stats: { a: 700, s: 245 } },
      { f: [1, 0, 1, 0], stats: { a: 400, s: 20 } },
      { f: [0, 0, 1, 0], stats: { a: 400, s: 20 } }, // the shadow's groups outside "broad" fail at 5%
      { f: [0, 0, 0, 1], stats: { a: 700, s: 200 } },
      { f: [0, 0, 0, 0], stats: { a: 17700, s: 480 } },
    ];
    const folded = clusterLeads(top, rows);
    expect([...folded].sort()).toEqual([1, 2]);
    // The cluster is shown by its most specific member, with the others as relatives.
    expect(top[0]!.finding.obs.hyp.key).toBe('specific');
    expect(top[0]!.related).toEqual(expect.arrayContaining(['broad', 'shadow']));
    expect(folded.has(3)).toBe(false);
  });

  it('flags a value that stands out among its siblings, not a small noisy one', () => {
    const k = kpi('k');
    const country = (value: string, a: number, fails: number) =>
      cohortExpert.assess(obs(k, { ...hyp(`country=${value}`), params: { attributes: { country: value } } }, { a, s: fails }, { a: 10000, s: 600 }))!;
    const findings = [
      country('US', 3000, 150),
      country('DE', 2000, 100),
      country('FR', 2000, 104),
      country('JP', 1500, 74),
      country('BR', 1200, 130), // 10.8% against ~5%: the outlier
      country('IS', 12, 3), // 25%, but on 12 groups: shrunk toward the overall rate
    ];
    const out = siblingOutliers(findings);
    expect(findings.filter((f) => out.has(f)).map((f) => f.obs.hyp.key)).toEqual(['country=BR']);
    // Two siblings are not enough to call an outlier.
    expect(siblingOutliers(findings.slice(0, 2)).size).toBe(0);
  });
});
