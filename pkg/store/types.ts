import type { Opportunity } from '../pipeline/analyze';
import type { Family } from '../templates/types';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const ACTIVE_STATUSES: RunStatus[] = ['queued', 'running'];

export const TRIAGE_STATUSES = ['new', 'acknowledged', 'useful', 'dismissed'] as const;
export type TriageStatus = (typeof TRIAGE_STATUSES)[number];

export const PLANNER_CHOICES = ['auto', 'deterministic', 'llm'] as const;

/** What to analyze; the body of POST /api/runs and the request of a saved investigation. */
export interface RunRequest {
  prompt?: string;
  kpis?: string[];
  families?: Family[];
  params?: Partial<Record<Family, Record<string, unknown>>>;
  /** ISO date-times; the window [from, to). */
  from?: string;
  to?: string;
  planner?: (typeof PLANNER_CHOICES)[number];
  /** Only groups with these attribute values. Present (even empty): the scope is this, not read from the prompt. */
  filters?: Array<{ attribute: string; values: string[] }>;
}

export interface RunProgress {
  stage: string;
  /** Units of the stage: queries for `aggregate`, leads for `evidence`, stages otherwise. */
  done: number;
  total: number;
  message?: string;
  updated_at: number;
  /** While the run goes on: each KPI whose leads are final, in the order they finished (gone once stored). */
  kpi_leads?: KpiLeads[];
}

/** One KPI's final leads during a run: how many, and the top few as the leads list states them. */
export interface KpiLeads {
  kpi: string;
  leads: number;
  top: Array<{
    id: string;
    kpi: string;
    template: string;
    title: string;
    cohort: string;
    rank: number;
    cohort_size: number;
    kpi_cohort: number;
    kpi_rest: number;
    effect: { measure: string; value: number; ci_low: number; ci_high: number };
    q_value: number;
    impact: number;
    coverage: number | null;
  }>;
}

export interface RunSummary {
  hypotheses_tested: number;
  kpis: { name: string; kind: string; groups: number; value: number; coverage?: number | null }[];
  window: { from: string; to: string };
  groups: number;
  events: number;
  timings: Record<string, number>;
  dropped_by_robust_inference: number;
  /** Scheduled runs (pipeline/watch.ts WatchInfo): whether only changed slices were computed, and how many. */
  watch?: { incremental: boolean; reason: string; slices_computed: number; slices_in_window: number; slice_hours: number; window_copy_s: number };
  leads: number;
  new_leads: number;
  known_leads: number;
  lead_ids: string[];
}

export interface RunRecord {
  id: string;
  status: RunStatus;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
  request: RunRequest;
  progress: RunProgress;
  planner: string;
  error: string;
  summary: RunSummary | null;
  investigation_id: string;
}

/** Cohort vs rest per time bucket; `Opportunity.series` when the analysis provides it. */
export interface LeadSeries {
  from: number | string;
  width_ms: number;
  cohort: { groups: number; value: number | null }[];
  rest: { groups: number; value: number | null }[];
}

/** What a lead was based on, as of the run that found it. */
export interface LeadEvidence {
  series: LeadSeries | null;
  halves: unknown[] | null;
  /** Up to 20 ids of groups in the cohort (the lead's SQL with LIMIT 20), as strings. */
  example_groups: string[];
  example_error?: string;
  group_column: string;
  sql: string;
}

export type OpportunityWithSeries = Opportunity & { series?: LeadSeries };

export interface LeadRecord {
  id: string;
  fingerprint: string;
  kpi: string;
  template: string;
  region: string;
  title: string;
  cohort: string;
  impact: number;
  effect: { measure: string; value: number };
  relative_effect: number | null;
  q_value: number;
  p_value: number;
  cohort_size: number;
  rank: number;
  stable: boolean;
  status: TriageStatus;
  note: string;
  triaged_at: number | null;
  triaged_by: string;
  known: boolean;
  runs_seen: number;
  first_seen: number;
  last_seen: number;
  first_run_id: string;
  last_run_id: string;
  link: string;
  /** In lists: the KPI in the cohort and in the rest, and the share of the KPI's failures in the cohort. */
  kpi_cohort?: number | null;
  kpi_rest?: number | null;
  coverage?: number | null;
  /** In a run's list: whether this run found it first. */
  new_in_run?: boolean;
}

export interface LeadDetail extends LeadRecord {
  opportunity: OpportunityWithSeries;
  evidence: LeadEvidence;
}

export interface TriageEntry {
  at: number;
  status: TriageStatus;
  previous_status: TriageStatus;
  note: string;
  actor: string;
}

export interface LeadRunEntry {
  run_id: string;
  seen_at: number;
  rank: number;
  is_new: boolean;
  impact: number;
  effect: number;
  q_value: number;
  cohort_size: number;
}

export interface InvestigationRecord {
  id: string;
  name: string;
  request: RunRequest;
  /** Milliseconds between runs; 0 = no schedule (run on demand). */
  every_ms: number;
  enabled: boolean;
  created_at: number;
  updated_at: number;
  last_run_id: string;
  last_run_at: number | null;
  next_run_at: number | null;
}

export interface LeadFilter {
  kpis?: string[];
  statuses?: TriageStatus[];
  templates?: string[];
  known?: boolean;
  runId?: string;
  /** Leads seen in [from, to): first_seen < to and last_seen >= from (epoch ms). */
  from?: number;
  to?: number;
  sort?: 'impact' | 'last_seen' | 'first_seen' | 'q_value';
  limit: number;
  offset: number;
}
