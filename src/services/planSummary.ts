/** A run's plan in one line, so the leads, not the plan, fill the screen after a run; the details stay a click away. */
import type { Plan } from '../types/engine';

export function planLine(plan: Pick<Plan, 'planner' | 'kpis' | 'items' | 'fallback'>): string {
  const families = [...new Set(plan.items.map((i) => i.template))];
  const kpis = plan.kpis.length ? plan.kpis.join(', ') : 'all KPIs';
  const planner = plan.fallback ? `${plan.planner} planner (LLM not used)` : `${plan.planner} planner`;
  const fam = families.length === 1 ? `1 family (${families[0]})` : `${families.length} families`;
  return `${planner} · ${kpis} · ${fam}`;
}
