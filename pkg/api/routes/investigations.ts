/** Saved investigations: run requests kept under a name, optionally on a schedule; run one now. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseDuration } from '../../config/schema';
import { ResultStore } from '../../store/store';
import type { InvestigationRecord, RunRequest } from '../../store/types';
import { badRequest, HttpError, notFound } from '../errors';
import * as S from '../schemas';
import { invView, runView } from '../views';
import { checkRequest, doc, type RouteDeps } from './deps';

/** Longest schedule interval: a year (longer ones overflow the next-run date). */
const MAX_SCHEDULE_MS = 365 * 86_400_000;

const everyMs = (every: string, where: string): number => {
  const ms = parseDuration(every);
  if (!(ms >= 60_000 && ms <= MAX_SCHEDULE_MS)) throw badRequest(where, [{ path: ['schedule', 'every'], message: `must be between 1m and 365d, not ${every}` }]);
  return ms;
};

export const investigationRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, d) => {
  const { store, runs } = d;
  const getInv = async (id: string) => {
    const i = await store.getInvestigation(id);
    if (!i) throw notFound(`no investigation with id ${id}`);
    return i;
  };

  app.get(
    '/api/investigations',
    { schema: { ...doc('Saved investigations, oldest first, paged'), tags: ['investigations'], querystring: S.InvestigationListQuery, response: { 200: S.InvestigationList, ...S.errorsOf(400, 401) } } },
    async (req) => {
      const { limit, offset } = req.query;
      const r = await store.listInvestigations({ limit, offset });
      return { items: r.items.map(invView), total: r.total, limit, offset };
    },
  );

  app.post(
    '/api/investigations',
    {
      schema: {
        ...doc('Save an investigation (a run request), optionally on a schedule'),
        tags: ['investigations'],
        body: S.InvestigationInput,
        response: { 201: S.Investigation, ...S.errorsOf(400, 401) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      await checkRequest(d, b.request as RunRequest, 'body.request');
      const now = Date.now();
      const every = b.schedule ? everyMs(b.schedule.every, 'body') : 0;
      const inv: InvestigationRecord = {
        id: ResultStore.newId(),
        name: b.name,
        request: b.request as RunRequest,
        every_ms: every,
        enabled: b.enabled,
        created_at: now,
        updated_at: now,
        last_run_id: '',
        last_run_at: null,
        next_run_at: every ? now + every : null,
      };
      await store.saveInvestigation(inv);
      return reply.code(201).header('Location', `/api/investigations/${inv.id}`).send(invView(inv));
    },
  );

  app.get(
    '/api/investigations/:id',
    { schema: { ...doc('One saved investigation'), tags: ['investigations'], params: S.IdParam, response: { 200: S.Investigation, ...S.errorsOf(400, 401, 404) } } },
    async (req) => invView(await getInv(req.params.id)),
  );

  app.patch(
    '/api/investigations/:id',
    {
      schema: {
        ...doc('Change a saved investigation: name, request, schedule (null: none), enabled'),
        tags: ['investigations'],
        params: S.IdParam,
        body: S.InvestigationPatch,
        response: { 200: S.Investigation, ...S.errorsOf(400, 401, 404) },
      },
    },
    async (req) => {
      const inv = await getInv(req.params.id);
      const b = req.body;
      if (b.request) await checkRequest(d, b.request as RunRequest, 'body.request');
      const now = Date.now();
      const next: InvestigationRecord = { ...inv, updated_at: now };
      if (b.name !== undefined) next.name = b.name;
      if (b.request !== undefined) next.request = b.request as RunRequest;
      if (b.enabled !== undefined) next.enabled = b.enabled;
      if (b.schedule !== undefined) {
        next.every_ms = b.schedule ? everyMs(b.schedule.every, 'body') : 0;
        next.next_run_at = next.every_ms ? now + next.every_ms : null;
      }
      await store.saveInvestigation(next);
      return invView(next);
    },
  );

  app.delete(
    '/api/investigations/:id',
    {
      schema: {
        ...doc('Delete a saved investigation (its runs stay; its running run is cancelled and what its scheduled runs stored for incremental re-runs is dropped)'),
        tags: ['investigations'],
        params: S.IdParam,
        response: { 204: z.undefined().describe('Deleted'), ...S.errorsOf(400, 401, 404) },
      },
    },
    async (req, reply) => {
      if (!(await store.deleteInvestigation(req.params.id))) throw notFound(`no investigation with id ${req.params.id}`);
      // Deleted first, so the scheduler submits no more of its runs; then its watch's tables go with it.
      try {
        const dropped = await runs.forgetWatch(req.params.id);
        if (dropped.length) req.log.info({ investigation: req.params.id, tables: dropped.length }, 'dropped the watch tables of a deleted investigation');
      } catch (e) {
        // The investigation is gone either way; its tables are only space, and the log names what stayed.
        req.log.warn({ investigation: req.params.id, err: e }, 'could not drop the watch tables of a deleted investigation (watch_<hash>_* in the results database)');
      }
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/investigations/:id/runs',
    {
      schema: {
        ...doc('Run a saved investigation now'),
        tags: ['investigations'],
        params: S.IdParam,
        response: { 202: S.RunBody, ...S.errorsOf(400, 401, 404, 409, 429, 503) },
      },
    },
    async (req, reply) => {
      const inv = await getInv(req.params.id);
      const busy = runs.activeForInvestigation(inv.id);
      if (busy) throw new HttpError(409, `investigation ${inv.id} already has a ${busy.status} run: ${busy.id}`);
      await checkRequest(d, inv.request, 'investigation.request');
      const run = await runs.submit(inv.request, { investigationId: inv.id });
      await store.saveInvestigation({ ...inv, last_run_id: run.id, last_run_at: Date.now(), updated_at: Date.now() });
      return reply.code(202).header('Location', `/api/runs/${run.id}`).send({ ...runView(run), plan: null });
    },
  );
};
