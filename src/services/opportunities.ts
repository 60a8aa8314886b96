/**
 * The Opportunities page's filters, sort and page as URL query params and as the engine's lead query. Pure.
 */
import {
  FAMILIES,
  TRIAGE_STATUSES,
  type Lead,
  type LeadQuery,
  type TriageRequest,
  type TriageStatus,
} from '../types/api';

/** `latest`: first found by the latest finished run ("new since the latest run"). */
export type KnownFilter = 'all' | 'new' | 'known' | 'latest';
export type LeadSort = 'impact' | 'q_value' | 'first_seen' | 'last_seen';
const SORTS: LeadSort[] = ['impact', 'q_value', 'first_seen', 'last_seen'];
const KNOWN: KnownFilter[] = ['all', 'new', 'known', 'latest'];

export interface LeadFilters {
  kpi: string[];
  status: TriageStatus[];
  template: string[];
  known: KnownFilter;
  sort: LeadSort;
  page: number;
}

export const PAGE_SIZE = 25;

export const DEFAULT_FILTERS: LeadFilters = {
  kpi: [],
  status: [],
  template: [],
  known: 'all',
  sort: 'impact',
  page: 1,
};

const list = (p: URLSearchParams, k: string) =>
  p
    .getAll(k)
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);

export function filtersFromParams(p: URLSearchParams): LeadFilters {
  const status = list(p, 'status').filter((s): s is TriageStatus => TRIAGE_STATUSES.some((t) => t === s));
  const template = list(p, 'template').filter((t) => (FAMILIES as readonly string[]).includes(t));
  const known = p.get('known');
  const sort = p.get('sort');
  const page = Number(p.get('page'));
  return {
    kpi: list(p, 'kpi'),
    status,
    template,
    known: KNOWN.find((k) => k === known) ?? 'all',
    sort: SORTS.find((x) => x === sort) ?? 'impact',
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

/** Only what differs from the defaults, so a plain URL means "everything, by impact". */
export function filtersToParams(f: LeadFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.kpi.length) {
    p.set('kpi', f.kpi.join(','));
  }
  if (f.status.length) {
    p.set('status', f.status.join(','));
  }
  if (f.template.length) {
    p.set('template', f.template.join(','));
  }
  if (f.known !== 'all') {
    p.set('known', f.known);
  }
  if (f.sort !== 'impact') {
    p.set('sort', f.sort);
  }
  if (f.page > 1) {
    p.set('page', String(f.page));
  }
  return p;
}

/**
 * The engine's query for a page of leads. `latestRunId`: the latest finished run, for the `latest` filter (the
 * leads it found that no earlier run did); without one that filter matches what `new` does.
 */
export function toLeadQuery(f: LeadFilters, pageSize = PAGE_SIZE, latestRunId?: string): LeadQuery {
  const q: LeadQuery = { sort: f.sort, limit: pageSize, offset: (f.page - 1) * pageSize };
  if (f.kpi.length) {
    q.kpi = f.kpi;
  }
  if (f.status.length) {
    q.status = f.status;
  }
  if (f.template.length) {
    q.template = f.template;
  }
  if (f.known !== 'all') {
    q.known = f.known === 'known';
  }
  if (f.known === 'latest' && latestRunId) {
    q.run = latestRunId;
  }
  return q;
}

export function pageCount(total: number, pageSize = PAGE_SIZE): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

/** A lead as it will read after a triage, before the engine answers (optimistic update). */
export function applyTriage<T extends Pick<Lead, 'status' | 'note'>>(lead: T, req: TriageRequest): T {
  return {
    ...lead,
    ...(req.status !== undefined ? { status: req.status } : {}),
    ...(req.note !== undefined ? { note: req.note } : {}),
  };
}
