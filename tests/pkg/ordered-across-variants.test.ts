import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../../pkg/execute/executor';
import { observeFastPath, type FastPath } from '../../pkg/pipeline/analyze';
import { asLeads, expectMembershipsMatch, expectPredicatesMatch, handMadeGroups, unstored } from './fast-path-checks';
import { Memberships } from '../../pkg/pipeline/evidence';

/**
 * Ordered patterns are counted for every KPI in one scan: each chain with the position where it first
 * completes, kept for a KPI when that is before the KPI's cut. Hand-made groups where the answer differs per KPI,
 * checked against the expected counts and against the readable predicate run as its own query.
 */
describe('ordered patterns across KPI variants in one scan (embedded ClickHouse)', () => {
  let dir: string;
  let ex: Executor;
  let fast: FastPath;

  // Each group: events 1 s apart. crash is the failure of `crashes` (its cut); `slow` has no cut.
  const groups: Record<string, string[]> = {
    g1: ['a', 'b', 'crash', 'c'], // a→b before the cut; a→b→c only after it
    g2: ['a', 'b', 'c', 'crash'], // everything before the cut
    g3: ['a', 'b', 'crash', 'a', 'b', 'c'], // a→b→c first completes after the cut
    g4: ['a', 'b', 'c', 'crash', 'a', 'b', 'c'], // first completion before the cut, again after
    g5: ['b', 'a', 'c'], // no a→b; no failure
    g6: ['a', 'x', 'b', 'c'], // x is a candidate too: a position between the steps
    g7: ['a', 'crash'], // one candidate before the cut: no chain at all
    g8: ['crash'],
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-across-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const cfg = handMadeGroups(dir, groups, [
      '{name: crashes, failure_events: [crash]}',
      "{name: slow, numeric: 'max(ms)'}",
    ]);
    const params = { events: ['a', 'b', 'c', 'x', 'crash'], within: '30s', max_gap_events: 2 };
    fast = await observeFastPath(ex, cfg, {
      plan: {
        planner: 'deterministic',
        kpis: ['crashes', 'slow'],
        notes: [],
        items: [{ template: 'ordered_pattern', params, kpis: ['crashes', 'slow'], reason: 'test' }],
      },
    });
  }, 120_000);

  afterAll(async () => {
    await fast?.drop();
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const groupsOf = (kpi: string, pattern: string[]) =>
    fast.observations.find(
      (o) => o.kpi.kpi.name === kpi && JSON.stringify(o.hyp.params.pattern) === JSON.stringify(pattern)
    )?.groups ?? 0;

  it('compiles one scan for both KPIs', () => {
    expect(fast.dag.queries.map((q) => q.id)).toEqual(['agg_ordered_pattern']);
    expect(fast.dag.nodes).toHaveLength(1);
  });

  it('keeps a chain for a KPI only where it completes before that KPI’s cut', () => {
    // a→b: g1 g2 g3 g4 (g6 has x between: gap 2 allows it) — before every cut.
    expect(groupsOf('crashes', ['a', 'b'])).toBe(5);
    expect(groupsOf('slow', ['a', 'b'])).toBe(5);
    // a→b→c without a cut: g2 g3 g4. Not g1 or g6: c is 3 candidate positions after a (crash, x count), beyond
    // the gap of 2, for every KPI alike.
    expect(groupsOf('slow', ['a', 'b', 'c'])).toBe(3);
    // With the crash cut: g2 and g4 complete it before their crash; g3 only after it.
    expect(groupsOf('crashes', ['a', 'b', 'c'])).toBe(2);
    // A KPI's own outcome event is never a step for it; for the other KPI it is a candidate like any other.
    expect(fast.observations.some((o) => o.kpi.kpi.name === 'crashes' && o.hyp.events.includes('crash'))).toBe(false);
    expect(groupsOf('slow', ['a', 'b', 'crash'])).toBe(2); // g1, g3
  });

  it('counts exactly what each hypothesis’ readable predicate selects', async () => {
    expect(fast.observations.length).toBeGreaterThan(10);
    await expectPredicatesMatch(ex, fast, fast.observations);
  });

  it('builds the same cohorts in the leads’ membership tables, from the shared chains table or without it', async () => {
    const all = asLeads(fast.observations);
    // Without x and crash among the members, the chains table enumerates a subsequence (a, b, c) at the
    // positions they have among all candidates: a→b in g6 (a x b c) must still count, a→b→c must not.
    const abc = all.filter((l) => l.finding.obs.hyp.events.every((e) => ['a', 'b', 'c'].includes(e)));
    expect(abc.length).toBeGreaterThan(4);
    // The chains table reads the keys the aggregate stored; without them (on a cluster) it enumerates members.
    expect(fast.dag.queries.some((q) => q.store)).toBe(true);
    const cases = [
      ['all, stored keys', all, true, fast.dag],
      ['a b c only, stored keys', abc, true, fast.dag],
      ['all, enumerated', all, true, unstored(fast.dag)],
      ['a b c only, enumerated', abc, true, unstored(fast.dag)],
      ['all, direct', all, false, fast.dag],
      // Leads beyond the prepared ones (risen after folds) get a chains table of their own, not a re-enumeration.
      ['a b c prepared, all asked, stored keys', all, true, fast.dag, abc],
      ['a b c prepared, all asked, enumerated', all, true, unstored(fast.dag), abc],
    ] as const;
    const chainsTables = async (tag: string) =>
      Number(
        (
          await ex.query<{ n: number }>(
            `SELECT count() AS n FROM system.tables WHERE database = 'surfacer' AND startsWith(name, {t:String})`,
            { t: `chn_${tag}` }
          )
        )[0]!.n
      );
    await expectMembershipsMatch(ex, fast, cases, async (tag) => expect(await chainsTables(tag)).toBe(1));
    // A membership table asked for members the prepared chains table lacks adds one chains table for them.
    const m = new Memberships(ex, fast.dag, fast.d, fast.sess, 'surfacer', `${fast.runTag}x`, fast.vocab);
    try {
      await m.prepare(abc);
      const k = fast.d.kpis.find((x) =>
        all.some(
          (l) =>
            l.finding.obs.kpi.index === x.index && !abc.includes(l) && l.finding.obs.hyp.template === 'ordered_pattern'
        )
      )!;
      await m.tableFor(
        k.index,
        abc.filter((l) => l.finding.obs.kpi.index === k.index)
      );
      expect(await chainsTables(`${fast.runTag}x`)).toBe(1);
      await m.tableFor(
        k.index,
        all.filter((l) => l.finding.obs.kpi.index === k.index)
      );
      expect(await chainsTables(`${fast.runTag}x`)).toBe(2);
    } finally {
      await m.drop();
    }
  });
});
