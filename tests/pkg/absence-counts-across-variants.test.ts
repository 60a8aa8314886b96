import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../../pkg/execute/executor';
import { observeFastPath, type FastPath } from '../../pkg/pipeline/analyze';
import { asLeads, expectMembershipsMatch, expectPredicatesMatch, handMadeGroups, unstored } from './fast-path-checks';

/**
 * Absences ("A not followed by B within T") and event counts are computed once for every KPI: each key carries
 * how many of the group's cuts come before it is complete, and counts for a KPI only when the KPI's own cut does
 * not. Two failure KPIs (two cuts) and one without a cut, on hand-made groups where the answers differ per KPI;
 * checked against the expected counts and against each hypothesis' readable predicate run as its own query.
 */
describe('absences and event counts across KPI variants in one scan (embedded ClickHouse)', () => {
  let dir: string;
  let ex: Executor;
  let fast: FastPath;

  // Each group: events 1 s apart. crash cuts `crashes`, err cuts `errs`; `slow` has no cut.
  const groups: Record<string, string[]> = {
    g1: ['a', 'x', 'x', 'crash', 'b'], // a's 2 s window ends (t=2) before the crash (t=3)
    g2: ['a', 'crash', 'b'], // a is followed by b within 2 s; and its window outlasts the crash
    g3: ['a', 'b', 'a', 'x', 'x', 'err'], // the second a (t=2) is the first without b; its window ends at 4 < err
    g4: ['a', 'x', 'err', 'crash'], // a's window ends exactly at err (t=2): observed in time
    g5: ['c', 'c', 'crash', 'c'], // 2 c before the crash, 3 in all
    g6: ['c', 'err', 'c', 'crash', 'c', 'c'], // 1 c before err, 2 before the crash, 4 in all
    g7: ['b', 'a'], // no cut: a's window is not cut short
    g8: ['crash'],
    g9: ['a', 'a', 'err'], // two a before err (t=2); the first one's window ends at err
    g10: ['a', 'crash', 'x', 'x'], // a's window outlasts the crash (t=1), not for errs or slow
    g11: ['x', 'a', 'err'], // a's window (ends t=3) outlasts err (t=2), not for crashes or slow
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-across2-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const cfg = handMadeGroups(dir, groups, [
      '{name: crashes, failure_events: [crash]}',
      '{name: errs, failure_events: [err]}',
      "{name: slow, numeric: 'max(ms)'}",
    ]);
    const kpis = ['crashes', 'errs', 'slow'];
    fast = await observeFastPath(ex, cfg, {
      plan: {
        planner: 'deterministic',
        kpis,
        notes: [],
        items: [
          {
            template: 'absence',
            params: { pairs: [['a', 'b']], within: '2s', missing_min_share: 0.3 },
            kpis,
            reason: 'test',
          },
          {
            template: 'stateful',
            params: { count_events: ['a', 'c'], count_thresholds: [3, 1, 2] },
            kpis,
            reason: 'test',
          },
        ],
      },
    });
  }, 120_000);

  afterAll(async () => {
    await fast?.drop();
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const groupsOf = (kpi: string, params: Record<string, unknown>) =>
    fast.observations.find((o) => o.kpi.kpi.name === kpi && JSON.stringify(o.hyp.params) === JSON.stringify(params))
      ?.groups ?? 0;

  it('compiles absences and event counts into one scan each for every KPI, the rest of stateful per variant', () => {
    const ids = fast.dag.queries.map((q) => q.id);
    expect(ids).toEqual(expect.arrayContaining(['agg_absence', 'agg_stateful']));
    expect(fast.dag.queries.find((q) => q.id === 'agg_absence')!.kpis.map((k) => k.kpi.name)).toEqual([
      'crashes',
      'errs',
      'slow',
    ]);
    // Durations and lengths depend on each KPI's own view of the sequence: one scan per variant still.
    expect(ids.filter((id) => /^agg_v\d+$/.test(id))).toHaveLength(3);
  });

  it('keeps an absence for a KPI only where the window ends by that KPI’s cut', () => {
    const ab = { after: 'a', missing: 'b', within_s: 2 };
    expect(groupsOf('crashes', ab)).toBe(6); // g1 g3 g4 g7 g9 g11
    expect(groupsOf('errs', ab)).toBe(6); // g1 g3 g4 g7 g9 g10
    expect(groupsOf('slow', ab)).toBe(7); // all of those
  });

  it('counts an event for a KPI only before that KPI’s cut, at every threshold', () => {
    const c = (min: number) => ({ feature: 'event_count', event: 'c', min });
    expect([1, 2, 3].map((m) => groupsOf('crashes', c(m)))).toEqual([2, 2, 0]);
    expect([1, 2, 3].map((m) => groupsOf('errs', c(m)))).toEqual([2, 1, 1]);
    expect([1, 2, 3].map((m) => groupsOf('slow', c(m)))).toEqual([2, 2, 2]);
    // A KPI's own outcome event is never counted or missed for it.
    for (const o of fast.observations.filter((x) => x.kpi.kpi.name === 'crashes'))
      expect(o.hyp.events).not.toContain('crash');
  });

  it('counts exactly what each hypothesis’ readable predicate selects', async () => {
    const across = fast.observations.filter(
      (o) => o.hyp.template === 'absence' || o.hyp.params.feature === 'event_count'
    );
    expect(across.length).toBeGreaterThan(20);
    await expectPredicatesMatch(ex, fast, fast.observations);
  });

  it('builds the same cohorts in the leads’ membership tables, from the stored keys or computing them', async () => {
    const all = asLeads(fast.observations);
    expect(fast.dag.queries.filter((q) => q.store).map((q) => q.id)).toEqual(['agg_absence', 'agg_stateful']);
    const cases = [
      ['stored keys', all, true, fast.dag],
      ['nothing stored', all, true, unstored(fast.dag)],
      ['direct', all, false, fast.dag],
    ] as const;
    await expectMembershipsMatch(ex, fast, cases);
  });
});
