import {
  buildRunRequest,
  isTerminal,
  parseParamsJson,
  parsePrefill,
  parseTimeParam,
  progressFraction,
  progressMessage,
  promptFromPanel,
  stageLabel,
} from './investigate';

describe('investigate', () => {
  test('parseTimeParam: epoch ms or ISO to ISO', () => {
    expect(parseTimeParam('1790812800000')).toBe('2026-10-01T00:00:00.000Z');
    expect(parseTimeParam('2026-10-01')).toBe('2026-10-01T00:00:00.000Z');
    expect(parseTimeParam('2026-10-01T12:00:00Z')).toBe('2026-10-01T12:00:00.000Z');
    expect(parseTimeParam('now-6h')).toBeUndefined();
    expect(parseTimeParam('')).toBeUndefined();
    expect(parseTimeParam(null)).toBeUndefined();
  });

  test('parsePrefill reads every parameter the panel link and the panel send', () => {
    const p = parsePrefill(
      new URLSearchParams(
        'prompt=Why+slow%3F&kpi=login_failure,%20checkout_conversion&from=1790812800000&to=2026-10-02&panelTitle=Login%20failures&dashboardUid=abc&run=r9'
      )
    );
    expect(p).toEqual({
      prompt: 'Why slow?',
      kpis: ['login_failure', 'checkout_conversion'],
      from: '2026-10-01T00:00:00.000Z',
      to: '2026-10-02T00:00:00.000Z',
      panelTitle: 'Login failures',
      dashboardUid: 'abc',
      run: 'r9',
    });
    expect(parsePrefill(new URLSearchParams(''))).toEqual({
      prompt: undefined,
      kpis: undefined,
      from: undefined,
      to: undefined,
      panelTitle: undefined,
      dashboardUid: undefined,
      run: undefined,
    });
  });

  test('promptFromPanel', () => {
    expect(promptFromPanel('Login failures')).toContain('Login failures');
    expect(promptFromPanel(undefined)).toBeUndefined();
  });

  test('parseParamsJson: empty, object, not JSON, not an object', () => {
    expect(parseParamsJson('')).toEqual({});
    expect(parseParamsJson('  ')).toEqual({});
    expect(parseParamsJson('{"within":"10s"}')).toEqual({ value: { within: '10s' } });
    expect(parseParamsJson('{within: 1}').error).toMatch(/not valid JSON/);
    expect(parseParamsJson('[1]').error).toMatch(/JSON object/);
    expect(parseParamsJson('3').error).toMatch(/JSON object/);
    expect(parseParamsJson('null').error).toMatch(/JSON object/);
  });

  test('buildRunRequest: only what is set', () => {
    expect(buildRunRequest({ prompt: '  ', kpis: [], families: [], params: {} })).toEqual({ request: {}, issues: [] });
    expect(
      buildRunRequest({
        prompt: ' Why? ',
        kpis: ['login_failure'],
        families: ['absence'],
        params: { absence: '{"within":"10s"}', ngram: '' },
        from: '2026-09-01T00:00:00.000Z',
        to: '2026-10-01T00:00:00.000Z',
      })
    ).toEqual({
      request: {
        prompt: 'Why?',
        kpis: ['login_failure'],
        families: ['absence'],
        params: { absence: { within: '10s' } },
        from: '2026-09-01T00:00:00.000Z',
        to: '2026-10-01T00:00:00.000Z',
      },
      issues: [],
    });
  });

  test('buildRunRequest: bad params and a reversed range are reported by field, nothing sent', () => {
    const r = buildRunRequest({
      prompt: '',
      kpis: [],
      families: [],
      params: { absence: '{oops', ngram: '[]' },
      from: '2026-10-01T00:00:00.000Z',
      to: '2026-09-01T00:00:00.000Z',
    });
    expect(r.request).toBeUndefined();
    expect(r.issues.map((i) => i.path)).toEqual(['body.params.ngram', 'body.params.absence', 'body.to']);
  });

  test('run states', () => {
    expect(isTerminal('queued')).toBe(false);
    expect(isTerminal('running')).toBe(false);
    expect(isTerminal('succeeded')).toBe(true);
    expect(isTerminal('failed')).toBe(true);
    expect(isTerminal('cancelled')).toBe(true);
    expect(stageLabel('aggregate')).toBe('Running queries');
    expect(stageLabel('mystery')).toBe('mystery');
    expect(progressFraction({ done: 3, total: 12 })).toBe(0.25);
    expect(progressFraction({ done: 0, total: 0 })).toBeNull();
    expect(progressFraction({ done: 20, total: 12 })).toBe(1);
  });
});

describe('progressMessage', () => {
  test('internal query ids read as what they scan; words pass through', () => {
    expect(progressMessage('agg_v0')).toBe('scanning event sequences');
    expect(progressMessage('agg_ordered_pattern')).toBe('scanning ordered event patterns');
    expect(progressMessage('agg_groups')).toBe('scanning whole-group cohorts');
    expect(progressMessage('scanning attribute values for error_rate')).toBe(
      'scanning attribute values for error_rate'
    );
  });
});
