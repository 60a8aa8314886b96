/**
 * GET /api/scope?prompt=…: what a run with this prompt would analyse (attribute filters, window) and which words
 * it takes for them, so the app shows the scope as chips before the run starts. The same settleScope a run uses.
 * GET /api/scope/kpis?prompt=…: the KPIs the prompt names, as the planner picks them (kpisForPrompt).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { LoadedConfig } from '../config/load';
import { inspectDataset, type Dataset } from '../dataset/inspect';
import type { Executor } from '../execute/executor';
import { kpisForPrompt } from '../planner/deterministic';
import { settleScope } from '../planner/scope';
import * as S from './schemas';

export function registerScopeRoute(app: FastifyInstance, cfg: LoadedConfig, executor: Executor, ttlMs = 60_000): void {
  // The whole-data inspection is one scan; prompts typed one after another reuse it.
  let cache: { at: number; d: Dataset } | undefined;
  const inspectAll = async (w: { from?: number; to?: number }) => {
    if (w.from !== undefined || w.to !== undefined) return inspectDataset(executor.onControl(), cfg, w);
    if (!cache || Date.now() - cache.at > ttlMs) cache = { at: Date.now(), d: await inspectDataset(executor.onControl(), cfg, {}) };
    return { ...cache.d };
  };
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/scope',
    {
      schema: {
        summary: 'The scope a run would take from this prompt: attribute filters and a window, with the words used',
        tags: ['runs'],
        querystring: z.object({ prompt: z.string().max(4000).default('') }).strict(),
        response: { 200: S.Scope.omit({ ignored: true }), ...S.errorsOf(400, 401) },
      },
    },
    async (req) => {
      const { scope } = await settleScope(executor.onControl(), inspectAll, { prompt: req.query.prompt });
      return {
        filters: scope.filters,
        ...(scope.from !== undefined ? { from: new Date(scope.from).toISOString(), to: new Date(scope.to!).toISOString() } : {}),
        used: scope.used,
      };
    },
  );
  // The KPIs a text names, by the planner's own scoring, so the app preselects what a run would pick.
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/scope/kpis',
    {
      schema: {
        summary: 'The KPIs a prompt (or a dashboard panel title) names, as the planner picks them',
        tags: ['runs'],
        querystring: z.object({ prompt: z.string().max(4000).default('') }).strict(),
        response: {
          200: z.object({
            kpis: z.array(z.string()).describe('The KPIs the text names; empty when it names none (a run then analyses every KPI)'),
            why: z.string().describe('Which words picked them'),
          }),
          ...S.errorsOf(400, 401),
        },
      },
    },
    async (req) => {
      const r = kpisForPrompt(await inspectAll({}), req.query.prompt);
      return { kpis: r.named ? r.kpis : [], why: r.why };
    },
  );
}
