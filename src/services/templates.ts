/** A family's parameters from its JSON Schema (GET /api/templates params_schema), as the Templates page lists them. Pure. */

export interface ParamRow {
  name: string;
  type: string;
  default?: string;
  description?: string;
  required: boolean;
  /** Bounds and allowed values, e.g. "1–5" or "one of: a, b". */
  constraint?: string;
}

type Schema = Record<string, unknown>;

/** A readable type: integer, string, array<string>, map<string>, "a" | "b", number | null. */
export function schemaType(s: Schema | undefined): string {
  if (!s || typeof s !== 'object') {
    return 'any';
  }
  if (Array.isArray(s.enum)) {
    return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  }
  if ('const' in s) {
    return JSON.stringify(s.const);
  }
  const alts = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (Array.isArray(alts)) {
    return [...new Set(alts.map((a) => schemaType(a)))].join(' | ');
  }
  const t = Array.isArray(s.type) ? (s.type as string[]).join(' | ') : (s.type as string | undefined);
  if (t === 'array') {
    return `array<${schemaType(s.items as Schema | undefined)}>`;
  }
  if (t === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
    return `map<${schemaType(s.additionalProperties as Schema)}>`;
  }
  return t ?? 'any';
}

function constraintOf(s: Schema): string | undefined {
  const min = (s.minimum ?? s.exclusiveMinimum) as number | undefined;
  const max = (s.maximum ?? s.exclusiveMaximum) as number | undefined;
  if (min !== undefined && max !== undefined) {
    return `${min}–${max}`;
  }
  if (min !== undefined) {
    return `≥ ${min}`;
  }
  if (max !== undefined) {
    return `≤ ${max}`;
  }
  if (typeof s.pattern === 'string') {
    return `matches ${s.pattern}`;
  }
  return undefined;
}

export function schemaParams(schema: Record<string, unknown> | undefined): ParamRow[] {
  const props = (schema?.properties ?? {}) as Record<string, Schema>;
  const required = new Set(Array.isArray(schema?.required) ? (schema!.required as string[]) : []);
  return Object.entries(props).map(([name, p]) => ({
    name,
    type: schemaType(p),
    default: p && 'default' in p ? JSON.stringify(p.default) : undefined,
    description: typeof p?.description === 'string' ? p.description : undefined,
    required: required.has(name),
    constraint: p ? constraintOf(p) : undefined,
  }));
}
