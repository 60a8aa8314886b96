import type { LoadedConfig } from '../config/load';
import { clusterSourceOf } from '../compile/cluster';
import { bucketsFor, compileDag } from '../compile/dag';
import { MEMORY_SCRATCH } from '../compile/scratch';
import { nodeContextBase, sessionizeSql } from '../compile/sessionize';
import { inspectDataset, sessionizedEventsOf } from '../dataset/inspect';
import type { Executor } from '../execute/executor';
import { quoteIdent } from '../execute/sql';
import { deterministicPlan } from '../planner/deterministic';
import type { PlanRequest } from '../planner/types';
import { layoutFor } from './partitions';

/**
 * The plan, the merged DAG and its SQL, without running the heavy queries (only the inspection scan).
 * Candidate lists that come from the data profile are shown empty here; their SQL shape is the same.
 */
export async function explainAnalysis(ex: Executor, cfg: LoadedConfig, req: PlanRequest & { from?: number; to?: number }): Promise<string> {
  const d = await inspectDataset(ex, cfg, { from: req.from, to: req.to });
  const plan = deterministicPlan(d, req);
  // The run's table is named when it runs: `sess_<run>` is a placeholder quoteIdent would refuse.
  const sess = `${quoteIdent(cfg.store.results_database)}.\`sess_<run>\``;
  const vocab = d.vocab.map((v) => v.name);
  // As analyze() lays it out: a cluster's shards sessionize their own events in one pass each.
  const layout = clusterSourceOf(cfg) ? { partitions: 1, scratch: MEMORY_SCRATCH } : layoutFor(cfg, sessionizedEventsOf(d));
  const dag = compileDag(
    plan.items,
    d,
    nodeContextBase(
      d,
      vocab,
      { groups: d.groups, eventGroups: {}, attributeValues: {}, follows: [], followWithinMs: 30000 },
      d.contexts.map((c) => ({ name: c.spec.name, starts: [], ends: [], rule: 'above_p95', threshold: 0 })),
    ),
    sess,
    cfg.analysis.min_support,
    bucketsFor(d.range.from, d.range.to),
    { storeKeys: !cfg.dataset.events.local_table, scratch: layout.scratch },
  );
  const sz = sessionizeSql(d, { from: d.range.from, to: d.range.to, lookbackMs: cfg.analysis.lookback_days * 86_400_000, vocab });
  const node = (id: string) => dag.nodes.find((n) => n.id === id)!;
  const out: string[] = [];
  out.push(`Plan (${plan.planner}) for KPIs ${plan.kpis.join(', ')}`);
  plan.notes.forEach((n) => out.push(`  note: ${n}`));
  plan.items.forEach((i) => out.push(`  - ${i.template}: ${i.reason}`));
  out.push('');
  out.push('DAG (one scan of the events; every family reads the one session table):');
  out.push(`  scan ${d.events.label} (${d.totalEvents.toLocaleString('en-US')} events)`);
  out.push(`  └─ sessionize → ${sess}: one row per ${d.spec.group} (${d.groups.toLocaleString('en-US')}), shared by every family`);
  if (layout.partitions > 1)
    out.push(`     (in ${layout.partitions} partitions of the users by hash, one INSERT each, into an on-disk table: the estimated peak exceeds analysis.memory_budget_gb)`);
  dag.queries.forEach((q, i) => {
    const last = i === dag.queries.length - 1;
    const fams = q.nodes.map((id) => `${node(id).template} ${id}`).join(', ');
    out.push(`     ${last ? '└' : '├'}─ ${q.id} [KPIs: ${q.kpis.map((k) => k.kpi.name).join(', ')}]: ${fams}`);
  });
  out.push(`     (totals: one more pass over ${sess} for the KPIs' overall values)`);
  out.push('');
  out.push('-- sessionize (the shared node)');
  out.push(`CREATE TABLE ${sess} ENGINE = ${layout.scratch.engine} AS\n${sz.select}\n${layout.scratch.settings};`);
  for (const q of dag.queries) {
    out.push('');
    out.push(`-- ${q.id}: ${q.nodes.map((id) => `${node(id).template} (${id})`).join(', ')}`);
    if (q.store) out.push(`${q.store.sql};`);
    out.push(`${q.sql};`);
  }
  return out.join('\n');
}
