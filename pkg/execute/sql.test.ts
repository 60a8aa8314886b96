import { sql } from './sql';

describe('the sql tag', () => {
  it('removes the template indentation and nests a value of several lines where it is placed', () => {
    const list = ['a AS x,', 'b AS y'].join('\n');
    const inner = sql`
      arrayConcat(
        k1,
        k2
      ) AS keys`;
    expect(sql`
      WITH
        ${list},
        ${inner}
      SELECT ${'x'}
      FROM t`).toBe('WITH\n  a AS x,\n  b AS y,\n  arrayConcat(\n    k1,\n    k2\n  ) AS keys\nSELECT x\nFROM t');
  });

  it('leaves no spaces on empty lines', () => {
    expect(sql`
      SELECT 1

      FROM t`).toBe('SELECT 1\n\nFROM t');
  });
});
