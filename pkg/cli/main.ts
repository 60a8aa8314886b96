import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfigFile, ConfigError } from '../config/load';
import { configJsonSchema } from '../config/schema';
import { Executor, QueryError, CancelledError } from '../execute/executor';
import { analyze, type Progress } from '../pipeline/analyze';
import { inspectDataset } from '../dataset/inspect';
import { makePlan, type PlannerChoice } from '../planner/index';
import { generateSynthetic } from '../dataset/synthetic';
import { importFile } from '../dataset/import';
import { catalog, FAMILIES } from '../templates/catalog';
import { SchemaError } from '../dataset/source';
import type { Family } from '../templates/types';
import { formatKpiLeads, formatTable, groupNoun } from './format';
import { explainAnalysis } from '../pipeline/explain';
import { buildApp } from '../api/app';

const int = (v: string) => {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};
const time = (v: string) => {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError('expected an ISO date or date-time, e.g. 2026-10-01 or 2026-10-01T12:00:00Z');
  return t;
};
const fraction = (v: string) => {
  const f = Number(v);
  if (!(f > 0 && f <= 1)) throw new InvalidArgumentError('expected a fraction in (0, 1], e.g. 0.1 for 10%');
  return f;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];
const PLANNERS: PlannerChoice[] = ['auto', 'deterministic', 'llm'];

/** Progress on stderr: one line that updates in a terminal, plain lines otherwise. */
function progressPrinter(quiet: boolean) {
  const tty = process.stderr.isTTY;
  const started = Date.now();
  return (p: Progress) => {
    if (quiet) return;
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const line = `[${secs}s] ${p.stage} ${p.total ? `${p.done}/${p.total}` : ''}${p.message ? ` ${p.message}` : ''}`;
    if (tty) process.stderr.write(`\r\x1b[K${line}${p.stage === 'done' ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
}

async function withExecutor<T>(store: Parameters<typeof Executor.open>[0], fn: (ex: Executor) => Promise<T>, limits?: Parameters<typeof Executor.open>[1]): Promise<T> {
  const ex = await Executor.open(store, limits);
  try {
    return await fn(ex);
  } finally {
    await ex.close();
  }
}

export function buildCli(): Command {
  const program = new Command('surfacer')
    .description('Surface opportunities for improvement from telemetry: hypotheses → one merged ClickHouse computation → experts → ranked leads')
    .showHelpAfterError();

  program
    .command('analyze')
    .description('Run every chosen hypothesis family against the KPIs and print the ranked leads')
    .requiredOption('-c, --config <file>', 'config file (YAML)')
    .option('-k, --kpi <name>', 'KPI to analyze (repeatable; default: from the prompt, else all)', collect)
    .option('-p, --prompt <text>', 'what you are looking for, e.g. "find patterns behind payment failures"')
    .option('--family <name>', `template family (repeatable): ${FAMILIES.join(', ')}`, collect)
    .option('--from <time>', 'window start (ISO)', time)
    .option('--to <time>', 'window end (ISO, exclusive)', time)
    .option('-f, --format <format>', 'table | json', 'table')
    .option('-o, --out <file>', 'also write the JSON report to this file')
    .option('--planner <planner>', 'auto (the LLM planner when planner.llm is configured) | deterministic | llm', 'auto')
    .option('--explain', 'print the plan, the DAG and its SQL instead of running it')
    .option('--sample <fraction>', 'approximate mode: analyze this fraction of users (0 < f ≤ 1; overrides analysis.sample)', fraction)
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (o) => {
      if (!['table', 'json'].includes(o.format)) throw new InvalidArgumentError(`--format must be table or json, not ${o.format}`);
      if (!PLANNERS.includes(o.planner)) throw new InvalidArgumentError(`--planner must be ${PLANNERS.join(', ')}, not ${o.planner}`);
      const families = (o.family ?? []) as string[];
      const bad = families.filter((f) => !(FAMILIES as readonly string[]).includes(f));
      if (bad.length) throw new ConfigError(`unknown family ${bad.join(', ')}; families are: ${FAMILIES.join(', ')}`);
      const cfg = loadConfigFile(o.config);
      if (o.sample !== undefined) cfg.analysis.sample = o.sample;
      const limits = { maxExecutionTimeS: cfg.analysis.max_execution_time_s, maxMemoryBytes: Math.round(cfg.analysis.max_memory_gb * 1024 ** 3) };
      await withExecutor(cfg.store, async (ex) => {
        const req = { kpis: o.kpi, prompt: o.prompt, families: families as Family[], from: o.from, to: o.to };
        if (o.explain) {
          process.stdout.write(`${await explainAnalysis(ex, cfg, req)}\n`);
          return;
        }
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        try {
          const onProgress = progressPrinter(Boolean(o.quiet));
          // Planned here, as a run of the service plans, so the CLI uses the LLM planner when it is configured.
          onProgress({ stage: 'inspect', done: 0, total: 0 });
          const dataset = await inspectDataset(ex, cfg, { from: o.from, to: o.to });
          const onAsk = (model: string) => onProgress({ stage: 'plan', done: 0, total: 0, message: `asking ${model}` });
          const plan = await makePlan(dataset, cfg, req, { choice: o.planner as PlannerChoice, signal: ac.signal, onAsk });
          const kinds = new Map(cfg.kpis.map((k) => [k.name, k.numeric ? 'numeric' : 'rate']));
          const noun = groupNoun(cfg.dataset.events.group);
          const report = await analyze(ex, cfg, {
            ...req,
            plan,
            dataset,
            signal: ac.signal,
            onProgress,
            // Each KPI's leads as soon as they are final, before the next KPI's are grouped (stderr, like progress).
            onKpiLeads: o.quiet ? undefined : (kpi, leads) => process.stderr.write(`\n${formatKpiLeads(kpi, kinds.get(kpi) ?? 'rate', leads, noun)}\n`),
          });
          const json = JSON.stringify(report, null, 2);
          if (o.out) writeFileSync(o.out, json);
          process.stdout.write(o.format === 'json' ? `${json}\n` : `${formatTable(report, { noun })}\n`);
        } finally {
          process.off('SIGINT', stop);
        }
      }, limits);
    });

  program
    .command('generate')
    .description('Write synthetic e-commerce/streaming telemetry with planted opportunities and their ground truth')
    .option('-n, --events <n>', 'about how many events', int, 1_000_000)
    .option('-s, --seed <n>', 'random seed', int, 42)
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--no-plants', 'null mode: no planted effects, every KPI independent of everything (for calibration)')
    .action(async (o) => {
      const out = resolve(o.out);
      await withExecutor({ embedded: resolve(out, '.store') }, async (ex) => {
        const r = await generateSynthetic(ex, { events: o.events, seed: o.seed, outDir: out, plants: o.plants, onProgress: (m) => process.stderr.write(`${m}\n`) });
        process.stdout.write(
          `${r.events.toLocaleString('en-US')} events, ${r.sessions.toLocaleString('en-US')} sessions, ${r.users.toLocaleString('en-US')} users in ${r.seconds.toFixed(1)} s\n` +
            Object.values(r.files).map((f) => `  ${f}\n`).join(''),
        );
      });
    });

  program
    .command('import <file>')
    .description('Load a CSV, Parquet or JSONL file into the embedded store, inferring its schema')
    .requiredOption('-t, --table <name>', 'table to create (db.table or table)')
    .option('--store <dir>', 'embedded store folder', './.surfacer')
    .option('--order-by <columns>', 'ORDER BY of the MergeTree table (comma-separated columns of the file)')
    .option('--replace', 'replace the table if it exists')
    .action(async (file, o) => {
      await withExecutor({ embedded: resolve(o.store) }, async (ex) => {
        const r = await importFile(ex, { file: resolve(file), table: o.table, orderBy: o.orderBy, replace: Boolean(o.replace) });
        process.stdout.write(`${r.table}: ${r.rows.toLocaleString('en-US')} rows\n${r.columns.map((c) => `  ${c.name.padEnd(24)} ${c.type}`).join('\n')}\n`);
      });
    });

  program
    .command('demo')
    .description('Generate synthetic telemetry and analyze it on the embedded engine')
    .option('-n, --events <n>', 'about how many events', int, 300_000)
    .option('-s, --seed <n>', 'random seed', int, 42)
    .option('-o, --out <dir>', 'output folder', './demo-out')
    .option('-f, --format <format>', 'table | json', 'table')
    .option('--no-plants', 'null mode: no planted effects, every KPI independent of everything (for calibration)')
    .action(async (o) => {
      const out = resolve(o.out);
      const started = Date.now();
      await withExecutor({ embedded: resolve(out, '.store') }, async (ex) => {
        process.stderr.write(`Generating ~${o.events.toLocaleString('en-US')} events ${o.plants ? 'with planted effects' : 'with no planted effects (null mode)'} in ${out} …\n`);
        const g = await generateSynthetic(ex, { events: o.events, seed: o.seed, outDir: out, plants: o.plants });
        process.stderr.write(`  ${g.events.toLocaleString('en-US')} events, ${g.sessions.toLocaleString('en-US')} sessions in ${g.seconds.toFixed(1)} s\n`);
        const cfg = loadConfigFile(g.files.config);
        const report = await analyze(ex, cfg, { onProgress: progressPrinter(false) });
        writeFileSync(resolve(out, 'report.json'), JSON.stringify(report, null, 2));
        process.stdout.write(o.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : `${formatTable(report, { noun: groupNoun(cfg.dataset.events.group) })}\n`);
        process.stdout.write(
          `\nGround truth: ${g.files.groundTruth}\nFull report: ${resolve(out, 'report.json')}\nDemo took ${((Date.now() - started) / 1000).toFixed(1)} s. Re-run the analysis: npx surfacer analyze --config ${g.files.config}\n`,
        );
      });
    });

  program
    .command('serve')
    .description('Serve the HTTP API: runs, progress, leads, triage, saved investigations (OpenAPI at /api/openapi.json)')
    .requiredOption('-c, --config <file>', 'config file (YAML)')
    .option('--port <n>', 'port (default: server.port, 8787)', int)
    .option('--host <address>', 'address to listen on (default: server.host, 127.0.0.1)')
    .option('--insecure-no-auth', 'serve without a bearer token when none is configured (local experiments only)')
    .action(async (o) => {
      const cfg = loadConfigFile(o.config);
      const limits = { maxExecutionTimeS: cfg.analysis.max_execution_time_s, maxMemoryBytes: Math.round(cfg.analysis.max_memory_gb * 1024 ** 3) };
      const ex = await Executor.open(cfg.store, limits);
      let app: Awaited<ReturnType<typeof buildApp>>;
      try {
        app = await buildApp({ cfg, executor: ex, insecureNoAuth: Boolean(o.insecureNoAuth) });
      } catch (e) {
        await ex.close();
        throw e;
      }
      if (!cfg.server.token) app.log.warn('serving WITHOUT authentication (--insecure-no-auth)');
      const stopped = new Promise<string>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      try {
        await app.listen({ host: o.host ?? cfg.server.host, port: o.port ?? cfg.server.port });
        const signal = await stopped;
        app.log.info({ signal }, 'stopping: running analyses are cancelled and marked failed');
      } finally {
        await app.close();
        await ex.close();
      }
    });

  program
    .command('templates')
    .description('List the hypothesis templates and their parameters')
    .option('--json', 'as JSON with parameter schemas')
    .action((o) => {
      const c = catalog();
      process.stdout.write(o.json ? `${JSON.stringify(c, null, 2)}\n` : c.map((t) => `${t.name.padEnd(16)} ${t.summary}\n${''.padEnd(16)} e.g. ${t.example}`).join('\n') + '\n');
    });

  program
    .command('config-schema')
    .description('Print the JSON Schema of the config file')
    .action(() => {
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  // `surfacer … | head` closes stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  try {
    await buildCli().parseAsync(argv);
    return 0;
  } catch (e) {
    const err = e as Error;
    if (err instanceof ConfigError || err instanceof SchemaError || err instanceof QueryError || err instanceof CancelledError || err instanceof InvalidArgumentError) {
      process.stderr.write(`\nsurfacer: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`\nsurfacer: ${err.stack ?? err.message}\n`);
    return 1;
  }
}
