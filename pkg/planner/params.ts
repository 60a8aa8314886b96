/**
 * Template parameters from outside the engine (an operator's request, a model's answer) checked against the
 * catalog and the real data: names are resolved (exact, or the only match up to case and separators) or dropped
 * with a note, and what is left is the template's zod-parsed object.
 */
import type { z } from 'zod';
import { parseDuration } from '../config/schema';
import type { Dataset } from '../dataset/inspect';
import { FAMILIES, TEMPLATES } from '../templates/catalog';
import { PARAM_LIMITS } from '../templates/limits';
import type { Family, NameKind } from '../templates/types';
import { isRecord, norm, oneLine, show } from './text';

/** Lists longer than the templates' cap are cut to it (with a note) before the schema checks them. */
const MAX_LIST = PARAM_LIMITS.names;
const MAX_LABEL = 40;

// ---------------------------------------------------------------------------------------------------------------
// Names inside template parameters

/** Every string inside the parameters of every family of the catalog, by path, and what it must be (Template.nameFields). */
export const NAME_FIELDS = Object.fromEntries(FAMILIES.map((f) => [f, TEMPLATES[f].nameFields])) as Record<Family, Record<string, NameKind>>;

const DROP = Symbol('drop');
type Leaf = (s: string) => string | typeof DROP;

function splitPath(path: string): { field: string; steps: string[] } {
  const field = /^[A-Za-z_][A-Za-z0-9_]*/.exec(path)![0];
  const steps = path.slice(field.length).match(/\[\]|\[\*\]|\{k\}|\{v\}|\.[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  return { field, steps };
}

/** Applies `leaf` to the strings at `steps`; a dropped leaf removes the nearest list element or record entry. */
function walk(v: unknown, steps: string[], leaf: Leaf): unknown {
  if (steps.length === 0) return typeof v === 'string' ? leaf(v) : v;
  const [s, ...rest] = steps as [string, ...string[]];
  if (s === '[]' || s === '[*]') {
    if (!Array.isArray(v)) return v;
    const out: unknown[] = [];
    for (const x of v) {
      const y = walk(x, rest, leaf);
      if (y === DROP) {
        if (s === '[*]') return DROP;
        continue;
      }
      out.push(y);
    }
    return out;
  }
  if (s === '{k}' || s === '{v}') {
    if (!isRecord(v)) return v;
    const out: [string, unknown][] = [];
    for (const [k, x] of Object.entries(v)) {
      const y = s === '{k}' ? leaf(k) : walk(x, rest, leaf);
      if (y === DROP) continue;
      out.push(s === '{k}' ? [y as string, x] : [k, y]);
    }
    return Object.fromEntries(out);
  }
  if (!isRecord(v)) return v;
  const key = s.slice(1);
  const y = walk(v[key], rest, leaf);
  return y === DROP ? DROP : { ...v, [key]: y };
}

/** The names of the real data the model may use. */
interface Known {
  event: string[];
  attribute: string[];
  context: string[];
}

function knownNames(d: Dataset): Known {
  return { event: d.vocab.map((v) => v.name), attribute: [...d.spec.attributes], context: d.contexts.map((c) => c.spec.name) };
}


function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** A name as the data has it: exact, or the only one equal up to case and separators; else null and a suggestion. */
export function resolveName(name: string, known: string[]): { name: string | null; suggestion?: string } {
  // Close names (a typo, or one contains the other), the best two.
  if (known.includes(name)) return { name };
  const n = norm(name);
  const same = known.filter((k) => norm(k) === n);
  if (same.length === 1) return { name: same[0]! };
  if (n.length < 3) return { name: null };
  const close = known
    .map((k) => {
      const kn = norm(k);
      const dist = editDistance(n, kn);
      const contains = n.length >= 4 && kn.length >= 3 && (kn.includes(n) || n.includes(kn));
      return { k, score: dist <= Math.max(1, Math.floor(n.length / 4)) ? dist : contains ? 10 + Math.abs(kn.length - n.length) : Infinity };
    })
    .filter((c) => c.score < Infinity)
    .sort((a, b) => a.score - b.score || a.k.localeCompare(b.k))
    .slice(0, 2);
  return { name: null, suggestion: close.length ? close.map((c) => c.k).join(' or ') : undefined };
}

function label(s: string): string {
  return s
    .replace(/[^A-Za-z0-9_ .:\-]+/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_LABEL);
}

/**
 * The event, attribute and context names in an operator's parameters (API request) that the data does not have,
 * each with close matches: such a request is refused (400) rather than run to find nothing.
 */
export function unknownParamNames(f: Family, params: Record<string, unknown>, d: Dataset): { path: (string | number)[]; message: string }[] {
  const known = knownNames(d);
  const out: { path: (string | number)[]; message: string }[] = [];
  for (const [path, kind] of Object.entries(TEMPLATES[f].nameFields)) {
    if (kind === 'duration' || kind === 'label') continue;
    const { field, steps } = splitPath(path);
    const unknown: string[] = [];
    walk(params[field], steps, (s) => {
      if (!known[kind].includes(s)) unknown.push(s);
      return s;
    });
    if (!unknown.length) continue;
    const listed = unknown.slice(0, 10).map((s) => {
      const r = resolveName(s, known[kind]);
      return `${show(s)}${r.name ? ` (did you mean ${r.name}?)` : r.suggestion ? ` (did you mean ${r.suggestion}?)` : ''}`;
    });
    const more = unknown.length > 10 ? ` and ${unknown.length - 10} more` : '';
    const where = kind === 'event' ? 'events of the data (GET /api/dataset lists them)' : kind === 'attribute' ? 'dataset.events.attributes' : 'dataset.context';
    out.push({ path: [field], message: `unknown ${kind} name${unknown.length > 1 ? 's' : ''} ${listed.join(', ')}${more}: not among the ${where}` });
  }
  return out;
}

/**
 * A template's parameters as the model gave them → the template's zod-parsed parameters: unknown keys stripped,
 * invalid values replaced by defaults, names checked against the data; a note for each change.
 */
export function repairParams(f: Family, raw: unknown, d: Dataset, where: string, notes: string[]): Record<string, unknown> {
  const schema = TEMPLATES[f].params as z.ZodObject;
  const shape = schema.shape as Record<string, z.ZodType>;
  const known = knownNames(d);
  if (raw !== undefined && raw !== null && !isRecord(raw)) notes.push(`${where}: params ${show(raw)} is not an object; defaults used`);
  const given = isRecord(raw) ? raw : {};
  const out: Record<string, unknown> = {};
  for (const [key, value0] of Object.entries(given)) {
    const at = `${where}.${key}`;
    if (!Object.prototype.hasOwnProperty.call(shape, key)) {
      notes.push(`${at}: unknown parameter dropped`);
      continue;
    }
    if (value0 === null || value0 === undefined) continue;
    let value = value0;
    if (Array.isArray(value) && value.length > MAX_LIST) {
      notes.push(`${at}: ${value.length} entries cut to ${MAX_LIST}`);
      value = value.slice(0, MAX_LIST);
    } else if (isRecord(value) && Object.keys(value).length > MAX_LIST) {
      notes.push(`${at}: ${Object.keys(value).length} entries cut to ${MAX_LIST}`);
      value = Object.fromEntries(Object.entries(value).slice(0, MAX_LIST));
    }
    const parsed = shape[key]!.safeParse(value);
    if (!parsed.success) {
      notes.push(`${at}: invalid value ${show(value)} (${oneLine(parsed.error.issues[0]?.message ?? 'invalid', 100)}); default used`);
      continue;
    }
    let v: unknown = parsed.data;
    for (const [path, kind] of Object.entries(TEMPLATES[f].nameFields)) {
      const { field, steps } = splitPath(path);
      if (field !== key) continue;
      const leaf: Leaf = (s) => {
        if (kind === 'duration') {
          let ms = NaN;
          try {
            ms = parseDuration(s);
          } catch {
            /* reported below */
          }
          if (ms > 0) return s.trim();
          notes.push(`${at}: invalid duration ${show(s)} (use a number and a unit: 500ms, 10s, 5m, 2h, 30d); default used`);
          return DROP;
        }
        if (kind === 'label') {
          const l = label(s);
          if (!l) {
            notes.push(`${at}: dropped empty label ${show(s)}`);
            return DROP;
          }
          if (l !== s) notes.push(`${at}: label ${show(s)} read as '${l}'`);
          return l;
        }
        const r = resolveName(s, known[kind]);
        if (r.name === null) {
          const what = kind === 'event' ? 'no such event' : kind === 'attribute' ? 'not an attribute of the dataset' : 'no such context';
          notes.push(`${at}: dropped ${show(s)} (${what}${r.suggestion ? `; did you mean ${r.suggestion}?` : ''})`);
          return DROP;
        }
        if (r.name !== s) notes.push(`${at}: ${show(s)} read as ${r.name}`);
        return r.name;
      };
      v = walk(v, steps, leaf);
      if (v === DROP) break;
    }
    if (v === DROP) continue;
    const size = Array.isArray(v) ? v.length : isRecord(v) ? Object.keys(v).length : undefined;
    const givenSize = Array.isArray(value) ? value.length : isRecord(value) ? Object.keys(value).length : 0;
    const min = TEMPLATES[f].minItems?.[key] ?? 1;
    if (size !== undefined && size < min && givenSize > 0) {
      const fromData = shape[key]!.safeParse(undefined).data === undefined ? ' (chosen from the data)' : '';
      notes.push(`${at}: ${size === 0 ? 'nothing valid left' : `only ${size} valid, needs ${min}`}; default used${fromData}`);
      continue;
    }
    out[key] = v;
  }
  // Checks across parameters (e.g. min_n <= max_n): drop what they name, else the one parameter that fixes it.
  let whole = schema.safeParse(out);
  if (!whole.success) {
    const keys = [...new Set(whole.error.issues.map((i) => i.path[0]).filter((k): k is string => typeof k === 'string' && k in out))];
    const culprit = keys.length ? keys : Object.keys(out).filter((k) => schema.safeParse({ ...out, [k]: undefined }).success).slice(0, 1);
    const msg = oneLine(whole.error.issues[0]?.message ?? 'invalid', 100);
    if (culprit.length) {
      for (const k of culprit) delete out[k];
      notes.push(`${where}: ${culprit.join(', ')} dropped (${msg}); default used`);
    }
    whole = schema.safeParse(out);
    if (!whole.success) {
      notes.push(`${where}: parameters invalid (${msg}); all defaults used`);
      whole = schema.safeParse({});
    }
  }
  return whole.data as Record<string, unknown>;
}
