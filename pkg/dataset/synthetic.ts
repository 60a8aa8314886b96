/**
 * Synthetic telemetry with planted effects, for the demo and for tests.
 *
 * generateSynthetic() writes into outDir:
 *   events.parquet       the events (ts, session_id, user_id, event_name, attributes, status_code, duration_ms)
 *   backend_metrics.csv  backend CPU per minute (CSVWithNames: ts,cpu), with spikes
 *   ground_truth.json    the planted effects, each with its size MEASURED on the written files
 *   surfacer.yaml        a config that points Surfacer at the two files
 *
 * Everything is generated inside ClickHouse from numbers() and seeded hashes (see synthetic.sql.ts): the same seed
 * gives byte-identical files, another seed other data with the same plants.
 *
 * Traffic is stationary over the 45 days (a diurnal pattern, no growth): users' first and later sessions are spread
 * over the whole span, some users already active when it opens (see planSql). No event falls outside the span.
 *
 * With `plants: false` (null mode, for calibrating the analysis) the same event vocabulary and shapes are written,
 * but no KPI has any effect for any cohort: ground_truth.json lists no plants and every KPI as null.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Executor } from '../execute/executor';
import { sql } from '../execute/sql';
import {
  SPAN_FROM,
  SPAN_TO,
  eventsSql,
  metricsSql,
  planSql,
  sessionsSql,
  skeletonSql,
  spikesSql,
  stepParams,
  usersSql,
} from './synthetic.sql';

export interface SyntheticOptions {
  /** About how many events to write (the real count differs by a few percent and is reported). */
  events: number;
  seed: number;
  outDir: string;
  /** Plant the effects P1–P9 (default). false: null mode, every KPI independent of everything. */
  plants?: boolean;
  onProgress?: (msg: string) => void;
}

export interface SyntheticResult {
  outDir: string;
  events: number;
  sessions: number;
  users: number;
  files: { events: string; context: string; groundTruth: string; config: string };
  seconds: number;
}

export interface PlantTruth {
  id: string;
  family: string;
  kpi: string;
  params: Record<string, unknown>;
  description: string;
  /** Sessions in the cohort (within the KPI's population: buy_plan sessions for P1/P7, login sessions for P3). */
  cohort_groups: number;
  /** KPI in the cohort: failure rate, or mean page load in ms for page_load_ms. */
  cohort_rate: number;
  /** KPI in the rest of the population. */
  rest_rate: number;
}

export interface GroundTruth {
  seed: number;
  events: number;
  sessions: number;
  users: number;
  window: { from: string; to: string };
  plants: PlantTruth[];
  null_kpis: string[];
  /** Present (true) only in null mode: no plants, every KPI null. */
  null?: true;
}

export const FILES = {
  events: 'events.parquet',
  context: 'backend_metrics.csv',
  groundTruth: 'ground_truth.json',
  config: 'surfacer.yaml',
} as const;

/**
 * How each plant is measured on the written data: over the sessions table built by measureSql(), `population`
 * picks the sessions where the KPI is defined, `cohort` the planted sub-population, `metric` the KPI per session.
 */
interface PlantSpec extends Omit<PlantTruth, 'cohort_groups' | 'cohort_rate' | 'rest_rate'> {
  population: string;
  cohort: string;
  metric: 'pay_fail' | 'error' | 'server_error' | 'page_load';
}

/** The KPIs of surfacer.yaml, in its order. */
const KPIS = ['payment_conversion', 'error_rate', 'server_errors', 'page_load_ms', 'video_start_failures'];

const PLANTS: PlantSpec[] = [
  {
    id: 'P1', family: 'ordered_pattern', kpi: 'payment_conversion',
    params: { pattern: ['buy_plan', 'web_cors_error', 'timeout_error'], within_s: 30 },
    description: 'buy_plan followed by web_cors_error (1–3 s) and timeout_error (2–6 s later), other events possibly in between: payment fails with prob 0.85',
    population: 'has_buy', cohort: 'p1', metric: 'pay_fail',
  },
  {
    id: 'P2', family: 'ngram', kpi: 'error_rate',
    params: { ngram: ['search', 'apply_filter', 'sort_price'] },
    description: 'the contiguous run search, apply_filter, sort_price: app_error/crash afterwards with prob 0.45',
    population: '1', cohort: 'p2', metric: 'error',
  },
  {
    id: 'P3', family: 'absence', kpi: 'server_errors',
    params: { after: 'login', missing: 'token_refresh', within_s: 30 },
    description: 'login without any token_refresh: a 500 on a request after login with prob 0.35',
    population: 'has_login', cohort: 'p3', metric: 'server_error',
  },
  {
    id: 'P4', family: 'lifecycle', kpi: 'error_rate',
    params: { phase: 'returning', min_ordinal: 2, attribute: 'os_version', value: 'android_14' },
    description: "a user's 2nd-or-later session on android_14: error prob +0.15",
    population: '1', cohort: "ordinal >= 2 AND os_version = 'android_14'", metric: 'error',
  },
  {
    id: 'P5', family: 'indirect', kpi: 'server_errors',
    params: { predicate: 'hour_band', from_hour: 0, to_hour: 6 },
    description: 'sessions starting at 0–6 h UTC: server error prob 0.12 instead of 0.04',
    population: '1', cohort: 'night', metric: 'server_error',
  },
  {
    id: 'P6', family: 'static', kpi: 'page_load_ms',
    params: { attributes: { country: 'IN', device: 'tablet' } },
    description: 'country IN and device tablet together: page loads 2.5× slower (neither attribute alone has an effect)',
    population: 'has_page_load', cohort: "country = 'IN' AND device = 'tablet'", metric: 'page_load',
  },
  {
    id: 'P7', family: 'nonlocal', kpi: 'payment_conversion',
    params: { context: 'backend_cpu', rule: 'above_p95' },
    description: 'sessions whose [first, last event] overlaps a backend CPU spike minute: payment fails with prob 0.45 instead of 0.12 (measured with minutes above the p95 of cpu)',
    population: 'has_buy', cohort: 'cpu_hot', metric: 'pay_fail',
  },
  {
    id: 'P8', family: 'stateful', kpi: 'page_load_ms',
    params: { feature: 'event_count', event: 'api_retry', min: 3 },
    description: 'sessions with 3–6 api_retry events: page loads 2× slower',
    population: 'has_page_load', cohort: 'retries >= 3', metric: 'page_load',
  },
  {
    id: 'P9', family: 'trend', kpi: 'error_rate',
    params: { cohort: { session_ordinal: 1, app_version: '5.4.0' }, onset: '2026-10-31T00:00:00Z' },
    description: "a user's first session, on app_version 5.4.0: error prob rises linearly from 0.05 at the release to 0.45 at the end of the span",
    population: '1', cohort: "ordinal = 1 AND app_version = '5.4.0'", metric: 'error',
  },
];

export function surfacerYaml(seed: number, events: number): string {
  return `# Synthetic demo dataset written by \`surfacer generate\` (seed ${seed}, ${events} events). Paths are relative to this file.
store:
  embedded: ./.store
dataset:
  events:
    source: ${FILES.events}
    time: ts
    group: session_id
    user: user_id
    event: event_name
    attributes: [os_version, app_version, country, device]
  context:
    - name: backend_cpu
      source: ${FILES.context}
      time: ts
      value: cpu
kpis:
  - name: payment_conversion
    description: Users who click buy_plan should pay within 10 seconds
    funnel: { steps: [buy_plan, payment_complete], within: 10s }
  - name: error_rate
    description: Sessions with an app error or a crash
    failure_events: [app_error, crash]
  - name: server_errors
    description: Sessions where the backend answered a request with a 5xx status
    failure_when: "max(status_code) >= 500"
  - name: page_load_ms
    description: Mean page load time of the session in milliseconds; higher is worse
    numeric: "avgIf(duration_ms, event_name = 'page_load')"
  - name: video_start_failures
    description: Sessions where a video failed to start
    failure_events: [video_start_error]
`;
}

export async function generateSynthetic(ex: Executor, opts: SyntheticOptions): Promise<SyntheticResult> {
  const t0 = Date.now();
  if (ex.kind !== 'embedded') throw new Error('generateSynthetic writes local files: it needs the embedded engine');
  if (!Number.isSafeInteger(opts.seed) || opts.seed < 0) throw new Error(`seed must be a non-negative integer, got ${opts.seed}`);
  if (!Number.isFinite(opts.events) || opts.events < 1000) throw new Error(`events must be at least 1000, got ${opts.events}`);
  const progress = opts.onProgress ?? (() => {});
  const plants = opts.plants ?? true;
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const files = {
    events: join(outDir, FILES.events),
    context: join(outDir, FILES.context),
    groundTruth: join(outDir, FILES.groundTruth),
    config: join(outDir, FILES.config),
  };

  // ~20 events per session, ~3 sessions per user.
  const users = Math.max(1, Math.floor(Math.floor(opts.events / 20) / 3));
  const params = stepParams(opts.seed, users);
  const tag = `_synthetic_${randomBytes(6).toString('hex')}`;
  const t = {
    spikes: `${tag}_spikes`,
    users: `${tag}_users`,
    plan: `${tag}_plan`,
    skeleton: `${tag}_skeleton`,
    sessions: `${tag}_sessions`,
    measure: `${tag}_measure`,
    measureBase: `${tag}_measure_base`,
  };
  const step = async (label: string, text: string, extra: Record<string, unknown> = {}, settings: Record<string, unknown> = {}) => {
    const s = Date.now();
    await ex.command(text, { ...params, ...extra }, { label: `synthetic ${label}`, settings: { session_timezone: 'UTC', ...settings } as never });
    progress(`${label}: ${((Date.now() - s) / 1000).toFixed(1)} s`);
  };

  try {
    await step('spikes', spikesSql(t.spikes));
    // Small blocks, so the steps reading this table (and the tables made from it) run on every thread.
    await step(`users (${users})`, usersSql(t.users), {}, { max_block_size: 4096, min_insert_block_size_rows: 4096, max_insert_threads: 1 });
    await step('session plans', planSql(t.plan, t.users, plants));
    await step('session skeletons', skeletonSql(t.skeleton, t.plan, t.spikes, plants));
    await step('sessions', sessionsSql(t.sessions, t.skeleton, plants));
    for (const done of [t.users, t.plan, t.skeleton]) await ex.command(`DROP TABLE ${done} SYNC`, {}, { label: 'synthetic cleanup' });
    await step('events → parquet', eventsSql(t.sessions), { path: files.events });
    await step('backend metrics → csv', metricsSql(t.spikes), { path: files.context });
    const truth = await measure(ex, opts.seed, files, t.measure, plants);
    progress(`ground truth: ${truth.events} events, ${truth.sessions} sessions, ${truth.users} users`);
    writeFileSync(files.groundTruth, JSON.stringify(truth, null, 2) + '\n');
    writeFileSync(files.config, surfacerYaml(opts.seed, truth.events));
    return {
      outDir,
      events: truth.events,
      sessions: truth.sessions,
      users: truth.users,
      files,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    for (const name of Object.values(t)) {
      await ex.command(`DROP TABLE IF EXISTS ${name} SYNC`, {}, { label: 'synthetic cleanup' }).catch(() => {});
    }
  }
}

/**
 * Measure every plant on the written files, with the KPI definitions of surfacer.yaml: one row per session with
 * its KPIs and cohort flags (derived from the events only, not from the generator's coin flips), then one pass of
 * countIf/avgIf per plant. In null mode only the counts: no plants, every KPI null.
 */
async function measure(
  ex: Executor,
  seed: number,
  files: { events: string; context: string },
  table: string,
  plants: boolean,
): Promise<GroundTruth> {
  const p = { events: files.events, context: files.context };
  const opts = { label: 'synthetic ground truth', settings: { session_timezone: 'UTC' } as never };
  for (const text of measureSql(`${table}_base`, table)) await ex.command(text, p, opts);
  const [totals] = await ex.query<{ events: number; sessions: number; users: number }>(
    `SELECT sum(n_events) AS events, count() AS sessions, uniqExact(user_id) AS users FROM ${table}`, {}, opts);
  const window = { from: SPAN_FROM, to: SPAN_TO };
  const counts = { events: Number(totals!.events), sessions: Number(totals!.sessions), users: Number(totals!.users) };
  if (!plants) return { seed, ...counts, window, plants: [], null_kpis: [...KPIS], null: true };
  const columns = PLANTS.map((s, i) => {
    const inPop = `(${s.population})`;
    const metric = s.metric === 'page_load' ? 'page_load' : `toFloat64(${s.metric})`;
    return sql`
      countIf(${inPop} AND (${s.cohort})) AS n${i},
      avgIf(${metric}, ${inPop} AND (${s.cohort})) AS c${i},
      avgIf(${metric}, ${inPop} AND NOT (${s.cohort})) AS r${i}`;
  });
  const [row] = await ex.query<Record<string, number>>(`SELECT ${columns.join(',\n')} FROM ${table}`, {}, opts);
  const round = (x: number, digits: number) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : 0);
  const measured = PLANTS.map(({ population: _p, cohort: _c, metric, ...rest }, i) => {
    const digits = metric === 'page_load' ? 1 : 4;
    return { ...rest, cohort_groups: Number(row![`n${i}`]), cohort_rate: round(Number(row![`c${i}`]), digits), rest_rate: round(Number(row![`r${i}`]), digits) };
  });
  return { seed, ...counts, window, plants: measured, null_kpis: ['video_start_failures'] };
}

/**
 * The per-session measurement tables, from events.parquet and backend_metrics.csv: `base` one row per session with
 * its KPIs and the cohort flags that need the event sequence; `table` adds the user ordinal and the CPU overlap.
 * Times are in ms (windowFunnel wants integers).
 */
function measureSql(base: string, table: string): string[] {
  const ms = 'toUInt64(toUnixTimestamp64Milli(ts))';
  return [
    sql`
    CREATE TABLE ${base} ENGINE = Memory AS
    SELECT
      session_id,
      any(user_id) AS user_id,
      any(os_version) AS os_version,
      any(app_version) AS app_version,
      any(country) AS country,
      any(device) AS device,
      count() AS n_events,
      min(${ms}) AS first_ms,
      max(${ms}) AS last_ms,
      toHour(min(ts), 'UTC') < 6 AS night,
      -- the session as codes in time order: 1 search, 2 apply_filter, 3 sort_price, 0 anything else
      arraySort((code, t) -> t,
        groupArray(toUInt8(multiIf(event_name = 'search', 1, event_name = 'apply_filter', 2, event_name = 'sort_price', 3, 0))),
        groupArray(${ms})) AS p2_codes,
      -- payment_conversion: buy_plan then payment_complete within 10 s
      countIf(event_name = 'buy_plan') > 0 AS has_buy,
      has_buy AND windowFunnel(10000)(${ms}, event_name = 'buy_plan', event_name = 'payment_complete') < 2 AS pay_fail,
      windowFunnel(30000)(${ms}, event_name = 'buy_plan', event_name = 'web_cors_error', event_name = 'timeout_error') = 3 AS p1,
      hasSubstr(p2_codes, [1, 2, 3]) AS p2,
      countIf(event_name = 'login') > 0 AS has_login,
      windowFunnel(30000)(${ms}, event_name = 'login', event_name = 'token_refresh') = 1 AS p3,
      countIf(event_name = 'api_retry') AS retries,
      -- the other KPIs
      countIf(event_name IN ('app_error', 'crash')) > 0 AS error,
      max(status_code) >= 500 AS server_error,
      countIf(event_name = 'page_load') > 0 AS has_page_load,
      avgIf(duration_ms, event_name = 'page_load') AS page_load,
      countIf(event_name = 'video_start_error') > 0 AS video_start_failure
    FROM file({events:String}, 'Parquet')
    GROUP BY session_id`,
    sql`
    CREATE TABLE ${table} ENGINE = Memory AS
    WITH (SELECT quantileExact(0.95)(cpu) FROM file({context:String}, 'CSVWithNames')) AS cpu_p95
    SELECT *,
      row_number() OVER (PARTITION BY user_id ORDER BY first_ms, session_id) AS ordinal,
      -- P7: a minute of [first, last event] has cpu above its p95
      session_id IN (
        SELECT session_id FROM (
          SELECT session_id, arrayJoin(range(intDiv(first_ms, 60000), intDiv(last_ms, 60000) + 1)) AS minute FROM ${base}
        )
        WHERE minute IN (SELECT intDiv(toUnixTimestamp(ts), 60) FROM file({context:String}, 'CSVWithNames') WHERE cpu > cpu_p95)
      ) AS cpu_hot
    FROM ${base}`,
  ];
}
