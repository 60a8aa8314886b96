import { parseExpression } from './expression';

const columns = [
  { name: 'status_code', type: 'UInt16' },
  { name: 'duration_ms', type: 'Float64' },
  { name: 'event_name', type: 'String' },
];
const fns = new Set(['max', 'avg', 'greaterOrEquals', 'count']);

describe('KPI expressions', () => {
  it('accepts columns, functions (with combinators) and literals, and reports what the outcome uses', () => {
    const e = parseExpression("avgIf(duration_ms, event_name = 'page_load')", 'kpis[0].numeric', columns, fns);
    expect(e.columns.sort()).toEqual(['duration_ms', 'event_name']);
    expect(e.strings).toEqual(['page_load']);
    expect(e.text).toBe("avgIf(`duration_ms`, `event_name` = 'page_load')");
  });

  it.each([
    ['max(status_cod) >= 500', /unknown column "status_cod"/],
    ['max(status_code) >= 500; DROP TABLE events', /character ";" is not allowed/],
    ["file('/etc/passwd') = ''", /function file\(\) is not allowed/],
    ['(SELECT 1) = 1', /SELECT is not allowed/],
    ['max(status_code) >= {x:UInt8}', /not allowed/],
    ['max(status_code) -- comment', /comments are not allowed/],
    ['nosuchfn(status_code)', /unknown function nosuchfn\(\)/],
    ['max(status_code', /unbalanced/],
  ])('rejects %s with a message naming the problem', (text, msg) => {
    expect(() => parseExpression(text, 'kpis[2].failure_when', columns, fns)).toThrow(msg);
  });
});
