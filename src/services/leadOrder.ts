/**
 * Leads of different KPIs do not compare by impact (241K excess ms vs 73 failed sessions), so lists group them by
 * KPI: the KPI whose top lead holds the largest share of its failures first, and within a KPI the engine's rank
 * (what each lead adds beyond those above it).
 */
import type { Lead } from '../types/api';

export interface KpiGroup<L> {
  kpi: string;
  leads: L[];
}

type Orderable = Pick<Lead, 'kpi' | 'rank' | 'impact'> & { coverage?: number | null };

/** `keepOrder`: the list is already sorted by something else (q, first or last seen); group it without reordering. */
export function groupByKpi<L extends Orderable>(leads: L[], keepOrder = false): Array<KpiGroup<L>> {
  const groups = new Map<string, L[]>();
  for (const l of leads) {
    groups.set(l.kpi, [...(groups.get(l.kpi) ?? []), l]);
  }
  if (keepOrder) {
    return [...groups.entries()].map(([kpi, ls]) => ({ kpi, leads: ls }));
  }
  const share = (ls: L[]) => Math.max(...ls.map((l) => l.coverage ?? -1));
  return [...groups.entries()]
    .map(([kpi, ls]) => ({ kpi, leads: [...ls].sort((a, b) => a.rank - b.rank || b.impact - a.impact) }))
    .sort((a, b) => share(b.leads) - share(a.leads) || a.kpi.localeCompare(b.kpi));
}
