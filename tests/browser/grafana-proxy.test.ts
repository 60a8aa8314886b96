/**
 * The harness's port of Grafana's app plugin proxy route matching (grafana-proxy.ts), against the cases of
 * grafana/grafana pkg/web/tree.go and pkg/api/pluginproxy/pluginproxy.go, and src/plugin.json's own routes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { interpolate, joinUrlFragments, matchRoutePath } from './grafana-proxy';
import { ROOT } from './bundle';

describe("Grafana's app plugin route matching", () => {
  it.each([
    ['engine', 'engine', { match: true }],
    ['engine', 'engine/', { match: true }],
    ['engine', 'engine/api/kpis', { match: false }],
    ['engine/*', 'engine/api/kpis', { match: true, rest: 'api/kpis' }],
    ['engine/*', 'engine/api/opportunities/abc', { match: true, rest: 'api/opportunities/abc' }],
    ['engine/*', 'engine', { match: false }],
    ['engine/*', 'other/api', { match: false }],
    ['api/:id', 'api/42', { match: true }],
  ])('route path %s, proxy path %s', (pattern, path, want) => {
    expect(matchRoutePath(pattern, path)).toEqual(want);
  });

  it('joins the route URL and the rest like util.JoinURLFragments', () => {
    expect(joinUrlFragments('', 'api/kpis')).toBe('/api/kpis');
    expect(joinUrlFragments('/base/', '/api')).toBe('/base/api');
    expect(joinUrlFragments('/base', '')).toBe('/base');
  });

  it('renders {{ .JsonData.x }} and {{ .SecureJsonData.x }}', () => {
    const s = { enabled: true, pinned: true, jsonData: { engineUrl: 'http://e:8787' }, secureJsonData: { engineToken: 't' } };
    expect(interpolate('{{ .JsonData.engineUrl }}', s)).toBe('http://e:8787');
    expect(interpolate('Bearer {{ .SecureJsonData.engineToken }}', s)).toBe('Bearer t');
  });

  it("src/plugin.json: every engine call the app makes matches a route for its method", () => {
    const routes: Array<{ path: string; method?: string }> = JSON.parse(readFileSync(join(ROOT, 'src', 'plugin.json'), 'utf8')).routes ?? [];
    const calls: Array<[string, string]> = [
      ['GET', 'engine/api/kpis'],
      ['GET', 'engine/api/runs/r1'],
      ['POST', 'engine/api/runs'],
      ['POST', 'engine/api/runs/r1/cancel'],
      ['PATCH', 'engine/api/opportunities/abc'],
    ];
    const unmatched = calls.filter(
      ([method, path]) => !routes.some((r) => (!r.method || r.method === '*' || r.method === method) && matchRoutePath(r.path, path).match)
    );
    expect(unmatched).toEqual([]);
  });
});
