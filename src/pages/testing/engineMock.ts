/**
 * Test helpers (not tests): the engine behind Grafana's getBackendSrv().fetch, answering like `surfacer serve`
 * (pkg/api/schemas.ts shapes), so the engine client in services/engine.ts is exercised too.
 * Each test file mocks @grafana/runtime with `getBackendSrv: () => ({ fetch: mockFetch })` and hands mockFetch here.
 */
import { of, throwError } from 'rxjs';
import type { BackendSrvRequest } from '@grafana/runtime';
import { ENGINE_PROXY_URL } from '../../constants';

export interface EngineReply {
  status?: number;
  body: unknown;
}

export type Handler = unknown | ((req: BackendSrvRequest, path: string) => unknown | EngineReply);

/** An error reply like the engine's errorBody(). */
export function engineError(
  status: number,
  message: string,
  issues?: Array<{ path: string; message: string }>
): EngineReply {
  const error =
    { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error' }[status] ?? 'Error';
  return { status, body: { statusCode: status, error, message, ...(issues ? { issues } : {}) } };
}

const isReply = (v: unknown): v is EngineReply =>
  !!v && typeof v === 'object' && 'body' in v && Object.keys(v).every((k) => k === 'body' || k === 'status');

/**
 * Routes: "METHOD /api/path" (exact) or "METHOD /api/path/*" (prefix) → data, an EngineReply, or a function of the
 * request. Unknown routes answer 404 like the engine.
 */
export function engineFetch(routes: Record<string, Handler>) {
  return (req: BackendSrvRequest) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = req.url.startsWith(ENGINE_PROXY_URL) ? req.url.slice(ENGINE_PROXY_URL.length) : req.url;
    const key = `${method} ${path}`;
    const match =
      key in routes
        ? routes[key]
        : Object.entries(routes).find(([k]) => k.endsWith('/*') && key.startsWith(k.slice(0, -1)))?.[1];
    let out: unknown = match === undefined ? engineError(404, `no route ${key}`) : match;
    if (typeof out === 'function') {
      out = (out as (r: BackendSrvRequest, p: string) => unknown)(req, path);
    }
    const reply: EngineReply = isReply(out) ? out : { status: 200, body: out };
    const status = reply.status ?? 200;
    if (status >= 400) {
      return throwError(() => ({ status, statusText: String(status), data: reply.body, config: req }));
    }
    return of({
      data: reply.body,
      status,
      statusText: 'OK',
      ok: true,
      headers: new Headers(),
      redirected: false,
      type: 'basic',
      url: req.url,
      config: req,
    });
  };
}

/** The requests made so far, as "METHOD path" with params/data. */
export function calls(mock: jest.Mock): Array<{ key: string; params?: Record<string, unknown>; data?: unknown }> {
  return mock.mock.calls.map(([req]: [BackendSrvRequest]) => ({
    key: `${(req.method ?? 'GET').toUpperCase()} ${req.url.replace(ENGINE_PROXY_URL, '')}`,
    params: req.params,
    data: req.data,
  }));
}
