/**
 * The choice of planner, for the service and the CLI alike: the LLM planner when it is configured (or asked for)
 * and not refused, else the deterministic planner; both are fed the same request and earlier triage.
 */
import type { LoadedConfig } from '../config/load';
import type { Dataset } from '../dataset/inspect';
import { deterministicPlan } from './deterministic';
import { llmPlan } from './llm';
import type { FeedbackSummary, Plan, PlanRequest } from './types';

/** `auto`: the LLM planner when `planner.llm` is configured; `llm` and `deterministic` as named. */
export type PlannerChoice = 'auto' | 'deterministic' | 'llm';

export interface PlanOptions {
  choice?: PlannerChoice;
  feedback?: FeedbackSummary;
  signal?: AbortSignal;
  /** Called before asking the model, with its name (to say so in the progress). */
  onAsk?: (model: string) => void;
}

/**
 * A plan from the chosen planner. `llm` without `planner.llm` in the config plans deterministically, as `auto`
 * does: there is no model to ask.
 */
export async function makePlan(d: Dataset, cfg: Pick<LoadedConfig, 'planner'>, req: PlanRequest, o: PlanOptions = {}): Promise<Plan> {
  const llm = cfg.planner.llm;
  const useLlm = o.choice === 'llm' || (o.choice !== 'deterministic' && Boolean(llm));
  if (useLlm && llm) {
    o.onAsk?.(llm.model);
    return llmPlan(d, req, { host: llm.host, model: llm.model, timeoutMs: llm.timeout_s * 1000, feedback: o.feedback, signal: o.signal });
  }
  return deterministicPlan(d, { ...req, feedback: o.feedback });
}

