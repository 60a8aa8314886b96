import type { Opportunity, Report } from '../pipeline/analyze';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** A numeric KPI's unit from its name's suffix (page_load_ms → ms), as the app reads it; '' when the name does not say. */
export function kpiUnit(kpi: string): string {
  const u = /_(ms|s|sec|seconds|bytes|kb|mb|pct|percent)$/i.exec(kpi)?.[1]?.toLowerCase() ?? '';
  return ({ sec: 's', seconds: 's', pct: '%', percent: '%' } as Record<string, string>)[u] ?? u;
}

/** The dataset's word for a group, from its group column (session_id → session), as the app says it. */
export function groupNoun(groupColumn: string | undefined): string {
  return (groupColumn ?? '').replace(/[_-]?(id|key|uuid)$/i, '').replace(/[_-]+/g, ' ').trim().toLowerCase() || 'group';
}

const plural = (noun: string, n = 2) => (n === 1 ? noun : /(s|x|ch|sh)$/.test(noun) ? `${noun}es` : `${noun}s`);

/** Titles and cohorts say "groups"; the dataset's noun reads better ("sessions where …"). */
const withNoun = (text: string, noun: string) =>
  noun === 'group' ? text : text.replace(/\bgroups\b/g, plural(noun)).replace(/\bgroup\b/g, noun);

/** A rate as a percentage; a number with the unit its KPI's name gives. */
function fmtValue(kind: string, v: number, kpi = ''): string {
  if (kind !== 'numeric') return pct(v);
  const u = kpiUnit(kpi);
  return u === '%' ? `${v.toFixed(1)}%` : u ? `${v.toFixed(1)} ${u}` : v.toFixed(1);
}

/** Impact as a count: whole failed groups for rates (the excess is an estimate; decimals would claim more). */
const fmtImpact = (kind: string, x: number) => (kind === 'numeric' ? fmtNum(x) : Math.round(x).toLocaleString('en-US'));

/** What a KPI's impact counts: excess failed groups, or excess KPI units over the cohort. */
export function impactUnit(kind: string, kpi: string, noun: string): string {
  if (kind !== 'numeric') return `excess failed ${plural(noun)}`;
  const u = kpiUnit(kpi);
  return u ? `excess ${u}` : 'excess (KPI total)';
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(1);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2);
}

/**
 * The human-readable report: each KPI, then its leads by impact. `noun` is the dataset's word for a group
 * (groupNoun of its group column), so counts read "2,996 sessions", and impact says what it counts.
 */
export function formatTable(r: Report, o: { noun?: string; maxPerKpi?: number } = {}): string {
  const noun = o.noun ?? 'group';
  const maxPerKpi = o.maxPerKpi ?? 5;
  const lines: string[] = [];
  lines.push(
    `Surfacer: ${r.hypotheses_tested.toLocaleString('en-US')} hypotheses tested on ${r.groups.toLocaleString('en-US')} ${plural(noun, r.groups)}, ${r.events.toLocaleString('en-US')} events (${r.window.from.slice(0, 10)} → ${r.window.to.slice(0, 10)})`,
  );
  if (r.sample) {
    lines.push(`Approximate: a ${(r.sample.fraction * 100).toPrecision(2)}% sample of ${r.sample.unit}; ${noun} counts are the sample's, impact is scaled to all ${r.sample.unit}.`);
  }
  for (const k of r.kpis) {
    const leads = r.opportunities.filter((o) => o.kpi === k.name);
    const what = k.kind === 'numeric' ? 'mean' : 'failure rate';
    lines.push('');
    lines.push(
      `■ ${k.name}: ${what} ${fmtValue(k.kind, k.value, k.name)} over ${k.groups.toLocaleString('en-US')} ${plural(noun, k.groups)} — ${leads.length ? `${leads.length} lead${leads.length > 1 ? 's' : ''}; impact in ${impactUnit(k.kind, k.name, noun)}` : 'no lead'}`,
    );
    if (!leads.length) continue;
    lines.push(`  ${'#'.padEnd(3)}${'impact'.padStart(9)}  ${plural(noun).padStart(8)}  ${`${what} in/out`.padEnd(24)}${'effect [95% CI]'.padEnd(24)}${'q'.padEnd(9)}lead`);
    for (const o of leads.slice(0, maxPerKpi)) {
      const inout = `${fmtValue(k.kind, o.kpi_cohort, k.name)} / ${fmtValue(k.kind, o.kpi_rest, k.name)}`;
      const eff =
        o.effect.measure === 'prevalence_ratio'
          ? `×${fmtNum(o.effect.value)} [${fmtNum(o.effect.ci_low)}, ${fmtNum(o.effect.ci_high)}]`
          : `${o.effect.value >= 0 ? '+' : ''}${(o.effect.value * 100).toFixed(0)}% [${(o.effect.ci_low * 100).toFixed(0)}, ${(o.effect.ci_high * 100).toFixed(0)}]`;
      lines.push(
        `  ${String(o.rank).padEnd(3)}${fmtImpact(k.kind, o.impact).padStart(9)}  ${o.cohort_size.toLocaleString('en-US').padStart(8)}  ${inout.padEnd(24)}${eff.padEnd(24)}${o.q_value.toExponential(1).padEnd(9)}${withNoun(o.cohort, noun)} [${o.template}]${o.trend ? ` ↗ since ${String(o.trend.onset).slice(0, 10)}` : ''}${o.stable ? '' : ' (unstable)'}`,
      );
    }
    if (leads.length > maxPerKpi) lines.push(`  … ${leads.length - maxPerKpi} more (--format json for all)`);
  }
  lines.push('');
  lines.push(`Leads are associations, not causes. impact = how many more failed ${plural(noun)} (numeric KPIs: KPI units) the cohort has than at the rest's level.`);
  return lines.join('\n');
}

/**
 * One KPI's leads as soon as they are final (during the run, on stderr): how many, and the top few as
 * "cohort: KPI in cohort vs rest, impact". `kind` is the KPI's kind (numeric: means, else failure rates).
 */
export function formatKpiLeads(kpi: string, kind: string, leads: Opportunity[], noun = 'group', top = 3): string {
  const head = `■ ${kpi}: ${leads.length ? `${leads.length} lead${leads.length > 1 ? 's' : ''}` : 'no lead'} (final; more KPIs to come)`;
  const what = kind === 'numeric' ? 'mean' : 'failure rate';
  const rows = leads.slice(0, top).map(
    (o) =>
      `  ${o.rank}. ${withNoun(o.cohort, noun)}: ${what} ${fmtValue(kind, o.kpi_cohort, kpi)} vs ${fmtValue(kind, o.kpi_rest, kpi)}, impact ${fmtImpact(kind, o.impact)} ${impactUnit(kind, kpi, noun)}, q ${o.q_value.toExponential(1)}`,
  );
  if (leads.length > top) rows.push(`  … ${leads.length - top} more in the report`);
  return [head, ...rows].join('\n');
}
