/** What a planner is asked and what it answers; shared by both planners, the service, the CLI and the store. */
import type { PlanItem } from '../compile/dag';
import type { Family } from '../templates/types';

export interface PlanRequest {
  prompt?: string;
  kpis?: string[];
  families?: Family[];
  /** Per-family parameter overrides. */
  params?: Partial<Record<Family, Record<string, unknown>>>;
  /** Earlier triage and effect sizes (see applyFeedback); the LLM planner takes it as its own option. */
  feedback?: FeedbackSummary;
}

export interface Plan {
  planner: 'deterministic' | 'llm';
  kpis: string[];
  items: PlanItem[];
  notes: string[];
  /** Set when the LLM planner was asked but its plan was not used: why (timeout, unreachable, no valid item…). */
  fallback?: string;
  /** What the run analysed and which prompt words made it so (set by the run, for either planner). */
  scope?: PlanScope;
}

export interface PlanScope {
  filters: Array<{ attribute: string; values: string[] }>;
  from?: string;
  to?: string;
  used: Array<{ phrase: string; as: string }>;
  ignored: string[];
}

/**
 * Earlier triage of leads. Keys of `byFamily` are a family name, or a family and a parameter region written
 * `family:region` (e.g. `ordered_pattern:within=30s`); counts of a family's regions add up in the reasons.
 */
export interface FeedbackSummary {
  byFamily: Record<string, { useful: number; dismissed: number; meanEffect?: number }>;
  notes?: string[];
}
