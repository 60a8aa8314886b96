import type { KpiInfo } from '../dataset/inspect';
import { FAMILIES, TEMPLATES } from '../templates/catalog';
import type { Family, Hypothesis } from '../templates/types';

/** Aggregates of one KPI over a set of groups, as ClickHouse returns them. */
export interface KpiStats {
  /** Groups where the KPI applies (a funnel's entered groups, groups with a numeric value). */
  a: number;
  /** Failures (binary) or the sum of values (numeric). */
  s: number;
  /** Numeric only: sum of squares, sum of log1p, sum of log1p squared. */
  q?: number;
  l?: number;
  m?: number;
}

/** A cohort and the whole window per time bucket (index = bucket), for trends and stability. */
export interface Series {
  /** Epoch ms of bucket 0, and the bucket width in ms. */
  from: number;
  width: number;
  cohort: KpiStats[];
  total: KpiStats[];
}

export const emptyStats = (): KpiStats => ({ a: 0, s: 0, q: 0, l: 0, m: 0 });

/** Adds y into x (x changes). */
export function addStats(x: KpiStats, y: KpiStats): KpiStats {
  x.a += y.a;
  x.s += y.s;
  x.q = (x.q ?? 0) + (y.q ?? 0);
  x.l = (x.l ?? 0) + (y.l ?? 0);
  x.m = (x.m ?? 0) + (y.m ?? 0);
  return x;
}

/** One hypothesis measured against one KPI: the cohort's aggregates and the whole window's. */
export interface Observation {
  hyp: Hypothesis;
  kpi: KpiInfo;
  node: string;
  /** The hypothesis' key within its node (what the node's key expression emits for member groups). */
  key: string;
  /** Groups in the cohort (whether or not the KPI applies to them). */
  groups: number;
  cohort: KpiStats;
  total: KpiStats;
  /** The same per time bucket, where the family's aggregate was bucketed. */
  series?: Series;
}

export interface Effect {
  measure: 'prevalence_ratio' | 'relative_difference' | 'trend_slope';
  value: number;
  ci_low: number;
  ci_high: number;
}

/** Whether a family's cohorts are patterns in the sequence (Template.kind): the enrichment expert's, for failure KPIs. */
export const isPatternFamily = (template: string) => (FAMILIES as readonly string[]).includes(template) && TEMPLATES[template as Family].kind === 'pattern';

export type ExpertName = 'enrichment' | 'cohort' | 'trend';

/** An expert's verdict on one observation. */
export interface Finding {
  obs: Observation;
  expert: ExpertName;
  test: string;
  p: number;
  effect: Effect;
  kpiCohort: number;
  kpiRest: number;
  /** Excess failures (binary) or excess total of the KPI (numeric) in the cohort vs the rest's level. */
  impact: number;
  /** What an expert adds beyond the effect (a trend's slope and onset). */
  details?: Record<string, unknown>;
  /** The expert's effect-size gates (evaluated after correction, with q). */
  gates(q: number, context?: { siblingOutlier?: boolean }): { pass: boolean; why: string };
}

export interface Expert {
  name: ExpertName;
  applies(o: Observation): boolean;
  assess(o: Observation): Finding | null;
}
