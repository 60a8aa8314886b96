import { dateTime, PluginExtensionPoints, type PluginExtensionPanelContext } from '@grafana/data';
import pluginJson from '../plugin.json';
import { plugin } from '../module';
import { configurePanelMenuLink, investigateUrlForPanel, PANEL_MENU_LINK, toEpochMs } from './panelMenuLink';

const FROM = Date.UTC(2026, 0, 10, 0, 0, 0);
const TO = Date.UTC(2026, 0, 17, 0, 0, 0);

function panelContext(over: Partial<PluginExtensionPanelContext> = {}): PluginExtensionPanelContext {
  return {
    pluginId: 'timeseries',
    id: 4,
    title: 'Checkout failures',
    timeRange: { from: dateTime(FROM), to: dateTime(TO) },
    timeZone: 'utc',
    dashboard: { uid: 'dash-1', title: 'Payments', tags: [] },
    targets: [],
    ...over,
  };
}

const query = (url: string) => Object.fromEntries(new URL(url, 'http://grafana').searchParams);

describe('panel menu link', () => {
  it('opens Investigate with the panel title, dashboard and absolute time range', () => {
    const url = investigateUrlForPanel(panelContext());
    expect(url.startsWith('/a/surfacer-opportunities-app/investigate?')).toBe(true);
    expect(query(url)).toEqual({ panelTitle: 'Checkout failures', dashboardUid: 'dash-1', from: String(FROM), to: String(TO) });
    expect(configurePanelMenuLink(panelContext())).toEqual({ path: url });
  });

  it('resolves relative ranges to epoch ms at click time', () => {
    const before = Date.now();
    const q = query(investigateUrlForPanel(panelContext({ timeRange: { from: 'now-6h', to: 'now' } })));
    const after = Date.now();
    expect(Number(q.to) - Number(q.from)).toBeCloseTo(6 * 3600 * 1000, -4);
    expect(Number(q.to)).toBeGreaterThanOrEqual(before - 1000);
    expect(Number(q.to)).toBeLessThanOrEqual(after + 1000);
  });

  it('keeps epoch-ms strings and escapes titles', () => {
    const q = query(
      investigateUrlForPanel(panelContext({ title: 'Failures & retries / day', timeRange: { from: String(FROM), to: String(TO) } }))
    );
    expect(q).toMatchObject({ panelTitle: 'Failures & retries / day', from: String(FROM), to: String(TO) });
  });

  it('leaves out what the context lacks', () => {
    expect(investigateUrlForPanel(undefined)).toBe('/a/surfacer-opportunities-app/investigate');
    expect(
      investigateUrlForPanel(panelContext({ title: '  ', dashboard: undefined as never, timeRange: { from: 'garbage', to: 'now' } }))
    ).toBe('/a/surfacer-opportunities-app/investigate');
    expect(toEpochMs('', false)).toBeUndefined();
  });

  it('is registered by module.tsx as declared in plugin.json (Grafana checks targets and title)', () => {
    const links = plugin.addedLinkConfigs;
    expect(links).toHaveLength(1);
    const [link] = links;
    expect(link.targets).toEqual([PluginExtensionPoints.DashboardPanelMenu]);
    expect(link.title).toBe(PANEL_MENU_LINK.title);
    expect(link.path).toBe('/a/surfacer-opportunities-app/investigate');
    const declared = pluginJson.extensions.addedLinks;
    expect(declared).toEqual([{ targets: link.targets, title: link.title, description: link.description }]);
    expect(link.configure?.(panelContext())).toEqual({ path: investigateUrlForPanel(panelContext()) });
  });
});
