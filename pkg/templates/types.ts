import type { z } from 'zod';
import type { Params } from '../execute/executor';

/**
 * A family's name: a key of the catalog (`TEMPLATES` in catalog.ts, where each family is one line), checked at run
 * time where a name comes in (getTemplate, the API, the planner's answers), so a family needs no name listed here.
 */
export type Family = string;

/** What the compiler knows when it turns a hypothesis class into SQL. */
export interface NodeContext {
  /** Node id, a safe SQL name: prefixes its parameters and its keys. */
  id: string;
  /** Event vocabulary; the code of vocab[i] is i + 1. */
  vocab: string[];
  /** Events excluded from the sequence this node reads (its KPIs' outcome events). */
  excludedEvents: Set<string>;
  /**
   * For a node that serves several sequence variants in one scan (Template.acrossVariants): each variant's
   * excluded events. excludedEvents is then the events every one of them excludes.
   */
  variantExclusions?: Set<string>[];
  /** Session-table columns holding the cut times of the variants such a node serves (failure-event KPIs). */
  cutColumns?: string[];
  /** Static attributes: real column name and the session-table column holding its value as a string. */
  attributes: { name: string; col: string }[];
  hasUser: boolean;
  /** From the profile of the sessions. */
  profile: Profile;
  /** Abnormal windows of each context metric, [start, end) in epoch ms. */
  contexts: { name: string; starts: number[]; ends: number[]; rule: string; threshold: number }[];
  timezone: string;
}

/** What a dataset offers a family, to say whether it can run (a NodeContext has all of it). */
export interface Availability {
  hasUser: boolean;
  contexts: { name: string }[];
  attributes: { name: string; col: string }[];
}

/** Dataset facts the templates use to choose candidates, measured on the sessionized table. */
export interface Profile {
  groups: number;
  /** Per event name: groups containing it (within the window). */
  eventGroups: Record<string, number>;
  /** Per attribute: value → groups, most frequent first (capped). */
  attributeValues: Record<string, { value: string; groups: number }[]>;
  /** Ordered pairs A→B: groups with A, and groups where some A is followed by B within the absence window. */
  follows: { a: string; b: string; withA: number; followed: number }[];
  followWithinMs: number;
}

/** One hypothesis: a cohort of groups, said in one sentence and reproducible as SQL. */
export interface Hypothesis {
  template: Family;
  /** The hypothesis itself, e.g. {"pattern": ["buy_plan", "web_cors_error", "timeout_error"]}. */
  params: Record<string, unknown>;
  title: string;
  /** Events and columns it is defined by; a KPI whose outcome uses them does not test it. */
  events: string[];
  columns: string[];
  /** Readable predicate over the `sessions` CTE of the reproducing SQL (readableSessionsCte in compile/sessionize.ts). */
  predicate: string;
  /** Fingerprint-stable key: template + canonical params. */
  key: string;
  /** Whether this hypothesis is a refinement of others in its node (longer pattern, crossed cohort). */
  parents?: string[];
}

/** A family node compiled for one sequence variant: per-group keys, and how to read a key back. */
export interface NodeSpec {
  /**
   * SQL expression over the session row (and `s`/`st`, the variant's events and times) → Array(String), or
   * Array(UInt64) below 2^KEY_BITS when `intKeys` (decode then gets the integer in decimal).
   */
  keys: string;
  /** Keys are integers: no string is built per candidate, and the aggregate groups by a UInt64. */
  intKeys?: boolean;
  params: Params;
  decode(key: string): Hypothesis | null;
  /** Whether keys read the variant sequence (s, st) rather than only group-level columns. */
  sequence: boolean;
  /** Per-row aliases computed once before the keys (e.g. a filtered sequence), `expr AS name, …`. */
  prelude?: string;
  /**
   * Keys that serve every sequence variant in one scan (Template.acrossVariants, buildAcross): they read the
   * whole sequence (ev, tm), and each key carries in its low POSITION_BITS how far into the group it becomes
   * complete. A key counts for a KPI when that position is at most `cut(the KPI's cut column)` on the same row,
   * i.e. when it is complete before the KPI's failure. Only integer keys.
   */
  positions?: {
    /** SQL: this row's bound for a KPI whose cut time is in `cutColumn`. */
    cut(cutColumn: string): string;
    /**
     * The same positioned keys restricted to some of them (decoded keys), for their membership where no stored
     * keys can be read: a prelude (after the node's own), the keys, with positions into `times` (never 0), and
     * the parameter named `param`.
     */
    only?(keys: string[], param: string): { prelude: string; keys: string; times: string; params: Params };
  };
}

/**
 * What a node chooses for each variant it serves (pick, given that variant's excluded events), as one list in
 * order of first appearance; the node's own choice when it serves one variant.
 */
export function unionOverVariants<T>(
  ctx: NodeContext,
  pick: (excluded: Set<string>) => T[],
  key: (x: T) => string
): T[] {
  const seen = new Map<string, T>();
  for (const x of (ctx.variantExclusions ?? [ctx.excludedEvents]).flatMap(pick))
    if (!seen.has(key(x))) seen.set(key(x), x);
  return [...seen.values()];
}

/** The cut time of a group that has no cut (the largest Int64): every event comes before it. */
export const NO_CUT = '9223372036854775807';

/**
 * Positions by cut rank, for keys complete at a known time T: how many of the row's cut times come before T.
 * The same count for a KPI's own cut (cutRankBound) is the bound: with `strict` (complete strictly before the
 * cut, T < cut) a cut at T counts, otherwise (T <= cut) only cuts before T do. Either way position <= bound
 * exactly when the KPI's cut does not come first, and positions stay below POSITION_BITS however long the group.
 */
export function cutRank(time: string, cutColumns: string[], strict: boolean): string {
  if (cutColumns.length > MAX_POSITION)
    throw new Error(`${cutColumns.length} cut columns exceed the ${MAX_POSITION} positions a key holds`);
  return cutColumns.length
    ? `toUInt64(${cutColumns.map((c) => `(${c} ${strict ? '<=' : '<'} ${time})`).join(' + ')})`
    : 'toUInt64(0)';
}

export function cutRankBound(cutColumn: string, cutColumns: string[]): string {
  return cutRank(cutColumn, cutColumns, false);
}

/**
 * What a family's cohorts are. `pattern`: events in order in the group's sequence (the enrichment expert tests
 * them on failure KPIs); `sequence`: another feature of the sequence (counts, durations). Both read each KPI's
 * sequence variant. `cohort`: group-level (attributes, lifecycle, time, context), one variant serves every KPI.
 */
export type FamilyKind = 'pattern' | 'sequence' | 'cohort';

/** What a string inside a template's parameters must be: a name in the data, a duration, or a free label. */
export type NameKind = 'event' | 'attribute' | 'context' | 'duration' | 'label';

/** A hypothesis parameter as text when it is a string or a number (for regions). */
export function scalar(p: Record<string, unknown>, k: string): string | undefined {
  return typeof p[k] === 'string' || typeof p[k] === 'number' ? String(p[k]) : undefined;
}

export interface Template<P = unknown> {
  name: Family;
  /** How users read the family ("missing follow-up"); default: the name with spaces. */
  label?: string;
  kind: FamilyKind;
  /** Words of a prompt that ask about this family: the deterministic planner puts it first and quotes the word. */
  words: RegExp;
  /**
   * Every string inside its parameters, by path, and what it must be (planner/params.ts checks them against the
   * data). Paths: a parameter name, then `[]` (each element of a list; an invalid one is dropped), `[*]` (each
   * element of a tuple; an invalid one drops the tuple), `.key` (a field of an object; an invalid one drops the
   * object), `{k}` / `{v}` (keys / values of a record; an invalid one drops the entry). A test checks that this
   * covers every string in the catalog's schemas.
   */
  nameFields: Record<string, NameKind>;
  /** Lists that mean nothing below a size (a pattern needs two events): shorter, the engine's default is used. */
  minItems?: Record<string, number>;
  /**
   * The coarse class of a hypothesis's params, the unit of priors from triage (store/leads.ts): its shape (pattern
   * length, phase, feature…), never its concrete events or values; undefined when the params do not say.
   */
  region(params: Record<string, unknown>): string | undefined;
  /** One line: what the family tests. */
  summary: string;
  /** Example of a hypothesis of this family, for the catalog and the LLM. */
  example: string;
  params: z.ZodType<P>;
  /** Why the family can't run on this dataset, or null. */
  unavailable(ctx: Availability): string | null;
  build(params: P, ctx: NodeContext): NodeSpec;
  /** One node serves all the KPIs' sequence variants (its spec has `positions`), instead of one node per variant. */
  acrossVariants?: boolean;
  /**
   * The part of a per-variant family that serves every variant in one node (positioned keys), beside the
   * per-variant nodes `build` makes for the rest; null when that part has nothing to test.
   */
  buildAcross?(params: P, ctx: NodeContext): NodeSpec | null;
}

/** A SQL literal for the readable, reproducing SQL shown to users (never for queries we run with data). */
export function lit(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (Array.isArray(v)) return `[${v.map(lit).join(', ')}]`;
  return `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function fmtDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** Canonical key of a hypothesis: the template and its params with sorted keys. */
export function hypothesisKey(template: Family, params: Record<string, unknown>): string {
  return `${template}:${canonicalJson(params)}`;
}

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function codesOf(ctx: NodeContext, names: string[]): number[] {
  return names.map((n) => ctx.vocab.indexOf(n) + 1).filter((c) => c > 0);
}
export function nameOf(ctx: NodeContext, code: number): string {
  return ctx.vocab[code - 1] ?? `#${code}`;
}

/**
 * Integer keys: event codes (1..2047; the vocabulary holds at most 2000 names) packed as 11-bit digits, first
 * step in the highest digit, so [a, b] and [a, b, c] never collide (codes are never 0). Five digits fit below
 * 2^55; the aggregate puts the node's number above them.
 */
export const CODE_BITS = 11;
export const MAX_CODE = (1 << CODE_BITS) - 1;
export const KEY_BITS = 55;
/** Low bits of a positioned key (NodeSpec.positions): the position, up to 2047, below the packed codes. */
export const POSITION_BITS = 11;
export const MAX_POSITION = (1 << POSITION_BITS) - 1;

export function packCodes(codes: number[]): bigint {
  return codes.reduce((acc, c) => (acc << BigInt(CODE_BITS)) | BigInt(c), 0n);
}

export function unpackCodes(key: string): number[] {
  let v: bigint;
  try {
    v = BigInt(key);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (; v > 0n; v >>= BigInt(CODE_BITS)) out.unshift(Number(v & BigInt(MAX_CODE)));
  return out;
}

/** The SQL of packCodes over UInt16 code expressions. */
export function packCodesSql(codes: string[]): string {
  return codes.map((c, i) => `bitShiftLeft(toUInt64(${c}), ${CODE_BITS * (codes.length - 1 - i)})`).join(' + ');
}
