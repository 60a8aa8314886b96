/**
 * Identity and coarse classes of leads: the stable id of a lead (a hash of its fingerprint, so the same hypothesis
 * on the same KPI is the same lead in every run), the parameter region used for priors from triage, and the
 * relative effect used to compare effect sizes across KPIs and measures.
 */
import { createHash } from 'node:crypto';
import type { Family } from '../templates/types';

/** sha256 of the fingerprint (`<kpi>/<template>:<canonical params>`), 24 hex characters (96 bits). */
export function opportunityId(fingerprint: string): string {
  return createHash('sha256').update(fingerprint, 'utf8').digest('hex').slice(0, 24);
}

export const ID_PATTERN = /^[0-9a-f]{24}$/;

const len = (v: unknown) => (Array.isArray(v) ? v.length : 0);

/**
 * A coarse class of a hypothesis's parameters, the unit of the priors from triage: what kind of cohort it is
 * (pattern length, lifecycle phase, predicate, feature, attribute set, context), never its concrete events or
 * values, so a prior carries over to neighbouring hypotheses of the same shape.
 */
export function paramRegion(template: string, params: Record<string, unknown>): string {
  const p = params ?? {};
  const s = (k: string) => (typeof p[k] === 'string' || typeof p[k] === 'number' ? String(p[k]) : undefined);
  switch (template as Family) {
    case 'ngram':
      if (Array.isArray(p.ngram)) return `length=${len(p.ngram)}`;
      break;
    case 'ordered_pattern':
      if (Array.isArray(p.pattern)) return `length=${len(p.pattern)}${s('within_s') ? `,within_s=${s('within_s')}` : ''}`;
      break;
    case 'absence':
      if (p.missing !== undefined) return p.after !== undefined ? `kind=not_followed${s('within_s') ? `,within_s=${s('within_s')}` : ''}` : 'kind=never';
      break;
    case 'lifecycle':
      if (s('phase')) return `phase=${s('phase')}`;
      break;
    case 'indirect':
      if (s('predicate')) return `predicate=${s('predicate')}`;
      break;
    case 'static':
      if (p.attributes && typeof p.attributes === 'object') return `attributes=${Object.keys(p.attributes).sort().join('+')}`;
      break;
    case 'stateful':
      if (s('feature')) return `feature=${s('feature')}`;
      break;
    case 'nonlocal':
      if (s('context')) return `context=${s('context')}`;
      if (s('predicate')) return `predicate=${s('predicate')}`;
      break;
  }
  return `keys=${Object.keys(p).sort().join('+') || 'none'}`;
}

/**
 * |KPI in the cohort − KPI in the rest| / KPI in the rest: one scale for failure rates and numeric KPIs, whatever
 * the lead's own effect measure (prevalence ratio, relative difference, trend slope). Null when the rest is 0.
 */
export function relativeEffect(kpiCohort: number, kpiRest: number): number | null {
  if (!Number.isFinite(kpiCohort) || !Number.isFinite(kpiRest) || kpiRest === 0) return null;
  return Math.abs(kpiCohort - kpiRest) / Math.abs(kpiRest);
}
