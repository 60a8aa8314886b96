/**
 * A BackendSrv that behaves like Grafana's (public/app/core/services/backend_srv.ts + public/app/core/utils/fetch.ts)
 * for what a plugin sees through getBackendSrv():
 *
 * - URL: `options.url` with a leading slash stripped (Grafana resolves API URLs against <base href>), params
 *   serialised like fetch.ts `parseUrlFromOptions` (undefined and empty values dropped, arrays repeated).
 * - Init: `accept: application/json, text/plain, *\/*`; POST/PUT/PATCH default to `content-type: application/json`
 *   and a JSON body; other bodies are URL-encoded; credentials `same-origin`; `X-Grafana-Org-Id` on local requests.
 * - Response: the text parsed as JSON when it is JSON, else the text; a FetchResponse {data, status, statusText, ok,
 *   headers, url, type, redirected, config}.
 * - Failure (ok === false): the Observable errors with a FetchError {status, statusText, data, config} (what
 *   `isFetchError` from @grafana/runtime recognises); unless `showErrorAlert === false`, an error toast is published
 *   on the app events like Grafana's requestErrorHandler does. A network failure errors with status 0-less TypeError
 *   (fetch's own), as in Grafana.
 * - get/post/patch/put/delete/request resolve to `data`, like Grafana's.
 */
import { Observable, lastValueFrom } from 'rxjs';
import { AppEvents } from '@grafana/data';
import { getAppEvents, type BackendSrv, type BackendSrvRequest, type FetchError, type FetchResponse } from '@grafana/runtime';

export interface RecordedRequest {
  method: string;
  url: string;
  status: number;
}

export const requests: RecordedRequest[] = [];

function serializeParams(data: Record<string, unknown>): string {
  return Object.keys(data)
    .map((key) => {
      const value = data[key];
      if (Array.isArray(value)) {
        return value.map((v) => `${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`).join('&');
      }
      return `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
    })
    .join('&');
}

function parseUrl(options: BackendSrvRequest): string {
  let url = options.url;
  const local = !/^http/.test(url);
  if (local && url.startsWith('/')) {
    url = url.substring(1);
  }
  if (!options.params) {
    return url;
  }
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options.params)) {
    if (v === undefined || (v && (v as { length?: number }).length === 0)) {
      continue;
    }
    clean[k] = v;
  }
  const s = serializeParams(clean);
  return s.length ? `${url}?${s}` : url;
}

function parseInit(options: BackendSrvRequest): RequestInit {
  const headers = new Headers(options.headers ?? {});
  const method = (options.method ?? 'GET').toUpperCase();
  if (['POST', 'PUT', 'PATCH'].includes(method) && !headers.get('content-type')) {
    headers.set('content-type', 'application/json');
  }
  if (!headers.get('accept')) {
    headers.set('accept', 'application/json, text/plain, */*');
  }
  if (!/^http/.test(options.url)) {
    headers.set('X-Grafana-Org-Id', '1');
  }
  const isJson = (headers.get('content-type') ?? '').toLowerCase() === 'application/json';
  let body: BodyInit | undefined;
  if (options.data !== undefined && options.data !== null && options.data !== '') {
    body = typeof options.data === 'string' ? options.data : isJson ? JSON.stringify(options.data) : new URLSearchParams(options.data);
  }
  return { method, headers, body, credentials: options.credentials ?? 'same-origin', signal: options.abortSignal };
}

function alertError(err: FetchError) {
  let data = err.data ?? { message: 'Unexpected error' };
  if (typeof data === 'string') {
    data = { message: data };
  }
  if (data.message) {
    getAppEvents().publish({ type: err.status < 500 ? AppEvents.alertWarning.name : AppEvents.alertError.name, payload: [data.message] });
  }
}

export class HarnessBackendSrv implements BackendSrv {
  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    return new Observable<FetchResponse<T>>((subscriber) => {
      const controller = new AbortController();
      const url = parseUrl(options);
      const init = parseInit(options);
      if (options.abortSignal) {
        options.abortSignal.addEventListener('abort', () => controller.abort());
      }
      init.signal = controller.signal;
      const method = String(init.method);
      window
        .fetch(url, init)
        .then(async (response) => {
          const text = await response.text();
          let data: unknown;
          try {
            data = JSON.parse(text);
          } catch {
            data = text;
          }
          requests.push({ method, url, status: response.status });
          const { status, statusText, ok, headers, redirected, type } = response;
          if (ok) {
            subscriber.next({ data: data as T, status, statusText, ok, headers, url: response.url, type, redirected, config: options });
            subscriber.complete();
            return;
          }
          const err: FetchError = { status, statusText, data, config: options };
          if (options.showErrorAlert !== false) {
            // Grafana defers this so a caller can set isHandled first.
            setTimeout(() => {
              if (!err.isHandled) {
                alertError(err);
              }
            }, 50);
          }
          subscriber.error(err);
        })
        .catch((e) => {
          if (controller.signal.aborted) {
            subscriber.error({ status: -1, statusText: 'Request was aborted', data: undefined, cancelled: true, config: options } as FetchError);
            return;
          }
          requests.push({ method, url, status: 0 });
          subscriber.error(e);
        });
      return () => controller.abort();
    });
  }

  request<T = unknown>(options: BackendSrvRequest): Promise<T> {
    return lastValueFrom(this.fetch<T>(options)).then((r) => r.data);
  }
  datasourceRequest<T = unknown>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
    return lastValueFrom(this.fetch<T>(options));
  }
  get<T = any>(url: string, params?: any, requestId?: string, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, method: 'GET', url, params, requestId });
  }
  delete<T = unknown>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, method: 'DELETE', url, data });
  }
  post<T = any>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, method: 'POST', url, data });
  }
  patch<T = any>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, method: 'PATCH', url, data });
  }
  put<T = any>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, method: 'PUT', url, data });
  }
  chunked(): Observable<FetchResponse<Uint8Array | undefined>> {
    throw new Error('chunked() is not emulated by the harness');
  }
}
