/** HTTP errors of the API: each names what is wrong (field path, id, header). */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { ConfigError } from '../config/load';
import { SchemaError } from '../dataset/source';
import { QueryError } from '../execute/executor';
import { NotFound } from '../store/store';
import { Conflict, QueueFull, StoreUnavailable } from '../service/runs';
import type { Issue } from '../service/validate';
import { clip } from './input';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** `body.kpis[0]`, `querystring.status`, `params.id`. */
export function fieldPath(where: string, path: readonly (string | number | symbol)[]): string {
  let s = where;
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : `${s ? '.' : ''}${String(p)}`;
  return s || '(request)';
}

export function badRequest(where: string, issues: Issue[]): HttpError {
  const list = issues.map((i) => ({ path: fieldPath(where, i.path), message: i.message }));
  return new HttpError(400, list.map((i) => `${i.path}: ${i.message}`).join('; '), list);
}

export const notFound = (message: string) => new HttpError(404, message);

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(statusCode: number, message: string, issues?: { path: string; message: string }[]) {
  return { statusCode, error: REASONS[statusCode] ?? 'Error', message, ...(issues ? { issues } : {}) };
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'request';
    const issues = err.validation.map((v) => {
      const path = v.instancePath.split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      let message = v.message ?? 'invalid';
      const keys = (v.params as { keys?: string[] } | undefined)?.keys;
      if (v.keyword === 'unrecognized_keys' && keys?.length) message = `unknown field(s) ${keys.map((k) => JSON.stringify(k)).join(', ')}`;
      return { path, message };
    });
    const e = badRequest(where, issues);
    return reply.code(400).send(errorBody(400, e.message, e.issues));
  }
  if (err instanceof HttpError) return reply.code(err.statusCode).send(errorBody(err.statusCode, err.message, err.issues));
  if (err instanceof NotFound) return reply.code(404).send(errorBody(404, err.message));
  if (err instanceof Conflict) return reply.code(409).send(errorBody(409, err.message));
  if (err instanceof SchemaError || err instanceof ConfigError) return reply.code(422).send(errorBody(422, err.message));
  if (err instanceof QueueFull) return reply.code(429).header('Retry-After', String(err.retryAfterS)).send(errorBody(429, err.message));
  if (err instanceof StoreUnavailable) {
    req.log.error({ err }, 'run not stored');
    return reply.code(503).send(errorBody(503, `${err.message}; request id ${req.id}`));
  }
  if (err instanceof QueryError) {
    // ClickHouse's text can quote SQL, settings and file paths: it goes to the log only.
    req.log.error({ err }, 'store query failed');
    return reply.code(503).send(errorBody(503, `the store could not answer: ${err.summary}; details in the service log under request id ${req.id}`));
  }
  if (isResponseSerializationError(err as never)) {
    req.log.error({ err, issues: (err as { cause?: { issues?: unknown } }).cause?.issues }, 'response does not match its schema');
    return reply.code(500).send(errorBody(500, `internal error: the response did not match its schema; request id ${req.id}`));
  }
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status >= 500) {
    req.log.error({ err }, 'request failed');
    return reply.code(500).send(errorBody(500, `internal error; details in the service log under request id ${req.id}`));
  }
  // Fastify's own messages can quote the request: cut them.
  return reply.code(status).send(errorBody(status, clip(err.message, 200)));
}
