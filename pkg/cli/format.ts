import type { Opportunity, Report } from '../pipeline/analyze';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function fmtValue(kind: string, v: number): string {
  return kind === 'numeric' ? v.toFixed(1) : pct(v);
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(1);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2);
}

/** The human-readable report: each KPI, then its leads by impact. */
export function formatTable(r: Report, maxPerKpi = 5): string {
  const lines: string[] = [];
  lines.push(
    `Surfacer: ${r.hypotheses_tested.toLocaleString('en-US')} hypotheses tested on ${r.groups.toLocaleString('en-US')} groups, ${r.events.toLocaleString('en-US')} events (${r.window.from.slice(0, 10)} → ${r.window.to.slice(0, 10)})`,
  );
  if (r.sample) {
    lines.push(`Approximate: a ${(r.sample.fraction * 100).toPrecision(2)}% sample of ${r.sample.unit}; group counts are the sample's, impact is scaled to all ${r.sample.unit}.`);
  }
  for (const k of r.kpis) {
    const leads = r.opportunities.filter((o) => o.kpi === k.name);
    lines.push('');
    lines.push(`■ ${k.name}: ${fmtValue(k.kind, k.value)} over ${k.groups.toLocaleString('en-US')} groups — ${leads.length ? `${leads.length} lead${leads.length > 1 ? 's' : ''}` : 'no lead'}`);
    if (!leads.length) continue;
    lines.push(`  ${'#'.padEnd(3)}${'impact'.padStart(9)}  ${'cohort'.padStart(8)}  ${'kpi in/out'.padEnd(17)}${'effect [95% CI]'.padEnd(24)}${'q'.padEnd(9)}lead`);
    for (const o of leads.slice(0, maxPerKpi)) {
      const inout = `${fmtValue(k.kind, o.kpi_cohort)}/${fmtValue(k.kind, o.kpi_rest)}`;
      const eff =
        o.effect.measure === 'prevalence_ratio'
          ? `×${fmtNum(o.effect.value)} [${fmtNum(o.effect.ci_low)}, ${fmtNum(o.effect.ci_high)}]`
          : `${o.effect.value >= 0 ? '+' : ''}${(o.effect.value * 100).toFixed(0)}% [${(o.effect.ci_low * 100).toFixed(0)}, ${(o.effect.ci_high * 100).toFixed(0)}]`;
      lines.push(
        `  ${String(o.rank).padEnd(3)}${fmtNum(o.impact).padStart(9)}  ${o.cohort_size.toLocaleString('en-US').padStart(8)}  ${inout.padEnd(17)}${eff.padEnd(24)}${o.q_value.toExponential(1).padEnd(9)}${o.cohort} [${o.template}]${o.trend ? ` ↗ since ${String(o.trend.onset).slice(0, 10)}` : ''}${o.stable ? '' : ' (unstable)'}`,
      );
    }
    if (leads.length > maxPerKpi) lines.push(`  … ${leads.length - maxPerKpi} more (--format json for all)`);
  }
  lines.push('');
  lines.push('Leads are associations, not causes. impact = excess failures (or excess KPI total) in the cohort vs the rest.');
  return lines.join('\n');
}

/**
 * One KPI's leads as soon as they are final (during the run, on stderr): how many, and the top few as
 * "cohort: KPI in cohort vs rest, impact". `kind` is the KPI's kind (numeric: means, else failure rates).
 */
export function formatKpiLeads(kpi: string, kind: string, leads: Opportunity[], top = 3): string {
  const head = `■ ${kpi}: ${leads.length ? `${leads.length} lead${leads.length > 1 ? 's' : ''}` : 'no lead'} (final; more KPIs to come)`;
  const what = kind === 'numeric' ? 'mean' : 'failure rate';
  const rows = leads.slice(0, top).map(
    (o) =>
      `  ${o.rank}. ${o.cohort}: ${what} ${fmtValue(kind, o.kpi_cohort)} vs ${fmtValue(kind, o.kpi_rest)}, impact ${fmtNum(o.impact)}, q ${o.q_value.toExponential(1)}`,
  );
  if (leads.length > top) rows.push(`  … ${leads.length - top} more in the report`);
  return [head, ...rows].join('\n');
}
