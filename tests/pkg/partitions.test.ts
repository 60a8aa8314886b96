import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, type LoadedConfig } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';
import type { KpiStats, Observation } from '../../pkg/experts/types';
import { analyze, observeFastPath, type FastPath, type Report } from '../../pkg/pipeline/analyze';
import { layoutFor, PEAK_BYTES_PER_EVENT } from '../../pkg/pipeline/partitions';

/**
 * A run sessionized in partitions of the users (on-disk scratch tables) must observe exactly what one pass in
 * memory observes, and lead to the same leads: every key's groups and KPI aggregates, every bucket of every
 * series, and the ranked opportunities with their numbers.
 */
describe('partitioned runs equal one-pass runs (embedded ClickHouse)', () => {
  let dir: string;
  let ex: Executor;
  let cfg: LoadedConfig;
  const PARTS = 3;
  const withParts = (n: number): LoadedConfig => ({ ...cfg, analysis: { ...cfg.analysis, partitions: n } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-partitions-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 60_000, seed: 23, outDir: dir });
    cfg = loadConfigFile(g.files.config);
  }, 300_000);

  afterAll(async () => {
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sums of floats added in another order may differ in the last bits; counts must be equal. */
  const close = (x: number | undefined, y: number | undefined) =>
    x === y || (x !== undefined && y !== undefined && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y)));
  const sameStats = (x: KpiStats, y: KpiStats) =>
    x.a === y.a && close(x.s, y.s) && close(x.q, y.q) && close(x.l, y.l) && close(x.m, y.m);
  const id = (o: Observation) => `${o.kpi.kpi.name}|${o.node}|${o.key}`;

  describe('observations', () => {
    let one: FastPath;
    let parted: FastPath;

    beforeAll(async () => {
      one = await observeFastPath(ex, withParts(1));
      const parts: number[] = [];
      parted = await observeFastPath(ex, withParts(PARTS), {
        onProgress: (p) => {
          const m = /part (\d+) of (\d+)/.exec(p.message ?? '');
          if (m) parts.push(Number(m[1]));
        },
      });
      expect(parts).toEqual([1, 2, 3]);
    }, 300_000);

    afterAll(async () => {
      await one?.drop();
      await parted?.drop();
    });

    it('keeps the partitioned scratch tables on disk and the one-pass ones in memory', async () => {
      const engines = async (fp: FastPath) => {
        const rows = await ex.query<{ engine: string }>(
          `SELECT engine FROM system.tables WHERE database = {db:String} AND name LIKE {like:String}`,
          { db: cfg.store.results_database, like: `sess_${fp.runTag}%` },
          { label: 'engines' }
        );
        return [...new Set(rows.map((r) => r.engine))];
      };
      expect(await engines(one)).toEqual(['Memory']);
      expect(await engines(parted)).toEqual(['MergeTree']);
    });

    it('has the same groups in the session table, each once', async () => {
      const count = async (fp: FastPath) =>
        (await ex.query<{ n: number; u: number }>(`SELECT count() AS n, uniqExact(g) AS u FROM ${fp.sess}`, {}, { label: 'groups' }))[0]!;
      const [a, b] = [await count(one), await count(parted)];
      expect(Number(b.n)).toBe(Number(a.n));
      expect(Number(b.u)).toBe(Number(b.n));
      expect(parted.totals.groups).toBe(one.totals.groups);
    });

    it('observes the same keys with the same groups, aggregates and series', () => {
      expect(one.observations.length).toBeGreaterThan(500);
      const mine = new Map(parted.observations.map((o) => [id(o), o]));
      expect(mine.size).toBe(one.observations.length);
      const mismatches: string[] = [];
      for (const o of one.observations) {
        const p = mine.get(id(o));
        const series = (x: Observation) => x.series?.cohort ?? [];
        if (
          !p ||
          p.groups !== o.groups ||
          !sameStats(p.cohort, o.cohort) ||
          !sameStats(p.total, o.total) ||
          series(p).length !== series(o).length ||
          series(o).some((s, b) => !sameStats(s, series(p)[b]!))
        )
          mismatches.push(`${id(o)}: one pass ${JSON.stringify(o.cohort)} (${o.groups} groups), partitioned ${p ? `${JSON.stringify(p.cohort)} (${p.groups} groups)` : 'missing'}`);
      }
      expect(mismatches.slice(0, 10)).toEqual([]);
      // Lifecycle keys read the user's other groups: they need whole users in each partition.
      expect(one.observations.some((o) => o.hyp.template === 'lifecycle')).toBe(true);
    });
  });

  describe('leads', () => {
    let one: Report;
    let parted: Report;

    beforeAll(async () => {
      one = await analyze(ex, withParts(1));
      parted = await analyze(ex, withParts(PARTS));
    }, 600_000);

    it('ranks the same leads with the same numbers', () => {
      // Ties between leads go by key (experts/ensemble.ts byImpact), so what each lead folds in and the refinements
      // it names are the same too, lead by lead.
      const view = (r: Report) =>
        r.opportunities.map((o) => ({
          kpi: o.kpi,
          fingerprint: o.fingerprint,
          rank: o.rank,
          cohort_size: o.cohort_size,
          related: [...o.related].sort(),
          refinements: o.refinements.map((x) => x.key),
        }));
      expect(one.opportunities.length).toBeGreaterThan(5);
      expect(view(parted)).toEqual(view(one));
      parted.opportunities.forEach((o, i) => {
        expect(close(o.impact, one.opportunities[i]!.impact)).toBe(true);
        expect(close(o.q_value, one.opportunities[i]!.q_value)).toBe(true);
        expect(close(o.coverage ?? undefined, one.opportunities[i]!.coverage ?? undefined)).toBe(true);
      });
      expect(parted.dropped_by_robust_inference).toBe(one.dropped_by_robust_inference);
    });
  });
});

describe('layoutFor', () => {
  const cfg = (analysis: Partial<LoadedConfig['analysis']>) =>
    ({ analysis: { memory_budget_gb: 4, ...analysis } }) as LoadedConfig;
  const GB = 1024 ** 3;

  it('keeps one pass in memory while the estimated peak fits the budget', () => {
    const events = Math.floor((4 * GB) / PEAK_BYTES_PER_EVENT);
    expect(layoutFor(cfg({}), events)).toMatchObject({ partitions: 1, scratch: { onDisk: false } });
  });

  it('splits a larger run into enough partitions that each fits the budget, on disk', () => {
    for (const events of [20e6, 100e6, 1e9]) {
      const l = layoutFor(cfg({}), events);
      expect(l.scratch.onDisk).toBe(true);
      expect((events / l.partitions) * PEAK_BYTES_PER_EVENT).toBeLessThanOrEqual(4 * GB);
      expect((events / (l.partitions - 1)) * PEAK_BYTES_PER_EVENT).toBeGreaterThan(4 * GB);
    }
    expect(layoutFor(cfg({ memory_budget_gb: 8 }), 100e6).partitions).toBeLessThan(layoutFor(cfg({}), 100e6).partitions);
  });

  it('takes a fixed number of partitions from analysis.partitions', () => {
    expect(layoutFor(cfg({ partitions: 1 }), 1e9)).toMatchObject({ partitions: 1, scratch: { onDisk: false } });
    expect(layoutFor(cfg({ partitions: 3 }), 1000)).toMatchObject({ partitions: 3, scratch: { onDisk: true } });
  });
});
