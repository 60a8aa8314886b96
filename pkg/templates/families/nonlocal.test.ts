/**
 * nonlocal's context-window overlap: the scan's fast form (sorted starts + running latest end, binary search)
 * must select exactly the groups of the readable form, arrayExists((a, b) -> a <= t1 AND b > t0, starts, ends),
 * that a lead's reproducing SQL and the per-query baseline use. Both run on the embedded engine over the same
 * groups.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../../execute/executor';
import type { NodeContext } from '../types';
import { nonlocal, overlapIndex } from './nonlocal';
import { rng } from '../../util/random';

type Windows = { name: string; starts: number[]; ends: number[] };

const T = 1_790_820_000_000; // epoch ms, as the engine's group spans are

/** Each case: context windows [a, b) (offsets from T, in the order given). */
const CASES: Windows[] = [
  { name: 'sorted disjoint', starts: [0, 100, 300], ends: [50, 200, 400] },
  { name: 'touching (b == next a)', starts: [0, 50, 100], ends: [50, 100, 150] },
  { name: 'overlapping', starts: [0, 40, 90], ends: [60, 120, 130] },
  { name: 'nested', starts: [0, 10, 20, 200, 210], ends: [100, 90, 30, 300, 220] },
  { name: 'unsorted', starts: [300, 0, 100, 50], ends: [400, 20, 200, 60] },
  { name: 'duplicate starts', starts: [100, 100, 0, 0], ends: [110, 150, 10, 5] },
  { name: 'single window', starts: [100], ends: [101] },
  { name: 'empty and inverted windows', starts: [100, 200, 50], ends: [100, 150, 60] },
  { name: 'many small windows', starts: Array.from({ length: 60 }, (_, i) => i * 10), ends: Array.from({ length: 60 }, (_, i) => i * 10 + 3) },
  { name: 'zero windows', starts: [], ends: [] },
].map((c) => ({ ...c, starts: c.starts.map((x) => T + x), ends: c.ends.map((x) => T + x) }));

function randomCases(n: number, seed: number): Windows[] {
  const r = rng(seed);
  const int = (k: number) => Math.floor(r() * k);
  return Array.from({ length: n }, (_, c) => {
    const m = int(40);
    const starts = Array.from({ length: m }, () => T + int(1000));
    return { name: `random ${c}`, starts, ends: starts.map((a) => a + int(120) - 10) };
  });
}

/** Group spans [t0, t1] at and around every boundary of every case, including spans covering several windows. */
function groupSpans(cases: Windows[]): { id: number; t0: number; t1: number }[] {
  const pts = new Set<number>([T - 1000, T + 2000]);
  for (const c of cases) for (const x of [...c.starts, ...c.ends]) for (const d of [-1, 0, 1]) pts.add(x + d);
  const xs = [...pts].sort((a, b) => a - b);
  const out: { id: number; t0: number; t1: number }[] = [];
  const r = rng(7);
  // Every point as a zero-length span, every pair of nearby points (t0 <= t1), long spans, and some t0 > t1.
  for (let i = 0; i < xs.length; i++) {
    for (let j = i; j < Math.min(xs.length, i + 12); j++) out.push({ id: out.length, t0: xs[i]!, t1: xs[j]! });
    out.push({ id: out.length, t0: xs[i]!, t1: xs[Math.floor(r() * xs.length)]! });
    out.push({ id: out.length, t0: xs[i]!, t1: xs[xs.length - 1]! });
  }
  return out;
}

function contextOf(cases: Windows[]): NodeContext {
  return {
    id: 'n3',
    vocab: [],
    excludedEvents: new Set(),
    attributes: [],
    hasUser: false,
    profile: { groups: 0, eventGroups: {}, attributeValues: {}, follows: [], followWithinMs: 0 },
    contexts: cases.map((c) => ({ ...c, rule: 'above_p95', threshold: 1 })),
    timezone: 'UTC',
  };
}

describe('overlapIndex', () => {
  it('keeps sorted disjoint windows as they are', () => {
    expect(overlapIndex([0, 100, 300], [50, 200, 400])).toEqual({ starts: [0, 100, 300], maxEnds: [50, 200, 400] });
  });
  it('sorts, folds nested windows and duplicate starts, and keeps the latest end so far', () => {
    expect(overlapIndex([300, 0, 10, 0], [400, 100, 90, 20])).toEqual({ starts: [0, 300], maxEnds: [100, 400] });
    expect(overlapIndex([0, 40, 90], [60, 120, 130])).toEqual({ starts: [0, 40, 90], maxEnds: [60, 120, 130] });
  });
  it('has no steps without windows', () => {
    expect(overlapIndex([], [])).toEqual({ starts: [], maxEnds: [] });
  });
  it('rejects starts and ends of different lengths', () => {
    expect(() => overlapIndex([1], [])).toThrow(/1 starts but 0 ends/);
  });
});

describe('nonlocal: the scan selects exactly the groups of the readable predicate (embedded engine)', () => {
  let dir: string;
  let ex: Executor;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-nonlocal-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
  });
  afterAll(async () => {
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function check(cases: Windows[], table: string): Promise<number> {
    const groups = groupSpans(cases);
    await ex.command(`CREATE TABLE ${table} (id UInt32, t0 Int64, t1 Int64) ENGINE = Memory`);
    await ex.insert(table, groups);
    const spec = nonlocal.build(nonlocal.params.parse({}), contextOf(cases));
    expect(spec.keys).not.toMatch(/arrayExists/);
    // The scan's keys per group, as the aggregate computes them.
    const rows = await ex.query<{ id: number; keys: string[] }>(`SELECT id, ${spec.keys} AS keys FROM ${table} ORDER BY id`, spec.params);
    let matched = 0;
    for (const [i, c] of cases.entries()) {
      const fast = rows.filter((r) => r.keys.includes(`x${i}`)).map((r) => Number(r.id));
      // The original semantics in JS: some window with a <= t1 and b > t0.
      const expected = groups.filter((g) => c.starts.some((a, k) => a <= g.t1 && c.ends[k]! > g.t0)).map((g) => g.id);
      expect({ case: c.name, ids: fast }).toEqual({ case: c.name, ids: expected });
      if (c.starts.length) {
        // The readable predicate a lead shows, run as is.
        const hyp = spec.decode(`x${i}`)!;
        expect(hyp.predicate).toMatch(/^arrayExists\(/);
        const readable = await ex.query<{ id: number }>(`SELECT id FROM ${table} WHERE ${hyp.predicate} ORDER BY id`);
        expect({ case: c.name, ids: readable.map((r) => Number(r.id)) }).toEqual({ case: c.name, ids: expected });
      } else {
        // Without windows the typed readable form selects nothing either.
        const none = await ex.query<{ n: number }>(
          `SELECT count() AS n FROM ${table} WHERE arrayExists((a, b) -> a <= t1 AND b > t0, CAST([], 'Array(Int64)'), CAST([], 'Array(Int64)'))`,
        );
        expect(Number(none[0]!.n)).toBe(0);
        expect(fast).toEqual([]);
      }
      matched += expected.length;
    }
    return matched;
  }

  it('edge cases: touching boundaries, overlapping, nested, unsorted, duplicate, empty windows, none at all', async () => {
    // Some groups match and some do not in every case with windows (the check is not vacuous).
    expect(await check(CASES, 'g_edges')).toBeGreaterThan(0);
    const groups = groupSpans(CASES);
    for (const c of CASES.filter((x) => x.starts.length)) {
      const hits = groups.filter((g) => c.starts.some((a, k) => a <= g.t1 && c.ends[k]! > g.t0)).length;
      expect(hits).toBeGreaterThan(0);
      expect(hits).toBeLessThan(groups.length);
    }
  });

  it('random windows (seeded)', async () => {
    expect(await check(randomCases(15, 11), 'g_random')).toBeGreaterThan(0);
  });

  it('a context without windows adds no part; top-N attribute keys still come through', async () => {
    const ctx = { ...contextOf([{ name: 'none', starts: [], ends: [] }]), attributes: [{ name: 'country', col: 'a0' }] };
    ctx.profile.attributeValues = { country: ['DE', 'FR', 'US', 'IT', 'ES', 'PL', 'NL'].map((value, i) => ({ value, groups: 10 - i })) };
    const spec = nonlocal.build(nonlocal.params.parse({ top_n: 3 }), ctx);
    const rows = await ex.query<{ k: string[] }>(`SELECT ${spec.keys} AS k FROM (SELECT toInt64(1) AS t0, toInt64(2) AS t1, 'FR' AS a0)`, spec.params);
    expect(rows[0]!.k).toEqual(['t0']);
    expect(nonlocal.build(nonlocal.params.parse({}), contextOf([{ name: 'none', starts: [], ends: [] }])).keys).toBe("CAST([], 'Array(String)')");
  });
});
