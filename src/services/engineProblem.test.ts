import { EngineError } from './engine';
import { engineProblem } from './engineProblem';

describe('engineProblem', () => {
  test('a proxy 502 is an unreachable engine; admins are sent to the configuration, others to an admin', () => {
    const errors = [undefined, new EngineError('KPIs: the engine is unreachable through Grafana (502)', 502)];
    expect(engineProblem(errors, true)).toMatchObject({
      kind: 'unreachable',
      action: expect.stringMatching(/configuration page/),
    });
    expect(engineProblem(errors, false)).toMatchObject({
      kind: 'unreachable',
      action: expect.stringMatching(/^Ask a Grafana admin/),
    });
  });

  test('a 401 is the token', () => {
    expect(engineProblem([new EngineError('x', 401)], true)?.kind).toBe('refused');
  });

  test('errors of the request itself are not a connection problem', () => {
    expect(engineProblem([new EngineError('body.kpis[0]: unknown KPI', 400), new Error('x')], true)).toBeUndefined();
    expect(engineProblem([new EngineError('Run r1: no run with id r1', 404)], true)).toBeUndefined();
  });
});
