import type { Dataset } from '../dataset/inspect';
import { kpisForPrompt } from './deterministic';

const kpi = (name: string, kind: string, description: string) => ({ kpi: { name, description }, kind });
const d = {
  kpis: [
    kpi('payment_conversion', 'funnel', 'Users who click buy_plan should pay within 10 seconds'),
    kpi('error_rate', 'failure_events', 'Sessions with an app error or a crash'),
    kpi('server_errors', 'failure_when', 'Sessions where the backend answered a request with a 5xx status'),
    kpi('page_load_ms', 'numeric', 'Mean page load time of the session in milliseconds; higher is worse'),
    kpi('video_start_failures', 'failure_events', 'Sessions where a video failed to start'),
  ],
} as unknown as Dataset;

describe('KPIs from the prompt', () => {
  it.each([
    ['find patterns behind payment failures', ['payment_conversion']],
    ['why do pages load slowly', ['page_load_ms']],
    ['crashes on android', ['error_rate']],
    ['video playback problems', ['video_start_failures']],
    ['backend 5xx errors', ['server_errors']],
  ])('%s → %j', (prompt, expected) => {
    expect(kpisForPrompt(d, prompt).kpis).toEqual(expected);
  });

  it('takes every KPI when the prompt names none', () => {
    expect(kpisForPrompt(d, 'anything interesting?').kpis).toHaveLength(5);
    expect(kpisForPrompt(d, '').why).toMatch(/no prompt/);
  });

  it('reads no KPI into function words: a title about something else picks none', () => {
    const r = kpisForPrompt(d, 'Memory on the database hosts');
    expect(r.named).toBe(false);
    expect(r.kpis).toHaveLength(5);
  });

  it('takes a KPI named exactly, whatever else the prompt says', () => {
    const r = kpisForPrompt(d, 'payment_conversion on android');
    expect(r).toEqual({ kpis: ['payment_conversion'], why: 'payment_conversion (named in the prompt)', named: true });
    // The name wins over words that would score another KPI higher.
    expect(kpisForPrompt(d, 'Page_Load_MS after crashes and errors').kpis).toEqual(['page_load_ms']);
  });
});
