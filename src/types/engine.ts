/**
 * What the Surfacer engine's HTTP API returns (see pkg/api/schemas.ts, the source of truth, and
 * GET /api/openapi.json). Written out here because src/ must not import Node-only engine code.
 */
export type TriageStatus = 'new' | 'acknowledged' | 'useful' | 'dismissed';
export const TRIAGE_STATUSES: TriageStatus[] = ['new', 'acknowledged', 'useful', 'dismissed'];
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const FAMILIES = ['ngram', 'ordered_pattern', 'absence', 'lifecycle', 'indirect', 'static', 'stateful', 'nonlocal'] as const;
export type Family = (typeof FAMILIES)[number];

export interface EngineErrorBody {
  statusCode: number;
  error: string;
  message: string;
  issues?: Array<{ path: string; message: string }>;
}

export interface Health {
  status: 'ok';
  version: string;
  store: 'embedded' | 'server';
  schema_version: number;
  runs: { queued: number; running: number };
}

export interface Kpi {
  name: string;
  kind: string;
  description: string;
  definition: Record<string, unknown>;
  higher_is_better: boolean;
}

export interface Template {
  name: string;
  summary: string;
  example: string;
  params_schema: Record<string, unknown>;
}

export interface RunRequest {
  prompt?: string;
  kpis?: string[];
  families?: Family[];
  params?: Partial<Record<Family, Record<string, unknown>>>;
  from?: string;
  to?: string;
  planner?: 'auto' | 'deterministic' | 'llm';
  /** Only groups with these attribute values; present (even empty), the engine reads no scope from the prompt. */
  filters?: ScopeFilter[];
}

export interface ScopeFilter {
  attribute: string;
  values: string[];
}

/** GET /api/scope: what a run would take from a prompt (engine ≥ 0.2). */
export interface ScopePreview {
  filters: ScopeFilter[];
  from?: string;
  to?: string;
  used: Array<{ phrase: string; as: string }>;
}

export interface RunProgress {
  stage: string;
  done: number;
  total: number;
  unit: string;
  message?: string;
  updated_at: string;
}

export interface PlanItem {
  template: string;
  params: Record<string, unknown>;
  kpis: string[];
  reason: string;
}

export interface Plan {
  run_id: string;
  created_at: string;
  planner: string;
  fallback: string | null;
  kpis: string[];
  items: PlanItem[];
  notes: string[];
  feedback: Record<string, unknown> | null;
  /** What the run analysed, and the prompt words used for it and ignored (engine ≥ 0.2). */
  scope?: (ScopePreview & { ignored: string[] }) | null;
}

export interface RunSummary {
  hypotheses_tested: number;
  kpis: Array<{ name: string; kind: string; groups: number; value: number }>;
  window: { from: string; to: string };
  groups: number;
  events: number;
  timings: Record<string, number>;
  dropped_by_robust_inference: number;
  leads: number;
  new_leads: number;
  known_leads: number;
  lead_ids: string[];
}

export interface Run {
  id: string;
  status: RunStatus;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  request: RunRequest;
  progress: RunProgress;
  planner: string | null;
  error: string | null;
  summary: RunSummary | null;
  plan?: Plan | null;
  investigation_id: string | null;
  links: { self: string; plan: string; opportunities: string; cancel: string };
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface Lead {
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
  triaged_at: string | null;
  triaged_by: string;
  known: boolean;
  runs_seen: number;
  first_seen: string;
  last_seen: string;
  first_run_id: string;
  last_run_id: string;
  link: string;
  /** In lists (engine ≥ 0.2): the KPI in the cohort and in the rest, and the cohort's share of the KPI's failures. */
  kpi_cohort?: number | null;
  kpi_rest?: number | null;
  coverage?: number | null;
  /** In a run's list: whether that run found the lead first. */
  new_in_run?: boolean;
}

export interface LeadQuery {
  kpi?: string[];
  status?: TriageStatus[];
  template?: string[];
  known?: boolean;
  run?: string;
  from?: string;
  to?: string;
  sort?: 'impact' | 'last_seen' | 'first_seen' | 'q_value';
  limit?: number;
  offset?: number;
}

export interface SeriesPoint {
  groups: number;
  value: number | null;
}

export interface Series {
  from: number | string;
  width_ms: number;
  cohort: SeriesPoint[];
  rest: SeriesPoint[];
}

/** The whole lead as the analysis reported it (pkg/pipeline/analyze.ts Opportunity). */
export interface Opportunity {
  rank: number;
  kpi: string;
  template: string;
  title: string;
  cohort: string;
  statement: string;
  confounder_hints?: Array<Record<string, unknown>>;
  params: Record<string, unknown>;
  cohort_size: number;
  kpi_cohort: number;
  kpi_rest: number;
  effect: { measure: string; value: number; ci_low: number; ci_high: number };
  p_value: number;
  q_value: number;
  impact: number;
  experts: string[];
  test: string;
  trend?: Record<string, unknown>;
  series?: Series;
  inference: string;
  stable: boolean;
  stability: Record<string, unknown> | null;
  fingerprint: string;
  related: string[];
  /** Narrower cohorts inside this one that are worse than the rest of it (engine ≥ 0.2). */
  refinements?: Refinement[];
  /** Share of the KPI's failed groups (numeric KPIs: of its total, as excess) in this cohort; and not in leads above it. */
  coverage?: number | null;
  incremental_coverage?: number | null;
  sql: string;
}

export interface Refinement {
  key: string;
  template: string;
  cohort: string;
  params: Record<string, unknown>;
  /** Groups of the refinement (all inside the lead's cohort). */
  cohort_size: number;
  /** The KPI in the refinement, and in the lead's other groups. */
  kpi_cohort: number;
  kpi_rest: number;
  effect: { measure: string; value: number; ci_low: number; ci_high: number };
  q_value: number;
}

export interface LeadDetail extends Lead {
  statement: string;
  opportunity: Opportunity;
  evidence: {
    run_id: string;
    series: Series | null;
    halves: Array<Record<string, unknown>> | null;
    example_groups: string[];
    example_error?: string;
    group_column: string;
    sql: string;
  };
  triage: Array<{ at: string; status: TriageStatus; previous_status: string; note: string; by: string }>;
  history: Array<{
    run_id: string;
    seen_at: string;
    rank: number;
    is_new: boolean;
    impact: number;
    effect: number;
    q_value: number;
    cohort_size: number;
  }>;
}

export interface TriageRequest {
  status?: TriageStatus;
  note?: string;
  by?: string;
}

export interface DatasetInfo {
  events: { source: string; time: string; group: string; user: string | null; event: string; attributes: string[]; timezone: string };
  columns: Array<{ name: string; type: string }>;
  kpis: Array<Kpi & { outcome_events: string[] }>;
  contexts: Array<{ name: string; source: string; time: string; value: string; threshold: number | null }>;
  event_names: Array<{ name: string; events: number; groups: number }>;
  range: { from: string; to: string };
  groups: number;
  total_events: number;
  inspected_at: string;
}
