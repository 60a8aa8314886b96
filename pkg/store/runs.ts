/** Runs (`runs`) and their plans (`plans`) in the results store. */
import type { FeedbackSummary, Plan } from '../planner/types';
import { chTime, chTimeOrNull, ms, msOrNull, nextVersion, num, numOrNull, parseJson, type StoreDb } from './db';
import type { RunRecord, RunStatus } from './types';
import { Where } from './where';

const RUN_COLS = `id, status, ${ms('created_at')}, ${msOrNull('started_at')}, ${msOrNull('finished_at')}, ${ms('updated_at')}, request, progress, planner, error, summary, investigation_id`;

export interface RunListFilter {
  statuses?: RunStatus[];
  investigationId?: string;
  limit: number;
  offset: number;
}

export interface StoredPlan {
  run_id: string;
  created_at: number;
  plan: Plan;
  feedback: FeedbackSummary | null;
}

export class RunRepo {
  /** Status last saved of each queued or running run. */
  private readonly savedStatus = new Map<string, RunStatus>();

  constructor(private readonly db: StoreDb) {}

  async save(r: RunRecord): Promise<void> {
    await this.db.write(
      this.db.t('runs'),
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

  async get(id: string): Promise<RunRecord | null> {
    const rows = await this.db.q<Record<string, unknown>>(`SELECT ${RUN_COLS} FROM ${this.db.t('runs')} FINAL WHERE id = {id:String}`, { id });
    return rows[0] ? toRun(rows[0]) : null;
  }

  list(f: RunListFilter): Promise<{ items: RunRecord[]; total: number }> {
    return this.db.listed(['runs'], ['runs', f], () => this.read(f));
  }

  private async read(f: RunListFilter): Promise<{ items: RunRecord[]; total: number }> {
    const where = new Where(['status', 'investigation_id'], { limit: f.limit, offset: f.offset })
      .in('status', 'statuses', f.statuses)
      .eq('investigation_id', 'inv', 'String', f.investigationId);
    const w = where.sql();
    const rows = await this.db.q<Record<string, unknown>>(
      `SELECT ${RUN_COLS} FROM ${this.db.t('runs')} FINAL ${w} ORDER BY created_at DESC, id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      where.params,
    );
    const total = await this.db.q<{ n: number }>(`SELECT count() AS n FROM ${this.db.t('runs')} FINAL ${w}`, where.params);
    return { items: rows.map(toRun), total: Number(total[0]?.n ?? 0) };
  }

  /** Runs left queued or running by a process that is gone: failed, with the reason. Returns their ids. */
  async failInterrupted(reason: string): Promise<string[]> {
    const { items } = await this.list({ statuses: ['queued', 'running'], limit: 10_000, offset: 0 });
    const now = Date.now();
    for (const r of items) {
      await this.save({ ...r, status: 'failed', error: reason, finished_at: now, updated_at: now, progress: { ...r.progress, updated_at: now } });
    }
    return items.map((r) => r.id);
  }

  async savePlan(runId: string, plan: Plan, feedback: FeedbackSummary | undefined): Promise<void> {
    await this.db.write(
      this.db.t('plans'),
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
    const rows = await this.db.q<{ run_id: string; created_at_ms: number; plan: string; feedback: string }>(
      `SELECT run_id, ${ms('created_at')}, plan, feedback FROM ${this.db.t('plans')} WHERE run_id = {id:String} ORDER BY created_at DESC LIMIT 1`,
      { id: runId },
    );
    const r = rows[0];
    if (!r) return null;
    return { run_id: r.run_id, created_at: num(r.created_at_ms), plan: parseJson(r.plan, null as unknown as Plan), feedback: parseJson(r.feedback, null) };
  }
}

function toRun(row: Record<string, unknown>): RunRecord {
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
