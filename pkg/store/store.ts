/**
 * The results store over an Executor (the API uses the control session: these are small reads and writes that
 * must not wait behind an analysis on the work session). Single writer: one service process owns a results
 * database; updates of a lead (a run's upsert, a triage) are serialized in-process so neither loses the other's.
 *
 * One repository per kind of record (runs and their plans, leads, triage, saved investigations) over one StoreDb
 * (executor, writes, list cache, lock, migrations). ResultStore is their facade: the service, the API, the CLI and
 * the tests call the store by these names, so they did not change when the repositories were split out.
 */
import { randomUUID } from 'node:crypto';
import type { Executor } from '../execute/executor';
import type { FeedbackSummary, Plan } from '../planner/types';
import { StoreDb } from './db';
import { InvestigationRepo } from './investigations';
import { LeadRepo, type LeadInput } from './opportunities';
import { RunRepo, type RunListFilter, type StoredPlan } from './runs';
import { TriageRepo } from './triage';
import type { InvestigationRecord, LeadDetail, LeadEvidence, LeadFilter, LeadRecord, LeadRunEntry, OpportunityWithSeries, RunRecord, TriageEntry, TriageStatus } from './types';

export { chTime, nextVersion, NotFound, StoreDamaged } from './db';
export type { LeadInput } from './opportunities';
export type { StoredPlan } from './runs';

export class ResultStore {
  readonly db: StoreDb;
  readonly runs: RunRepo;
  readonly leads: LeadRepo;
  readonly triages: TriageRepo;
  readonly investigations: InvestigationRepo;

  constructor(ex: Executor, readonly database: string, opts: { publicUrl?: string } = {}) {
    this.db = new StoreDb(ex, database, opts.publicUrl);
    this.runs = new RunRepo(this.db);
    this.leads = new LeadRepo(this.db);
    this.triages = new TriageRepo(this.db, this.leads);
    this.investigations = new InvestigationRepo(this.db);
  }

  get linkBase(): string {
    return this.db.linkBase;
  }

  t(name: string): string {
    return this.db.t(name);
  }

  static newId(): string {
    return randomUUID();
  }

  // Schema and health
  migrate(): Promise<{ applied: number[]; version: number }> {
    return this.db.migrate();
  }
  writable(maxAgeMs?: number): Promise<{ writable: boolean; error: string | null; checked_at: number }> {
    return this.db.writable(maxAgeMs);
  }
  dropScratchTables(all: boolean): Promise<string[]> {
    return this.db.dropScratchTables(all);
  }

  // Runs and plans
  saveRun(r: RunRecord): Promise<void> {
    return this.runs.save(r);
  }
  getRun(id: string): Promise<RunRecord | null> {
    return this.runs.get(id);
  }
  listRuns(f: RunListFilter): Promise<{ items: RunRecord[]; total: number }> {
    return this.runs.list(f);
  }
  failInterruptedRuns(reason: string): Promise<string[]> {
    return this.runs.failInterrupted(reason);
  }
  savePlan(runId: string, plan: Plan, feedback: FeedbackSummary | undefined): Promise<void> {
    return this.runs.savePlan(runId, plan, feedback);
  }
  getPlan(runId: string): Promise<StoredPlan | null> {
    return this.runs.getPlan(runId);
  }

  // Leads
  recordLeads(runId: string, at: number, leads: LeadInput[]): Promise<{ newIds: string[]; knownIds: string[]; ids: string[] }> {
    return this.leads.record(runId, at, leads);
  }
  listLeads(f: LeadFilter): Promise<{ items: LeadRecord[]; total: number }> {
    return this.leads.list(f);
  }
  getLead(id: string): Promise<LeadDetail | null> {
    return this.leads.get(id);
  }
  leadsByIds(ids: string[]): Promise<LeadRecord[]> {
    return this.leads.byIds(ids);
  }
  leadHistory(id: string): Promise<LeadRunEntry[]> {
    return this.leads.history(id);
  }
  leadInRun(id: string, runId: string): Promise<{ opportunity: OpportunityWithSeries; evidence: LeadEvidence } | null> {
    return this.leads.inRun(id, runId);
  }

  // Triage
  triage(id: string, change: { status?: TriageStatus; note?: string; actor: string }): Promise<LeadRecord> {
    return this.triages.triage(id, change);
  }
  triageLog(id: string): Promise<TriageEntry[]> {
    return this.triages.log(id);
  }
  feedbackSummary(): Promise<FeedbackSummary | undefined> {
    return this.triages.feedbackSummary();
  }

  // Saved investigations
  saveInvestigation(inv: InvestigationRecord, deleted = false): Promise<void> {
    return this.investigations.save(inv, deleted);
  }
  getInvestigation(id: string): Promise<InvestigationRecord | null> {
    return this.investigations.get(id);
  }
  listInvestigations(f: { limit: number; offset: number }): Promise<{ items: InvestigationRecord[]; total: number }> {
    return this.investigations.list(f);
  }
  dueInvestigations(now: number): Promise<InvestigationRecord[]> {
    return this.investigations.due(now);
  }
  deleteInvestigation(id: string): Promise<boolean> {
    return this.investigations.delete(id);
  }
  deletedInvestigationIds(): Promise<string[]> {
    return this.investigations.deletedIds();
  }
}
