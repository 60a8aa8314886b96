/**
 * What the peer baselines see: one row per group with its KPI outcome and its items — the events present in it
 * (a KPI's own outcome events withheld) and its static attributes as `attr=value`. Item membership is kept as
 * bitsets over the groups, so a cohort (a conjunction of items) is an AND of bitsets and its size a popcount.
 */

export type Bits = Uint32Array;

export interface GroupTable {
  /** Group ids, in the order of the bits. */
  ids: string[];
  /** 1 = the KPI failed for this group. */
  failed: Bits;
  /** Item label → the groups holding it. Events as `event`, attributes as `attr=value`. */
  items: Map<string, Bits>;
  /** The labels of `items` that are events (they also get an absence item in MacroBase). */
  events: Set<string>;
}

/** One cohort a baseline reports: a conjunction of items (`!x` = event x absent) and the groups it selects. */
export interface Cohort {
  method: string;
  rank: number;
  items: string[];
  /** Readable predicate, e.g. "web_cors_error present AND country=IN". */
  predicate: string;
  /** The method's own score (odds ratio, p-value, risk ratio …), for the record. */
  score: number;
  /** true when the method says the cohort is worse than the rest (PostHog also reports better cohorts). */
  worse: boolean;
  groups: Bits;
}

export const bitsFor = (n: number): Bits => new Uint32Array((n + 31) >>> 5);
export const setBit = (b: Bits, i: number) => {
  b[i >>> 5]! |= 1 << (i & 31);
};
export const hasBit = (b: Bits, i: number) => (b[i >>> 5]! >>> (i & 31)) & 1;

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
export function count(b: Bits): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) n += popcount32(b[i]!);
  return n;
}
export function and(a: Bits, b: Bits): Bits {
  const o = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i]! & b[i]!;
  return o;
}
export function andCount(a: Bits, b: Bits): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) n += popcount32(a[i]! & b[i]!);
  return n;
}
export function andCount3(a: Bits, b: Bits, c: Bits): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) n += popcount32(a[i]! & b[i]! & c[i]!);
  return n;
}
/** NOT over the first n bits. */
export function not(a: Bits, n: number): Bits {
  const o = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = ~a[i]! >>> 0;
  if (n & 31) o[o.length - 1]! &= (1 << (n & 31)) - 1;
  return o;
}

/** A table from plain rows (tests, loaders): each group with its failure and its items. */
export function groupTable(rows: { id: string; failed: boolean; events: string[]; attributes?: Record<string, string> }[]): GroupTable {
  const n = rows.length;
  const failed = bitsFor(n);
  const items = new Map<string, Bits>();
  const events = new Set<string>();
  const add = (label: string, i: number) => {
    let b = items.get(label);
    if (!b) items.set(label, (b = bitsFor(n)));
    setBit(b, i);
  };
  rows.forEach((r, i) => {
    if (r.failed) setBit(failed, i);
    for (const e of new Set(r.events)) {
      events.add(e);
      add(e, i);
    }
    for (const [k, v] of Object.entries(r.attributes ?? {})) add(`${k}=${v}`, i);
  });
  return { ids: rows.map((r) => r.id), failed, items, events };
}

/** The 2×2 table of a cohort in the layout of pkg/experts/stats.ts (a = in cohort & failed …). */
export function tableOf(t: GroupTable, cohort: Bits, within?: Bits): { a: number; b: number; c: number; d: number } {
  const scope = within ?? not(bitsFor(t.ids.length), t.ids.length);
  const inScope = and(cohort, scope);
  const failedScope = and(t.failed, scope);
  const a = andCount(inScope, t.failed);
  const n1 = count(inScope);
  const f = count(failedScope);
  const n = count(scope);
  return { a, b: n1 - a, c: f - a, d: n - n1 - (f - a) };
}

/** Items in a predicate: `x` present, `!x` absent (events only), `attr=value`. */
export function describeItems(items: string[], events: Set<string>): string {
  return items
    .map((i) => (i.startsWith('!') ? `${i.slice(1)} absent` : events.has(i) ? `${i} present` : i))
    .join(' AND ');
}
