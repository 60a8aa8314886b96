/**
 * Which KPIs a dashboard panel is about, from its title: words of the title against each KPI's name and
 * description. Pure; used to preselect KPIs when the panel-menu link gives a panel title but no KPI.
 */
import type { Kpi } from '../types/api';

const STOPWORDS = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'by',
  'for',
  'from',
  'in',
  'into',
  'is',
  'of',
  'on',
  'or',
  'per',
  'the',
  'to',
  'vs',
  'with',
  'over',
  'time',
  'total',
  'count',
  'all',
  'last',
  'this',
  'that',
  'panel',
  'dashboard',
  'kpi',
  'rate',
  'ratio',
  'share',
  'number',
  'avg',
  'average',
  'mean',
  'p50',
  'p95',
  'p99',
  'when',
  'which',
  'their',
]);

/** A crude stem so "failures", "failed", "failing" and "failure" meet: lowercase, strip common suffixes. */
export function stem(word: string): string {
  let w = word.toLowerCase();
  for (const suffix of ['ures', 'ure', 'ing', 'ed', 'es', 's', 'e']) {
    if (w.length - suffix.length >= 4 && w.endsWith(suffix)) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  return w;
}

/** Words of a text: split on non-alphanumerics, snake_case, kebab-case and camelCase; stopwords and 1–2 letter words dropped. */
export function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.toLowerCase())
    .filter((w) => w.length > 2 && !STOPWORDS.has(w))
    .map(stem)
    .filter((w) => !STOPWORDS.has(w));
}

export interface KpiMatch {
  name: string;
  score: number;
}

/** Each KPI's score for a title: 3 per title word in its name, 1 per title word only in its description. */
export function scoreKpis(title: string, kpis: Array<Pick<Kpi, 'name' | 'description'>>): KpiMatch[] {
  const t = new Set(words(title));
  if (!t.size) {
    return kpis.map((k) => ({ name: k.name, score: 0 }));
  }
  return kpis.map((k) => {
    const name = new Set(words(k.name));
    const desc = new Set(words(k.description ?? ''));
    let score = 0;
    for (const w of t) {
      if (name.has(w)) {
        score += 3;
      } else if (desc.has(w)) {
        score += 1;
      }
    }
    return { name: k.name, score };
  });
}

/**
 * The KPIs a panel title is about: those with the best score (ties all kept), none when no word matches.
 * A title that names a KPI exactly (e.g. "login_failure") picks just that KPI.
 */
export function matchKpis(title: string, kpis: Array<Pick<Kpi, 'name' | 'description'>>): string[] {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '');
  const exact = kpis.filter(
    (k) => norm(k.name) && title.split(/[\s,;:()]+/).some((part) => norm(part) === norm(k.name))
  );
  if (exact.length) {
    return exact.map((k) => k.name);
  }
  const scored = scoreKpis(title, kpis);
  const best = Math.max(0, ...scored.map((s) => s.score));
  return best > 0 ? scored.filter((s) => s.score === best).map((s) => s.name) : [];
}
