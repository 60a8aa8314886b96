/**
 * The results store over an Executor (the API uses the control session: these are small reads and writes that
 * must not wait behind an analysis on the work session). Single writer: one service process owns a results
 * database; updates of a lead (a run's upsert, a triage) are serialized in-process so neither loses the other's.
 */
import { randomUUID } from 'node:crypto';
import { QueryError, type Executor, type Params } from '../execute/executor';
import { qualified } from '../execute/sql';
import type { FeedbackSummary, Plan } from '../planner/types';
import { buildFeedback, type FeedbackRow } from './feedback';
import { opportunityId, paramRegion, relativeEffect } from './leads';
import { databaseSql, leadsViewSql, linkBase, MIGRATIONS, SCHEMA_VERSION } from './schema';
import type {
  InvestigationRecord,
  LeadDetail,
  LeadEvidence,
  LeadFilter,
  LeadRecord,
  LeadRunEntry,
  OpportunityWithSeries,
  RunRecord,
  RunStatus,
  TriageEntry,
  TriageStatus,
} from './types';

let lastVersion = 0;
/** Row versions: microseconds since the epoch, strictly increasing within the process. */
export function nextVersion(): number {
  lastVersion = Math.max(Date.now() * 1000, lastVersion + 1);
  return lastVersion;
}

/** epoch ms → a DateTime64(3, 'UTC') literal value ('2026-10-01 00:00:00.000'). */
export const chTime = (ms: number): string => new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
const chTimeOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : chTime(ms));
// Aliases differ from the column names: ClickHouse lets an alias shadow its column in WHERE and ORDER BY.
const ms = (col: string, as = `${col}_ms`) => `toUnixTimestamp64Milli(${col}) AS ${as}`;
const msOrNull = (col: string, as = `${col}_ms`) => `if(isNull(${col}), NULL, toUnixTimestamp64Milli(assumeNotNull(${col}))) AS ${as}`;
const num = (v: unknown) => Number(v);
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || !text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export interface StoredPlan {
  run_id: string;
  created_at: number;
  plan: Plan;
  feedback: FeedbackSummary | null;
}

export interface LeadInput {
  opportunity: OpportunityWithSeries;
  evidence: LeadEvidence;
}

/** Engines of the tables read with FINAL (a Replicated… engine on a cluster ends the same way). */
/** Distinct list pages kept (filters × pages); the oldest goes first. */
const LISTS_CACHED = 200;

const TABLE_ENGINES: Record<string, string> = { runs: 'ReplacingMergeTree', opportunities: 'ReplacingMergeTree', investigations: 'ReplacingMergeTree' };

/** The results database holds tables that are not Surfacer's: the service does not start on it. */
export class StoreDamaged extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreDamaged';
  }
}

export class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}

const RUN_COLS = `id, status, ${ms('created_at')}, ${msOrNull('started_at')}, ${msOrNull('finished_at')}, ${ms('updated_at')}, request, progress, planner, error, summary, investigation_id`;
const LEAD_COLS = `id, fingerprint, kpi, template, region, title, cohort, impact, effect_measure, effect, relative_effect, q_value, p_value, cohort_size, rank, stable, status, note, ${msOrNull('triaged_at')}, triaged_by, known, runs_seen, ${ms('first_seen')}, ${ms('last_seen')}, first_run_id, last_run_id`;
/**
 * What a list of leads needs to state each lead as "cohort vs rest" without the whole Opportunity: the KPI in the
 * cohort and in the rest, and the share of the KPI's failures in the cohort (from the last run's Opportunity).
 */
const LEAD_COMPARE_COLS = `JSONExtract(data, 'kpi_cohort', 'Nullable(Float64)') AS kpi_cohort, JSONExtract(data, 'kpi_rest', 'Nullable(Float64)') AS kpi_rest, JSONExtract(data, 'coverage', 'Nullable(Float64)') AS coverage`;
const INV_COLS = `id, name, request, every_ms, enabled, ${ms('created_at')}, ${ms('updated_at')}, last_run_id, ${msOrNull('last_run_at')}, ${msOrNull('next_run_at')}`;

export class ResultStore {
  private chain: Promise<unknown> = Promise.resolve();
  readonly linkBase: string;

  constructor(
    private readonly ex: Executor,
    readonly database: string,
    opts: { publicUrl?: string } = {},
  ) {
    this.linkBase = linkBase(opts.publicUrl);
    this.publicUrl = opts.publicUrl;
  }
  private readonly publicUrl: string | undefined;

  t(name: string): string {
    return qualified(this.database, name);
  }

  /** One at a time: read-modify-write of leads (runs' upserts, triage). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private q<T>(sql: string, params: Params = {}, label = 'results store'): Promise<T[]> {
    return this.ex.query<T>(sql, params, { label });
  }

  /** Every insert of the store: its outcome is what `writable()` reports; it invalidates the cached lists. */
  private async write(table: string, rows: Record<string, unknown>[], opts: { label: string; keepLists?: boolean }): Promise<void> {
    // Before and after: a list read while the insert is under way is not kept as current.
    if (!opts.keepLists) this.bump(table);
    try {
      await this.ex.insert(table, rows, opts);
      this.lastWrite = { at: Date.now(), error: undefined };
    } catch (e) {
      this.lastWrite = { at: Date.now(), error: e instanceof QueryError ? e.summary : (e as Error).message };
      throw e;
    } finally {
      if (!opts.keepLists) this.bump(table);
    }
  }

  private bump(table: string): void {
    this.generations.set(table, (this.generations.get(table) ?? 0) + 1);
  }

  /**
   * List reads, shared until the next write to one of the tables they read: on chdb one session answers one query
   * at a time, so 200 readers of the same page would queue behind each other; this way they share one answer (this
   * process is the only writer). A run's progress rewrites `runs`, not the leads or investigations.
   */
  private listed<T>(tables: string[], key: unknown, read: () => Promise<T>): Promise<T> {
    const k = JSON.stringify(key);
    const generation = tables.map((t) => this.generations.get(this.t(t)) ?? 0).join(',');
    const hit = this.lists.get(k);
    if (hit && hit.generation === generation) return hit.value as Promise<T>;
    const value = read();
    this.lists.set(k, { generation, value });
    value.catch(() => this.lists.delete(k));
    if (this.lists.size > LISTS_CACHED) this.lists.delete(this.lists.keys().next().value!);
    return value;
  }
  private readonly generations = new Map<string, number>();
  private readonly lists = new Map<string, { generation: string; value: Promise<unknown> }>();
  private lastWrite: { at: number; error: string | undefined } = { at: 0, error: undefined };

  /**
   * Whether the store takes writes: the outcome of the last write, or of a probe (a row in `heartbeat`) when the
   * last write is older than `maxAgeMs`. A full or read-only disk, or a missing table, shows here as an error.
   */
  async writable(maxAgeMs = 30_000): Promise<{ writable: boolean; error: string | null; checked_at: number }> {
    if (Date.now() - this.lastWrite.at > maxAgeMs) {
      await this.write(this.t('heartbeat'), [{ service: 'surfacer', at: chTime(Date.now()) }], { label: 'results store: write probe' }).catch(() => undefined);
    }
    return { writable: this.lastWrite.error === undefined, error: this.lastWrite.error ?? null, checked_at: this.lastWrite.at };
  }

  /**
   * Drops scratch tables (`sess_<32 hex>…`) that runs left behind when they were killed. Only at startup, when no run
   * of this service is going; on a server, only tables older than a day (a CLI analysis may be using newer ones).
   */
  async dropScratchTables(all: boolean): Promise<string[]> {
    const rows = await this.q<{ name: string }>(
      `SELECT name FROM system.tables WHERE database = {db:String} AND match(name, '^sess_[0-9a-f]{32}')
         AND ({all:UInt8} = 1 OR metadata_modification_time < now() - INTERVAL 1 DAY) ORDER BY name`,
      { db: this.database, all: all ? 1 : 0 },
      'results store: stale scratch tables',
    );
    for (const r of rows) await this.ex.command(`DROP TABLE IF EXISTS ${this.t(r.name)}`, {}, { label: 'drop stale scratch table' });
    return rows.map((r) => r.name);
  }

  /** Refuses a results database whose tables are not Surfacer's (e.g. overwritten by an import). */
  private async checkEngines(): Promise<void> {
    const rows = await this.q<{ name: string; engine: string }>(
      'SELECT name, engine FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}',
      { db: this.database, names: Object.keys(TABLE_ENGINES) },
      'results store: table engines',
    );
    for (const r of rows) {
      const want = TABLE_ENGINES[r.name]!;
      if (!r.engine.endsWith(want)) {
        throw new StoreDamaged(
          `${this.database}.${r.name} is not Surfacer's table (engine ${r.engine}, expected ${want}); it was replaced, e.g. by an import. Restore it from a backup, or point store.results_database at another database`,
        );
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // Schema

  /** Creates the database and applies the migrations not yet applied; re-creates the `leads` view. */
  async migrate(): Promise<{ applied: number[]; version: number }> {
    await this.ex.command(databaseSql(this.database), {}, { label: 'create results database' });
    await this.ex.command(
      `CREATE TABLE IF NOT EXISTS ${this.t('schema_migrations')} (version UInt32, description String, applied_at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY version`,
      {},
      { label: 'results store: migrations table' },
    );
    const done = new Set((await this.q<{ version: number }>(`SELECT version FROM ${this.t('schema_migrations')}`)).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const s of m.statements(this.database)) await this.ex.command(s, {}, { label: `results store migration ${m.version}` });
      await this.write(this.t('schema_migrations'), [{ version: m.version, description: m.description, applied_at: chTime(Date.now()) }], { label: 'results store: record migration' });
      applied.push(m.version);
    }
    await this.checkEngines();
    await this.ex.command(leadsViewSql(this.database, this.publicUrl), {}, { label: 'results store: leads view' });
    return { applied, version: SCHEMA_VERSION };
  }

  // ------------------------------------------------------------------------------------------------------------
  // Runs

  async saveRun(r: RunRecord): Promise<void> {
    await this.write(
      this.t('runs'),
      [
        {
          id: r.id,
          version: nextVersion(),
          status: r.status,
          created_at: chTime(r.created_at),
          started_at: chTimeOrNull(r.started_at),
          finished_at: chTimeOrNull(r.finished_at),
          updated_at: chTime(r.updated_at),
          request: JSON.stringify(r.request),
          progress: JSON.stringify(r.progress),
          planner: r.planner,
          error: r.error,
          summary: r.summary ? JSON.stringify(r.summary) : '',
          investigation_id: r.investigation_id,
        },
      ],
      // A running run's progress changes nothing a list shows from the table: the API shows live runs from memory.
      { label: 'results store: save run', keepLists: r.status === 'running' && this.savedStatus.get(r.id) === 'running' },
    );
    this.savedStatus.set(r.id, r.status);
    if (r.status !== 'running' && r.status !== 'queued') this.savedStatus.delete(r.id);
  }
  private readonly savedStatus = new Map<string, RunStatus>();

  private toRun(row: Record<string, unknown>): RunRecord {
    return {
      id: String(row.id),
      status: row.status as RunStatus,
      created_at: num(row.created_at_ms),
      started_at: numOrNull(row.started_at_ms),
      finished_at: numOrNull(row.finished_at_ms),
      updated_at: num(row.updated_at_ms),
      request: parseJson(row.request, {}),
      progress: parseJson(row.progress, { stage: 'unknown', done: 0, total: 0, updated_at: num(row.updated_at_ms) }),
      planner: String(row.planner ?? ''),
      error: String(row.error ?? ''),
      summary: parseJson(row.summary, null),
      investigation_id: String(row.investigation_id ?? ''),
    };
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const rows = await this.q<Record<string, unknown>>(`SELECT ${RUN_COLS} FROM ${this.t('runs')} FINAL WHERE id = {id:String}`, { id });
    return rows[0] ? this.toRun(rows[0]) : null;
  }

  listRuns(f: { statuses?: RunStatus[]; investigationId?: string; limit: number; offset: number }): Promise<{ items: RunRecord[]; total: number }> {
    return this.listed(['runs'], ['runs', f], () => this.readRuns(f));
  }

  private async readRuns(f: { statuses?: RunStatus[]; investigationId?: string; limit: number; offset: number }): Promise<{ items: RunRecord[]; total: number }> {
    const where: string[] = [];
    const p: Params = { limit: f.limit, offset: f.offset };
    if (f.statuses?.length) {
      where.push('status IN {statuses:Array(String)}');
      p.statuses = f.statuses;
    }
    if (f.investigationId) {
      where.push('investigation_id = {inv:String}');
      p.inv = f.investigationId;
    }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = await this.q<Record<string, unknown>>(
      `SELECT ${RUN_COLS} FROM ${this.t('runs')} FINAL ${w} ORDER BY created_at DESC, id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      p,
    );
    const total = await this.q<{ n: number }>(`SELECT count() AS n FROM ${this.t('runs')} FINAL ${w}`, p);
    return { items: rows.map((r) => this.toRun(r)), total: Number(total[0]?.n ?? 0) };
  }

  /** Runs left queued or running by a process that is gone: failed, with the reason. Returns their ids. */
  async failInterruptedRuns(reason: string): Promise<string[]> {
    const { items } = await this.listRuns({ statuses: ['queued', 'running'], limit: 10_000, offset: 0 });
    const now = Date.now();
    for (const r of items) {
      await this.saveRun({ ...r, status: 'failed', error: reason, finished_at: now, updated_at: now, progress: { ...r.progress, updated_at: now } });
    }
    return items.map((r) => r.id);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Plans

  async savePlan(runId: string, plan: Plan, feedback: FeedbackSummary | undefined): Promise<void> {
    await this.write(
      this.t('plans'),
      [
        {
          run_id: runId,
          created_at: chTime(Date.now()),
          planner: plan.planner,
          fallback: plan.fallback ?? '',
          kpis: plan.kpis,
          plan: JSON.stringify(plan),
          feedback: feedback ? JSON.stringify(feedback) : '',
        },
      ],
      { label: 'results store: save plan' },
    );
  }

  async getPlan(runId: string): Promise<StoredPlan | null> {
    const rows = await this.q<{ run_id: string; created_at_ms: number; plan: string; feedback: string }>(
      `SELECT run_id, ${ms('created_at')}, plan, feedback FROM ${this.t('plans')} WHERE run_id = {id:String} ORDER BY created_at DESC LIMIT 1`,
      { id: runId },
    );
    const r = rows[0];
    if (!r) return null;
    return { run_id: r.run_id, created_at: num(r.created_at_ms), plan: parseJson(r.plan, null as unknown as Plan), feedback: parseJson(r.feedback, null) };
  }

  // ------------------------------------------------------------------------------------------------------------
  // Leads

  private toLead(row: Record<string, unknown>): LeadRecord {
    return {
      id: String(row.id),
      fingerprint: String(row.fingerprint),
      kpi: String(row.kpi),
      template: String(row.template),
      region: String(row.region),
      title: String(row.title),
      cohort: String(row.cohort),
      impact: Number(row.impact),
      effect: { measure: String(row.effect_measure), value: Number(row.effect) },
      relative_effect: row.relative_effect === null ? null : Number(row.relative_effect),
      q_value: Number(row.q_value),
      p_value: Number(row.p_value),
      cohort_size: Number(row.cohort_size),
      rank: Number(row.rank),
      stable: Boolean(Number(row.stable)),
      status: row.status as TriageStatus,
      note: String(row.note ?? ''),
      triaged_at: numOrNull(row.triaged_at_ms),
      triaged_by: String(row.triaged_by ?? ''),
      known: Boolean(Number(row.known)),
      runs_seen: Number(row.runs_seen),
      first_seen: num(row.first_seen_ms),
      last_seen: num(row.last_seen_ms),
      first_run_id: String(row.first_run_id),
      last_run_id: String(row.last_run_id),
      link: `${this.linkBase}${String(row.id)}`,
    };
  }

  private async currentRows(ids: string[]): Promise<Map<string, Record<string, unknown>>> {
    if (!ids.length) return new Map();
    // Whole rows as ClickHouse writes them (DateTime64 as 'YYYY-MM-DD hh:mm:ss.sss'), fit to insert again.
    const rows = await this.q<Record<string, unknown>>(`SELECT * FROM ${this.t('opportunities')} FINAL WHERE id IN {ids:Array(String)}`, { ids });
    return new Map(rows.map((r) => [String(r.id), r]));
  }

  /**
   * A run's leads: a new fingerprint is a new lead (`new`, first seen now); a known one keeps its status, note and
   * first sighting, and gets `known`, this run's numbers and evidence, `last_seen` and one more `runs_seen`.
   */
  async recordLeads(runId: string, at: number, leads: LeadInput[]): Promise<{ newIds: string[]; knownIds: string[]; ids: string[] }> {
    return this.exclusive(async () => {
      const withIds = leads.map((l) => ({ ...l, id: opportunityId(l.opportunity.fingerprint) }));
      // One fingerprint once per run (the first, i.e. best ranked, wins).
      const unique = [...new Map(withIds.reverse().map((l) => [l.id, l])).values()].reverse();
      const existing = await this.currentRows(unique.map((l) => l.id));
      const newIds: string[] = [];
      const knownIds: string[] = [];
      const rows: Record<string, unknown>[] = [];
      const perRun: Record<string, unknown>[] = [];
      for (const l of unique) {
        const o = l.opportunity;
        const prev = existing.get(l.id);
        (prev ? knownIds : newIds).push(l.id);
        const data = JSON.stringify(o);
        const evidence = JSON.stringify(l.evidence);
        rows.push({
          id: l.id,
          version: nextVersion(),
          fingerprint: o.fingerprint,
          kpi: o.kpi,
          template: o.template,
          region: paramRegion(o.template, o.params),
          title: o.title,
          cohort: o.cohort,
          impact: finite(o.impact),
          effect_measure: o.effect?.measure ?? '',
          effect: finite(o.effect?.value),
          relative_effect: relativeEffect(o.kpi_cohort, o.kpi_rest),
          q_value: finite(o.q_value),
          p_value: finite(o.p_value),
          cohort_size: Math.max(0, Math.round(finite(o.cohort_size))),
          rank: Math.max(0, Math.round(finite(o.rank))),
          stable: o.stable ? 1 : 0,
          status: prev ? prev.status : 'new',
          note: prev ? prev.note : '',
          triaged_at: prev ? prev.triaged_at : null,
          triaged_by: prev ? prev.triaged_by : '',
          known: prev ? 1 : 0,
          runs_seen: prev ? Number(prev.runs_seen) + 1 : 1,
          first_seen: prev ? prev.first_seen : chTime(at),
          last_seen: chTime(at),
          first_run_id: prev ? prev.first_run_id : runId,
          last_run_id: runId,
          data,
          evidence,
        });
        perRun.push({
          run_id: runId,
          id: l.id,
          seen_at: chTime(at),
          rank: Math.max(0, Math.round(finite(o.rank))),
          is_new: prev ? 0 : 1,
          impact: finite(o.impact),
          effect: finite(o.effect?.value),
          q_value: finite(o.q_value),
          cohort_size: Math.max(0, Math.round(finite(o.cohort_size))),
          data,
          evidence,
        });
      }
      await this.write(this.t('run_leads'), perRun, { label: 'results store: leads of the run' });
      await this.write(this.t('opportunities'), rows, { label: 'results store: upsert leads' });
      return { newIds, knownIds, ids: unique.map((l) => l.id) };
    });
  }

  listLeads(f: LeadFilter): Promise<{ items: LeadRecord[]; total: number }> {
    return this.listed(['opportunities', 'run_leads'], ['leads', f], () => this.readLeads(f));
  }

  private async readLeads(f: LeadFilter): Promise<{ items: LeadRecord[]; total: number }> {
    const where: string[] = [];
    const p: Params = { limit: f.limit, offset: f.offset };
    if (f.kpis?.length) (where.push('kpi IN {kpis:Array(String)}'), (p.kpis = f.kpis));
    if (f.statuses?.length) (where.push('status IN {statuses:Array(String)}'), (p.statuses = f.statuses));
    if (f.templates?.length) (where.push('template IN {templates:Array(String)}'), (p.templates = f.templates));
    if (f.known !== undefined) (where.push('known = {known:UInt8}'), (p.known = f.known ? 1 : 0));
    if (f.runId) (where.push(`id IN (SELECT id FROM ${this.t('run_leads')} WHERE run_id = {run:String})`), (p.run = f.runId));
    if (f.from !== undefined) (where.push("last_seen >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')"), (p.from = f.from));
    if (f.to !== undefined) (where.push("first_seen < fromUnixTimestamp64Milli({to:Int64}, 'UTC')"), (p.to = f.to));
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const order = { impact: 'impact DESC', last_seen: 'last_seen DESC', first_seen: 'first_seen DESC', q_value: 'q_value ASC' }[f.sort ?? 'impact'];
    // Within one run, whether that run found the lead first (`known` is today's state, not the run's).
    const newInRun = f.runId ? `, id IN (SELECT id FROM ${this.t('run_leads')} WHERE run_id = {run:String} AND is_new = 1) AS new_in_run` : '';
    const rows = await this.q<Record<string, unknown>>(
      `SELECT ${LEAD_COLS}, ${LEAD_COMPARE_COLS}${newInRun} FROM ${this.t('opportunities')} FINAL ${w} ORDER BY ${order}, id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      p,
    );
    const total = await this.q<{ n: number }>(`SELECT count() AS n FROM ${this.t('opportunities')} FINAL ${w}`, p);
    return { items: rows.map((r) => ({ ...this.toLead(r), ...leadCompare(r) })), total: Number(total[0]?.n ?? 0) };
  }

  async getLead(id: string): Promise<LeadDetail | null> {
    const rows = await this.q<Record<string, unknown>>(`SELECT ${LEAD_COLS}, data, evidence FROM ${this.t('opportunities')} FINAL WHERE id = {id:String}`, { id });
    const r = rows[0];
    if (!r) return null;
    return { ...this.toLead(r), opportunity: parseJson(r.data, {} as OpportunityWithSeries), evidence: parseJson(r.evidence, {} as LeadEvidence) };
  }

  async leadHistory(id: string): Promise<LeadRunEntry[]> {
    const rows = await this.q<Record<string, unknown>>(
      `SELECT run_id, ${ms('seen_at')}, rank, is_new, impact, effect, q_value, cohort_size FROM ${this.t('run_leads')} WHERE id = {id:String} ORDER BY seen_at DESC LIMIT 100`,
      { id },
    );
    return rows.map((r) => ({
      run_id: String(r.run_id),
      seen_at: num(r.seen_at_ms),
      rank: Number(r.rank),
      is_new: Boolean(Number(r.is_new)),
      impact: Number(r.impact),
      effect: Number(r.effect),
      q_value: Number(r.q_value),
      cohort_size: Number(r.cohort_size),
    }));
  }

  /** The lead and its evidence as the given run saw it. */
  async leadInRun(id: string, runId: string): Promise<{ opportunity: OpportunityWithSeries; evidence: LeadEvidence } | null> {
    const rows = await this.q<{ data: string; evidence: string }>(`SELECT data, evidence FROM ${this.t('run_leads')} WHERE id = {id:String} AND run_id = {run:String} LIMIT 1`, { id, run: runId });
    return rows[0] ? { opportunity: parseJson(rows[0].data, {} as OpportunityWithSeries), evidence: parseJson(rows[0].evidence, {} as LeadEvidence) } : null;
  }

  /** Sets status and/or note; logs the change (who, when, from what) in `triage`. */
  async triage(id: string, change: { status?: TriageStatus; note?: string; actor: string }): Promise<LeadRecord> {
    return this.exclusive(async () => {
      const prev = (await this.currentRows([id])).get(id);
      if (!prev) throw new NotFound(`no opportunity with id ${id}`);
      const now = Date.now();
      const status = change.status ?? (prev.status as TriageStatus);
      const note = change.note ?? String(prev.note ?? '');
      await this.write(this.t('triage'), [{ opportunity_id: id, at: chTime(now), status, previous_status: prev.status, note, actor: change.actor }], { label: 'results store: triage log' });
      await this.write(
        this.t('opportunities'),
        [
          {
            ...prev,
            version: nextVersion(),
            status,
            note,
            triaged_at: chTime(now),
            triaged_by: change.actor,
          },
        ],
        { label: 'results store: triage' },
      );
      return (await this.leadsByIds([id]))[0]!;
    });
  }

  async leadsByIds(ids: string[]): Promise<LeadRecord[]> {
    if (!ids.length) return [];
    const rows = await this.q<Record<string, unknown>>(`SELECT ${LEAD_COLS} FROM ${this.t('opportunities')} FINAL WHERE id IN {ids:Array(String)}`, { ids });
    return rows.map((r) => this.toLead(r));
  }

  async triageLog(id: string): Promise<TriageEntry[]> {
    const rows = await this.q<Record<string, unknown>>(
      `SELECT ${ms('at')}, status, previous_status, note, actor FROM ${this.t('triage')} WHERE opportunity_id = {id:String} ORDER BY at`,
      { id },
    );
    return rows.map((r) => ({ at: num(r.at_ms), status: r.status as TriageStatus, previous_status: r.previous_status as TriageStatus, note: String(r.note), actor: String(r.actor) }));
  }

  /** Triage and effect sizes of every earlier lead, per family and parameter region, for the planners. */
  async feedbackSummary(): Promise<FeedbackSummary | undefined> {
    const rows = await this.q<FeedbackRow>(
      `SELECT template, region, count() AS leads, countIf(status = 'useful') AS useful, countIf(status = 'dismissed') AS dismissed,
         if(countIf(isNotNull(relative_effect)) = 0, NULL, avgIf(assumeNotNull(relative_effect), isNotNull(relative_effect))) AS mean_effect
       FROM ${this.t('opportunities')} FINAL GROUP BY template, region ORDER BY template, region`,
      {},
      'results store: feedback',
    );
    const titles = async (status: string) =>
      (await this.q<{ title: string }>(`SELECT title FROM ${this.t('opportunities')} FINAL WHERE status = {s:String} ORDER BY triaged_at DESC LIMIT 5`, { s: status })).map((r) => r.title);
    return buildFeedback(
      rows.map((r) => ({ ...r, leads: Number(r.leads), useful: Number(r.useful), dismissed: Number(r.dismissed), mean_effect: r.mean_effect === null ? null : Number(r.mean_effect) })),
      { useful: await titles('useful'), dismissed: await titles('dismissed') },
    );
  }

  // ------------------------------------------------------------------------------------------------------------
  // Saved investigations

  async saveInvestigation(inv: InvestigationRecord, deleted = false): Promise<void> {
    await this.write(
      this.t('investigations'),
      [
        {
          id: inv.id,
          version: nextVersion(),
          name: inv.name,
          request: JSON.stringify(inv.request),
          every_ms: inv.every_ms,
          enabled: inv.enabled ? 1 : 0,
          deleted: deleted ? 1 : 0,
          created_at: chTime(inv.created_at),
          updated_at: chTime(inv.updated_at),
          last_run_id: inv.last_run_id,
          last_run_at: chTimeOrNull(inv.last_run_at),
          next_run_at: chTimeOrNull(inv.next_run_at),
        },
      ],
      { label: 'results store: save investigation' },
    );
  }

  private toInvestigation(r: Record<string, unknown>): InvestigationRecord {
    return {
      id: String(r.id),
      name: String(r.name),
      request: parseJson(r.request, {}),
      every_ms: Number(r.every_ms),
      enabled: Boolean(Number(r.enabled)),
      created_at: num(r.created_at_ms),
      updated_at: num(r.updated_at_ms),
      last_run_id: String(r.last_run_id ?? ''),
      last_run_at: numOrNull(r.last_run_at_ms),
      next_run_at: numOrNull(r.next_run_at_ms),
    };
  }

  async getInvestigation(id: string): Promise<InvestigationRecord | null> {
    const rows = await this.q<Record<string, unknown>>(`SELECT ${INV_COLS} FROM ${this.t('investigations')} FINAL WHERE id = {id:String} AND deleted = 0`, { id });
    return rows[0] ? this.toInvestigation(rows[0]) : null;
  }

  listInvestigations(f: { limit: number; offset: number }): Promise<{ items: InvestigationRecord[]; total: number }> {
    return this.listed(['investigations'], ['investigations', f], () => this.readInvestigations(f));
  }

  private async readInvestigations(f: { limit: number; offset: number }): Promise<{ items: InvestigationRecord[]; total: number }> {
    const rows = await this.q<Record<string, unknown>>(
      `SELECT ${INV_COLS} FROM ${this.t('investigations')} FINAL WHERE deleted = 0 ORDER BY created_at, id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      f,
    );
    const total = await this.q<{ n: number }>(`SELECT count() AS n FROM ${this.t('investigations')} FINAL WHERE deleted = 0`);
    return { items: rows.map((r) => this.toInvestigation(r)), total: Number(total[0]?.n ?? 0) };
  }

  /** Enabled, scheduled investigations whose next run is due. */
  async dueInvestigations(now: number): Promise<InvestigationRecord[]> {
    const rows = await this.q<Record<string, unknown>>(
      `SELECT ${INV_COLS} FROM ${this.t('investigations')} FINAL
       WHERE deleted = 0 AND enabled = 1 AND every_ms > 0 AND next_run_at IS NOT NULL AND next_run_at <= fromUnixTimestamp64Milli({now:Int64}, 'UTC')
       ORDER BY next_run_at`,
      { now },
    );
    return rows.map((r) => this.toInvestigation(r));
  }

  async deleteInvestigation(id: string): Promise<boolean> {
    const inv = await this.getInvestigation(id);
    if (!inv) return false;
    await this.saveInvestigation({ ...inv, updated_at: Date.now() }, true);
    return true;
  }

  static newId(): string {
    return randomUUID();
  }
}

function finite(x: unknown): number {
  const n = Number(x);
  return Number.isFinite(n) ? n : 0;
}

function leadCompare(r: Record<string, unknown>): Pick<LeadRecord, 'kpi_cohort' | 'kpi_rest' | 'coverage' | 'new_in_run'> {
  return {
    kpi_cohort: numOrNull(r.kpi_cohort),
    kpi_rest: numOrNull(r.kpi_rest),
    coverage: numOrNull(r.coverage),
    ...(r.new_in_run === undefined ? {} : { new_in_run: Boolean(Number(r.new_in_run)) }),
  };
}
