import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../pkg/config/load';
import { Executor } from '../../pkg/execute/executor';
import { analyze, type Report } from '../../pkg/pipeline/analyze';
import { rng } from '../../pkg/util/random';

// One failure mode written in many overlapping ways, as attacks in system-call traces are: failing groups hold a few
// of 12 rare events in random order. Hundreds of patterns pass; the operator must get the few that differ.
describe('grouping a failure mode spread over many overlapping patterns (embedded ClickHouse)', () => {
  let dir: string;
  let ex: Executor;
  let report: Report;
  const RARE = Array.from({ length: 12 }, (_, i) => `rare_${i}`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-rounds-'));
    const rand = rng(11);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    const lines = ['ts,trace,call,failed'];
    for (let g = 0; g < 3000; g++) {
      const failed = g % 10 === 0;
      const calls = Array.from({ length: 12 }, () => `call_${Math.floor(rand() * 15)}`);
      if (failed) for (let k = 0; k < 6; k++) calls.splice(Math.floor(rand() * calls.length), 0, pick(RARE));
      const t0 = Date.UTC(2026, 9, 1) + g * 60_000;
      calls.forEach((c, i) =>
        lines.push(
          `${new Date(t0 + i * 1000).toISOString().slice(0, 19).replace('T', ' ')},t${g},${c},${failed ? 1 : 0}`
        )
      );
    }
    writeFileSync(join(dir, 'ev.csv'), `${lines.join('\n')}\n`);
    const cfg = parseConfig(
      [
        'dataset:',
        '  events: {source: ev.csv, time: ts, group: trace, event: call}',
        'kpis:',
        '  - {name: failed, failure_when: "max(failed) = 1"}',
      ].join('\n'),
      dir
    );
    ex = await Executor.open({ embedded: join(dir, '.store') });
    report = await analyze(ex, cfg);
  }, 300_000);

  afterAll(async () => {
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a few leads, each naming rare events and adding failures the ones above do not hold', () => {
    const leads = report.opportunities;
    // Hundreds of patterns pass; grouping goes on until the top folds nothing, so each lead left is a cohort with
    // failures of its own outside the stronger ones (the rare events overlap, yet each fails at 100% outside them).
    expect(report.hypotheses_tested).toBeGreaterThan(200);
    expect(leads.length).toBeGreaterThan(1);
    expect(leads.length).toBeLessThanOrEqual(RARE.length);
    for (const o of leads) expect(o.cohort).toMatch(/\brare_\d+\b/);
    for (const o of leads.slice(1)) expect(o.incremental_coverage!).toBeGreaterThan(0);
    // Together they hold every failure: no failing trace is left unexplained.
    expect(report.kpis[0]!.coverage).toBe(1);
  });
});
