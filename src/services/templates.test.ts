import { schemaParams, schemaType } from './templates';

describe('templates', () => {
  test('schemaType', () => {
    expect(schemaType({ type: 'integer' })).toBe('integer');
    expect(schemaType({ type: 'array', items: { type: 'string' } })).toBe('array<string>');
    expect(schemaType({ type: 'object', additionalProperties: { type: 'string' } })).toBe('map<string>');
    expect(schemaType({ enum: ['a', 'b'] })).toBe('"a" | "b"');
    expect(schemaType({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toBe('string | null');
    expect(schemaType({ type: ['number', 'null'] })).toBe('number | null');
    expect(schemaType({})).toBe('any');
    expect(schemaType(undefined)).toBe('any');
  });

  test('schemaParams lists each property with type, default, description, bounds', () => {
    const rows = schemaParams({
      type: 'object',
      required: ['events'],
      properties: {
        min_n: { default: 1, type: 'integer', minimum: 1, maximum: 5 },
        within: { default: '30s', type: 'string', description: 'All steps within this time of the first' },
        events: { type: 'array', items: { type: 'string' } },
        k: { type: 'number', minimum: 0 },
      },
    });
    expect(rows).toEqual([
      { name: 'min_n', type: 'integer', default: '1', description: undefined, required: false, constraint: '1–5' },
      {
        name: 'within',
        type: 'string',
        default: '"30s"',
        description: 'All steps within this time of the first',
        required: false,
        constraint: undefined,
      },
      {
        name: 'events',
        type: 'array<string>',
        default: undefined,
        description: undefined,
        required: true,
        constraint: undefined,
      },
      { name: 'k', type: 'number', default: undefined, description: undefined, required: false, constraint: '≥ 0' },
    ]);
    expect(schemaParams({})).toEqual([]);
    expect(schemaParams(undefined)).toEqual([]);
  });
});
