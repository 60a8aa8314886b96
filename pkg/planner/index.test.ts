import type { Dataset } from '../dataset/inspect';
import { startOllamaStandin, type OllamaStandin } from '../../tests/support/ollama-standin';
import { makePlan } from './index';

const MODEL = 'qwen2.5:7b-instruct';

/** The least a planner reads: one KPI, one attribute, a few events. */
const d = {
  columns: [{ name: 'country', type: 'String' }],
  spec: { time: 'ts', group: 'session_id', user: 'user_id', event: 'event_name', attributes: ['country'] },
  kpis: [{ index: 0, kpi: { name: 'crash_rate', description: 'Sessions that end in a crash' }, kind: 'failure_events', outcomeEvents: ['app_crash'] }],
  contexts: [],
  vocab: [
    { name: 'login', events: 100, groups: 90 },
    { name: 'app_crash', events: 10, groups: 9 },
  ],
  groups: 100,
  totalEvents: 110,
} as unknown as Dataset;

describe('the choice of planner (service and CLI)', () => {
  let ollama: OllamaStandin;
  beforeAll(async () => {
    ollama = await startOllamaStandin({ models: [MODEL] });
    ollama.script({ content: JSON.stringify({ kpis: ['crash_rate'], items: [{ template: 'static', params: {}, kpis: ['crash_rate'], reason: 'by country' }] }) });
  });
  afterAll(() => ollama.close());
  const cfg = () => ({ planner: { llm: { host: ollama.host, model: MODEL, timeout_s: 5 } } });

  it('asks the configured model by default, and says so before asking', async () => {
    const asked: string[] = [];
    const before = ollama.chats().length;
    const plan = await makePlan(d, cfg(), { prompt: 'crashes by country' }, { onAsk: (m) => asked.push(m) });
    expect(plan.planner).toBe('llm');
    expect(plan.items[0]).toMatchObject({ template: 'static', reason: 'by country' });
    expect(asked).toEqual([MODEL]);
    expect(ollama.chats().length).toBe(before + 1);
  });

  it('plans deterministically when told to, or when no model is configured, without asking one', async () => {
    const before = ollama.chats().length;
    const told = await makePlan(d, cfg(), { prompt: 'crashes by country' }, { choice: 'deterministic' });
    const unconfigured = await makePlan(d, { planner: {} }, { prompt: 'crashes by country' }, { choice: 'llm' });
    expect([told.planner, unconfigured.planner]).toEqual(['deterministic', 'deterministic']);
    expect(told.items.map((i) => i.template)).toContain('static');
    expect(ollama.chats().length).toBe(before);
  });

  it('feeds earlier triage to the deterministic planner', async () => {
    const feedback = { byFamily: { static: { useful: 2, dismissed: 0 } } };
    const plan = await makePlan(d, cfg(), {}, { choice: 'deterministic', feedback });
    expect(plan.items[0]!.template).toBe('static');
    expect(plan.items[0]!.reason).toContain('marked useful 2 times');
  });
});
