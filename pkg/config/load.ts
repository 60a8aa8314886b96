import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A config with its file paths resolved against the config file's folder. */
export interface LoadedConfig extends Config {
  /** Folder the config was read from; relative paths are resolved against it. */
  baseDir: string;
}

export function loadConfigFile(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config ${path}: ${(e as Error).message}`);
  }
  return parseConfig(text, dirname(resolve(path)), path);
}

export function parseConfig(text: string, baseDir: string, origin = 'config'): LoadedConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${origin} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return validateConfig(raw, baseDir, origin);
}

export function validateConfig(raw: unknown, baseDir: string, origin = 'config'): LoadedConfig {
  const r = configSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(`${origin} is invalid:\n${formatIssues(r.error, raw)}`);
  const cfg = r.data;
  const env = process.env;
  if (cfg.store.url && env.SURFACER_CLICKHOUSE_PASSWORD) cfg.store.password = env.SURFACER_CLICKHOUSE_PASSWORD;
  // Secrets from the environment win over the file, so the file can be committed without them.
  if (env.SURFACER_TOKEN) cfg.server.token = env.SURFACER_TOKEN;
  if (cfg.grafana && env.SURFACER_GRAFANA_TOKEN) cfg.grafana.token = env.SURFACER_GRAFANA_TOKEN;
  if (cfg.store.embedded) cfg.store.embedded = resolvePath(baseDir, cfg.store.embedded);
  return { ...cfg, baseDir };
}

/** Sources that look like files are paths relative to the config; anything else names a table. */
export function isFileSource(source: string): boolean {
  return /\.(csv|tsv|parquet|jsonl|ndjson|json)(\.gz|\.zst)?$/i.test(source);
}

export function resolvePath(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

/** One line per problem: the key, the value found, and what is allowed. */
function formatIssues(error: z.ZodError, raw: unknown): string {
  return error.issues
    .map((i) => {
      const key = i.path.length ? i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top level)';
      const value = valueAt(raw, i.path as (string | number)[]);
      const shown = value === undefined ? 'missing' : JSON.stringify(value);
      let msg = i.message;
      if (i.code === 'unrecognized_keys') msg = `unknown key(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`;
      return `  - ${key}: ${msg} (found: ${shown.length > 120 ? shown.slice(0, 120) + '…' : shown})`;
    })
    .join('\n');
}

function valueAt(raw: unknown, path: (string | number)[]): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}
