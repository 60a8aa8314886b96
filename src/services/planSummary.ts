/** A run's plan in one line, so the leads, not the plan, fill the screen after a run; the details stay a click away. */
import type { Plan } from '../types/api';

export function planLine(plan: Pick<Plan, 'planner' | 'kpis' | 'items' | 'fallback'>): string {
  const families = [...new Set(plan.items.map((i) => i.template))];
  const kpis = plan.kpis.length ? plan.kpis.join(', ') : 'all KPIs';
  const planner = plan.fallback ? `${plan.planner} planner (LLM not used)` : `${plan.planner} planner`;
  const fam = families.length === 1 ? `1 family (${families[0]})` : `${families.length} families`;
  return `${planner} · ${kpis} · ${fam}`;
}

/** What the run analysed and why, in one line: "os_version: android_13, android_14 (“android”) · … · ignored: wobbly". */
export function scopeLine(scope: Plan['scope']): string | undefined {
  if (!scope || (!scope.used.length && !scope.ignored.length && !scope.filters.length)) {
    return undefined;
  }
  const parts = scope.used.map((u) => `${u.as} (“${u.phrase}”)`);
  const fromPrompt = new Set(scope.used.map((u) => u.as));
  for (const f of scope.filters) {
    const as = `${f.attribute} in ${f.values.join(', ')}`;
    if (!fromPrompt.has(as)) {
      parts.push(as);
    }
  }
  if (scope.ignored.length) {
    parts.push(`ignored: ${scope.ignored.join(', ')}`);
  }
  return parts.join(' · ');
}
