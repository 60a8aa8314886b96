/**
 * What the pages say when Grafana, not the engine, answered: the bodies Grafana writes (grafana pkg/api/plugin_checks.go
 * checkAppEnabled, pkg/api/pluginproxy/pluginproxy.go HandleRequest, pkg/services/accesscontrol/middleware.go deny)
 * and the bare 502 of pkg/util/proxyutil/reverse_proxy.go errorHandler.
 */
import { toEngineError } from './engine';

const fetchError = (status: number, data: unknown) => ({ status, statusText: '', data, config: { url: '' } });

describe('toEngineError', () => {
  it('the app disabled in the org: says so and where to enable it', () => {
    const e = toEngineError(fetchError(404, { message: 'Plugin is not enabled' }), 'KPIs');
    expect(e.message).toMatch(/^KPIs: the Surfacer app is disabled/);
    expect(e.message).toMatch(/Administration → Plugins/);
  });

  it('a route the installed plugin.json does not have', () => {
    expect(toEngineError(fetchError(404, { message: 'plugin route match not found' }), 'KPIs').message).toMatch(/no route of the Surfacer app/);
  });

  it("a role below the route's reqRole, and no plugins.app:access: two different 403s", () => {
    expect(toEngineError(fetchError(403, { message: 'plugin proxy route access denied' }), 'Triage').message).toMatch(/needs Editor/);
    const denied = { title: 'Access denied', message: "You'll need additional permissions to perform this action. Permissions needed: plugins.app:access" };
    expect(toEngineError(fetchError(403, denied), 'KPIs').message).toMatch(/denied access to the Surfacer app \(403\).*plugins\.app:access/);
  });

  it('502 (no reachable engine, or no URL saved): points to the configuration page', () => {
    expect(toEngineError(fetchError(502, ''), 'KPIs').message).toMatch(/unreachable through Grafana \(502\).*configuration page/);
  });

  it("the engine's own error body wins", () => {
    const e = toEngineError(fetchError(404, { statusCode: 404, error: 'Not Found', message: 'no such run' }), 'Run r1');
    expect(e.message).toBe('Run r1: no such run');
  });
});
