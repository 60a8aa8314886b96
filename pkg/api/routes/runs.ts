/** Runs: start one, list them, follow one (status, progress, plan), cancel one. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RunRequest } from '../../store/types';
import { HttpError, notFound } from '../errors';
import * as S from '../schemas';
import { planView, runView } from '../views';
import { checkRequest, doc, getRun, type RouteDeps } from './deps';

export const runRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, d) => {
  const { store, runs } = d;
  app.post(
    '/api/runs',
    {
      schema: {
        ...doc('Start a run: answers at once (202) with its id; follow it at GET /api/runs/{id}'),
        tags: ['runs'],
        body: S.RunRequestBody,
        response: { 202: S.RunBody, ...S.errorsOf(400, 401, 409, 429, 503) },
      },
    },
    async (req, reply) => {
      const request = req.body as RunRequest;
      await checkRequest(d, request, 'body');
      const run = await runs.submit(request);
      req.log.info({ run: run.id }, 'run queued');
      return reply.code(202).header('Location', `/api/runs/${run.id}`).send({ ...runView(run), plan: null });
    },
  );

  app.get(
    '/api/runs',
    { schema: { ...doc('Runs, newest first'), tags: ['runs'], querystring: S.RunListQuery, response: { 200: S.RunList, ...S.errorsOf(400, 401) } } },
    async (req) => {
      const q = req.query;
      const r = await store.listRuns({ statuses: q.status, investigationId: q.investigation, limit: q.limit, offset: q.offset });
      return { items: r.items.map((x) => runView(runs.get(x.id) ?? x)), total: r.total, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/api/runs/:id',
    {
      schema: {
        ...doc('A run: status, progress (stage, done/total), its plan, summary and error'),
        tags: ['runs'],
        params: S.IdParam,
        response: { 200: S.RunBody, ...S.errorsOf(400, 401, 404) },
      },
    },
    async (req) => {
      const r = await getRun(d, req.params.id);
      return { ...runView(r), plan: await planView(store, r.id) };
    },
  );

  app.get(
    '/api/runs/:id/plan',
    {
      schema: {
        ...doc('The plan of a run: the hypothesis classes chosen and why'),
        tags: ['runs'],
        params: S.IdParam,
        response: { 200: S.PlanBody, ...S.errorsOf(400, 401, 404) },
      },
    },
    async (req) => {
      const r = await getRun(d, req.params.id);
      const p = await planView(store, r.id);
      if (!p) throw notFound(`run ${r.id} has no plan yet (status ${r.status}, stage ${r.progress.stage})`);
      return p;
    },
  );

  app.post(
    '/api/runs/:id/cancel',
    {
      schema: {
        ...doc('Cancel a queued or running run'),
        tags: ['runs'],
        params: S.IdParam,
        response: { 200: S.RunBody, ...S.errorsOf(400, 401, 404, 409) },
      },
    },
    async (req) => {
      const id = req.params.id;
      const r = await runs.cancel(id);
      if (r) return { ...runView(r), plan: await planView(store, id) };
      const stored = await store.getRun(id);
      if (!stored) throw notFound(`no run with id ${id}`);
      throw new HttpError(409, `run ${id} is already ${stored.status}`);
    },
  );
};
