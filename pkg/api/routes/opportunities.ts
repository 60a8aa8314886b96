/** Opportunities (leads): list and filter them, read one with its evidence and context metric, triage one. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextSeries } from '../../pipeline/context';
import { parseTime } from '../../service/validate';
import { ID_PATTERN } from '../../store/leads';
import { badRequest, notFound } from '../errors';
import * as S from '../schemas';
import { iso, leadView } from '../views';
import { doc, type RouteDeps } from './deps';

const leadIdParam = z.object({ id: z.string().regex(ID_PATTERN, 'expected an opportunity id (24 hex characters)') }).strict();

export const opportunityRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, d) => {
  const { cfg, store, runs } = d;
  app.get(
    '/api/opportunities',
    {
      schema: {
        ...doc('Leads, filtered (KPI, status, template, run, time) and paged'),
        tags: ['opportunities'],
        querystring: S.LeadListQuery,
        response: { 200: S.LeadList, ...S.errorsOf(400, 401) },
      },
    },
    async (req) => {
      const q = req.query;
      const issues: { path: string[]; message: string }[] = [];
      // KPIs come from the config, so the schema cannot list them: checked here.
      const kpiNames = cfg.kpis.map((k) => k.name);
      const kpis = S.splitList(q.kpi);
      const badK = (kpis ?? []).filter((k) => !kpiNames.includes(k));
      if (badK.length) issues.push({ path: ['kpi'], message: `unknown KPI ${badK.join(', ')}; KPIs are: ${kpiNames.join(', ')}` });
      const from = parseTime(q.from);
      const to = parseTime(q.to);
      if (q.from !== undefined && from === undefined) issues.push({ path: ['from'], message: `not a date-time: ${JSON.stringify(q.from)}` });
      if (q.to !== undefined && to === undefined) issues.push({ path: ['to'], message: `not a date-time: ${JSON.stringify(q.to)}` });
      if (from !== undefined && to !== undefined && from >= to) issues.push({ path: ['to'], message: 'must be after from' });
      if (issues.length) throw badRequest('querystring', issues);
      if (q.run !== undefined && !(await store.getRun(q.run)) && !runs.get(q.run)) throw notFound(`no run with id ${q.run}`);
      const r = await store.listLeads({
        kpis,
        statuses: q.status,
        templates: q.template,
        known: q.known === undefined ? undefined : q.known === 'true',
        runId: q.run,
        from,
        to,
        sort: q.sort,
        limit: q.limit,
        offset: q.offset,
      });
      return { items: r.items.map(leadView), total: r.total, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/api/opportunities/:id',
    {
      schema: {
        ...doc('One lead with its evidence (cohort vs rest over time, example group ids, SQL), triage log and history'),
        tags: ['opportunities'],
        params: leadIdParam,
        querystring: S.LeadDetailQuery,
        response: { 200: S.LeadDetail, ...S.errorsOf(400, 401, 404) },
      },
    },
    async (req): Promise<z.infer<typeof S.LeadDetail>> => {
      const id = req.params.id;
      const l = await store.getLead(id);
      if (!l) throw notFound(`no opportunity with id ${id}`);
      let { opportunity, evidence } = l;
      let runId = l.last_run_id;
      if (req.query.run) {
        const at = await store.leadInRun(id, req.query.run);
        if (!at) throw notFound(`opportunity ${id} was not found by run ${req.query.run}`);
        ({ opportunity, evidence } = at);
        runId = req.query.run;
      }
      const { opportunity: _o, evidence: _e, ...rest } = l;
      void _o;
      void _e;
      return {
        ...leadView(rest),
        statement: String(opportunity.statement ?? ''),
        // Stored JSON: read through the contract (an older lead missing a field fails here, not in a client).
        opportunity: S.Opportunity.parse(opportunity),
        evidence: {
          run_id: runId,
          series: evidence.series ?? null,
          halves: S.HalfResult.array().nullable().parse(evidence.halves ?? null),
          example_groups: evidence.example_groups ?? [],
          ...(evidence.example_error ? { example_error: evidence.example_error } : {}),
          group_column: evidence.group_column ?? cfg.dataset.events.group,
          sql: evidence.sql ?? opportunity.sql ?? '',
        },
        triage: (await store.triageLog(id)).map((t) => ({ at: iso(t.at), status: t.status, previous_status: t.previous_status, note: t.note, by: t.actor })),
        history: (await store.leadHistory(id)).map((h) => ({ ...h, seen_at: iso(h.seen_at) })),
      };
    },
  );

  app.get(
    '/api/opportunities/:id/context',
    {
      schema: {
        ...doc('For a non-local lead: its context metric over the lead’s range, the threshold its hypothesis used and the windows above it'),
        tags: ['opportunities'],
        params: leadIdParam,
        querystring: S.LeadDetailQuery,
        response: { 200: S.ContextSeriesBody, ...S.errorsOf(400, 401, 404) },
      },
    },
    async (req): Promise<z.infer<typeof S.ContextSeriesBody>> => {
      const id = req.params.id;
      const l = req.query.run ? await store.leadInRun(id, req.query.run) : await store.getLead(id);
      if (!l) throw notFound(req.query.run ? `opportunity ${id} was not found by run ${req.query.run}` : `no opportunity with id ${id}`);
      const params = (l.opportunity.params ?? {}) as Record<string, unknown>;
      const name = typeof params.context === 'string' ? params.context : undefined;
      const threshold = Number(params.threshold);
      if (!name || !Number.isFinite(threshold)) throw notFound(`opportunity ${id} is not about a context metric (template ${String(l.opportunity.template)})`);
      const ds = await d.dataset.get();
      const c = ds.contexts.find((x) => x.spec.name === name);
      if (!c) throw notFound(`context ${name} of opportunity ${id} is not in the dataset any more; contexts are: ${ds.contexts.map((x) => x.spec.name).join(', ') || 'none'}`);
      const series = (l.evidence.series ?? l.opportunity.series) as { from: string | number; width_ms: number; cohort: unknown[] } | undefined | null;
      const start = series ? (typeof series.from === 'number' ? series.from : Date.parse(series.from)) : NaN;
      const range = Number.isFinite(start) && series!.width_ms > 0 ? { from: start, to: start + series!.width_ms * series!.cohort.length } : ds.range;
      const cs = await contextSeries(d.executor.onControl(), c, { ...range, threshold });
      return {
        context: cs.context,
        threshold: cs.threshold,
        from: iso(cs.from),
        to: iso(cs.to),
        bucket_ms: cs.bucket_ms,
        points: cs.points.map((p) => ({ time: iso(p.time), value: p.value })),
        windows: cs.windows.map((w) => ({ from: iso(w.from), to: iso(w.to) })),
      };
    },
  );

  app.patch(
    '/api/opportunities/:id',
    {
      schema: {
        ...doc('Triage a lead: new | acknowledged | useful | dismissed, and/or a note'),
        tags: ['opportunities'],
        params: leadIdParam,
        body: S.TriageBody,
        response: { 200: S.Lead, ...S.errorsOf(400, 401, 404) },
      },
    },
    async (req) => {
      const b = req.body;
      const l = await store.triage(req.params.id, { status: b.status, note: b.note, actor: b.by ?? 'api' });
      req.log.info({ opportunity: l.id, status: l.status }, 'lead triaged');
      return leadView(l);
    },
  );
};
