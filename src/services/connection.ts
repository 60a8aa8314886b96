/**
 * The app's settings and the "Test connection" check, as pure-ish logic (the config page only renders what these return).
 *
 * The test goes through Grafana's plugin proxy (plugin.json `routes`), so it exercises exactly what the pages use:
 * the SAVED engine URL and token. Step 1, GET /api/health (needs no token): is the engine reachable from Grafana's
 * server? Step 2, GET /api/kpis (needs the token): does the engine accept the token Grafana injects?
 */
import type { PluginMeta } from '@grafana/data';
import type { AppJsonData, AppSecureJsonData } from '../types/settings';
import type { Health, Kpi } from '../types/api';
import { engine as defaultEngine, EngineError, toEngineError } from './engine';

// ---------------------------------------------------------------------------------------------------------------------
// Settings form

/** What the config page edits. The token itself is write-only: `tokenConfigured` says whether Grafana holds one. */
export interface SettingsForm {
  engineUrl: string;
  clickhouseDatasourceUid: string;
  /** What the user typed in the token field (empty when untouched). */
  engineToken: string;
  /** Grafana holds a token (secureJsonFields.engineToken) and the user has not reset it. */
  tokenConfigured: boolean;
}

export function formFromMeta(meta: Pick<PluginMeta<AppJsonData>, 'jsonData' | 'secureJsonFields'>): SettingsForm {
  return {
    engineUrl: meta.jsonData?.engineUrl ?? '',
    clickhouseDatasourceUid: meta.jsonData?.clickhouseDatasourceUid ?? '',
    engineToken: '',
    tokenConfigured: Boolean(meta.secureJsonFields?.engineToken),
  };
}

/** Why an engine URL can't be saved, or undefined when it can. An empty URL is "not configured yet", also refused. */
export function validateEngineUrl(raw: string): string | undefined {
  const value = raw.trim();
  if (!value) {
    return 'Enter the URL of `surfacer serve`, as Grafana’s server reaches it, e.g. http://engine:8787';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Not a URL: use a full http(s) URL, e.g. http://engine:8787';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `The engine is reached over HTTP: use http:// or https://, not ${url.protocol}//`;
  }
  if (url.username || url.password) {
    return 'Don’t put credentials in the URL; use the engine token field';
  }
  if (url.search || url.hash) {
    return 'The URL must not have a query string or fragment';
  }
  return undefined;
}

/** The URL as stored: trimmed, without trailing slashes (the proxy appends /api/...). */
export function normalizeEngineUrl(raw: string): string {
  return raw.trim().replace(/\/+$/, '');
}

export interface SettingsPayload {
  enabled: boolean;
  pinned: boolean;
  jsonData: AppJsonData;
  secureJsonData?: AppSecureJsonData;
}

/**
 * The body of POST /api/plugins/<id>/settings. The token is sent only when the user changed it: typed a new one, or
 * reset the saved one (then an empty value clears it). Untouched, it is left out so Grafana keeps the stored secret.
 */
export function settingsPayload(
  meta: Pick<PluginMeta<AppJsonData>, 'enabled' | 'pinned' | 'jsonData' | 'secureJsonFields'>,
  form: SettingsForm
): SettingsPayload {
  const jsonData: AppJsonData = {
    ...(meta.jsonData ?? {}),
    engineUrl: normalizeEngineUrl(form.engineUrl),
    clickhouseDatasourceUid: form.clickhouseDatasourceUid || undefined,
  };
  const wasConfigured = Boolean(meta.secureJsonFields?.engineToken);
  const tokenChanged = form.engineToken !== '' || (wasConfigured && !form.tokenConfigured);
  return {
    enabled: Boolean(meta.enabled),
    pinned: Boolean(meta.pinned),
    jsonData,
    ...(tokenChanged ? { secureJsonData: { engineToken: form.engineToken.trim() } } : {}),
  };
}

/** Whether the form differs from what Grafana has saved (the connection test only sees saved settings). */
export function isDirty(meta: Pick<PluginMeta<AppJsonData>, 'jsonData' | 'secureJsonFields'>, form: SettingsForm): boolean {
  const saved = formFromMeta(meta);
  return (
    normalizeEngineUrl(form.engineUrl) !== normalizeEngineUrl(saved.engineUrl) ||
    form.clickhouseDatasourceUid !== saved.clickhouseDatasourceUid ||
    form.engineToken !== '' ||
    form.tokenConfigured !== saved.tokenConfigured
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Connection test

export type ConnectionStep = 'settings' | 'health' | 'auth';

export const STEP_LABELS: Record<ConnectionStep, string> = {
  settings: 'Saved settings',
  health: 'Reach the engine (GET /api/health)',
  auth: 'Authenticate (GET /api/kpis)',
};

export type ConnectionResult =
  | { ok: true; version: string; store: Health['store']; kpis: number; kpiNames: string[] }
  | { ok: false; step: ConnectionStep; status: number; title: string; message: string };

/** What was saved, as the proxy will use it. */
export interface SavedSettings {
  engineUrl?: string;
  tokenConfigured: boolean;
}

type Client = { health: () => Promise<Health>; kpis: () => Promise<Kpi[]> };

function isHealth(h: unknown): h is Health {
  return typeof h === 'object' && h !== null && (h as Health).status === 'ok' && typeof (h as Health).version === 'string';
}

function healthFailure(e: EngineError, url: string): ConnectionResult {
  const base = { ok: false as const, step: 'health' as const, status: e.status };
  switch (e.status) {
    case 502:
    case 503:
    case 504:
      return {
        ...base,
        title: `Grafana could not reach the engine (${e.status})`,
        message:
          `Grafana’s server got no answer from ${url}. The URL is resolved by the Grafana server, not your browser: ` +
          'check that `surfacer serve` is running, that the host and port are right from Grafana’s point of view ' +
          '(e.g. http://engine:8787 inside Docker Compose, not localhost), then save and test again.',
      };
    case 404:
      return {
        ...base,
        title: 'Something answered, but not the Surfacer engine (404)',
        message: `${url}/api/health does not exist. Point the URL at \`surfacer serve\` itself (no path such as /api), then save and test again.`,
      };
    case 401:
    case 403:
      return {
        ...base,
        title: `Grafana refused the request (${e.status})`,
        message: 'Your Grafana user may not use the app’s proxy route. Sign in as an Admin (or Viewer with access to the app) and test again.',
      };
    default:
      return { ...base, title: 'The engine health check failed', message: e.message };
  }
}

function authFailure(e: EngineError, saved: SavedSettings): ConnectionResult {
  const base = { ok: false as const, step: 'auth' as const, status: e.status };
  if (e.status === 401 || e.status === 403) {
    return {
      ...base,
      title: `The engine rejected the token (${e.status})`,
      message: saved.tokenConfigured
        ? 'The engine is reachable but does not accept the saved token. Reset the engine token, enter the one `surfacer serve` uses (SURFACER_TOKEN or server.token), save, and test again.'
        : 'The engine is reachable but needs a token and none is saved. Enter the token `surfacer serve` uses (SURFACER_TOKEN or server.token), save, and test again.',
    };
  }
  if (e.status >= 502 && e.status <= 504) {
    return {
      ...base,
      title: `The engine stopped answering (${e.status})`,
      message: 'The health check passed but the authenticated call did not get through. Check the engine’s logs and test again.',
    };
  }
  return { ...base, title: 'The authenticated call failed', message: e.message };
}

/**
 * Runs the test through the saved proxy route: settings → health → authenticated call. Never throws; the result says
 * which step failed and what to do.
 */
export async function testConnection(saved: SavedSettings, client: Client = defaultEngine): Promise<ConnectionResult> {
  const url = normalizeEngineUrl(saved.engineUrl ?? '');
  if (!url) {
    return {
      ok: false,
      step: 'settings',
      status: 0,
      title: 'No engine URL saved',
      message: 'Enter the engine URL and save the settings first: the test uses the saved settings.',
    };
  }

  let health: Health;
  try {
    const h = await client.health();
    if (!isHealth(h)) {
      return {
        ok: false,
        step: 'health',
        status: 200,
        title: 'Something answered, but not the Surfacer engine',
        message: `${url}/api/health did not return the engine’s health document. Point the URL at \`surfacer serve\`, then save and test again.`,
      };
    }
    health = h;
  } catch (e) {
    return healthFailure(toEngineError(e, 'Engine health'), url);
  }

  try {
    const kpis = await client.kpis();
    const list = Array.isArray(kpis) ? kpis : [];
    return { ok: true, version: health.version, store: health.store, kpis: list.length, kpiNames: list.map((k) => k.name) };
  } catch (e) {
    return authFailure(toEngineError(e, 'KPIs'), saved);
  }
}
