/**
 * npm run bench:quality [-- --only synthetic,loghub-bgl --out file.json --work-dir dir]
 *
 * Lead quality side by side (issue 12): Surfacer (analyze() on the embedded engine, every family, the
 * deterministic plan) and three peer baselines on every dataset of datasets.ts. Prints a markdown table and
 * writes JSON to bench/results/quality-<date>.json. Rules: evaluate.ts; datasets: bench/quality/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Executor } from '../../pkg/execute/executor';
import { adfa, bgl, synthetic, syntheticNull, type DatasetAdapter } from './datasets';
import { BASELINES, evaluateDataset, FOUND_RULE, MIN_SIGNATURE_FAILED, SAME_GROUPS, TOP_K, type DatasetResult } from './evaluate';
import { multiFailure } from './multi-failure';

const ROOT = resolve(__dirname, '../..');
export const ADAPTERS: DatasetAdapter[] = [synthetic, syntheticNull, multiFailure, bgl, adfa];

export interface QualityRun {
  date: string;
  commit: string | null;
  machine: { host: string; cores: number; node: string };
  rules: Record<string, unknown>;
  datasets: DatasetResult[];
  skipped: { name: string; why: string }[];
  wall_s: number;
}

export async function runQuality(adapters: DatasetAdapter[], workDir: string, progress: (m: string) => void): Promise<QualityRun> {
  const t0 = performance.now();
  const ex = await Executor.open({ embedded: join(workDir, '.store') });
  const datasets: DatasetResult[] = [];
  const skipped: { name: string; why: string }[] = [];
  try {
    for (const a of adapters) {
      const why = a.unavailable();
      if (why) {
        skipped.push({ name: a.name, why });
        progress(`${a.name}: skipped — ${why}`);
        continue;
      }
      const ta = performance.now();
      progress(`${a.name}: preparing …`);
      const ds = await a.prepare(ex, workDir, progress);
      datasets.push(await evaluateDataset(ex, ds, progress));
      progress(`${a.name}: done in ${((performance.now() - ta) / 1000).toFixed(1)} s`);
    }
  } finally {
    await ex.close();
  }
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    commit = null;
  }
  return {
    date: new Date().toISOString(),
    commit,
    machine: { host: hostname(), cores: cpus().length, node: process.version },
    rules: {
      top_k: TOP_K,
      min_signature_failed: MIN_SIGNATURE_FAILED,
      found: `a top-${TOP_K} cohort on the signature's KPI holds ≥ ${FOUND_RULE.captured * 100}% of the signature's failed groups, and ≥ ${FOUND_RULE.precision * 100}% of the cohort is the signature's groups`,
      null_false_leads: 'leads (Surfacer) or reported worse cohorts (baselines) on KPIs with no effect',
      peer_floor: `baseline cohorts worse and q < 0.05 (twoByTwoTest + hierarchicalQ over the baseline's cohorts, ≤ 50% of groups) that are neither a Surfacer lead nor a refinement (Jaccard ≥ ${SAME_GROUPS}) and stay significant outside the union of the KPI's leads`,
    },
    datasets,
    skipped,
    wall_s: +((performance.now() - t0) / 1000).toFixed(1),
  };
}

export function markdownTable(r: QualityRun): string {
  const head = '| dataset | method | recall@' + TOP_K + ' | leads per KPI | null false leads | peer-floor violations of significant | wall s |';
  const rows = [head, '|---|---|---|---|---|---|---|'];
  for (const d of r.datasets) {
    for (const [m, res] of Object.entries(d.methods)) {
      const recall = res.recall === null ? '—' : `${res.signatures_found.length}/${d.signatures.filter((x) => x.counted).length}`;
      const leads = Object.entries(res.leads).map(([k, n]) => `${k}: ${n}`).join(', ');
      const f = d.peer_floor[m];
      const onNull = f ? f.cases.filter((c) => c.status === 'violation' && d.kpis.some((k) => k.null && k.name === c.kpi)).length : 0;
      // On a null KPI a "significant" baseline cohort is a chance finding the correction over reported cohorts missed.
      const floor = !f ? '—' : `${f.violations} of ${f.significant}${onNull ? ` (${onNull} on null KPIs)` : ''}`;
      rows.push(`| ${d.name} | ${m} | ${recall} | ${leads} | ${res.null_false_leads} | ${floor} | ${res.wall_s} |`);
    }
  }
  for (const s of r.skipped) rows.push(`| ${s.name} | skipped: ${s.why} | | | | | |`);
  return rows.join('\n');
}

export function violationList(r: QualityRun): string {
  const out: string[] = [];
  for (const d of r.datasets) {
    for (const m of Object.keys(BASELINES)) {
      for (const c of d.peer_floor[m]!.cases.filter((x) => x.status === 'violation')) {
        out.push(
          `- ${d.name} / ${m} / ${c.kpi}: ${c.predicate} — ${c.groups} groups, ${(c.rate * 100).toFixed(1)}% failing vs ${(c.rest_rate * 100).toFixed(1)}%, q ${c.q.toExponential(1)}; ` +
            `outside Surfacer's leads ${c.outside?.groups ?? 0} groups (${c.outside?.failed ?? 0} failed, q ${c.outside?.q.toExponential(1)})` +
            (c.lead ? `; overlaps most "${c.lead}" (${(c.overlap_with_lead * 100).toFixed(0)}% of it)` : '; overlaps no lead'),
        );
      }
    }
  }
  return out.length ? out.join('\n') : '(none)';
}

async function main() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      out: { type: 'string' },
      'work-dir': { type: 'string' },
    },
  });
  const only = values.only?.split(',').map((s) => s.trim());
  const adapters = only ? ADAPTERS.filter((a) => only.includes(a.name)) : ADAPTERS;
  const workDir = values['work-dir'] ?? mkdtempSync(join(tmpdir(), 'surfacer-quality-'));
  mkdirSync(workDir, { recursive: true });
  const started = Date.now();
  const progress = (m: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
  try {
    const r = await runQuality(adapters, workDir, progress);
    const file = resolve(values.out ?? join(ROOT, 'bench/results', `quality-${r.date.slice(0, 10)}.json`));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
    process.stdout.write(`${markdownTable(r)}\n\nPeer-floor violations:\n${violationList(r)}\n\nJSON: ${file} (${r.wall_s} s)\n`);
  } finally {
    if (!values['work-dir']) rmSync(workDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`\nbench:quality: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
