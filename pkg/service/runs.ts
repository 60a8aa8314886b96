/**
 * Runs in the service: a queue with at most `server.max_concurrent_runs` analyses at a time, each with its own
 * AbortController. A run inspects the data, plans (LLM planner when configured, falling back as it does; else
 * the deterministic planner), both fed with earlier triage; analyzes; reads example groups for each lead; stores
 * its leads. Progress is kept in memory and written to the `runs` table on every change of stage.
 */
import { randomUUID } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import type { LoadedConfig } from '../config/load';
import { inspectDataset } from '../dataset/inspect';
import { CancelledError, QueryError, type Executor } from '../execute/executor';
import { quoteIdent } from '../execute/sql';
import type { Opportunity, Progress } from '../pipeline/analyze';
import { dropStoredWatches, dropWatch } from '../pipeline/watch';
import { makePlan } from '../planner/index';
import type { FeedbackSummary, PlanRequest } from '../planner/types';
import { planScope, settleScope } from '../planner/scope';
import type { LeadInput, ResultStore } from '../store/store';
import { opportunityId } from '../store/leads';
import type { KpiLeads, LeadEvidence, OpportunityWithSeries, RunProgress, RunRecord, RunRequest, RunStatus } from '../store/types';
import { AnalysisOutOfMemory, analyzeInWorker } from './analysis-host';
import { pushAnnotations, type AnnotationLogger } from './grafana';
import { parseTime } from './validate';

export interface Logger extends AnnotationLogger {
  error(obj: object, msg: string): void;
}

export const RESTART_REASON = 'interrupted by a restart of the service';
export const SHUTDOWN_REASON = 'interrupted: the service stopped while this run was in progress';
const CANCEL_REASON = 'cancelled by request';
const EXAMPLES = 20;
/** Leads per finished KPI that a running run's progress carries (the polling answer stays small). */
export const PROGRESS_TOP_LEADS = 5;
/** Finished runs whose record the store refused, kept in memory so they stay readable (the oldest go first). */
const UNSAVED_KEPT = 1000;

interface Live {
  run: RunRecord;
  ac: AbortController;
  abortReason?: 'cancel' | 'shutdown';
  persisted: Promise<void>;
  /** Why the last save of the record failed; cleared by a save that succeeds. */
  saveError?: string;
  done?: Promise<void>;
  /** A scheduled run of an investigation: analyzed as a watch under the investigation's id (pipeline/watch.ts). */
  watch?: boolean;
}

export class Conflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Conflict';
  }
}

/** The store did not take the run's record: the run was not started (503). */
export class StoreUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailable';
  }
}

/** The queue is full (429); retry after `retryAfterS` seconds. */
export class QueueFull extends Error {
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(message);
    this.name = 'QueueFull';
  }
}

/** A run's error as users see it: ClickHouse's text (SQL, settings, file paths) stays in the log. */
export function publicError(e: Error, runId: string): string {
  if (e instanceof QueryError) return `${withoutPaths(e.summary)}; details in the service log under run ${runId}`;
  const m = withoutPaths(e.message || String(e));
  return m.length > 500 ? `${m.slice(0, 500)}…` : m;
}

/** Server paths in a message (ClickHouse's "File /srv/… doesn't exist", Node's ENOENT) become the file's name. */
export function withoutPaths(m: string): string {
  return m.replace(/(^|[\s'"(=:])((?:\/[^\s'"(),:/]+){2,})/g, (_w, pre: string, path: string) => `${pre}${path.split('/').pop()}`);
}

export interface RunManagerOptions {
  cfg: LoadedConfig;
  /** The analysis executor (work session). */
  ex: Executor;
  store: ResultStore;
  log: Logger;
  maxConcurrent?: number;
  /** Runs waiting beyond this are refused with QueueFull (default cfg.server.max_queued_runs). */
  maxQueued?: number;
  /** The JS heap of a run's analysis worker, in MB (default cfg.server.run_heap_limit_gb, else 80% of Node's heap limit). */
  runHeapMb?: number;
}

export class RunManager {
  private readonly live = new Map<string, Live>();
  private readonly unsaved = new Map<string, RunRecord>();
  /** Finished runs whose last save has not answered yet. */
  private readonly finishing = new Map<string, RunRecord>();
  private readonly queue: string[] = [];
  private running = 0;
  private submitting = 0;
  private closed = false;
  private readonly max: number;
  readonly maxQueued: number;
  private readonly heapMb: number;

  constructor(private readonly o: RunManagerOptions) {
    this.max = Math.max(1, o.maxConcurrent ?? o.cfg.server.max_concurrent_runs ?? 1);
    this.maxQueued = Math.max(0, o.maxQueued ?? o.cfg.server.max_queued_runs ?? 20);
    const configured = o.cfg.server.run_heap_limit_gb;
    this.heapMb = Math.max(1, Math.round(o.runHeapMb ?? (configured ? configured * 1024 : (0.8 * getHeapStatistics().heap_size_limit) / 1024 ** 2)));
  }

  /**
   * Queues a run (the request was checked by the caller); resolves once the run is stored as `queued`. Throws
   * QueueFull when `maxQueued` runs wait already, StoreUnavailable when the store refuses the record.
   */
  async submit(request: RunRequest, opts: { investigationId?: string; watch?: boolean } = {}): Promise<RunRecord> {
    if (this.closed) throw new Conflict('the service is shutting down');
    // Submissions still being stored count too: 280 requests at once all arrive before the first is queued.
    const waiting = this.queue.length + this.submitting;
    if (waiting >= this.maxQueued + Math.max(0, this.max - this.running)) {
      throw new QueueFull(`${waiting} runs are waiting already (server.max_queued_runs = ${this.maxQueued}); retry later`, 60);
    }
    const now = Date.now();
    const run: RunRecord = {
      id: randomUUID(),
      status: 'queued',
      created_at: now,
      started_at: null,
      finished_at: null,
      updated_at: now,
      request,
      progress: { stage: 'queued', done: 0, total: 0, updated_at: now },
      planner: '',
      error: '',
      summary: null,
      investigation_id: opts.investigationId ?? '',
    };
    const l: Live = { run, ac: new AbortController(), persisted: Promise.resolve(), watch: Boolean(opts.watch && opts.investigationId) };
    this.live.set(run.id, l);
    this.submitting++;
    await this.persist(l).finally(() => this.submitting--);
    if (l.saveError !== undefined) {
      this.live.delete(run.id);
      throw new StoreUnavailable(`the run was not started: the results store did not take its record (${l.saveError})`);
    }
    this.queue.push(run.id);
    this.pump();
    return { ...run };
  }

  /** The live record of a queued or running run (fresher than the table), or undefined. */
  get(id: string): RunRecord | undefined {
    const l = this.live.get(id);
    if (l) return { ...l.run, progress: { ...l.run.progress } };
    return this.finishing.get(id) ?? this.unsaved.get(id);
  }

  /** Runs of this process waiting and running. */
  counts(): { queued: number; running: number; max_queued: number } {
    return { queued: this.queue.length, running: this.running, max_queued: this.maxQueued };
  }

  activeForInvestigation(invId: string): RunRecord | undefined {
    for (const l of this.live.values()) if (l.run.investigation_id === invId) return this.get(l.run.id);
    return undefined;
  }

  /**
   * Ends a deleted investigation's watch: cancels its queued or running run here (a watch run would store its
   * tables again), then drops what its scheduled runs stored (pipeline/watch.ts). Returns the tables dropped.
   */
  async forgetWatch(investigationId: string): Promise<string[]> {
    const active = this.activeForInvestigation(investigationId);
    if (active) await this.cancel(active.id);
    return dropWatch(this.o.ex.onControl(), this.o.cfg, investigationId);
  }

  /** What these watches stored, for those that still have tables (deleted investigations' at startup). */
  dropStoredWatches(investigationIds: string[]): Promise<string[]> {
    return dropStoredWatches(this.o.ex.onControl(), this.o.cfg, investigationIds);
  }

  /** Cancels a queued or running run; undefined when this process does not run it (finished, or unknown). */
  async cancel(id: string): Promise<RunRecord | undefined> {
    const l = this.live.get(id);
    if (!l) return undefined;
    const qi = this.queue.indexOf(id);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.finish(l, 'cancelled', CANCEL_REASON);
      await l.persisted;
      return this.snapshot(l);
    }
    l.abortReason ??= 'cancel';
    l.ac.abort(new CancelledError(CANCEL_REASON));
    await l.done?.catch(() => undefined);
    await l.persisted;
    return this.snapshot(l);
  }

  /** Stops everything: queued and running runs end `failed` with SHUTDOWN_REASON. */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const id of this.queue.splice(0)) {
      const l = this.live.get(id);
      if (l) this.finish(l, 'failed', SHUTDOWN_REASON);
    }
    const running = [...this.live.values()];
    for (const l of running) {
      l.abortReason ??= 'shutdown';
      l.ac.abort(new CancelledError(SHUTDOWN_REASON));
    }
    await Promise.allSettled(running.map((l) => l.done ?? Promise.resolve()));
    await Promise.allSettled(running.map((l) => l.persisted));
  }

  /** Resolves when nothing is queued or running (for tests and graceful stops). */
  async idle(): Promise<void> {
    while (this.live.size) await Promise.allSettled([...this.live.values()].map((l) => l.done ?? l.persisted));
  }

  private snapshot(l: Live): RunRecord {
    return { ...l.run, progress: { ...l.run.progress } };
  }

  private persist(l: Live): Promise<void> {
    const snap = this.snapshot(l);
    l.persisted = l.persisted
      .then(() => this.o.store.saveRun(snap))
      .then(() => {
        l.saveError = undefined;
        this.saveKept();
      })
      .catch((e) => {
        l.saveError = e instanceof QueryError ? e.summary : (e as Error).message;
        this.o.log.error({ run: snap.id, error: (e as Error).message }, 'could not save the run');
        if (!this.live.has(snap.id)) this.keepUnsaved(snap);
      });
    return l.persisted;
  }

  /** The store takes writes again: the finished runs it refused go in now, and leave memory once stored. */
  private saveKept(): void {
    for (const r of [...this.unsaved.values()]) {
      void this.o.store.saveRun(r).then(
        () => this.unsaved.delete(r.id),
        () => undefined,
      );
    }
  }

  private keepUnsaved(r: RunRecord): void {
    this.unsaved.set(r.id, r);
    if (this.unsaved.size > UNSAVED_KEPT) this.unsaved.delete(this.unsaved.keys().next().value!);
  }

  private setProgress(l: Live, p: Omit<RunProgress, 'updated_at'>): void {
    const stageChanged = p.stage !== l.run.progress.stage;
    const now = Date.now();
    const { kpi_leads } = l.run.progress;
    l.run.progress = { ...p, updated_at: now, ...(kpi_leads ? { kpi_leads } : {}) };
    l.run.updated_at = now;
    if (stageChanged) void this.persist(l);
  }

  private finish(l: Live, status: RunStatus, error = ''): void {
    const now = Date.now();
    l.run.status = status;
    l.run.error = error;
    l.run.finished_at = now;
    l.run.updated_at = now;
    const ended = status === 'succeeded';
    l.run.progress = ended ? { stage: 'done', done: 1, total: 1, updated_at: now } : { ...l.run.progress, updated_at: now }; // where it stopped
    // Readable from memory until its last save has answered (then it is in the store, or kept as unsaved): a read
    // in between would go to a store that may not have it (seen: a 503 while the store refused writes).
    const id = l.run.id;
    this.finishing.set(id, this.snapshot(l));
    void this.persist(l).finally(() => this.finishing.delete(id));
    this.live.delete(id);
  }

  private pump(): void {
    while (!this.closed && this.running < this.max && this.queue.length) {
      const id = this.queue.shift()!;
      const l = this.live.get(id);
      if (!l) continue;
      this.running++;
      l.done = this.execute(l).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async execute(l: Live): Promise<void> {
    const { cfg, ex, store, log } = this.o;
    const run = l.run;
    const signal = l.ac.signal;
    const req = run.request;
    const from = parseTime(req.from);
    const to = parseTime(req.to);
    const checkAbort = () => {
      if (signal.aborted) throw new CancelledError(CANCEL_REASON);
    };
    try {
      run.status = 'running';
      run.started_at = Date.now();
      this.setProgress(l, { stage: 'inspect', done: 0, total: 0, message: 'checking the config against the data' });
      log.info({ run: run.id, request: req }, 'run started');
      // The scope (filters, window) is settled before planning, so both planners plan over the same data.
      const { d, scope } = await settleScope(ex, (w) => inspectDataset(ex, cfg, w), { prompt: req.prompt, filters: req.filters, from, to }, signal);
      checkAbort();

      this.setProgress(l, { stage: 'plan', done: 0, total: 0 });
      const feedback = await store.feedbackSummary();
      const planReq: PlanRequest = { prompt: req.prompt, kpis: req.kpis, families: req.families, params: req.params };
      const onAsk = (model: string) => this.setProgress(l, { stage: 'plan', done: 0, total: 0, message: `asking ${model}` });
      const plan = await makePlan(d, cfg, planReq, { choice: req.planner, feedback, signal, onAsk });
      checkAbort();
      plan.scope = planScope(scope, d, req.prompt, plan);
      run.planner = plan.planner;
      await store.savePlan(run.id, plan, feedback);
      log.info({ run: run.id, planner: plan.planner, fallback: plan.fallback, families: plan.items.map((i) => i.template) }, 'run planned');

      const notesPlanned = plan.notes.length;
      // In a worker with its own heap: a run that outgrows it fails alone, and the API answers meanwhile.
      const report = await analyzeInWorker(ex, cfg, {
        ...planReq,
        from: d.range.from,
        to: d.range.to,
        plan,
        dataset: d,
        ...(l.watch ? { watch: run.investigation_id } : {}),
        signal,
        onProgress: (p: Progress) => {
          if (p.stage !== 'done') this.setProgress(l, { stage: p.stage, done: p.done, total: p.total, message: p.message });
        },
        onKpiLeads: (kpi, opps) => {
          l.run.progress = { ...l.run.progress, kpi_leads: [...(l.run.progress.kpi_leads ?? []), kpiLeadsOf(kpi, opps)] };
          void this.persist(l);
        },
      }, {
        heapMb: this.heapMb,
        onCleanup: (dropped, e) => log.warn({ run: run.id, dropped, error: e?.message }, 'scratch tables of the stopped analysis'),
      });
      checkAbort();
      // Items the compiler left out (noted in plan.notes): the stored plan says so too (the newest copy is read).
      if (plan.notes.length > notesPlanned) await store.savePlan(run.id, plan, feedback);

      const leads: LeadInput[] = [];
      const opps = report.opportunities as OpportunityWithSeries[];
      for (const [i, o] of opps.entries()) {
        this.setProgress(l, { stage: 'evidence', done: i, total: opps.length, message: 'example groups of each lead' });
        leads.push({ opportunity: o, evidence: await this.evidence(o, signal) });
      }
      checkAbort();
      this.setProgress(l, { stage: 'store', done: 0, total: leads.length });
      const stored = await store.recordLeads(run.id, Date.now(), leads);
      run.summary = {
        hypotheses_tested: report.hypotheses_tested,
        kpis: report.kpis,
        window: report.window,
        groups: report.groups,
        events: report.events,
        timings: report.timings,
        dropped_by_robust_inference: report.dropped_by_robust_inference,
        ...(report.watch ? { watch: report.watch } : {}),
        leads: stored.ids.length,
        new_leads: stored.newIds.length,
        known_leads: stored.knownIds.length,
        lead_ids: stored.ids,
      };
      this.finish(l, 'succeeded');
      log.info({ run: run.id, leads: stored.ids.length, new: stored.newIds.length, known: stored.knownIds.length, hypotheses: report.hypotheses_tested }, 'run succeeded');
      await l.persisted;
      if (cfg.grafana && stored.newIds.length) {
        const fresh = await store.leadsByIds(stored.newIds).catch(() => []);
        await pushAnnotations(cfg.grafana, fresh, log).catch((e) => log.warn({ error: (e as Error).message }, 'annotation push failed'));
      }
    } catch (e) {
      const err = e as Error;
      if (err instanceof AnalysisOutOfMemory) {
        this.finish(l, 'failed', err.message);
        log.error({ run: run.id, error: err.message }, 'run stopped: heap limit');
      } else if (signal.aborted || err instanceof CancelledError) {
        const shutdown = l.abortReason === 'shutdown';
        this.finish(l, shutdown ? 'failed' : 'cancelled', shutdown ? SHUTDOWN_REASON : CANCEL_REASON);
        log.info({ run: run.id, reason: l.run.error }, shutdown ? 'run interrupted' : 'run cancelled');
      } else {
        this.finish(l, 'failed', publicError(err, run.id));
        log.error({ run: run.id, error: err.message, stack: err.stack }, 'run failed');
      }
      await l.persisted;
    }
  }

  /** The lead's series and halves as of this run, and up to 20 group ids of its cohort (its SQL, LIMIT 20). */
  private async evidence(o: OpportunityWithSeries, signal: AbortSignal): Promise<LeadEvidence> {
    const group = this.o.cfg.dataset.events.group;
    const ev: LeadEvidence = {
      series: o.series ?? null,
      halves: o.stability?.halves ?? null,
      example_groups: [],
      group_column: group,
      sql: o.sql,
    };
    try {
      const rows = await this.o.ex.query<{ g: string }>(`SELECT toString(${quoteIdent(group)}) AS g FROM (\n${o.sql}\n) LIMIT ${EXAMPLES}`, {}, { label: 'example groups', signal });
      ev.example_groups = rows.map((r) => String(r.g));
    } catch (e) {
      if (signal.aborted) throw e;
      ev.example_error = (e as Error).message;
    }
    return ev;
  }
}

/** A KPI's final leads as a running run's progress carries them: the count and the top few. */
export function kpiLeadsOf(kpi: string, opps: Opportunity[]): KpiLeads {
  return {
    kpi,
    leads: opps.length,
    top: opps.slice(0, PROGRESS_TOP_LEADS).map((o) => ({
      id: opportunityId(o.fingerprint),
      kpi: o.kpi,
      template: o.template,
      title: o.title,
      cohort: o.cohort,
      rank: o.rank,
      cohort_size: o.cohort_size,
      kpi_cohort: o.kpi_cohort,
      kpi_rest: o.kpi_rest,
      effect: o.effect,
      q_value: o.q_value,
      impact: o.impact,
      coverage: o.coverage,
    })),
  };
}

export type { FeedbackSummary };
