/** Small text helpers for what the planners read from a model or an operator and quote back in notes. */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A name up to case and separators, to match `Pay-Ment` with `payment`. */
export const norm = (s: string) => s.toLowerCase().replace(/[\s_.\-]+/g, '');

/** A value as a note quotes it: one line, at most 80 characters. */
export const show = (v: unknown) => {
  const s = typeof v === 'string' && !v.includes("'") ? `'${v}'` : JSON.stringify(v) ?? String(v);
  return oneLine(s, 80);
};

export function oneLine(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
