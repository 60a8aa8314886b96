/**
 * The LLM planner: a local model (Ollama) reads the operator's prompt, the KPIs and their descriptions, the
 * dataset's columns and frequent events, the template catalog and what earlier triage said, and answers with a
 * plan as structured output (Ollama's `format` with a JSON schema).
 *
 * Nothing the model says is trusted. Every template name, parameter, event, column and context name is checked
 * against the catalog and the real data; invalid parts are repaired (an exact match up to case and separators)
 * or dropped, each with a note in `plan.notes`. Parameters end up as the template's zod-parsed object, so only
 * known names and well-typed values reach the compiler. A timeout, an unreachable server, an HTTP error or an
 * answer that is not JSON falls back to the deterministic planner, and the plan says so (`fallback`, a note).
 *
 * Families the deterministic planner would test but the model left out are appended after the model's items:
 * the engine tests every family in one merged computation, so leaving one out saves little and can lose a lead.
 * The model's choice decides the order, the parameters and the reasons. `appendDeterministic: false` turns it off.
 *
 * The jobs live beside it: prompt.ts (what the model is told), ollama.ts (the request), answer.ts and params.ts
 * (checking the answer), feedback.ts (earlier triage).
 */
import type { Dataset } from '../dataset/inspect';
import { validateAnswer } from './answer';
import { deterministicPlan } from './deterministic';
import { feedbackScore, withFeedback } from './feedback';
import { ask, parseAnswer, type OllamaOptions } from './ollama';
import { repairParams } from './params';
import { buildMessages, responseFormat } from './prompt';
import { oneLine } from './text';
import type { FeedbackSummary, Plan, PlanRequest } from './types';

export interface LlmPlannerOptions extends OllamaOptions {
  /** What earlier triage said; goes into the prompt and into the reasons. */
  feedback?: FeedbackSummary;
  /** Append the deterministic planner's families the model left out (default true). */
  appendDeterministic?: boolean;
}

function fallbackPlan(base: Plan, reason: string, feedback: FeedbackSummary | undefined, extra: string[] = []): Plan {
  return {
    ...base,
    planner: 'deterministic',
    fallback: reason,
    items: base.items.map((i) => ({ ...i, reason: withFeedback(i.reason, feedback, i.template) })),
    notes: [`LLM planner unavailable (${reason}): used the deterministic planner`, ...extra, ...base.notes],
  };
}

/**
 * Plans with the model; on any failure to get a usable plan, the deterministic plan with `fallback` set.
 * Throws only for the operator's own errors (an unknown KPI in `req.kpis`), like the deterministic planner.
 */
export async function llmPlan(d: Dataset, req: PlanRequest, opts: LlmPlannerOptions): Promise<Plan> {
  const base = deterministicPlan(d, req);
  let text: string;
  try {
    text = await ask({ messages: buildMessages(d, req, opts.feedback), format: responseFormat(d) }, opts);
  } catch (e) {
    return fallbackPlan(base, oneLine((e as Error).message || 'unknown error', 300), opts.feedback);
  }
  let answer: unknown;
  try {
    answer = parseAnswer(text);
  } catch (e) {
    return fallbackPlan(base, `the model's answer is not valid JSON: ${oneLine((e as Error).message, 120)}`, opts.feedback);
  }
  const v = validateAnswer(d, req, answer, base, opts.feedback);
  if (!v.items.length) return fallbackPlan(base, 'no valid item in the model\'s plan', opts.feedback, v.notes);

  const items = [...v.items];
  const notes = [`planned by the LLM planner (${oneLine(opts.model, 80)} at ${oneLine(opts.host, 120)})`, ...v.notes];
  if (opts.appendDeterministic !== false) {
    const chosen = new Set(items.map((i) => i.template));
    const rest = base.items
      .filter((i) => !chosen.has(i.template))
      .map((i, order) => ({ i, order, score: feedbackScore(opts.feedback, i.template) }))
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .map(({ i }) => i);
    for (const i of rest) {
      items.push({
        template: i.template,
        params: repairParams(i.template, i.params, d, `${i.template} (operator's parameters)`, notes),
        kpis: [...v.kpis],
        reason: withFeedback('added by the deterministic planner: testing every family is cheap', opts.feedback, i.template),
      });
    }
    if (rest.length) notes.push(`families the model left out, appended: ${rest.map((i) => i.template).join(', ')}`);
  }
  for (const n of base.notes.filter((n) => / skipped: /.test(n))) notes.push(n);
  if (v.modelNotes) notes.push(`the model's note: ${v.modelNotes}`);
  return { planner: 'llm', kpis: v.kpis, items, notes };
}
