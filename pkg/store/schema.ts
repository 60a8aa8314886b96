/**
 * The results store: Surfacer's own tables in `store.results_database`, next to the data, on the same ClickHouse
 * (embedded chdb or a server). Mutable records (runs, leads, saved investigations) are ReplacingMergeTree tables
 * keyed by id with a `version` column: an update inserts the whole row again with a higher version, and reads use
 * FINAL, so the newest version is what every read sees, on chdb and on a server alike. Logs (plans, leads per run,
 * triage) are append-only MergeTree tables.
 *
 * Migrations are numbered; each is a list of idempotent statements (IF NOT EXISTS), applied in order at startup
 * and recorded in `schema_migrations`. The `leads` view (for Grafana) is re-created at every startup, so its links
 * follow the current `server.public_url`.
 */
import { qualified, quoteIdent } from '../execute/sql';
import { lit } from '../templates/types';

export interface Migration {
  version: number;
  description: string;
  statements: (db: string) => string[];
}

const T = (db: string, name: string) => qualified(db, name);
const TS = "DateTime64(3, 'UTC')";

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'runs, plans, opportunities, leads per run, triage, investigations',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${T(db, 'runs')} (
  id String,
  version UInt64,
  status LowCardinality(String),
  created_at ${TS},
  started_at Nullable(${TS}),
  finished_at Nullable(${TS}),
  updated_at ${TS},
  request String COMMENT 'the run request as JSON',
  progress String COMMENT 'stage, done, total, message as JSON',
  planner LowCardinality(String),
  error String,
  summary String COMMENT 'report summary as JSON: KPIs, window, hypotheses tested, leads, timings',
  investigation_id String
) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
      `CREATE TABLE IF NOT EXISTS ${T(db, 'plans')} (
  run_id String,
  created_at ${TS},
  planner LowCardinality(String),
  fallback String,
  kpis Array(String),
  plan String COMMENT 'the whole plan as JSON: items with their reasons, notes',
  feedback String COMMENT 'the FeedbackSummary the planner was given, as JSON'
) ENGINE = MergeTree ORDER BY run_id`,
      `CREATE TABLE IF NOT EXISTS ${T(db, 'opportunities')} (
  id String COMMENT 'sha256 of fingerprint, 24 hex characters',
  version UInt64,
  fingerprint String,
  kpi LowCardinality(String),
  template LowCardinality(String),
  region String COMMENT 'coarse parameter region, for priors from triage',
  title String,
  cohort String,
  impact Float64,
  effect_measure LowCardinality(String),
  effect Float64,
  relative_effect Nullable(Float64),
  q_value Float64,
  p_value Float64,
  cohort_size UInt64,
  rank UInt32,
  stable UInt8,
  status LowCardinality(String),
  note String,
  triaged_at Nullable(${TS}),
  triaged_by String,
  known UInt8,
  runs_seen UInt32,
  first_seen ${TS},
  last_seen ${TS},
  first_run_id String,
  last_run_id String,
  data String COMMENT 'the Opportunity of the last run, as JSON',
  evidence String COMMENT 'series, halves, example group ids and SQL of the last run, as JSON'
) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
      `CREATE TABLE IF NOT EXISTS ${T(db, 'run_leads')} (
  run_id String,
  id String,
  seen_at ${TS},
  rank UInt32,
  is_new UInt8,
  impact Float64,
  effect Float64,
  q_value Float64,
  cohort_size UInt64,
  data String,
  evidence String
) ENGINE = MergeTree ORDER BY (run_id, id)`,
      `CREATE TABLE IF NOT EXISTS ${T(db, 'triage')} (
  opportunity_id String,
  at ${TS},
  status LowCardinality(String),
  previous_status LowCardinality(String),
  note String,
  actor String
) ENGINE = MergeTree ORDER BY (opportunity_id, at)`,
      `CREATE TABLE IF NOT EXISTS ${T(db, 'investigations')} (
  id String,
  version UInt64,
  name String,
  request String,
  every_ms UInt64 COMMENT '0: no schedule',
  enabled UInt8,
  deleted UInt8,
  created_at ${TS},
  updated_at ${TS},
  last_run_id String,
  last_run_at Nullable(${TS}),
  next_run_at Nullable(${TS})
) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
    ],
  },
  {
    version: 2,
    description: 'heartbeat: the row /api/health writes to check that the store takes writes',
    statements: (db) => [`CREATE TABLE IF NOT EXISTS ${T(db, 'heartbeat')} (service String, at ${TS}) ENGINE = ReplacingMergeTree(at) ORDER BY service`],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Where a lead's link points: the Grafana app's page when `server.public_url` is set, else the API's path. */
export function linkBase(publicUrl: string | undefined): string {
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}/opportunities/` : '/api/opportunities/';
}

/**
 * The table Grafana reads (a view over the current leads): `time` (first seen, DateTime UTC), `kpi`, `title`,
 * `impact`, `status`, `link`, `known`, `id`, and a few more columns to filter on.
 */
export function leadsViewSql(db: string, publicUrl: string | undefined): string {
  return `CREATE OR REPLACE VIEW ${T(db, 'leads')} AS
SELECT
  toDateTime(first_seen, 'UTC') AS time,
  kpi,
  title,
  impact,
  status,
  concat(${lit(linkBase(publicUrl))}, id) AS link,
  known,
  id,
  template,
  toDateTime(last_seen, 'UTC') AS last_seen,
  runs_seen,
  q_value,
  note
FROM ${T(db, 'opportunities')} FINAL`;
}

export const databaseSql = (db: string) => `CREATE DATABASE IF NOT EXISTS ${quoteIdent(db)}`;
