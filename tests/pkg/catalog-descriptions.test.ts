import { catalog } from '../../pkg/templates/catalog';

// The Templates page shows each parameter with a one-line description (issue 14): every family's every parameter has one.
describe('template catalog', () => {
  it.each(catalog().map((c) => [c.name, c] as const))('%s: every parameter has a description', (_name, c) => {
    const props = (c.params_schema as { properties: Record<string, { description?: string }> }).properties;
    expect(Object.keys(props).length).toBeGreaterThan(0);
    for (const [param, p] of Object.entries(props)) {
      expect({ param, description: typeof p.description === 'string' && p.description.length > 5 }).toEqual({ param, description: true });
    }
  });

  it('names every family for users: one label each, none shared', () => {
    const labels = catalog().map((c) => c.label);
    expect(labels.every((l) => l.length > 3)).toBe(true);
    expect(new Set(labels).size).toBe(labels.length);
  });
});
