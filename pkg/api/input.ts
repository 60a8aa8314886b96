/** Checks on raw request input that no schema expresses: text that is not valid Unicode, and echoing it back. */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The path (e.g. `note`, `request.kpis[0]`) of the first string or key holding a lone UTF-16 surrogate ("\ud800"
 * in JSON): such text has no UTF-8 form, so the store would refuse it after the request was accepted.
 */
export function loneSurrogatePath(v: unknown, path = ''): string | undefined {
  if (typeof v === 'string') return LONE_SURROGATE.test(v) ? path || '(value)' : undefined;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const p = loneSurrogatePath(x, `${path}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const at = path ? `${path}.${k}` : k;
      if (LONE_SURROGATE.test(k)) return at;
      const p = loneSurrogatePath(x, at);
      if (p) return p;
    }
  }
  return undefined;
}

/** Text from the request, cut for an error message: a 10k-character id is not echoed back whole. */
export function clip(s: string, max = 120): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s;
}
