/**
 * Identity and coarse classes of leads: the stable id of a lead (a hash of its fingerprint, so the same hypothesis
 * on the same KPI is the same lead in every run), the parameter region used for priors from triage, and the
 * relative effect used to compare effect sizes across KPIs and measures.
 */
import { createHash } from 'node:crypto';
import { FAMILIES, TEMPLATES } from '../templates/catalog';
import type { Family } from '../templates/types';

/** sha256 of the fingerprint (`<kpi>/<template>:<canonical params>`), 24 hex characters (96 bits). */
export function opportunityId(fingerprint: string): string {
  return createHash('sha256').update(fingerprint, 'utf8').digest('hex').slice(0, 24);
}

export const ID_PATTERN = /^[0-9a-f]{24}$/;

/**
 * A coarse class of a hypothesis's parameters, the unit of the priors from triage: what kind of cohort it is
 * (pattern length, lifecycle phase, predicate, feature, attribute set, context), never its concrete events or
 * values, so a prior carries over to neighbouring hypotheses of the same shape. Each family says its own
 * (Template.region); params that do not say fall back to their keys.
 */
export function paramRegion(template: string, params: Record<string, unknown>): string {
  const p = params ?? {};
  const own = (FAMILIES as readonly string[]).includes(template) ? TEMPLATES[template as Family].region(p) : undefined;
  return own ?? `keys=${Object.keys(p).sort().join('+') || 'none'}`;
}

/**
 * |KPI in the cohort − KPI in the rest| / KPI in the rest: one scale for failure rates and numeric KPIs, whatever
 * the lead's own effect measure (prevalence ratio, relative difference, trend slope). Null when the rest is 0.
 */
export function relativeEffect(kpiCohort: number, kpiRest: number): number | null {
  if (!Number.isFinite(kpiCohort) || !Number.isFinite(kpiRest) || kpiRest === 0) return null;
  return Math.abs(kpiCohort - kpiRest) / Math.abs(kpiRest);
}
