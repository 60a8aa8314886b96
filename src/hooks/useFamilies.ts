import { useMemo } from 'react';
import { engine } from '../services/engine';
import { familyLabel } from '../services/leadStatement';
import type { Template } from '../types/api';
import { useAsync } from './useAsync';

// One request per page load: every table on the page shares it; a failed one is asked again next time.
let catalog: Promise<Template[]> | undefined;

export interface Families {
  /** The families in the engine's catalog order (GET /api/templates), its display order; empty until it answers. */
  order: string[];
  /** How users read a family: the catalog's label; its id with spaces until the catalog answers. */
  label(template: string): string;
}

/** What the engine's catalog says of the families, for showing them. */
export function useFamilies(): Families {
  const templates = useAsync(() => {
    catalog ??= engine.templates().catch((e) => {
      catalog = undefined;
      throw e;
    });
    return catalog;
  }, []);
  const value = templates.value;
  return useMemo(() => {
    const labels = Object.fromEntries((value ?? []).map((t) => [t.name, t.label]));
    return { order: (value ?? []).map((t) => t.name), label: (template: string) => familyLabel(template, labels) };
  }, [value]);
}
