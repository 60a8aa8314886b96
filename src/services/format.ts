import { dateTimeFormat } from '@grafana/data';
/** How numbers from the engine read on screen: impact, effects, q-values, times. Pure, shared by pages and the panel. */
import type { Lead, Opportunity } from '../types/api';

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const plain = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

/** Impact is excess failures (or excess KPI total) in the cohort; small numbers in full, large ones compact. */
export function formatImpact(v: number): string {
  if (!Number.isFinite(v)) {
    return '–';
  }
  return Math.abs(v) >= 10_000 ? compact.format(v) : plain.format(v);
}

export function formatCount(v: number): string {
  return Number.isFinite(v) ? plain.format(v) : '–';
}

/** Effects: ratios as ×, differences as signed values, relative changes as %. */
export function formatEffect(effect: { measure: string; value: number }): string {
  const { measure, value } = effect;
  if (!Number.isFinite(value)) {
    return '–';
  }
  if (/ratio/i.test(measure)) {
    return `×${value >= 10 ? value.toFixed(1) : value.toFixed(2)}`;
  }
  if (/relative|pct|percent/i.test(measure)) {
    return `${value >= 0 ? '+' : ''}${(value * 100).toFixed(0)}%`;
  }
  return `${value >= 0 ? '+' : ''}${Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3)}`;
}

export function formatRelative(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) {
    return '–';
  }
  return `${v >= 0 ? '+' : ''}${(v * 100).toFixed(0)}%`;
}

/** The effect with its confidence interval, e.g. "×34.8 [23.9, 52.4]". */
export function formatEffectCi(o: Pick<Opportunity, 'effect'>): string {
  const { measure, value, ci_low, ci_high } = o.effect;
  const f = (x: number) => formatEffect({ measure, value: x }).replace(/^[×+]/, '');
  return `${formatEffect({ measure, value })} [${f(ci_low)}, ${f(ci_high)}]`;
}

/** p and q values: scientific below 0.001, never "0". */
export function formatP(v: number): string {
  if (!Number.isFinite(v)) {
    return '–';
  }
  if (v < 1e-300) {
    return '< 1e-300';
  }
  return v < 0.001 ? v.toExponential(1) : v.toFixed(3);
}

/** "3 min ago", "2 h ago", "5 d ago"; the absolute time belongs in a tooltip. */
export function timeAgo(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) {
    return '–';
  }
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) {
    return 'just now';
  }
  if (s < 3600) {
    return `${Math.round(s / 60)} min ago`;
  }
  if (s < 86400) {
    return `${Math.round(s / 3600)} h ago`;
  }
  return `${Math.round(s / 86400)} d ago`;
}

/** A KPI value as the engine reports it: failure rates as %, numeric KPIs as is. */
export function formatKpiValue(kind: string, v: number | null): string {
  if (v === null || !Number.isFinite(v)) {
    return '–';
  }
  return kind === 'numeric' ? v.toPrecision(4) : `${(v * 100).toFixed(1)}%`;
}

export function isNew(l: Pick<Lead, 'known' | 'status'>): boolean {
  return !l.known && l.status === 'new';
}

/** A share (0–1) as a percentage with one decimal: 0.3832 → "38.3%". */
export function formatShare(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

/**
 * A time as users read it, in the user's time zone (Grafana's dateTimeFormat follows the user's or the dashboard's
 * preference; the browser's zone by default), no ISO 'T'/'Z': "Nov 14, 2026, 09:30", or the date only.
 */
export function formatTime(iso: string | number, what: 'datetime' | 'date' = 'datetime'): string {
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) {
    return '–';
  }
  return dateTimeFormat(t, { format: what === 'date' ? 'MMM D, YYYY' : 'MMM D, YYYY, HH:mm' });
}

/**
 * A message from the engine without server file paths (an older engine, or an error the engine did not word
 * itself, may name one): each absolute path becomes its file name, which is what a user can act on.
 */
export function withoutPaths(message: string): string {
  return message.replace(
    /(^|[\s'"(=:])((?:[A-Za-z]:)?(?:[\\/][^\s'"(),:\\/]+){2,})/g,
    (_m, pre: string, path: string) => {
      const name = path.split(/[\\/]/).pop() ?? '';
      return `${pre}${name}`;
    }
  );
}
