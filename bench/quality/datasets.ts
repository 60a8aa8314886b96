/**
 * The datasets of bench:quality, each a small adapter: it writes (or finds) the events and a Surfacer config, and
 * names the binary KPIs to judge, the KPIs with no effect by construction (null KPIs), and the labelled
 * signatures — each a set of groups (SQL over the events returning `g`) that a good lead should capture.
 *
 * Real datasets carry a second KPI over a label shuffled across groups (seeded): its failures are independent of
 * every attribute, so any lead on it is a false lead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfigFile, type LoadedConfig } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import type { Executor } from '../../pkg/execute/executor';
import { rng } from '../../pkg/util/random';

export const DATA_DIR = resolve(__dirname, 'data');

export interface Signature {
  id: string;
  kpi: string;
  description: string;
  /** SELECT returning the signature's groups as a String column `g`. */
  sql: string;
}

export interface PreparedDataset {
  name: string;
  kind: string;
  source: string;
  config: LoadedConfig;
  /** Binary KPIs judged (signatures and peer floor). */
  kpis: string[];
  nullKpis: string[];
  signatures: Signature[];
  /** How groups were formed, for the report. */
  grouping: string;
}

export interface DatasetAdapter {
  name: string;
  /** null when it can run; otherwise why it is skipped (e.g. its source is not on this machine). */
  unavailable(): string | null;
  prepare(ex: Executor, workDir: string, progress: (m: string) => void): Promise<PreparedDataset>;
}

const yamlList = (xs: string[]) => `[${xs.join(', ')}]`;
const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Config for a labelled events CSV (ts, group, event, label, label_shuffled): the label KPI and its null twin. */
function labelledYaml(file: string, group: string, attributes: string[]): string {
  return `store:
  embedded: ./.store
dataset:
  events:
    source: ${file}
    time: ts
    group: ${group}
    event: event
    attributes: ${yamlList(attributes)}
kpis:
  - name: failed
    description: The group carries the dataset's label (attack / alert)
    failure_when: "max(label) = 1"
  - name: failed_shuffled
    description: The same labels shuffled across groups (null KPI)
    failure_when: "max(label_shuffled) = 1"
`;
}

/**
 * A labelled events file (columns ts, <group>, event, label, label_shuffled and the signature columns) as a
 * prepared dataset: its config (the label KPI and its shuffled null twin) and one signature per value.
 */
export function labelledDataset(o: {
  name: string;
  kind: string;
  source: string;
  grouping: string;
  dir: string;
  /** The events file in dir (.csv with a header, or .parquet). */
  file: string;
  group: string;
  signatures: { id: string; description: string; where: string }[];
}): PreparedDataset {
  writeFileSync(join(o.dir, 'surfacer.yaml'), labelledYaml(o.file, o.group, []));
  const from = `file(${sqlString(join(o.dir, o.file))}, '${o.file.endsWith('.parquet') ? 'Parquet' : 'CSVWithNames'}')`;
  return {
    name: o.name,
    kind: o.kind,
    source: o.source,
    config: loadConfigFile(join(o.dir, 'surfacer.yaml')),
    kpis: ['failed', 'failed_shuffled'],
    nullKpis: ['failed_shuffled'],
    signatures: o.signatures.map((s) => ({ id: s.id, kpi: 'failed', description: s.description, sql: `SELECT DISTINCT toString(${o.group}) AS g FROM ${from} WHERE ${s.where}` })),
    grouping: o.grouping,
  };
}

/** A seeded permutation of per-group labels: the null twin keeps the failure rate, loses every association. */
function shuffledLabels(labels: Map<string, number>, seed: number): Map<string, number> {
  const keys = [...labels.keys()].sort();
  const values = keys.map((k) => labels.get(k)!);
  const r = rng(seed);
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return new Map(keys.map((k, i) => [k, values[i]!]));
}

// ---------------------------------------------------------------- synthetic (pkg/dataset/synthetic.ts)

/**
 * Sessions of the synthetic plants the event view can express, measured as synthetic.ts measureSql() does
 * (its windowFunnel and hasSubstr definitions), plus the lifecycle/indirect ones from the session columns.
 */
function plantSql(events: string, id: string): string | null {
  const from = `file(${sqlString(events)}, 'Parquet')`;
  const ms = 'toUInt64(toUnixTimestamp64Milli(ts))';
  const per = (having: string, where = '1') => `SELECT toString(session_id) AS g FROM ${from} WHERE ${where} GROUP BY session_id HAVING ${having}`;
  switch (id) {
    case 'P1':
      return per(`countIf(event_name = 'buy_plan') > 0 AND windowFunnel(30000)(${ms}, event_name = 'buy_plan', event_name = 'web_cors_error', event_name = 'timeout_error') = 3`);
    case 'P2':
      return per(
        `hasSubstr(arraySort((c, t) -> t, groupArray(toUInt8(multiIf(event_name = 'search', 1, event_name = 'apply_filter', 2, event_name = 'sort_price', 3, 0))), groupArray(${ms})), [1, 2, 3])`,
      );
    case 'P3':
      return per(`countIf(event_name = 'login') > 0 AND windowFunnel(30000)(${ms}, event_name = 'login', event_name = 'token_refresh') = 1`);
    case 'P5':
      return per(`toHour(min(ts), 'UTC') < 6`);
    default:
      return null; // P4/P9 need the user's ordinal, P7 the CPU context: Surfacer-only cohorts, not judged here
  }
}

export const synthetic: DatasetAdapter = {
  name: 'synthetic',
  unavailable: () => null,
  async prepare(ex, workDir, progress) {
    const out = join(workDir, 'synthetic');
    const g = await generateSynthetic(ex, { events: 150_000, seed: 42, outDir: out, onProgress: (m) => progress(`  generate: ${m}`) });
    const truth = JSON.parse(readFileSync(g.files.groundTruth, 'utf8')) as { plants: { id: string; kpi: string; description: string }[]; null_kpis: string[] };
    const config = loadConfigFile(g.files.config);
    const binary = config.kpis.filter((k) => !k.numeric).map((k) => k.name);
    const signatures = truth.plants
      .filter((p) => binary.includes(p.kpi))
      .flatMap((p) => {
        const sql = plantSql(g.files.events, p.id);
        return sql ? [{ id: p.id, kpi: p.kpi, description: p.description, sql }] : [];
      });
    return {
      name: 'synthetic',
      kind: 'product events (generated, planted effects P1–P9)',
      source: 'pkg/dataset/synthetic.ts, seed 42, ~150k events',
      config,
      kpis: binary,
      nullKpis: truth.null_kpis.filter((k) => binary.includes(k)),
      signatures,
      grouping: 'sessions (session_id)',
    };
  },
};

export const syntheticNull: DatasetAdapter = {
  name: 'synthetic-null',
  unavailable: () => null,
  async prepare(ex, workDir, progress) {
    const g = await generateSynthetic(ex, { events: 150_000, seed: 43, outDir: join(workDir, 'synthetic-null'), plants: false, onProgress: (m) => progress(`  generate: ${m}`) });
    const config = loadConfigFile(g.files.config);
    const binary = config.kpis.filter((k) => !k.numeric).map((k) => k.name);
    return {
      name: 'synthetic-null',
      kind: 'product events (generated, null mode: no effect anywhere)',
      source: 'pkg/dataset/synthetic.ts plants: false, seed 43, ~150k events',
      config,
      kpis: binary,
      nullKpis: binary,
      signatures: [],
      grouping: 'sessions (session_id)',
    };
  },
};

// ---------------------------------------------------------------- loghub BGL (logs)

/** The committed slice: loghub's BGL_2k.log_structured.csv, reduced to the columns used (see data/README.md). */
export const BGL_SLICE = join(DATA_DIR, 'bgl_2k.csv');
/** Fixed one-hour windows, the window loglizer-style BGL loaders default to (deep-loglizer load_BGL, time_interval = 1 h). */
export const BGL_WINDOW_S = 3600;

export const bgl: DatasetAdapter = {
  name: 'loghub-bgl',
  unavailable: () => (existsSync(BGL_SLICE) ? null : `${BGL_SLICE} missing (run: npx tsx bench/quality/load-data.ts)`),
  async prepare(_ex, workDir) {
    const dir = join(workDir, 'bgl');
    mkdirSync(dir, { recursive: true });
    const lines = readFileSync(BGL_SLICE, 'utf8').trim().split('\n').slice(1);
    const rows = lines.map((l) => {
      const [line, label, ts, event] = l.split(',') as [string, string, string, string];
      return { line: Number(line), label, ts: Number(ts), event, window: String(Math.floor(Number(ts) / BGL_WINDOW_S)) };
    });
    const labels = new Map<string, number>();
    for (const r of rows) labels.set(r.window, Math.max(labels.get(r.window) ?? 0, r.label === '-' ? 0 : 1));
    const shuffled = shuffledLabels(labels, 12);
    // Lines of one second keep their file order: 1 ms apart.
    const csv = ['ts,window,event,alert,label,label_shuffled'];
    for (const r of rows) {
      const ms = r.ts * 1000 + (r.line % 1000);
      csv.push(`${new Date(ms).toISOString()},${r.window},${r.event},${r.label},${r.label === '-' ? 0 : 1},${shuffled.get(r.window)}`);
    }
    writeFileSync(join(dir, 'events.csv'), csv.join('\n') + '\n');
    const categories = [...new Set(rows.filter((r) => r.label !== '-').map((r) => r.label))].sort();
    return labelledDataset({
      name: 'loghub-bgl',
      kind: 'system logs (BlueGene/L RAS log, loghub 2k sample)',
      source: 'github.com/logpai/loghub BGL/BGL_2k.log_structured.csv',
      grouping: `fixed ${BGL_WINDOW_S / 3600} h windows over the whole machine (the 2k sample has 1,778 nodes for 2,000 lines, so node windows would hold one line each)`,
      dir,
      file: 'events.csv',
      group: 'window',
      signatures: categories.map((c) => ({ id: c, description: `windows with a ${c} alert line`, where: `alert = ${sqlString(c)}` })),
    });
  },
};

// ---------------------------------------------------------------- ADFA-LD (system-call traces)

/** The fetched mirror of a labelled copy of ADFA-LD (not committed: its licence is not stated; see data/README.md). */
export const ADFA_MIRROR = '/work/.mirror/verazuo+a-labelled-version-of-the-ADFA-LD-dataset/repo';
const ADFA_ZIP_ENV = 'SURFACER_ADFA_ZIP';

function adfaZip(workDir: string): string | null {
  if (process.env[ADFA_ZIP_ENV] && existsSync(process.env[ADFA_ZIP_ENV]!)) return process.env[ADFA_ZIP_ENV]!;
  if (!existsSync(ADFA_MIRROR)) return null;
  const zip = join(workDir, 'ADFA-LD.zip');
  if (!existsSync(zip)) {
    mkdirSync(workDir, { recursive: true });
    writeFileSync(zip, execFileSync('git', ['--git-dir', ADFA_MIRROR, 'show', 'HEAD:ADFA-LD.zip'], { maxBuffer: 64 << 20 }));
  }
  return zip;
}

export const ADFA_MAX_CALLS = 500;

/** Attack classes are the folder names of Attack_Data_Master without the run number (Adduser_3 → Adduser). */
export const adfaClass = (folder: string) => folder.replace(/_\d+$/, '');

export const adfa: DatasetAdapter = {
  name: 'adfa-ld',
  unavailable: () =>
    existsSync(ADFA_MIRROR) || (process.env[ADFA_ZIP_ENV] && existsSync(process.env[ADFA_ZIP_ENV]!))
      ? null
      : `no copy of ADFA-LD on this machine (fetch github:verazuo/a-labelled-version-of-the-ADFA-LD-dataset, or set ${ADFA_ZIP_ENV} to its ADFA-LD.zip)`,
  async prepare(ex, workDir, progress) {
    const dir = join(workDir, 'adfa');
    const root = join(dir, 'ADFA-LD');
    if (!existsSync(root)) {
      mkdirSync(dir, { recursive: true });
      execFileSync('unzip', ['-q', '-o', adfaZip(dir)!, '-d', dir]);
    }
    const traces: { id: string; file: string; cls: string | null }[] = [];
    for (const split of ['Training_Data_Master', 'Validation_Data_Master']) {
      for (const f of readdirSync(join(root, split)).sort()) if (f.endsWith('.txt')) traces.push({ id: `${split.slice(0, 1)}:${f.replace(/\.txt$/, '')}`, file: join(root, split, f), cls: null });
    }
    for (const folder of readdirSync(join(root, 'Attack_Data_Master')).sort()) {
      for (const f of readdirSync(join(root, 'Attack_Data_Master', folder)).sort()) {
        if (f.endsWith('.txt')) traces.push({ id: `A:${folder}:${f.replace(/\.txt$/, '')}`, file: join(root, 'Attack_Data_Master', folder, f), cls: adfaClass(folder) });
      }
    }
    progress(`  ADFA-LD: ${traces.length} traces`);
    const labels = new Map(traces.map((t) => [t.id, t.cls ? 1 : 0]));
    const shuffled = shuffledLabels(labels, 11);
    // No timestamps in ADFA-LD: the i-th call of a trace is at i seconds; traces an hour apart. Each trace is cut to
    // its first ADFA_MAX_CALLS calls, the engine's own max_events_per_group default: its leads' SQL predicates
    // (nested arrayExists) need memory quadratic in a group's length, and one trace in ten runs past 1,100 calls.
    const t0 = Date.UTC(2013, 0, 1);
    const csv = ['ts,trace,event,attack_class,label,label_shuffled'];
    traces.forEach((t, i) => {
      const calls = readFileSync(t.file, 'utf8').trim().split(/\s+/).slice(0, ADFA_MAX_CALLS);
      calls.forEach((c, j) => csv.push(`${new Date(t0 + i * 3_600_000 + j * 1000).toISOString()},${t.id},sys_${c},${t.cls ?? ''},${labels.get(t.id)},${shuffled.get(t.id)}`));
    });
    const csvFile = join(dir, 'events.csv');
    writeFileSync(csvFile, csv.join('\n') + '\n');
    // 2.7M calls: Parquet once, so every scan of the analysis does not parse the CSV again.
    const file = join(dir, 'events.parquet');
    await ex.command(
      `INSERT INTO FUNCTION file({out:String}, 'Parquet') SELECT toDateTime64(ts, 3, 'UTC') AS ts, trace, event, attack_class, label, label_shuffled FROM file({src:String}, 'CSVWithNames') SETTINGS engine_file_truncate_on_insert = 1`,
      { out: file, src: csvFile },
      { label: 'adfa to parquet' },
    );
    const classes = [...new Set(traces.flatMap((t) => (t.cls ? [t.cls] : [])))].sort();
    return labelledDataset({
      name: 'adfa-ld',
      kind: 'system-call traces (host intrusion detection)',
      source: 'github.com/verazuo/a-labelled-version-of-the-ADFA-LD-dataset ADFA-LD.zip',
      grouping: `one trace per group (each .txt file of ADFA-LD is one process trace), its first ${ADFA_MAX_CALLS} calls`,
      dir,
      file: 'events.parquet',
      group: 'trace',
      signatures: classes.map((c) => ({ id: c, description: `${c} attack traces`, where: `attack_class = ${sqlString(c)}` })),
    });
  },
};
