/**
 * The HTTP API of `surfacer serve` (Fastify; zod schemas for requests and responses; OpenAPI at /api/openapi.json).
 *
 * buildApp() takes the config and an open Executor, so the service and tests share one store (chdb allows one
 * data folder per process); the caller closes the executor after `app.close()`. Analyses run on the executor's
 * work session; the API's own reads and writes (results store, dataset inspection) on its control session, so
 * they answer while an analysis runs.
 *
 * This file sets the server up (logging, request ids, auth, input checks, error answers, OpenAPI, health); each
 * resource's routes are a plugin in routes/, given the shared dependencies (RouteDeps) as its options.
 */
import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConfigError, type LoadedConfig } from '../config/load';
import type { Executor } from '../execute/executor';
import { Scheduler } from '../service/scheduler';
import { RESTART_REASON, RunManager, type Logger } from '../service/runs';
import { ResultStore } from '../store/store';
import { SCHEMA_VERSION } from '../store/schema';
import { makeTokenCheck } from './auth';
import { errorBody, errorHandler, HttpError } from './errors';
import { clip, loneSurrogatePath } from './input';
import { acceptEmptyJsonBody } from './json-body';
import { datasetCache, doc, type RouteDeps } from './routes/deps';
import { datasetRoutes } from './routes/dataset';
import { investigationRoutes } from './routes/investigations';
import { opportunityRoutes } from './routes/opportunities';
import { runRoutes } from './routes/runs';
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
  // Watch tables of deleted investigations (a delete whose drop failed, or from before deletes dropped them).
  const orphaned = await runs.dropStoredWatches(await store.deletedInvestigationIds());
  if (orphaned.length) log.warn({ tables: orphaned.length }, 'watch tables of deleted investigations dropped');
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

  const datasetTtlMs = o.datasetTtlMs ?? 60_000;
  const deps: RouteDeps = { cfg, executor, store, runs, dataset: datasetCache(executor, cfg, datasetTtlMs), datasetTtlMs };

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
  // Resources, one plugin each (registered in this order, which is the order of the OpenAPI document's paths)

  await app.register(datasetRoutes, deps);
  await app.register(runRoutes, deps);
  await app.register(opportunityRoutes, deps);
  await app.register(investigationRoutes, deps);

  await app.ready();
  return app;
}
