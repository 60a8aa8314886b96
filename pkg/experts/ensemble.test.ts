import type { KpiInfo } from '../dataset/inspect';
import type { Hypothesis } from '../templates/types';
import { clusterLeads, namedBy } from './cluster';
import { rankByCoverage } from './coverage';
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

  const leadOf = (k: KpiInfo, key: string, cohort: KpiStats, ciLow: number, template: Hypothesis['template'] = 'static', events: string[] = []): Lead =>
    ({ finding: { obs: obs(k, { ...hyp(key, template), events }, cohort, TOTAL), effect: { measure: 'prevalence_ratio', value: ciLow + 1, ci_low: ciLow, ci_high: ciLow + 2 }, impact: cohort.s, kpiRest: 0.03 }, q: 0.001, rank: 0, related: [] }) as never;

  it('shows a broad cohort by the narrow one holding its effect, and folds leads with no effect outside it', () => {
    const k = kpi('k');
    const top = [leadOf(k, 'broad', { a: 1200, s: 300 }, 3), leadOf(k, 'specific', { a: 800, s: 280 }, 9), leadOf(k, 'shadow', { a: 900, s: 75 }, 2), leadOf(k, 'other', { a: 700, s: 200 }, 4)];
    // Disjoint membership patterns [broad, specific, shadow, other] with their groups and failures (20,000 / 1,000 in all).
    const rows = [
      { f: [1, 1, 1, 0], stats: { a: 100, s: 35 } },
      { f: [1, 1, 0, 0], stats: { a: 700, s: 245 } },
      { f: [1, 0, 1, 0], stats: { a: 400, s: 20 } }, // the broad cohort without the specific one: at the base rate
      { f: [0, 0, 1, 0], stats: { a: 400, s: 20 } }, // the shadow's groups outside "specific" fail at 5%
      { f: [0, 0, 0, 1], stats: { a: 700, s: 200 } },
      { f: [0, 0, 0, 0], stats: { a: 17700, s: 480 } },
    ];
    const folded = clusterLeads(top, rows);
    // "specific" holds the broad one's whole effect: it is the finding, the broad one and the shadow its relatives.
    expect([...folded].sort()).toEqual([0, 2]);
    expect(top[1]!.related).toEqual(expect.arrayContaining(['broad', 'shadow']));
    expect(top[1]!.refinements ?? []).toEqual([]);
    expect(folded.has(3)).toBe(false);
  });

  it('keeps a broad failure mode with its impact, its narrow sub-cohort as a refinement, and disjoint modes apart', () => {
    const k = kpi('k');
    // [broad, narrow (inside broad), disjoint, proxy (same groups as "missing"), missing]
    const top = [
      leadOf(k, 'broad', { a: 500, s: 450 }, 8, 'ngram', ['disk_warn']),
      leadOf(k, 'disjoint', { a: 300, s: 285 }, 9, 'ngram', ['cache_miss']),
      leadOf(k, 'proxy', { a: 240, s: 210 }, 9.5, 'ngram', ['load_config', 'commit']),
      leadOf(k, 'missing', { a: 236, s: 208 }, 9, 'absence', ['validate']),
      leadOf(k, 'narrow', { a: 140, s: 140 }, 12, 'ngram', ['disk_full']),
    ];
    const rows = [
      { f: [1, 0, 0, 0, 1], stats: { a: 140, s: 140 } },
      { f: [1, 0, 0, 0, 0], stats: { a: 360, s: 310 } }, // the broad mode without the narrow one still fails at 86%
      { f: [0, 1, 0, 0, 0], stats: { a: 300, s: 285 } },
      { f: [0, 0, 1, 1, 0], stats: { a: 236, s: 208 } },
      { f: [0, 0, 1, 0, 0], stats: { a: 4, s: 2 } },
      { f: [0, 0, 0, 0, 0], stats: { a: 18960, s: 55 } },
    ];
    const folded = clusterLeads(top, rows);
    expect([...folded].sort()).toEqual([3, 4]);
    // The broad lead keeps its own finding (its groups and impact); the narrow one is its refinement.
    expect(top[0]!.finding.obs.hyp.key).toBe('broad');
    expect(top[0]!.finding.impact).toBe(450);
    expect(top[0]!.refinements!.map((r) => [r.lead.finding.obs.hyp.key, r.groupsWithin, r.kpiWithin])).toEqual([['narrow', 140, 1]]);
    expect(top[0]!.refinements![0]!.kpiRestOfHost).toBeCloseTo(310 / 360, 9);
    // Nothing of the disjoint mode is attached to the broad lead, nor the other way round.
    expect(top[0]!.related).not.toContain('disjoint');
    expect(top[1]!.related).toEqual([]);
    // Same groups: "validate is missing" names the finding, not its adjacency proxy, though the proxy's CI is higher.
    expect(top[2]!.finding.obs.hyp.key).toBe('missing');
    expect(top[2]!.related).toEqual(['proxy']);
  });

  it('names a cluster by order only when order clearly matters', () => {
    const k = kpi('k');
    const single = leadOf(k, 'a', { a: 200, s: 100 }, 3, 'ngram', ['a']);
    const ordered = leadOf(k, 'a>b', { a: 190, s: 98 }, 3.5, 'ordered_pattern', ['a', 'b']);
    expect(namedBy([ordered, single])).toBe(single);
    // The ordered pattern's CI entirely above the single event's (3–5): order matters, say it.
    const strong = leadOf(k, 'a>b!', { a: 190, s: 98 }, 6, 'ordered_pattern', ['a', 'b']);
    expect(namedBy([single, strong])).toBe(strong);
  });

  it('ranks by what each lead adds: largest impact first, then the most excess outside the leads above', () => {
    const k = kpi('k');
    const top = [leadOf(k, 'big', { a: 500, s: 300 }, 3), leadOf(k, 'inside', { a: 400, s: 260 }, 3), leadOf(k, 'apart', { a: 300, s: 150 }, 3)];
    const rows = [
      { f: [1, 1, 0], stats: { a: 400, s: 260 } },
      { f: [1, 0, 0], stats: { a: 100, s: 40 } },
      { f: [0, 0, 1], stats: { a: 300, s: 150 } },
      { f: [0, 0, 0], stats: { a: 19200, s: 550 } },
    ];
    const r = rankByCoverage(top, rows, TOTAL, true);
    expect(r.order).toEqual([0, 2, 1]);
    expect(top.map((l) => l.coverage)).toEqual([0.3, 0.26, 0.15]);
    expect(top.map((l) => l.incrementalCoverage)).toEqual([0.3, 0, 0.15]);
    expect(r.coverage).toBeCloseTo(0.45, 12);
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
