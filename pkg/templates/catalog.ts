import { z } from 'zod';
import type { Family, Template } from './types';
import { ngram } from './families/ngram';
import { orderedPattern } from './families/ordered-pattern';
import { absence } from './families/absence';
import { lifecycle } from './families/lifecycle';
import { indirect } from './families/indirect';
import { staticTemplate } from './families/static';
import { stateful } from './families/stateful';
import { nonlocal } from './families/nonlocal';

/** The template library T, one line per family, in display order (GET /api/templates, the app's colours). */
const BUILT_IN: Template<any>[] = [ngram, orderedPattern, absence, lifecycle, indirect, staticTemplate, stateful, nonlocal];

/** The family names, in catalog order; registerTemplate appends to it. */
export const FAMILIES: readonly Family[] = BUILT_IN.map((t) => t.name);
export const TEMPLATES: Record<Family, Template<any>> = Object.fromEntries(BUILT_IN.map((t) => [t.name, t]));

/**
 * Adds a family at run time (a test's, or one shipped apart from the engine): every part of the engine reads a
 * family from its Template, so this is all it takes. Refuses a name already in the catalog.
 */
export function registerTemplate(t: Template<any>): void {
  if (!/^[a-z][a-z0-9_]*$/.test(t.name)) throw new Error(`a family name is lowercase letters, digits and _, not ${JSON.stringify(t.name)}`);
  if (FAMILIES.includes(t.name)) throw new Error(`family ${t.name} is already in the catalog`);
  (FAMILIES as Family[]).push(t.name);
  TEMPLATES[t.name] = t as Template<any>;
}

export function getTemplate(name: string): Template<any> {
  if (!FAMILIES.includes(name)) {
    throw new Error(`unknown template ${JSON.stringify(name)}; templates are: ${FAMILIES.join(', ')}`);
  }
  return TEMPLATES[name]!;
}

/**
 * The catalog as data, in display order: name, label, meaning, example, and the JSON Schema of its parameters
 * (each described by its family's schema).
 */
export function catalog(): { name: Family; label: string; summary: string; example: string; params_schema: unknown }[] {
  return FAMILIES.map((f) => {
    const t = TEMPLATES[f];
    const schema = z.toJSONSchema(t.params as z.ZodType, { io: 'input', unrepresentable: 'any' });
    return { name: f, label: t.label ?? f.replace(/_/g, ' '), summary: t.summary, example: t.example, params_schema: schema };
  });
}
