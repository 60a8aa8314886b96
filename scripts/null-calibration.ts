/**
 * Null calibration: analyze datasets with no planted effect and count the runs that report any lead.
 * With the false discovery rate controlled at 0.05 and no true effect, at most ~5% of runs may have a lead.
 *   npx tsx scripts/null-calibration.ts [--seeds 20] [--events 500000] [--first-seed 1000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../pkg/config/load';
import { generateSynthetic } from '../pkg/dataset/synthetic';
import { Executor } from '../pkg/execute/executor';
import { analyze, type Report } from '../pkg/pipeline/analyze';

export interface NullRun {
  seed: number;
  hypotheses: number;
  leads: Report['opportunities'];
}

/** Generate a null dataset per seed and analyze it, all in one embedded store. */
export async function nullRuns(seeds: number[], events: number, onRun?: (r: NullRun) => void): Promise<NullRun[]> {
  const dir = mkdtempSync(join(tmpdir(), 'surfacer-null-'));
  const ex = await Executor.open({ embedded: join(dir, '.store') });
  const runs: NullRun[] = [];
  try {
    for (const seed of seeds) {
      const out = join(dir, `seed-${seed}`);
      const g = await generateSynthetic(ex, { events, seed, outDir: out, plants: false });
      const r = await analyze(ex, loadConfigFile(g.files.config));
      const run = { seed, hypotheses: r.hypotheses_tested, leads: r.opportunities };
      runs.push(run);
      onRun?.(run);
      rmSync(out, { recursive: true, force: true });
    }
  } finally {
    await ex.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return runs;
}

async function main() {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: '20' }, events: { type: 'string', default: '500000' }, 'first-seed': { type: 'string', default: '1000' } } });
  const n = Number(values.seeds);
  const first = Number(values['first-seed']);
  const started = Date.now();
  const runs = await nullRuns(Array.from({ length: n }, (_, i) => first + i), Number(values.events), (r) =>
    process.stdout.write(`seed ${r.seed}: ${r.hypotheses.toLocaleString('en-US')} hypotheses, ${r.leads.length} lead(s)${r.leads.map((l) => `\n    q=${l.q_value.toExponential(1)} ${l.title}`).join('')}\n`),
  );
  const withLead = runs.filter((r) => r.leads.length > 0).length;
  // Exact (Clopper–Pearson) upper 95% bound would need the beta quantile; the rule of three covers 0 of n.
  const share = withLead / n;
  process.stdout.write(
    `\n${withLead} of ${n} null runs reported any lead (${(share * 100).toFixed(1)}%; target ≤ 5%${withLead === 0 ? `, 95% upper bound ≈ ${(300 / n).toFixed(1)}% by the rule of three` : ''}), ` +
      `${runs.reduce((a, r) => a + r.hypotheses, 0).toLocaleString('en-US')} hypotheses in all, ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
}

if (require.main === module) void main();
