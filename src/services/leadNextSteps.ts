/**
 * A next step on every lead (issue 14): refinements and related hypotheses as sentences, and Explore on one
 * example group's events. Pure; the lead page renders what these return.
 */
import type { DatasetInfo, Refinement } from '../types/api';
import { compare, type KpiKind, plural, withNoun } from './leadStatement';
import { formatP } from './format';

/** "Sessions where X: failure rate 92% vs 40% in this cohort's other sessions (120 sessions, q 1e-5)." */
export function refinementSentence(r: Refinement, kpi: string, kind: KpiKind, noun: string): string {
  const cmp = compare({ kpi, kpi_cohort: r.kpi_cohort, kpi_rest: r.kpi_rest }, kind);
  const who = withNoun(r.cohort, noun);
  const what = cmp ? `${cmp.label} ${cmp.values} in this cohort's other ${plural(noun)}` : '';
  const size = `${r.cohort_size.toLocaleString('en')} ${plural(noun, r.cohort_size)}, q ${formatP(r.q_value)}`;
  return `${who.charAt(0).toUpperCase()}${who.slice(1)}${what ? `: ${what}` : ''} (${size}).`;
}

/** Top `n` and how many more, for lists that show a few and offer the rest on demand. */
export function topN<T>(items: T[], n: number, all: boolean): { shown: T[]; more: number } {
  return all || items.length <= n ? { shown: items, more: 0 } : { shown: items.slice(0, n), more: items.length - n };
}

/** A related hypothesis key ("absence:{\"a\":\"login\",\"within\":\"60s\"}") as words: "absence: a login, within 60s". */
export function relatedSentence(key: string): string {
  const i = key.indexOf(':');
  if (i < 0) {
    return key;
  }
  const family = key.slice(0, i).replace(/_/g, ' ');
  try {
    const params = JSON.parse(key.slice(i + 1)) as Record<string, unknown>;
    const text = (v: unknown): string =>
      Array.isArray(v) ? v.map(text).join(' → ') : v && typeof v === 'object' ? Object.entries(v).map(([k, x]) => `${k} = ${text(x)}`).join(', ') : String(v);
    // within_s: 30 → "within 30 s": a unit suffix reads after the value.
    const param = ([k, v]: [string, unknown]) => {
      const unit = /^(.+)_(ms|s|m|h|d)$/.exec(k);
      return unit ? `${unit[1]!.replace(/_/g, ' ')} ${text(v)} ${unit[2]}` : `${k.replace(/_/g, ' ')} ${text(v)}`;
    };
    return `${family}: ${Object.entries(params).map(param).join(', ')}`;
  } catch {
    return key;
  }
}

const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const ident = (s: string) => (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(s) ? s : `\`${s.replace(/`/g, '``')}\``);

/**
 * One group's events, time-ordered, for Explore; undefined when the events come from a file the data source
 * cannot read (the engine's own file() source).
 */
export function groupEventsSql(events: Pick<DatasetInfo['events'], 'source' | 'time' | 'group'>, id: string): string | undefined {
  if (/\.(csv|tsv|parquet|jsonl?|ndjson)(\.gz)?$/i.test(events.source) || events.source.includes('/')) {
    return undefined;
  }
  return `SELECT *\nFROM ${ident(events.source)}\nWHERE ${ident(events.group)} = ${sqlString(id)}\nORDER BY ${ident(events.time)}\nLIMIT 1000`;
}
