import { z } from 'zod';

/** "10s", "5m", "2h", "30d", or "500ms" → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)} (use a number and a unit: 500ms, 10s, 5m, 2h, 30d)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}

/** ClickHouse's own databases: never a results database, never an import target. */
export function isSystemDatabase(db: string): boolean {
  return ['system', 'information_schema'].includes(db.toLowerCase());
}

/**
 * Events in a window from which a scheduled run is a watch. Measured with `npm run bench -- --watch` on a 2-core
 * machine: a re-run after one more hour of a 7-day window cost more than a full run at 0.16 M events in the window
 * and less at 1.6 M (bench/results/watch-*.json); a setting, since the crossover moves with the machine.
 */
const WATCH_MIN_EVENTS = 1_000_000;

const duration = z
  .string()
  .refine((s) => /^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)\s*$/.test(s), { message: 'expected a duration such as 500ms, 10s, 5m, 2h or 30d' })
  .describe('A duration: a number and a unit (ms, s, m, h, d), e.g. 10s');

const name = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a name of letters, digits and _ (not starting with a digit)');

const column = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'expected a column name of letters, digits, _ and .')
  .describe('A column of the source; checked against the real schema before any query runs');

export const storeSchema = z
  .object({
    embedded: z.string().min(1).optional().describe('Folder of the embedded ClickHouse (chdb); relative to the config file'),
    url: z.string().url().optional().describe('URL of a ClickHouse server or cluster entry point, e.g. http://localhost:8123'),
    username: z.string().optional(),
    password: z.string().optional().describe('Prefer SURFACER_CLICKHOUSE_PASSWORD in the environment'),
    database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional().describe('Database holding the events table (default: default)'),
    results_database: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .refine((d) => !isSystemDatabase(d), { message: 'must not be a system database (system, information_schema, INFORMATION_SCHEMA)' })
      .default('surfacer')
      .describe("Database where Surfacer keeps its runs, leads and scratch tables"),
    cluster: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a cluster name of letters, digits and _ (as in system.clusters)')
      .optional()
      .describe('Cluster name for ON CLUSTER DDL, when the server is a cluster; with dataset.events.local_table, sessions are built on every shard'),
  })
  .strict()
  .refine((s) => !(s.embedded && s.url), { message: 'set either store.embedded or store.url, not both' });

const contextSchema = z
  .object({
    name,
    source: z.string().min(1).describe('A table in the store, or a .csv/.parquet/.jsonl path'),
    time: column,
    value: column,
    threshold: z.number().optional().describe('Abnormal above this value; default: above the metric’s own p95'),
  })
  .strict();

export const eventsSchema = z
  .object({
    source: z.string().min(1).describe('A table in the store (db.table or table), or a .csv/.parquet/.jsonl path read with file()'),
    time: column,
    group: column.describe('The grouping key C_g: sessions by default, any key allowed'),
    user: column.optional().describe('User key; enables lifecycle templates'),
    event: column,
    attributes: z.array(column).default([]).describe('Static attributes of a group (constant within it)'),
    timezone: z.string().default('UTC').describe('Time zone for hour-of-day and weekday predicates'),
    local_table: z
      .string()
      .regex(/^(?:[A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/, 'expected a table name (table or db.table) of letters, digits and _')
      .optional()
      .describe(
        'On a cluster (with store.cluster): the MergeTree table on every shard under the Distributed `source`, sharded by cityHash64(user), or of the group without a user. Each shard then sessionizes its own events; default database: the source\'s',
      ),
  })
  .strict();

const kpiBase = {
  name,
  description: z.string().default('').describe('What the KPI means; the LLM planner reads it'),
};

export const kpiSchema = z
  .object({
    ...kpiBase,
    funnel: z
      .object({ steps: z.array(z.string().min(1)).min(2), within: duration })
      .strict()
      .optional()
      .describe('failure = entered step 1, did not finish every step in time'),
    failure_events: z.array(z.string().min(1)).min(1).optional().describe('failure = any of these events in the group'),
    failure_when: z.string().min(1).optional().describe("failure = a SQL condition over the group's rows, e.g. max(status_code) >= 500"),
    numeric: z.string().min(1).optional().describe("a per-group number, higher is worse, e.g. avgIf(duration_ms, event_name = 'page_load')"),
    higher_is_better: z.boolean().default(false).describe('For numeric KPIs: set when a higher value is better'),
  })
  .strict()
  .superRefine((k, ctx) => {
    const kinds = (['funnel', 'failure_events', 'failure_when', 'numeric'] as const).filter((x) => k[x] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? 'a KPI needs exactly one of funnel, failure_events, failure_when, numeric'
            : `a KPI takes exactly one of funnel, failure_events, failure_when, numeric; got ${kinds.join(' and ')}`,
      });
    }
  });

export const llmPlannerConfigSchema = z
  .object({
    host: z.string().url().default('http://127.0.0.1:11434').describe('Ollama server'),
    model: z.string().min(1).describe('Ollama model name, e.g. qwen2.5:7b-instruct'),
    timeout_s: z.number().min(1).max(3600).default(60).describe('After this, the deterministic planner is used'),
  })
  .strict();

export const serverSchema = z
  .object({
    host: z.string().default('127.0.0.1').describe('Address `surfacer serve` listens on (0.0.0.0 in a container)'),
    port: z.number().int().min(1).max(65535).default(8787),
    token: z.string().min(16).optional().describe('Bearer token for the API; prefer SURFACER_TOKEN in the environment'),
    public_url: z.string().url().optional().describe("Grafana app URL used for links in the leads table, e.g. http://grafana:3000/a/surfacer-opportunities-app"),
    max_concurrent_runs: z.number().int().min(1).max(8).default(1),
    max_queued_runs: z.number().int().min(0).max(1000).default(20).describe('Runs waiting beyond this answer 429 with Retry-After'),
    run_heap_limit_gb: z.number().positive().optional().describe("JS heap of each run's analysis worker; a run that needs more fails, saying so, and the service goes on; default 80% of Node's heap limit"),
  })
  .strict();

export const grafanaSchema = z
  .object({
    url: z.string().url().describe('Grafana URL, for pushing leads as annotations'),
    token: z.string().optional().describe('Service-account token; prefer SURFACER_GRAFANA_TOKEN'),
    dashboard_uid: z.string().optional().describe('Annotate this dashboard only; default: organization-wide annotations'),
    tags: z.array(z.string()).default(['surfacer']),
  })
  .strict();

export const configSchema = z
  .object({
    store: storeSchema.default({ embedded: './.surfacer', results_database: 'surfacer' }),
    dataset: z.object({ events: eventsSchema, context: z.array(contextSchema).default([]) }).strict(),
    kpis: z.array(kpiSchema).min(1),
    planner: z
      .object({ llm: llmPlannerConfigSchema.optional().describe('Ollama planner; without it the deterministic planner is used') })
      .strict()
      .default({}),
    server: serverSchema.default({ host: '127.0.0.1', port: 8787, max_concurrent_runs: 1, max_queued_runs: 20 }),
    grafana: grafanaSchema.optional().describe('Optional: push new leads to Grafana as annotations (off unless set)'),
    analysis: z
      .object({
        lookback_days: z.number().int().min(0).max(3650).default(90).describe('History read before the window for lifecycle attributes'),
        max_events_per_group: z.number().int().min(10).max(100000).default(500).describe('Longer groups are cut for pattern enumeration'),
        min_support: z.number().int().min(1).default(25).describe('Smallest cohort (groups) worth testing'),
        max_execution_time_s: z.number().int().min(1).default(600),
        max_memory_gb: z.number().min(0.1).default(8),
        memory_budget_gb: z
          .number()
          .min(0.5)
          .default(4)
          .describe(
            'Peak memory a run aims to stay under (GB). Datasets whose estimated peak exceeds it are sessionized in partitions by user hash (group hash without users) and keep their scratch tables on disk',
          ),
        partitions: z
          .number()
          .int()
          .min(1)
          .max(1024)
          .optional()
          .describe('Fixes the number of partitions instead of deriving it from the events and memory_budget_gb (1 = one pass, tables in memory)'),
        watch_min_events: z
          .number()
          .int()
          .min(0)
          .default(WATCH_MIN_EVENTS)
          .describe(
            'Scheduled runs over windows with at least this many events run as watches (only changed time slices are recomputed); smaller windows run in full, which costs less there. 0 = always a watch',
          ),
        sample: z
          .number()
          // The sample keeps ids by parts per million of their hash: less than one part keeps nobody.
          .min(0.000001, 'at least 0.000001 (one in a million); smaller samples keep no users')
          .max(1)
          .default(1)
          .describe(
            'Approximate mode: analyze this fraction of users (of groups without a user column), chosen by a hash of the id. Rates, effects and their CIs come from the sample; impact is scaled back by 1/sample. 1 = everything',
          ),
      })
      .strict()
      .default({ lookback_days: 90, max_events_per_group: 500, min_support: 25, max_execution_time_s: 600, max_memory_gb: 8, memory_budget_gb: 4, watch_min_events: WATCH_MIN_EVENTS, sample: 1 }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.kpis.forEach((k, i) => {
      if (seen.has(k.name)) ctx.addIssue({ code: 'custom', path: ['kpis', i, 'name'], message: `duplicate KPI name ${k.name}` });
      seen.add(k.name);
    });
    const ev = c.dataset.events;
    if (ev.local_table) {
      const at = { code: 'custom' as const, path: ['dataset', 'events', 'local_table'] };
      if (!c.store.cluster) ctx.addIssue({ ...at, message: 'needs store.cluster: the cluster the Distributed source spans' });
      if (!c.store.url) ctx.addIssue({ ...at, message: 'needs a ClickHouse server (store.url): the embedded engine is one machine' });
      // A file source (the extensions load.ts isFileSource reads as files) cannot be sharded.
      const file = /\.(csv|tsv|parquet|jsonl|ndjson|json)(\.gz|\.zst)?$/i.test(ev.source);
      const table = file ? null : /^(?:([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Za-z_][A-Za-z0-9_]*)$/.exec(ev.source);
      if (!table) {
        ctx.addIssue({ ...at, message: 'needs dataset.events.source to be the Distributed table over it (table or db.table), not a file' });
      } else {
        // The local table's database defaults to the source's.
        const source = `${table[1] ?? c.store.database ?? 'default'}.${table[2]}`;
        const local = ev.local_table.includes('.') ? ev.local_table : `${source.split('.')[0]}.${ev.local_table}`;
        if (local === source) ctx.addIssue({ ...at, message: 'must be the shard-local table under the Distributed source, not the source itself' });
      }
    }
    const ctxNames = new Set<string>();
    c.dataset.context.forEach((x, i) => {
      if (ctxNames.has(x.name)) ctx.addIssue({ code: 'custom', path: ['dataset', 'context', i, 'name'], message: `duplicate context name ${x.name}` });
      ctxNames.add(x.name);
    });
  });

export type Config = z.infer<typeof configSchema>;
export type Kpi = z.infer<typeof kpiSchema>;
export type EventsSpec = z.infer<typeof eventsSchema>;
export type ContextSpec = Config['dataset']['context'][number];

export type KpiKind = 'funnel' | 'failure_events' | 'failure_when' | 'numeric';
export function kpiKind(k: Kpi): KpiKind {
  if (k.funnel) return 'funnel';
  if (k.failure_events) return 'failure_events';
  if (k.failure_when) return 'failure_when';
  return 'numeric';
}
export const isBinary = (k: Kpi): boolean => kpiKind(k) !== 'numeric';

/** JSON Schema of the config file, for editors and the docs. */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
