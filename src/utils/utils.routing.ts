import { PLUGIN_BASE_URL, ROUTES } from '../constants';

// Prefixes the route with the base URL of the plugin
export function prefixRoute(route: string): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}

export function leadUrl(id: string, runId?: string): string {
  return prefixRoute(`opportunities/${encodeURIComponent(id)}`) + (runId ? `?run=${encodeURIComponent(runId)}` : '');
}

/** The Investigate page, optionally watching a run. */
export function investigateUrl(runId?: string): string {
  return prefixRoute(ROUTES.Investigate) + (runId ? `?run=${encodeURIComponent(runId)}` : '');
}
