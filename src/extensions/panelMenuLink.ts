/**
 * The dashboard panel-menu link "Find opportunities for this KPI": opens the Investigate page with the panel's title
 * (the page matches it to KPIs), its dashboard and its time range. Pure; module.tsx registers it with addLink.
 */
import { dateMath, isDateTime, PluginExtensionPoints, type PluginExtensionPanelContext, type RawTimeRange } from '@grafana/data';
import { investigateUrl } from '../utils/utils.routing';

export const PANEL_MENU_LINK = {
  targets: [PluginExtensionPoints.DashboardPanelMenu],
  title: 'Find opportunities for this KPI',
  description: "Open Surfacer's Investigate page with this panel's title, time range and dashboard",
  icon: 'search' as const,
};

export const INVESTIGATE_PATH = investigateUrl();

/** One end of a dashboard time range as epoch ms: "now-6h" resolved now (in the dashboard's time zone), absolute kept. */
export function toEpochMs(value: RawTimeRange['from'] | undefined, roundUp: boolean, timeZone?: string): number | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  if (isDateTime(value)) {
    return value.isValid() ? value.valueOf() : undefined;
  }
  // Dashboards store absolute times as epoch-ms strings in URLs; dateMath handles those, ISO and "now-…".
  const asNumber = /^\d{10,}$/.test(value) ? Number(value) : undefined;
  if (asNumber !== undefined) {
    return asNumber;
  }
  const parsed = dateMath.toDateTime(value, { roundUp, timezone: timeZone });
  return parsed && parsed.isValid() ? parsed.valueOf() : undefined;
}

/** The Investigate URL for a panel, with only the parameters the context provides. */
export function investigateUrlForPanel(context: Readonly<Partial<PluginExtensionPanelContext>> | undefined): string {
  const params = new URLSearchParams();
  const title = context?.title?.trim();
  if (title) {
    params.set('panelTitle', title);
  }
  if (context?.dashboard?.uid) {
    params.set('dashboardUid', context.dashboard.uid);
  }
  const from = toEpochMs(context?.timeRange?.from, false, context?.timeZone);
  const to = toEpochMs(context?.timeRange?.to, true, context?.timeZone);
  if (from !== undefined && to !== undefined && from < to) {
    params.set('from', String(from));
    params.set('to', String(to));
  }
  const qs = params.toString();
  return qs ? `${INVESTIGATE_PATH}?${qs}` : INVESTIGATE_PATH;
}

/** addLink's configure: always shown (any panel can be a KPI), with the panel's context in the path. */
export function configurePanelMenuLink(context: Readonly<PluginExtensionPanelContext> | undefined) {
  return { path: investigateUrlForPanel(context) };
}
