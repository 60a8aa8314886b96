import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;
/** Grafana's plugin proxy: requests here are forwarded to jsonData.engineUrl with the token header added. */
export const ENGINE_PROXY_URL = `/api/plugin-proxy/${pluginJson.id}/engine`;

export enum ROUTES {
  Investigate = 'investigate',
  Opportunities = 'opportunities',
  Lead = 'opportunities/:id',
  Templates = 'templates',
}

/** How often the Investigate page asks the engine for a running run's progress. */
export const RUN_POLL_MS = 1000;
