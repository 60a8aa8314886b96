/**
 * One way to state a lead (issue 14): the KPI in the cohort against the rest first ("failure rate 86% vs 14%",
 * "2,046 ms vs 1,018 ms"), then the effect; impact with its unit; the group noun of the dataset ("session" for a
 * `session_id` group column) instead of "groups". Pure: pages, tables and the panel share it.
 */
import type { Kpi, Lead } from '../types/api';

/** Whether a KPI counts failed groups (funnel, failure events or condition) or averages a number per group. */
export type KpiKind = 'rate' | 'numeric';

export const kpiKindOf = (kind: string | undefined): KpiKind => (kind === 'numeric' ? 'numeric' : 'rate');

/** How leads are worded on an engine: each KPI's kind and the dataset's group noun. */
export interface LeadVocabulary {
  kindOf: (kpi: string) => KpiKind;
  noun: string;
}

export function vocabularyOf(
  kpis: Array<Pick<Kpi, 'name' | 'kind'>> | undefined,
  groupColumn: string | undefined
): LeadVocabulary {
  const kinds = new Map((kpis ?? []).map((k) => [k.name, kpiKindOf(k.kind)]));
  return { kindOf: (kpi) => kinds.get(kpi) ?? 'rate', noun: groupNoun(groupColumn) };
}

/** A numeric KPI's unit from its name's suffix (page_load_ms → ms); none when the name does not say. */
export function kpiUnit(kpiName: string): string {
  const m = /_(ms|s|sec|seconds|bytes|kb|mb|pct|percent)$/i.exec(kpiName);
  if (!m) {
    return '';
  }
  const u = m[1]!.toLowerCase();
  return ({ sec: 's', seconds: 's', pct: '%', percent: '%' } as Record<string, string>)[u] ?? u;
}

/** The dataset's group noun from its group column: session_id → session, trace_id → trace, block → block. */
export function groupNoun(groupColumn: string | undefined): string {
  const base = (groupColumn ?? '')
    .replace(/[_-]?(id|key|uuid)$/i, '')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return base || 'group';
}

export const plural = (noun: string, n = 2) => (n === 1 ? noun : /(s|x|ch|sh)$/.test(noun) ? `${noun}es` : `${noun}s`);

const num = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const num1 = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

/** A KPI value: a rate as a percentage (whole below 10 points of rounding loss), a number with its unit. */
export function formatKpi(kind: KpiKind, v: number | null | undefined, unit = ''): string {
  if (v === null || v === undefined || !Number.isFinite(v)) {
    return '–';
  }
  if (kind === 'rate') {
    const pct = v * 100;
    return `${pct !== 0 && Math.abs(pct) < 10 ? num1.format(pct) : num.format(pct)}%`;
  }
  const s = Math.abs(v) >= 100 ? num.format(v) : num1.format(v);
  return unit === '%' ? `${s}%` : unit ? `${s} ${unit}` : s;
}

export interface Comparison {
  /** "failure rate" for rates; the KPI name without its unit for numbers ("page load"). */
  label: string;
  /** "86% vs 14%" or "2,046 ms vs 1,018 ms". */
  values: string;
}

/** The KPI in the cohort against the rest, or undefined when the engine did not say (older engines). */
export function compare(
  l: Pick<Lead, 'kpi'> & { kpi_cohort?: number | null; kpi_rest?: number | null },
  kind: KpiKind
): Comparison | undefined {
  if (l.kpi_cohort === null || l.kpi_cohort === undefined || l.kpi_rest === null || l.kpi_rest === undefined) {
    return undefined;
  }
  const unit = kind === 'numeric' ? kpiUnit(l.kpi) : '';
  const label =
    kind === 'rate'
      ? 'failure rate'
      : l.kpi.replace(/_(ms|s|sec|seconds|bytes|kb|mb|pct|percent)$/i, '').replace(/_/g, ' ');
  return { label, values: `${formatKpi(kind, l.kpi_cohort, unit)} vs ${formatKpi(kind, l.kpi_rest, unit)}` };
}

/** Impact with its unit: "73 excess failed sessions", "241.4K excess ms". */
export function impactText(
  l: Pick<Lead, 'kpi' | 'impact'>,
  kind: KpiKind,
  noun: string
): { value: string; unit: string } {
  const value = Number.isFinite(l.impact)
    ? Math.abs(l.impact) >= 10_000
      ? compact.format(l.impact)
      : num.format(l.impact)
    : '–';
  if (kind === 'rate') {
    return { value, unit: `excess failed ${plural(noun, Math.round(l.impact))}` };
  }
  const unit = kpiUnit(l.kpi);
  return { value, unit: unit ? `excess ${unit}` : 'excess (KPI total)' };
}

/** What each measure means, one line each, for hovers. */
export const EXPLAIN = {
  compare: (noun: string) =>
    `The KPI among the cohort's ${plural(noun)} against the rest of the ${plural(noun)} in the window.`,
  share: (noun: string) =>
    `Share of the KPI's failed ${plural(noun)} (numeric KPIs: of its excess) that are in this cohort.`,
  impact: (noun: string) =>
    `How many more failed ${plural(noun)} (or KPI units) the cohort has than it would at the rest's rate.`,
  effect: 'Effect size with its 95% confidence interval: how much worse the cohort is, as the analysis measured it.',
  q: 'q-value: the false discovery rate at which this lead is significant; lower is stronger.',
  cohort: (noun: string) => `Number of ${plural(noun)} in the cohort.`,
  rank: 'Rank among the leads of the same KPI, by what each adds beyond the leads above it.',
};

const MEASURES: Record<string, string> = {
  prevalence_ratio: 'more common among failures',
  relative_difference: 'worse than the rest',
  trend_slope: 'trend per day',
};

/** The effect in words after its value: "×25.9 more common among failures", "+181% worse than the rest". */
export function effectWords(measure: string): string {
  return MEASURES[measure] ?? measure.replace(/_/g, ' ');
}

/** Titles say "groups"; the dataset's noun reads better ("sessions where we…"). */
export function withNoun(text: string, noun: string): string {
  if (noun === 'group') {
    return text;
  }
  return text.replace(/\bgroups\b/g, plural(noun)).replace(/\bgroup\b/g, noun);
}

/** A template family as users read it: its label in the engine's catalog, else its id with spaces (the id stays in tooltips and filters' values). */
export function familyLabel(template: string, labels: Record<string, string>): string {
  return labels[template] ?? template.replace(/_/g, ' ');
}
