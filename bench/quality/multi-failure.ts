/**
 * Adapter for the generator's multi-failure-mode scenario (issue 12, Deliver 4–7: `multiFailureScenario` in
 * pkg/dataset/scenarios.ts, written on the engine side). Each failure mode is a signature: the groups where its
 * marker event is present (or, for a missing step, absent). The module is loaded by path, so this bench runs on
 * a tree without it and picks the scenario up as soon as it is merged.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfigFile } from '../../pkg/config/load';
import type { DatasetAdapter } from './datasets';

const MODULE = resolve(__dirname, '../../pkg/dataset/scenarios.ts');

/** The part of the scenario's contract this adapter reads. */
interface Scenario {
  config: string;
  events: string;
  truth: { kpi: string; groups: number; modes: { id: string; description: string; marker: { event: string; present: boolean } }[] };
}

const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export const multiFailure: DatasetAdapter = {
  name: 'multi-failure',
  unavailable: () => (existsSync(MODULE) ? null : 'pkg/dataset/scenarios.ts (multiFailureScenario) is not in this tree yet'),
  async prepare(ex, workDir) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(MODULE) as { multiFailureScenario: (o: { outDir: string; seed?: number }) => Scenario };
    const s = mod.multiFailureScenario({ outDir: join(workDir, 'multi-failure') });
    const config = loadConfigFile(s.config);
    const spec = config.dataset.events;
    const from = `file(${q(s.events)})`;
    return {
      name: 'multi-failure',
      kind: 'job events (generated: several failure modes on one KPI)',
      source: 'pkg/dataset/scenarios.ts multiFailureScenario',
      config,
      kpis: [s.truth.kpi],
      nullKpis: [],
      signatures: s.truth.modes.map((m) => ({
        id: m.id,
        kpi: s.truth.kpi,
        description: m.description,
        sql: `SELECT toString(\`${spec.group}\`) AS g FROM ${from} GROUP BY \`${spec.group}\` HAVING countIf(toString(\`${spec.event}\`) = ${q(m.marker.event)}) ${m.marker.present ? '>' : '='} 0`,
      })),
      grouping: `${spec.group} (one job per group)`,
    };
  },
};
