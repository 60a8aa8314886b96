/**
 * The engine's DAG rebuilt outside analyze(), over a session table that already exists: the same profile queries,
 * context windows and compileDag() call as pkg/pipeline/analyze.ts. The bench uses it to (1) decode the run's
 * aggregate rows into observations (hypotheses per family, the baselines' sample), and (2) time each family's
 * isolated scan for attribution. bench/run checks that the aggregate SQL rebuilt here is byte-identical to what
 * analyze() ran, so a drift from analyze.ts is reported rather than silently measured.
 *
 * profileOf and contextWindows are analyze.ts's own (exported for this).
 */
import type { LoadedConfig } from '../pkg/config/load';
import { bucketsFor, compileDag, type Dag, type PlanItem } from '../pkg/compile/dag';
import { nodeContextBase } from '../pkg/compile/sessionize';
import { parseDuration } from '../pkg/config/schema';
import type { Dataset } from '../pkg/dataset/inspect';
import type { Executor } from '../pkg/execute/executor';
import { contextWindows, createSessionTable, profileOf } from '../pkg/pipeline/analyze';
import { layoutFor } from '../pkg/pipeline/partitions';
import type { Plan } from '../pkg/planner/types';
import type { NodeContext } from '../pkg/templates/types';

export interface EngineDag {
  dag: Dag;
  ctxBase: Omit<NodeContext, 'id' | 'excludedEvents'>;
  /** Compiles the same plan restricted to some items (e.g. one family), over the same context. */
  compile(items: PlanItem[]): Dag;
}

export async function sessionize(ex: Executor, cfg: LoadedConfig, d: Dataset, sess: string): Promise<void> {
  await createSessionTable(ex, d, sess, { lookbackMs: cfg.analysis.lookback_days * 86_400_000, sample: cfg.analysis.sample, layout: layoutFor(cfg, d.totalEvents) }, undefined, 'bench sessionize');
}

export async function rebuildDag(ex: Executor, cfg: LoadedConfig, d: Dataset, plan: Plan, sess: string): Promise<EngineDag> {
  const vocab = d.vocab.map((v) => v.name);
  const absenceItem = plan.items.find((i) => i.template === 'absence');
  const followWithin = absenceItem?.params.within ? parseDuration(String(absenceItem.params.within)) : 30_000;
  const profile = await profileOf(ex, d, sess, vocab, followWithin);
  const contexts = await contextWindows(ex, d);
  const ctxBase = nodeContextBase(d, vocab, profile, contexts);
  const buckets = bucketsFor(d.range.from, d.range.to);
  // As analyze() compiles on one machine: ordered patterns' keys stored for the leads' membership.
  // Its scratch tables where the run kept them (in memory, or on disk when partitioned).
  const scratch = layoutFor(cfg, d.totalEvents).scratch;
  const compile = (items: PlanItem[]) => compileDag(items, d, ctxBase, sess, cfg.analysis.min_support, buckets, { storeKeys: true, scratch });
  return { dag: compile(plan.items), ctxBase, compile };
}
