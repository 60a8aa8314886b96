import { matchKpis, scoreKpis, stem, words } from './kpiMatch';

const kpis = [
  { name: 'login_failure', description: 'Share of login sessions that end in an auth error' },
  { name: 'checkout_failure', description: 'Checkout sessions that do not complete payment' },
  { name: 'page_load_ms', description: 'Page load time in milliseconds' },
  { name: 'searchLatency', description: 'Search response time' },
];

describe('kpiMatch', () => {
  test('stem brings word forms together', () => {
    expect(stem('failures')).toBe(stem('failure'));
    expect(stem('failed')).toBe(stem('failing'));
    expect(stem('logins')).toBe('login');
  });

  test('words splits snake, kebab and camel case and drops stopwords', () => {
    expect(words('login_failure')).toEqual(['login', 'fail']);
    expect(words('searchLatency')).toEqual(['search', 'latency']);
    expect(words('Rate of the logins over time')).toEqual(['login']);
  });

  test('a title naming a KPI’s words picks it', () => {
    expect(matchKpis('Login failures by country', kpis)).toEqual(['login_failure']);
    expect(matchKpis('Search latency p95', kpis)).toEqual(['searchLatency']);
  });

  test('ties are all kept', () => {
    expect(matchKpis('Login and checkout failures', kpis)).toEqual(['login_failure', 'checkout_failure']);
  });

  test('name words beat description words', () => {
    const s = scoreKpis('auth errors on page load', kpis);
    expect(s.find((x) => x.name === 'page_load_ms')!.score).toBeGreaterThan(
      s.find((x) => x.name === 'login_failure')!.score
    );
    expect(matchKpis('auth errors on page load', kpis)).toEqual(['page_load_ms']);
  });

  test('description words alone still match', () => {
    expect(matchKpis('Payment completion', kpis)).toEqual(['checkout_failure']);
  });

  test('the exact KPI name wins', () => {
    expect(matchKpis('page_load_ms (p95)', kpis)).toEqual(['page_load_ms']);
  });

  test('nothing matches: nothing preselected', () => {
    expect(matchKpis('CPU usage', kpis)).toEqual([]);
    expect(matchKpis('', kpis)).toEqual([]);
    expect(matchKpis('Login failures', [])).toEqual([]);
  });
});
