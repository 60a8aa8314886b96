import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../pkg/config/load';
import { readableSessionsCte } from '../../pkg/compile/sessionize';
import { inspectDataset } from '../../pkg/dataset/inspect';
import { Executor } from '../../pkg/execute/executor';
import { observeFastPath, type FastPath } from '../../pkg/pipeline/analyze';
import { lit } from '../../pkg/templates/types';

/**
 * The events' own columns may be named like the session table's columns (ev, tm, pairs, k0 …): sessionizing must
 * read the user's columns, not its own aliases of the same name. Attributes, which a lead's SQL names as they are,
 * must not take the name of a column every session has there: that is a clear config error.
 */
describe('event columns named like the engine’s own columns (embedded ClickHouse)', () => {
  let dir: string;
  let ex: Executor;
  let fast: FastPath;

  // Columns: tm (time), g (group), ev (event), pairs (a number the KPI reads), plan (an attribute), k0 and t0.
  const rows: [string, string, string, number, string, string, string][] = [];
  for (let s = 0; s < 40; s++) {
    const evs = s % 4 === 0 ? ['open', 'retry', 'retry', 'close'] : ['open', 'close'];
    evs.forEach((e, i) =>
      rows.push([
        `2026-10-01 10:${String(s).padStart(2, '0')}:0${i}`,
        `s${s}`,
        e,
        s % 4 === 0 ? 900 : 100,
        s % 2 ? 'odd' : 'even',
        `v${s % 3}`,
        'x',
      ])
    );
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-names-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    writeFileSync(join(dir, 'ev.csv'), ['tm,g,ev,pairs,plan,k0,t0', ...rows.map((r) => r.join(','))].join('\n') + '\n');
    const cfg = parseConfig(
      [
        'dataset:',
        '  events: {source: ev.csv, time: tm, group: g, event: ev, attributes: [plan]}',
        'kpis:',
        "  - {name: slow, numeric: 'avg(pairs)'}",
        'analysis: {min_support: 1}',
      ].join('\n'),
      dir
    );
    fast = await observeFastPath(ex, cfg, {
      plan: {
        planner: 'deterministic',
        kpis: ['slow'],
        notes: [],
        items: [
          { template: 'ngram', params: {}, kpis: ['slow'], reason: 'test' },
          { template: 'static', params: {}, kpis: ['slow'], reason: 'test' },
        ],
      },
    });
  }, 120_000);

  afterAll(async () => {
    await fast?.drop();
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sessionizes the user’s columns: events, times, the KPI and the attributes', async () => {
    const [row] = await ex.query<{ n: number; retries: number; slow: number; attrs: string[] }>(
      `SELECT count() AS n, countIf(has(ev, {c:UInt16})) AS retries, sum(k0) AS slow, groupUniqArray(a0) AS attrs FROM ${fast.sess}`,
      { c: fast.vocab.indexOf('retry') + 1 }
    );
    expect(Number(row!.n)).toBe(40);
    expect(Number(row!.retries)).toBe(10);
    expect(Number(row!.slow)).toBe(10 * 900 + 30 * 100);
    expect([...row!.attrs].sort()).toEqual(['even', 'odd']);
  });

  it('refuses an attribute named like a column every session has, naming it', async () => {
    for (const name of ['t0', 'k0']) {
      const cfg = parseConfig(
        [
          'dataset:',
          `  events: {source: ev.csv, time: tm, group: g, event: ev, attributes: [plan, ${name}]}`,
          'kpis:',
          "  - {name: slow, numeric: 'avg(pairs)'}",
        ].join('\n'),
        dir
      );
      await expect(inspectDataset(ex, cfg)).rejects.toThrow(
        new RegExp(`attributes\\[1\\]: "${name}" is the name of a column every session has`)
      );
    }
  });

  it('finds the cohort that the data plants, and its readable SQL selects the same groups', async () => {
    const retry = fast.observations.find(
      (o) => JSON.stringify(o.hyp.params) === JSON.stringify({ ngram: ['retry', 'retry'] })
    );
    expect(retry?.groups).toBe(10);
    expect(retry?.cohort.s).toBe(9000);
    const odd = fast.observations.find(
      (o) => JSON.stringify(o.hyp.params) === JSON.stringify({ attributes: { plan: 'odd' } })
    );
    expect(odd?.groups).toBe(20);
    for (const o of [retry!, odd!]) {
      const cte = readableSessionsCte(
        fast.d,
        o.kpi,
        { from: fast.d.range.from, to: fast.d.range.to, lookbackMs: fast.lookbackMs },
        `file(${lit(fast.d.events.label)})`
      );
      const [r] = await ex.query<{ n: number; total: number }>(
        `WITH ${cte}\nSELECT count() AS n, sum(k0) AS total FROM sessions WHERE (${o.hyp.predicate})`
      );
      expect([o.hyp.key, Number(r!.n), Number(r!.total)]).toEqual([o.hyp.key, o.groups, o.cohort.s]);
    }
  });
});
