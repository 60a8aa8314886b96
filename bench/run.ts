/**
 * npm run bench [-- --events 1000000,10000000 …]
 *
 * For each size: generate synthetic events (cached per size and seed, its own child process), then analyze them
 * with every KPI and every family on the embedded engine in a fresh child process (peak RSS is that size's own),
 * with the baselines on the same data and hypotheses. Prints a table and writes JSON (see bench/README.md).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { analyzeChild, generateChild, readMeta } from './child';
import { watchChild } from './watch';
import { assemble, formatTable, missingKeys } from './report';

const ROOT = resolve(__dirname, '..');

const sizes = (v: string, prev: number[] = []) => {
  const out = v.split(',').map((x) => {
    const s = x.trim().toLowerCase().replace(/_/g, '');
    const m = /^(\d+(?:\.\d+)?)([km]?)$/.exec(s);
    if (!m) throw new InvalidArgumentError(`expected a number of events such as 1000000, 1m or 200k, not ${x}`);
    return Math.round(Number(m[1]) * (m[2] === 'm' ? 1e6 : m[2] === 'k' ? 1e3 : 1));
  });
  return [...prev, ...out];
};
const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
};

function runSelf(args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', __filename, ...args], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', fail);
    p.on('exit', (code, sig) => (code === 0 ? ok() : fail(new Error(`bench child ${args.join(' ')} exited with ${code ?? sig}`))));
  });
}

/** Which engine code was measured: the commit and the engine files changed since (read-only git). */
function gitState(): { commit: string | null; modified: string[] } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const modified = execFileSync('git', ['status', '--porcelain', '--', 'pkg'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
    return { commit, modified };
  } catch {
    return { commit: null, modified: [] };
  }
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('bench')
    .option('-n, --events <n>', 'events per size (repeatable or comma list; 1m, 200k accepted)', sizes)
    .option('-s, --seed <n>', 'seed of the generator and of the baselines\' samples', num, 42)
    .option('-o, --out <file>', 'JSON output (default bench/results/<date>-<host>.json)')
    .option('--data-dir <dir>', 'where generated datasets are kept between runs', join(tmpdir(), 'surfacer-bench'))
    .option('--fresh', 'regenerate the data even when a cached copy exists')
    .option('--sample <n>', 'hypotheses in the per-query SQL baseline sample', num, 30)
    .option('--ac-fraction <f>', 'share of groups the sampled Aho-Corasick baseline reads', num, 0.1)
    .option('--no-baselines', 'skip both baselines')
    .option('--no-attribution', 'skip the isolated per-family scans')
    .option('--watch', 'also measure a watch re-run after one more hour vs a full run of a 7-day window (bench/watch.ts)')
    .option(
      '--extras-max-events <n>',
      'largest size that also runs the baselines and isolated scans (each baseline query sessionizes the raw events on its own: at 100M events one takes minutes and more memory than the run)',
      (v) => sizes(v)[0]!,
      20_000_000
    )
    // Internal: what a child process does.
    .option('--child <mode>', '(internal) generate | analyze')
    .option('--dir <dir>', '(internal) dataset folder')
    .option('--result <file>', '(internal) where the child writes its JSON')
    .allowExcessArguments(false);
  program.parse(argv);
  const o = program.opts();

  if (o.child === 'generate') {
    const n = (o.events as number[])[0]!;
    await generateChild(o.dir, n, o.seed);
    return;
  }
  if (o.child === 'watch') {
    writeFileSync(o.result, JSON.stringify(await watchChild(o.dir), null, 2));
    return;
  }
  if (o.child === 'analyze') {
    const r = await analyzeChild({ dir: o.dir, sample: o.sample, seed: o.seed, acFraction: o.acFraction, baselines: o.baselines, attribution: o.attribution });
    writeFileSync(o.result, JSON.stringify(r, null, 2));
    return;
  }

  const list = [...new Set((o.events as number[] | undefined) ?? [1_000_000, 10_000_000])].sort((a, b) => a - b);
  const runs: Record<string, unknown>[] = [];
  // Captured before the runs: the engine code each child loads is the working tree at its start.
  const git = gitState();
  for (const n of list) {
    const dir = join(o.dataDir, `${n}-s${o.seed}`);
    mkdirSync(dir, { recursive: true });
    const meta = readMeta(dir);
    if (o.fresh || !meta || meta.events_requested !== n || meta.seed !== o.seed) {
      process.stderr.write(`Generating ~${n.toLocaleString('en-US')} events (seed ${o.seed}) in ${dir} …\n`);
      await runSelf(['--child', 'generate', '--events', String(n), '--seed', String(o.seed), '--dir', dir]);
    } else process.stderr.write(`Using ${dir} (${meta.events.toLocaleString('en-US')} events, generated earlier in ${meta.generate_s.toFixed(1)} s)\n`);
    process.stderr.write(`Analyzing ${n.toLocaleString('en-US')} events (every KPI, every family) in a fresh process …\n`);
    const result = join(dir, 'bench-result.json');
    const extras = n <= o.extrasMaxEvents;
    if (!extras && (o.baselines || o.attribution))
      process.stderr.write(`  (baselines and isolated scans skipped above --extras-max-events ${o.extrasMaxEvents.toLocaleString('en-US')})\n`);
    await runSelf([
      '--child', 'analyze', '--dir', dir, '--result', result, '--seed', String(o.seed), '--sample', String(o.sample), '--ac-fraction', String(o.acFraction),
      ...(o.baselines && extras ? [] : ['--no-baselines']), ...(o.attribution && extras ? [] : ['--no-attribution']),
    ]);
    const run = JSON.parse(readFileSync(result, 'utf8'));
    if (o.watch) {
      process.stderr.write(`Watch figure on ${n.toLocaleString('en-US')} events (7-day window, one more hour) in a fresh process …\n`);
      const watchResult = join(dir, 'bench-watch.json');
      await runSelf(['--child', 'watch', '--dir', dir, '--result', watchResult]);
      run.watch = JSON.parse(readFileSync(watchResult, 'utf8'));
    }
    if (!extras && (o.baselines || o.attribution))
      run.extras_skipped = `baselines and isolated family scans not run at ${n.toLocaleString('en-US')} events (above --extras-max-events ${o.extrasMaxEvents.toLocaleString('en-US')}); the top-level ratios come from the largest size that ran them`;
    runs.push(run);
  }

  const chdb = (JSON.parse(readFileSync(join(ROOT, 'node_modules/chdb/package.json'), 'utf8')) as { version: string }).version;
  const machine = {
    host: hostname(),
    cpu_model: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    ram_gb: +(totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    chdb: chdb,
    clickhouse_version: String(runs[runs.length - 1]?.chdb_version ?? 'unknown'),
    load_average_at_end: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)),
  };
  const out = assemble(runs, machine, { seed: o.seed, sample: o.sample, ac_fraction: o.acFraction, extras_max_events: o.extrasMaxEvents, git });
  const file = resolve(o.out ?? join(ROOT, 'bench/results', `${new Date().toISOString().slice(0, 10)}-${hostname()}.json`));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  const missing = missingKeys(out, {
    baselines: o.baselines && list.some((n) => n <= o.extrasMaxEvents),
    attribution: o.attribution && list[list.length - 1]! <= o.extrasMaxEvents,
  });
  process.stdout.write(`${formatTable(out)}\nJSON: ${file}${missing.length ? `\nWARNING: missing keys: ${missing.join(', ')}` : ' (all required keys present)'}\n`);
}

main(process.argv).then(() => process.exit(0), (e) => {
  process.stderr.write(`\nbench: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
