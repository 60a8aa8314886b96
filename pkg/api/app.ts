/**
 * The HTTP API of `surfacer serve` (Fastify; zod schemas for requests and responses; OpenAPI at /api/openapi.json).
 *
 * buildApp() takes the config and an open Executor, so the service and tests share one store (chdb allows one
 * data folder per process); the caller closes the executor after `app.close()`. Analyses run on the executor's
 * work session; the API's own reads and writes (results store, dataset inspection) on its control session, so
 * they answer while an analysis runs.
 */
import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConfigError, type LoadedConfig } from '../config/load';
import { kpiKind, parseDuration } from '../config/schema';
import { inspectDataset, type Dataset } from '../dataset/inspect';
import { contextSeries } from '../pipeline/context';
import type { Executor } from '../execute/executor';
import { Scheduler } from '../service/scheduler';
import { RESTART_REASON, RunManager, type Logger } from '../service/runs';
import { checkAgainstData, checkRunRequest, parseTime } from '../service/validate';
import { ResultStore } from '../store/store';
import { ID_PATTERN } from '../store/leads';
import { SCHEMA_VERSION } from '../store/schema';
import {
  RUN_STATUSES,
  TRIAGE_STATUSES,
  type InvestigationRecord,
  type LeadRecord,
  type RunRecord,
  type RunRequest,
  type RunStatus,
  type TriageStatus,
} from '../store/types';
import { catalog, FAMILIES } from '../templates/catalog';
import { makeTokenCheck } from './auth';
import { badRequest, errorBody, errorHandler, HttpError, notFound } from './errors';
import { clip, loneSurrogatePath } from './input';
import { acceptEmptyJsonBody } from './json-body';
import { registerScopeRoute } from './scope-route';
import * as S from './schemas';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = require('../../package.json').version;

export interface BuildAppOptions {
  cfg: LoadedConfig;
  /** Open executor on the store; not closed by the app. */
  executor: Executor;
  /** Bearer token (default: cfg.server.token, which SURFACER_TOKEN overrides). */
  token?: string;
  /** Serve without auth (only with --insecure-no-auth). */
  insecureNoAuth?: boolean;
  /** Fastify logger options: structured JSON logs (default level info, or SURFACER_LOG_LEVEL); false for none. */
  logger?: FastifyServerOptions['logger'];
  /** How often saved investigations are checked for a due run; 0 turns the scheduler off (default 30 s). */
  schedulerIntervalMs?: number;
  /** How long a dataset inspection is reused by GET /api/dataset (default 60 s). */
  datasetTtlMs?: number;
}

export interface Services {
  store: ResultStore;
  runs: RunManager;
  scheduler: Scheduler;
  /** Runs marked failed at startup because a restart interrupted them. */
  interrupted: string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    surfacer: Services;
  }
}

/** Longest schedule interval: a year (longer ones overflow the next-run date). */
const MAX_SCHEDULE_MS = 365 * 86_400_000;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : iso(ms));

/** Values of a list filter: comma-separated, repeated, or both. */
function listParam(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const out = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

function unitOf(p: { stage: string; total: number }): string {
  if (p.stage === 'aggregate') return 'queries';
  if (p.stage === 'evidence' || p.stage === 'store') return 'leads';
  return p.total > 0 ? 'stages' : '';
}

export async function buildApp(o: BuildAppOptions): Promise<FastifyInstance> {
  const { cfg, executor } = o;
  const token = o.token ?? cfg.server.token;
  if (!token && !o.insecureNoAuth) {
    throw new ConfigError('no API token: set SURFACER_TOKEN (or server.token in the config), or start with --insecure-no-auth to serve without auth');
  }
  const app = Fastify({
    logger:
      o.logger ?? {
        level: process.env.SURFACER_LOG_LEVEL ?? 'info',
        redact: ['req.headers.authorization'],
      },
    // Long ids reach the schemas (a 400 that does not quote them) instead of the router's 414 that quotes the path.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 16_384 },
    genReqId: () => randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody(404, `no route ${req.method} ${clip(req.url.split('?')[0]!)}`)));
  // The client quotes this id; the log has the details of a failure under it.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('preValidation', async (req) => {
    for (const [where, v] of [['body', req.body], ['querystring', req.query], ['params', req.params]] as const) {
      const at = loneSurrogatePath(v);
      if (at) throw new HttpError(400, `${where}.${at}: text with a lone UTF-16 surrogate (not valid Unicode)`, [{ path: `${where}.${at}`, message: 'text with a lone UTF-16 surrogate (not valid Unicode)' }]);
    }
  });
  acceptEmptyJsonBody(app);

  const log = app.log as unknown as Logger;
  const store = new ResultStore(executor.onControl(), cfg.store.results_database, { publicUrl: cfg.server.public_url });
  await store.migrate();
  const interrupted = await store.failInterruptedRuns(RESTART_REASON);
  if (interrupted.length) log.warn({ runs: interrupted }, 'runs interrupted by a restart marked failed');
  // Embedded: this process owns the store, so every scratch table is a dead run's.
  const stale = await store.dropScratchTables(executor.kind === 'embedded');
  if (stale.length) log.warn({ tables: stale }, 'scratch tables left by interrupted runs dropped');
  const runs = new RunManager({ cfg, ex: executor, store, log, maxConcurrent: cfg.server.max_concurrent_runs });
  const scheduler = new Scheduler({ cfg, store, runs, log, intervalMs: o.schedulerIntervalMs ?? 30_000 });
  app.decorate('surfacer', { store, runs, scheduler, interrupted });
  app.addHook('onReady', async () => scheduler.start());
  app.addHook('onClose', async () => {
    await scheduler.stop();
    await runs.shutdown();
  });

  // Auth: everything but /api/health.
  if (token) {
    const check = makeTokenCheck(token);
    app.addHook('onRequest', async (req, reply) => {
      if (req.url === '/api/health' || req.url.startsWith('/api/health?')) return;
      const r = check(req.headers.authorization);
      if (!r.ok) {
        reply.header('WWW-Authenticate', 'Bearer realm="surfacer"');
        return reply.code(401).send(errorBody(401, r.message));
      }
    });
  }

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Surfacer API',
        version: VERSION,
        description: 'Start analyses, follow their progress, read and triage the leads (sub-populations where a KPI is worse).',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
    },
    transform: jsonSchemaTransform,
  });

  // ------------------------------------------------------------------------------------------------------------
  // Views

  // The views return the response schemas' own types (z.infer): what the zod serializer then checks at runtime.
  const planView = async (runId: string): Promise<z.infer<typeof S.PlanBody> | null> => {
    const p = await store.getPlan(runId);
    if (!p?.plan) return null;
    return {
      run_id: runId,
      created_at: iso(p.created_at),
      planner: p.plan.planner,
      fallback: p.plan.fallback ?? null,
      kpis: p.plan.kpis,
      items: p.plan.items.map((i) => ({ template: i.template, params: i.params, kpis: i.kpis, reason: i.reason })),
      notes: p.plan.notes,
      feedback: (p.feedback as Record<string, unknown> | null) ?? null,
      scope: p.plan.scope ?? null,
    };
  };
  const runView = (r: RunRecord): Omit<z.infer<typeof S.RunBody>, 'plan'> => ({
    id: r.id,
    status: r.status,
    created_at: iso(r.created_at),
    started_at: isoOrNull(r.started_at),
    finished_at: isoOrNull(r.finished_at),
    updated_at: iso(r.updated_at),
    request: r.request as Record<string, unknown>,
    progress: {
      stage: r.progress.stage,
      done: r.progress.done,
      total: r.progress.total,
      unit: unitOf(r.progress),
      ...(r.progress.message ? { message: r.progress.message } : {}),
      updated_at: iso(r.progress.updated_at),
      ...(r.progress.kpi_leads && r.status === 'running' ? { kpi_leads: r.progress.kpi_leads } : {}),
    },
    planner: r.planner || null,
    error: r.error || null,
    summary: r.summary,
    investigation_id: r.investigation_id || null,
    links: {
      self: `/api/runs/${r.id}`,
      plan: `/api/runs/${r.id}/plan`,
      opportunities: `/api/opportunities?run=${r.id}`,
      cancel: `/api/runs/${r.id}/cancel`,
    },
  });
  const leadView = (l: LeadRecord): z.infer<typeof S.Lead> => ({
    ...l,
    triaged_at: isoOrNull(l.triaged_at),
    first_seen: iso(l.first_seen),
    last_seen: iso(l.last_seen),
  });
  const invView = (i: InvestigationRecord): z.infer<typeof S.Investigation> => ({
    id: i.id,
    name: i.name,
    request: i.request as Record<string, unknown>,
    schedule: i.every_ms ? { every: formatEvery(i.every_ms), every_ms: i.every_ms } : null,
    enabled: i.enabled,
    created_at: iso(i.created_at),
    updated_at: iso(i.updated_at),
    last_run_id: i.last_run_id || null,
    last_run_at: isoOrNull(i.last_run_at),
    next_run_at: isoOrNull(i.next_run_at),
  });
  const getRun = async (id: string): Promise<RunRecord> => {
    const r = runs.get(id) ?? (await store.getRun(id));
    if (!r) throw notFound(`no run with id ${id}`);
    return r;
  };
  const checkRequest = async (req: RunRequest, where: string) => {
    const issues = checkRunRequest(cfg, req);
    if (issues.length) throw badRequest(where, issues);
    const against = checkAgainstData(req, await dataset());
    if (against.length) throw badRequest(where, against);
  };
  const doc = (summary: string) => ({ summary });

  // The whole range, with the vocabulary a run codes (its 2,000 most frequent events): shared by GET /api/dataset
  // and the checks of run requests, so a burst of requests costs one scan.
  let datasetCache: { at: number; d: Promise<Dataset> } | undefined;
  const ttl = o.datasetTtlMs ?? 60_000;
  const dataset = (refresh = false): Promise<Dataset> => {
    if (!datasetCache || refresh || Date.now() - datasetCache.at > ttl) {
      const d = inspectDataset(executor.onControl(), cfg);
      datasetCache = { at: Date.now(), d };
      d.catch(() => (datasetCache = undefined));
    }
    return datasetCache.d;
  };

  // ------------------------------------------------------------------------------------------------------------
  // Service

  app.get(
    '/api/health',
    { schema: { ...doc('Liveness; needs no token'), tags: ['service'], security: [], response: { 200: S.Health } } },
    async () => {
      const w = await store.writable();
      return { status: 'ok' as const, version: VERSION, store: executor.kind, schema_version: SCHEMA_VERSION, runs: runs.counts(), store_writable: w.writable, store_error: w.error };
    },
  );

  app.get(
    '/api/openapi.json',
    { schema: { ...doc('This OpenAPI document'), tags: ['service'], response: { 200: z.record(z.string(), z.unknown()), ...S.errorsOf(401) } } },
    async () => app.swagger() as unknown as Record<string, unknown>,
  );

  // ------------------------------------------------------------------------------------------------------------
  // Dataset and catalog

  app.get(
    '/api/dataset',
    {
      schema: {
        ...doc('Schema of the dataset, its KPIs, contexts and most frequent event names (checked against the data)'),
        tags: ['dataset'],
        querystring: z.object({ refresh: z.enum(['true', 'false']).optional() }).strict(),
        response: { 200: S.DatasetBody, ...S.errorsOf(400, 401, 422, 503) },
      },
    },
    async (req) => {
      const d = await dataset(req.query.refresh === 'true');
      const e = cfg.dataset.events;
      return {
        events: { source: e.source, time: e.time, group: e.group, user: e.user ?? null, event: e.event, attributes: e.attributes, timezone: e.timezone },
        columns: d.columns.map((c) => ({ name: c.name, type: c.type })),
        kpis: d.kpis.map((k) => ({ ...kpiView(k.kpi), outcome_events: k.outcomeEvents })),
        contexts: cfg.dataset.context.map((c) => ({ name: c.name, source: c.source, time: c.time, value: c.value, threshold: c.threshold ?? null })),
        event_names: d.vocab.slice(0, 200).map((v) => ({ name: v.name, events: Number(v.events), groups: Number(v.groups) })),
        range: { from: iso(d.range.from), to: iso(d.range.to) },
        groups: d.groups,
        total_events: d.totalEvents,
        inspected_at: iso(datasetCache!.at),
      };
    },
  );

  registerScopeRoute(app, cfg, executor, ttl);

  app.get(
    '/api/kpis',
    { schema: { ...doc('The configured KPIs (no query)'), tags: ['dataset'], response: { 200: z.array(S.Kpi), ...S.errorsOf(401) } } },
    async () => cfg.kpis.map(kpiView),
  );

  app.get(
    '/api/templates',
    { schema: { ...doc('The template catalog: each family with its parameter schema (JSON Schema)'), tags: ['dataset'], response: { 200: z.array(S.Template), ...S.errorsOf(401) } } },
    async () => catalog().map((c) => ({ ...c, params_schema: c.params_schema as Record<string, unknown> })),
  );

  // ------------------------------------------------------------------------------------------------------------
  // Runs

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
      await checkRequest(request, 'body');
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
      const statuses = listParam(q.status);
      const bad = (statuses ?? []).filter((s) => !(RUN_STATUSES as readonly string[]).includes(s));
      if (bad.length) throw badRequest('querystring', [{ path: ['status'], message: `unknown status ${bad.join(', ')}; statuses are: ${RUN_STATUSES.join(', ')}` }]);
      const r = await store.listRuns({ statuses: statuses as RunStatus[] | undefined, investigationId: q.investigation, limit: q.limit, offset: q.offset });
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
      const r = await getRun(req.params.id);
      return { ...runView(r), plan: await planView(r.id) };
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
      const r = await getRun(req.params.id);
      const p = await planView(r.id);
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
      if (r) return { ...runView(r), plan: await planView(id) };
      const stored = await store.getRun(id);
      if (!stored) throw notFound(`no run with id ${id}`);
      throw new HttpError(409, `run ${id} is already ${stored.status}`);
    },
  );

  // ------------------------------------------------------------------------------------------------------------
  // Opportunities

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
      const kpiNames = cfg.kpis.map((k) => k.name);
      const kpis = listParam(q.kpi);
      const badK = (kpis ?? []).filter((k) => !kpiNames.includes(k));
      if (badK.length) issues.push({ path: ['kpi'], message: `unknown KPI ${badK.join(', ')}; KPIs are: ${kpiNames.join(', ')}` });
      const statuses = listParam(q.status);
      const badS = (statuses ?? []).filter((s) => !(TRIAGE_STATUSES as readonly string[]).includes(s));
      if (badS.length) issues.push({ path: ['status'], message: `unknown status ${badS.join(', ')}; statuses are: ${TRIAGE_STATUSES.join(', ')}` });
      const templates = listParam(q.template);
      const badT = (templates ?? []).filter((t) => !(FAMILIES as readonly string[]).includes(t));
      if (badT.length) issues.push({ path: ['template'], message: `unknown template ${badT.join(', ')}; templates are: ${FAMILIES.join(', ')}` });
      const from = parseTime(q.from);
      const to = parseTime(q.to);
      if (q.from !== undefined && from === undefined) issues.push({ path: ['from'], message: `not a date-time: ${JSON.stringify(q.from)}` });
      if (q.to !== undefined && to === undefined) issues.push({ path: ['to'], message: `not a date-time: ${JSON.stringify(q.to)}` });
      if (from !== undefined && to !== undefined && from >= to) issues.push({ path: ['to'], message: 'must be after from' });
      if (issues.length) throw badRequest('querystring', issues);
      if (q.run !== undefined && !(await store.getRun(q.run)) && !runs.get(q.run)) throw notFound(`no run with id ${q.run}`);
      const r = await store.listLeads({
        kpis,
        statuses: statuses as TriageStatus[] | undefined,
        templates,
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

  const leadIdParam = z.object({ id: z.string().regex(ID_PATTERN, 'expected an opportunity id (24 hex characters)') }).strict();

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
      const d = await dataset();
      const c = d.contexts.find((x) => x.spec.name === name);
      if (!c) throw notFound(`context ${name} of opportunity ${id} is not in the dataset any more; contexts are: ${d.contexts.map((x) => x.spec.name).join(', ') || 'none'}`);
      const series = (l.evidence.series ?? l.opportunity.series) as { from: string | number; width_ms: number; cohort: unknown[] } | undefined | null;
      const start = series ? (typeof series.from === 'number' ? series.from : Date.parse(series.from)) : NaN;
      const range = Number.isFinite(start) && series!.width_ms > 0 ? { from: start, to: start + series!.width_ms * series!.cohort.length } : d.range;
      const cs = await contextSeries(executor.onControl(), c, { ...range, threshold });
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

  // ------------------------------------------------------------------------------------------------------------
  // Saved investigations

  const everyMs = (every: string, where: string): number => {
    const ms = parseDuration(every);
    if (!(ms >= 60_000 && ms <= MAX_SCHEDULE_MS)) throw badRequest(where, [{ path: ['schedule', 'every'], message: `must be between 1m and 365d, not ${every}` }]);
    return ms;
  };
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
      await checkRequest(b.request as RunRequest, 'body.request');
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
      if (b.request) await checkRequest(b.request as RunRequest, 'body.request');
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
        ...doc('Delete a saved investigation (its runs stay)'),
        tags: ['investigations'],
        params: S.IdParam,
        response: { 204: z.undefined().describe('Deleted'), ...S.errorsOf(400, 401, 404) },
      },
    },
    async (req, reply) => {
      if (!(await store.deleteInvestigation(req.params.id))) throw notFound(`no investigation with id ${req.params.id}`);
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
      await checkRequest(inv.request, 'investigation.request');
      const run = await runs.submit(inv.request, { investigationId: inv.id });
      await store.saveInvestigation({ ...inv, last_run_id: run.id, last_run_at: Date.now(), updated_at: Date.now() });
      return reply.code(202).header('Location', `/api/runs/${run.id}`).send({ ...runView(run), plan: null });
    },
  );

  await app.ready();
  return app;
}

function kpiView(k: LoadedConfig['kpis'][number]) {
  const kind = kpiKind(k);
  const definition: Record<string, unknown> = { [kind]: k[kind] };
  return { name: k.name, kind, description: k.description, definition, higher_is_better: k.higher_is_better };
}

function formatEvery(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
