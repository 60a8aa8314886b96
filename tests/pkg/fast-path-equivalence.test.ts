import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../pkg/config/load';
import { readableSessionsCte } from '../../pkg/compile/sessionize';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';
import type { Observation } from '../../pkg/experts/types';
import { observeFastPath, type FastPath } from '../../pkg/pipeline/analyze';
import { lit } from '../../pkg/templates/types';

/**
 * The fast path (one sessionization, merged scans, integer keys, shared preludes) must count exactly what an
 * operator's one-query-per-hypothesis SQL counts: the hypothesis' readable predicate over the raw events,
 * sessionized on its own. Checked for a spread of hypotheses from every family and KPI.
 */
describe('fast path equals one query per hypothesis (embedded ClickHouse)', () => {
  let dir: string;
  let ex: Executor;
  let fast: FastPath;
  let minSupport: number;
  let source: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-equiv-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 60_000, seed: 23, outDir: dir });
    const cfg = loadConfigFile(g.files.config);
    minSupport = cfg.analysis.min_support;
    fast = await observeFastPath(ex, cfg);
    source = fast.d.events.isFile ? `file(${lit(fast.d.events.label)})` : fast.d.events.from;
  }, 300_000);

  afterAll(async () => {
    await fast?.drop();
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One standalone query for one hypothesis and KPI, as the lead's reproducing SQL is built. */
  async function perQuery(o: Observation): Promise<{ n: number; a: number; s: number }> {
    const cte = readableSessionsCte(fast.d, o.kpi, { from: fast.d.range.from, to: fast.d.range.to, lookbackMs: fast.lookbackMs }, source);
    const k = `k${o.kpi.index}`;
    // Aliases that no sessions column has: a SELECT alias would shadow the column (s, the sequence) in WHERE.
    const sql = `WITH ${cte}\nSELECT count() AS cnt_n, countIf(${k} IS NOT NULL) AS cnt_a, sum(ifNull(${k}, 0)) AS sum_k FROM sessions WHERE (${o.hyp.predicate})`;
    const [row] = await ex.query<{ cnt_n: number; cnt_a: number; sum_k: number }>(sql, {}, { label: `per-hypothesis ${o.hyp.key}` });
    return { n: Number(row!.cnt_n), a: Number(row!.cnt_a), s: Number(row!.sum_k) };
  }

  /** A deterministic spread: per family and KPI, the hypotheses at evenly spaced ranks of cohort size. */
  function sample(perFamilyKpi: number): Observation[] {
    const byCell = new Map<string, Observation[]>();
    for (const o of fast.observations) {
      const cell = `${o.hyp.template}/${o.kpi.kpi.name}`;
      byCell.set(cell, [...(byCell.get(cell) ?? []), o]);
    }
    const out: Observation[] = [];
    for (const list of byCell.values()) {
      list.sort((x, y) => x.groups - y.groups || x.hyp.key.localeCompare(y.hyp.key));
      const step = Math.max(1, Math.floor(list.length / perFamilyKpi));
      for (let i = 0, taken = 0; i < list.length && taken < perFamilyKpi; i += step, taken++) out.push(list[i]!);
    }
    return out;
  }

  it('observes hypotheses of every family', () => {
    const families = new Set(fast.observations.map((o) => o.hyp.template));
    expect([...families].sort()).toEqual(['absence', 'indirect', 'lifecycle', 'ngram', 'nonlocal', 'ordered_pattern', 'stateful', 'static']);
  });

  it('counts the same groups, applicable groups and KPI sum for each sampled hypothesis', async () => {
    const picked = sample(3);
    expect(picked.length).toBeGreaterThan(40);
    const mismatches: string[] = [];
    for (const o of picked) {
      const q = await perQuery(o);
      const sameSum = Math.abs(q.s - o.cohort.s) <= 1e-6 * Math.max(1, Math.abs(q.s));
      if (q.n !== o.groups || q.a !== o.cohort.a || !sameSum) {
        mismatches.push(`${o.kpi.kpi.name} ${o.hyp.key}: fast n=${o.groups} a=${o.cohort.a} s=${o.cohort.s}; per-query n=${q.n} a=${q.a} s=${q.s}`);
      }
    }
    expect(mismatches).toEqual([]);
  }, 300_000);

  it('drops exactly the candidates below the support floor: unobserved patterns have fewer groups', async () => {
    // Ordered patterns among candidate events that the fast path did not report must be below min_support.
    const ordered = fast.observations.filter((o) => o.hyp.template === 'ordered_pattern');
    expect(ordered.length).toBeGreaterThan(0);
    const o0 = ordered.find((o) => (o.hyp.params.pattern as string[]).length === 2)!;
    const mine = ordered.filter((o) => o.kpi === o0.kpi);
    const seen = new Set(mine.map((o) => JSON.stringify(o.hyp.params.pattern)));
    const events = [...new Set(mine.flatMap((o) => o.hyp.params.pattern as string[]))].sort();
    const unseen: string[][] = [];
    for (const a of events) for (const b of events) if (a !== b && !seen.has(JSON.stringify([a, b]))) unseen.push([a, b]);
    expect(unseen.length).toBeGreaterThan(0);
    for (const pattern of unseen.slice(0, 8)) {
      const pred = o0.hyp.predicate;
      // Same predicate shape, other steps: swap the two steps' literals in the readable predicate of a seen pair.
      const [x, y] = o0.hyp.params.pattern as string[];
      const swapped = pred.split(lit(x)).join('\u0000').split(lit(y)).join(lit(pattern[1])).split('\u0000').join(lit(pattern[0]));
      const q = await perQuery({ ...o0, hyp: { ...o0.hyp, predicate: swapped } });
      expect({ pattern, n: q.n, below: q.n < minSupport }).toEqual({ pattern, n: q.n, below: true });
    }
  }, 300_000);
});
