/**
 * The prompt's scope before the run (issue 14): the engine's preview (GET /api/scope) as chips the user can
 * remove, and what the run request then says. Once chips are shown the request states its scope (filters, and
 * the time chip's window), so the engine runs exactly what the user saw.
 */
import type { RunRequest, ScopePreview } from '../types/api';

export interface ScopeChip {
  /** `filter:<attribute>` or `time`. */
  key: string;
  label: string;
  /** The prompt's words it came from. */
  phrase: string;
}

const usedFor = (p: ScopePreview, as: string) => p.used.find((u) => u.as === as)?.phrase ?? '';

export function scopeChips(p: ScopePreview | undefined, removed: ReadonlySet<string>): ScopeChip[] {
  if (!p) {
    return [];
  }
  const chips: ScopeChip[] = p.filters.map((f) => {
    const as = `${f.attribute} in ${f.values.join(', ')}`;
    return { key: `filter:${f.attribute}`, label: `${f.attribute}: ${f.values.join(', ')}`, phrase: usedFor(p, as) };
  });
  const time = p.used.find((u) => / of data \(/.test(u.as));
  if (p.from && p.to && time) {
    chips.push({ key: 'time', label: time.as, phrase: time.phrase });
  }
  return chips.filter((c) => !removed.has(c.key));
}

/**
 * The request's scope: the filters the chips kept, and the time chip's window unless the user chose a range.
 * Without a preview (not loaded, or an older engine) the request says nothing and the engine reads the prompt.
 */
export function scopeRequest(
  p: ScopePreview | undefined,
  removed: ReadonlySet<string>,
  rangeChosen: boolean
): Pick<RunRequest, 'filters' | 'from' | 'to'> {
  if (!p) {
    return {};
  }
  const out: Pick<RunRequest, 'filters' | 'from' | 'to'> = {
    filters: p.filters.filter((f) => !removed.has(`filter:${f.attribute}`)),
  };
  if (!rangeChosen && p.from && p.to && !removed.has('time')) {
    out.from = p.from;
    out.to = p.to;
  }
  return out;
}
