import { randomUUID } from 'node:crypto';
import type { LoadedConfig } from '../config/load';
import {
  checkShardedSource,
  clusterSessionPlan,
  clusterSourceOf,
  sourceEngineQuery,
  splitQualified,
  type ClusterSource,
} from '../compile/cluster';
import { bucketsFor, compileDag, type Dag } from '../compile/dag';
import {
  confounderHints,
  followUpTrends,
  groupLeads,
  Memberships,
  robustLeads,
  stabilityOf,
  type ConfounderHint,
} from './evidence';
import { applySupportFloors, observe, readTotals, type Totals } from './observe';
import { createPartitionedSessionTable, layoutFor, type Layout } from './partitions';
import { contextQueries, profileQueries, toIntervals } from '../compile/profile';
import { nodeContextBase, readableSessionsCte } from '../compile/sessionize';
import { MEMORY_SCRATCH } from '../compile/scratch';
import { parseDuration } from '../config/schema';
import { inspectDataset, sessionizedEventsOf, type Dataset } from '../dataset/inspect';
import { Executor, type Params } from '../execute/executor';
import { qualified, quoteIdent } from '../execute/sql';
import { runEnsemble, type Lead } from '../experts/ensemble';
import type { KpiStats, Observation } from '../experts/types';
import { deterministicPlan } from '../planner/deterministic';
import type { Plan, PlanRequest } from '../planner/types';
import { lit, unpackCodes, type NodeContext, type Profile } from '../templates/types';
import { TEMPLATES } from '../templates/catalog';

export interface Progress {
  stage: string;
  done: number;
  total: number;
  message?: string;
}

export interface AnalyzeOptions extends PlanRequest {
  from?: number;
  to?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** A plan made elsewhere (the LLM planner); default: the deterministic planner. */
  plan?: Plan;
  /** The dataset as already inspected for this window (by whoever planned): saves the inspection scan. */
  dataset?: Dataset;
  /** Every test the false discovery rate was controlled over (KPI, p), for audits such as bench:quality's floor. */
  onTested?: (tests: { kpi: string; p: number }[]) => void;
  /**
   * One KPI's leads are final (grouped, ranked, cluster-robust, confounder hints), before the next KPI's evidence
   * work starts: its opportunities as the report will list them, in rank order. Only the follow-up trend (tested
   * over the whole run's leads at the end, so its false discovery rate spans them all) is not in them yet.
   */
  onKpiLeads?: (kpi: string, opportunities: Opportunity[]) => void;
  /** What computes the observations instead of observeFastPath (pipeline/watch.ts: from stored per-slice partials). */
  observer?: typeof observeFastPath;
  /** The transition profile and context windows to use instead of measuring them (a watch's pinned inputs). */
  pinned?: { profile: Profile; contexts: NodeContext['contexts'] };
}

export interface Opportunity {
  rank: number;
  kpi: string;
  template: string;
  /** One sentence: the KPI, the cohort, worse. */
  title: string;
  /** The cohort alone, e.g. "groups where login is not followed by token_refresh within 30 s". */
  cohort: string;
  /** The lead in words, with its numbers, as an association. */
  statement: string;
  /** For non-local leads: static attribute values over-represented in the cohort (possible confounders). */
  confounder_hints?: ConfounderHint[];
  params: Record<string, unknown>;
  cohort_size: number;
  kpi_cohort: number;
  kpi_rest: number;
  effect: { measure: string; value: number; ci_low: number; ci_high: number };
  p_value: number;
  q_value: number;
  impact: number;
  experts: string[];
  test: string;
  /** From the trend expert, when the cohort's KPI is getting worse over the window. */
  trend?: Record<string, unknown>;
  /** The cohort vs the rest of the KPI's groups per time bucket (value: failure rate or mean; null without groups). */
  series?: {
    from: string;
    width_ms: number;
    cohort: { groups: number; value: number | null }[];
    rest: { groups: number; value: number | null }[];
  };
  /** How the CI and q account for dependence: groups independent, or cluster-robust over users. */
  inference: string;
  /** Holds in both halves of the window (each half: cohort worse than the rest, one-sided p < 0.05). */
  stable: boolean;
  stability: ReturnType<typeof stabilityOf>;
  fingerprint: string;
  related: string[];
  /**
   * Narrower cohorts inside this one that are worse than the rest of it, strongest first, each stated as a lead
   * is: `cohort_size` its groups (all inside this cohort), `kpi_cohort` the KPI there vs `kpi_rest` in this
   * cohort's other groups, its own effect and q as a lead, and the SQL that selects its groups.
   */
  refinements: (Pick<
    Opportunity,
    'template' | 'cohort' | 'params' | 'cohort_size' | 'kpi_cohort' | 'kpi_rest' | 'effect' | 'q_value' | 'sql'
  > & { key: string })[];
  /** Share of the KPI's failed groups in this cohort (numeric KPIs: share of the KPI's total that is excess here). */
  coverage: number | null;
  /** The same over the groups in none of the leads ranked above this one (what this lead adds). */
  incremental_coverage: number | null;
  sql: string;
}

export interface Report {
  hypotheses_tested: number;
  /** coverage: share of the KPI's failed groups (numeric: of its total, as excess) inside any of its leads. */
  kpis: { name: string; kind: string; groups: number; value: number; coverage: number | null }[];
  opportunities: Opportunity[];
  plan: Plan;
  window: { from: string; to: string };
  groups: number;
  events: number;
  timings: Record<string, number>;
  /** Leads that passed as if groups were independent but not with cluster-robust inference over users. */
  dropped_by_robust_inference: number;
  /** Approximate mode (analysis.sample < 1): the fraction of users (or groups) analyzed; groups and counts are the sample's. */
  sample: { fraction: number; unit: 'users' | 'groups' } | null;
}

const STAGES = ['inspect', 'sessionize', 'profile', 'compile', 'aggregate', 'experts'];

/** The whole pipeline on one executor: plan → one merged computation in ClickHouse → experts → ranked leads. */
export async function analyze(ex: Executor, cfg: LoadedConfig, opts: AnalyzeOptions = {}): Promise<Report> {
  const timings: Record<string, number> = {};
  const t = async <T>(stage: string, fn: () => Promise<T>, done?: number, total?: number, message?: string): Promise<T> => {
    opts.onProgress?.({ stage, done: done ?? STAGES.indexOf(stage), total: total ?? STAGES.length, ...(message ? { message } : {}) });
    const s = performance.now();
    try {
      return await fn();
    } finally {
      timings[stage] = (timings[stage] ?? 0) + (performance.now() - s) / 1000;
    }
  };
  const q = { signal: opts.signal };
  let memberships: Memberships | undefined;
  let fast: FastPath | undefined;
  try {
    fast = await (opts.observer ?? observeFastPath)(ex, cfg, opts, t);
    const { d, plan, sess, dag, totals, observations, vocab, lookbackMs, runTag } = fast;
    const db = cfg.store.results_database;
    const sample = sampleOf(cfg, d);
    const ens = await t('experts', async () => runEnsemble(observations, cfg.analysis.min_support));
    opts.onTested?.(ens.findings.map((f) => ({ kpi: f.finding.obs.kpi.kpi.name, p: f.finding.p })));
    memberships = new Memberships(ex, dag, d, sess, db, runTag, vocab, q.signal);
    const m = memberships;
    await t('experts', () => m.prepare(ens.leads));
    const source = d.events.isFile ? `file(${lit(d.events.label)})` : d.events.from;
    const opportunityOf = (l: Lead) => toOpportunity(l, d, source, lookbackMs, hints.get(l) ?? [], sample);
    // KPI by KPI, so each KPI's leads are final (and reported) before the next KPI's grouping starts. Each step
    // reads and changes only that KPI's leads and membership table, so the order gives the same results.
    const coverage = new Map<number, number>();
    const hints = new Map<Lead, ConfounderHint[]>();
    let droppedByRobustness = 0;
    const withLeads = d.kpis.filter((k) => ens.leads.some((l) => l.finding.obs.kpi.index === k.index));
    for (const [i, k] of withLeads.entries()) {
      const only = [k];
      const mine = await t(
        'experts',
        async () => {
          for (const [ki, c] of await groupLeads(ex, m, dag, d, ens.leads, totals, q.signal, only)) coverage.set(ki, c);
          droppedByRobustness += await robustLeads(ex, m, d, ens.leads, q.signal, only);
          const list = ens.leads.filter((l) => l.finding.obs.kpi.index === k.index).sort((a, b) => a.rank - b.rank);
          for (const l of list) hints.set(l, await confounderHints(ex, m, d, l, q.signal));
          return list;
        },
        undefined,
        undefined,
        `grouping and checking the leads of ${k.kpi.name} (${i + 1} of ${withLeads.length} KPIs)`
      );
      opts.onKpiLeads?.(k.kpi.name, mine.map(opportunityOf));
    }
    followUpTrends(ens.leads);
    const opportunities = ens.leads
      .sort((a, b) => kpiOrder(d, a) - kpiOrder(d, b) || a.rank - b.rank)
      .map(opportunityOf);
    opts.onProgress?.({ stage: 'done', done: STAGES.length, total: STAGES.length });
    return {
      hypotheses_tested: ens.tested,
      kpis: d.kpis
        .filter((k) => plan.kpis.includes(k.kpi.name))
        .map((k) => {
          const s = totals.overall.get(k.index)!;
          return { name: k.kpi.name, kind: k.kind, groups: s.a, value: s.a ? s.s / s.a : 0, coverage: coverage.get(k.index) ?? null };
        }),
      opportunities,
      plan,
      window: { from: new Date(d.range.from).toISOString(), to: new Date(d.range.to).toISOString() },
      groups: totals.groups,
      events: d.totalEvents,
      timings,
      dropped_by_robust_inference: droppedByRobustness,
      sample,
    };
  } finally {
    await memberships?.drop();
    await fast?.drop();
  }
}

/**
 * The shared node: one scan of the events into the session table every family reads. With the events sharded on a
 * cluster (`cluster`: compile/cluster.ts), every shard sessionizes its own events into a local table and `sess` is
 * Distributed over them. Returns the statements that drop what it made; when it fails, it drops that itself.
 */
export async function createSessionTable(
  ex: Executor,
  d: Dataset,
  sess: string,
  o: {
    lookbackMs: number;
    sample?: number;
    cluster?: ClusterSource | null;
    /** Partitions and where the table lives (pipeline/partitions.ts); default one pass, in memory. */
    layout?: Layout;
    onPart?: (index: number, count: number) => void;
  },
  signal?: AbortSignal,
  label = 'sessionize'
): Promise<string[]> {
  const so = {
    from: d.range.from,
    to: d.range.to,
    lookbackMs: o.lookbackMs,
    sample: o.sample,
    vocab: d.vocab.map((v) => v.name),
  };
  if (!o.cluster) {
    const drop = [`DROP TABLE IF EXISTS ${sess}`];
    const layout = o.layout ?? { partitions: 1, scratch: MEMORY_SCRATCH };
    try {
      await createPartitionedSessionTable(ex, d, sess, so, layout, { label, signal, onPart: o.onPart });
    } catch (e) {
      // A partitioned table exists before its parts are in: it goes with the failure.
      for (const s of drop) await ex.command(s, {}, { label: 'drop scratch table' }).catch(() => undefined);
      throw e;
    }
    return drop;
  }
  const src = o.cluster;
  const engine = sourceEngineQuery(src);
  const rows = await ex.query<{ engine: string; engine_full: string }>(engine.sql, engine.params, {
    label: 'check the Distributed events table',
    signal,
  });
  checkShardedSource(rows[0], d, src);
  const plan = clusterSessionPlan(d, src, splitQualified(sess), so, { ddlTimeoutS: ex.limits.maxExecutionTimeS });
  try {
    for (const s of plan.create) await ex.command(s.sql, s.params, { label: s.label, signal, settings: s.settings });
  } catch (e) {
    for (const s of plan.drop) await ex.command(s.sql, s.params, { label: s.label }).catch(() => undefined);
    throw e;
  }
  return plan.drop.map((s) => s.sql);
}

/** What the fast path computed: every hypothesis' cohort per KPI, from one sessionization and merged scans. */
export interface FastPath {
  d: Dataset;
  plan: Plan;
  sess: string;
  dag: Dag;
  totals: Totals;
  observations: Observation[];
  vocab: string[];
  lookbackMs: number;
  runTag: string;
  /** Drops the session scratch table. */
  drop(): Promise<void>;
}

export type Timer = <T>(stage: string, fn: () => Promise<T>, done?: number, total?: number) => Promise<T>;

/**
 * Inspect → plan → sessionize → profile → compile → aggregate: the observations the experts read. The caller
 * drops the scratch table (FastPath.drop) when done with it.
 */
export async function observeFastPath(
  ex: Executor,
  cfg: LoadedConfig,
  opts: AnalyzeOptions = {},
  t: Timer = (_s, fn) => fn()
): Promise<FastPath> {
  const q = { signal: opts.signal };
  const d = opts.dataset ?? (await t('inspect', () => inspectDataset(ex, cfg, { from: opts.from, to: opts.to })));
  const plan = opts.plan ?? deterministicPlan(d, opts);
  const db = cfg.store.results_database;
  const runTag = randomUUID().replace(/-/g, '');
  const sess = qualified(db, `sess_${runTag}`);
  const vocab = d.vocab.map((v) => v.name);
  const lookbackMs = cfg.analysis.lookback_days * 86_400_000;
  let drops = [`DROP TABLE IF EXISTS ${sess}`];
  const drop = async () => {
    for (const s of drops) await ex.command(s, {}, { label: 'drop scratch table' }).catch(() => undefined);
  };
  await ex.command(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(db)}`, {}, { label: 'create results database', ...q });
  try {
    const cluster = clusterSourceOf(cfg);
    // On a cluster every shard sessionizes its own events; on one machine, in partitions when over the budget.
    const layout = cluster ? undefined : layoutFor(cfg, sessionizedEventsOf(d));
    const onPart = (index: number, count: number) =>
      opts.onProgress?.({
        stage: 'sessionize',
        done: STAGES.indexOf('sessionize'),
        total: STAGES.length,
        message: `sessionizing part ${index + 1} of ${count} of the ${d.spec.user ? 'users' : 'groups'} (over the memory budget of ${cfg.analysis.memory_budget_gb} GB in one pass)`,
      });
    drops = await t('sessionize', () =>
      createSessionTable(ex, d, sess, { lookbackMs, sample: cfg.analysis.sample, cluster, layout, onPart }, q.signal)
    );

    const profile = opts.pinned?.profile ?? (await t('profile', () => profileOf(ex, d, sess, vocab, followWithinOf(plan), q.signal)));
    const contexts = opts.pinned?.contexts ?? (await t('profile', () => contextWindows(ex, d, q.signal)));

    const ctxBase = nodeContextBase(d, vocab, profile, contexts);
    const buckets = bucketsFor(d.range.from, d.range.to);
    // On one machine the ordered patterns' per-group keys are stored once and read again by the leads' membership;
    // on a cluster they stay on the shards (a table built here would pull every group's keys to this node).
    const dag = await t('compile', async () =>
      compileDag(plan.items, d, ctxBase, sess, cfg.analysis.min_support, buckets, {
        storeKeys: !cluster,
        scratch: layout?.scratch,
      })
    );
    // The plan carries what was left out, so the report and the stored plan say so.
    if (dag.skipped.length) plan.notes.push(...dag.skipped);
    for (const q of dag.queries) if (q.store) drops.unshift(`DROP TABLE IF EXISTS ${q.store.table}`);
    const totalRows = await ex.query<Record<string, unknown>>(dag.totals.sql, dag.totals.params, {
      label: 'totals',
      ...q,
    });
    const totals = readTotals(totalRows, d.kpis, buckets.count);
    applySupportFloors(dag, totals, cfg.analysis.min_support);
    const observations = await t('aggregate', () =>
      observe(ex, dag, d, totals, cfg.analysis.min_support, {
        signal: q.signal,
        onQuery: (done, total) =>
          opts.onProgress?.({ stage: 'aggregate', done, total, message: scanWords(dag, dag.queries[done]!) }),
      })
    );
    return { d, plan, sess, dag, totals, observations, vocab, lookbackMs, runTag, drop };
  } catch (e) {
    await drop();
    throw e;
  }
}

/** One aggregate scan as progress names it: what it looks at and for which KPIs (not its internal id). */
export function scanWords(dag: Dag, query: Dag['queries'][number]): string {
  const templates = [...new Set(query.nodes.map((id) => dag.nodes.find((n) => n.id === id)?.template ?? ''))].filter(Boolean);
  // Each family's own label (its file says how users read it), e.g. "ordered pattern, missing follow-up cohorts".
  const what = templates.map((t) => TEMPLATES[t]?.label ?? t.replace(/_/g, ' ')).join(', ');
  return `scanning ${what ? `${what} cohorts` : 'the groups'} for ${query.kpis.map((k) => k.kpi.name).join(', ')}`;
}

/** The cohort vs the rest per time bucket, as the lead detail page charts it. */
function seriesOf(l: Lead): Opportunity['series'] {
  const s = l.finding.obs.series;
  if (!s) return undefined;
  const point = (a: number, sum: number) => ({ groups: a, value: a > 0 ? sum / a : null });
  return {
    from: new Date(s.from).toISOString(),
    width_ms: s.width,
    cohort: s.cohort.map((c) => point(c.a, c.s)),
    rest: s.cohort.map((c, b) => point(s.total[b]!.a - c.a, s.total[b]!.s - c.s)),
  };
}

/** The lead in words: association, never cause; the numbers; and what to check for non-local leads. */
export function statementOf(l: Lead, hints: ConfounderHint[]): string {
  const f = l.finding;
  const k = f.obs.kpi;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const val = (x: number) => (k.binary ? pct(x) : x.toFixed(1));
  const what = k.binary ? 'failure rate' : 'mean';
  const e = f.effect;
  const eff =
    e.measure === 'prevalence_ratio'
      ? `${e.value.toFixed(1)}× as common among failed groups as among the others (95% CI ${e.ci_low.toFixed(1)}–${e.ci_high.toFixed(1)})`
      : e.measure === 'trend_slope'
        ? `rising by ${k.binary ? `${(e.value * 100).toFixed(2)} points` : `${(e.value * 100).toFixed(1)}%`} a day against the rest`
        : `${e.value >= 0 ? '+' : ''}${(e.value * 100).toFixed(0)}% (95% CI ${(e.ci_low * 100).toFixed(0)}% to ${(e.ci_high * 100).toFixed(0)}%)`;
  let s = `${k.kpi.name} is associated with ${f.obs.hyp.title}: ${what} ${val(f.kpiCohort)} there vs ${val(f.kpiRest)} in the other groups; ${eff}. An association in the data, not a proven cause.`;
  const trend = l.support.find((x) => x.finding.expert === 'trend')?.finding.details?.trend as
    { onset?: string } | undefined;
  if (trend?.onset) s += ` It has been getting worse since about ${trend.onset.slice(0, 10)}.`;
  if (hints.length) {
    s += ` Over-represented in this cohort: ${hints.map((h) => `${h.attribute} = ${h.value} (${pct(h.share_in_cohort)} vs ${pct(h.share_elsewhere)})`).join(', ')} — check whether that explains it.`;
  }
  return s;
}

function kpiOrder(d: Dataset, l: Lead): number {
  return d.kpis.findIndex((k) => k.kpi.name === l.finding.obs.kpi.kpi.name);
}

/** The approximate mode as the report states it, or null when every user (group) was analyzed. */
function sampleOf(cfg: LoadedConfig, d: Dataset): Report['sample'] {
  const fraction = cfg.analysis.sample;
  return fraction < 1 ? { fraction, unit: d.spec.user ? 'users' : 'groups' } : null;
}

function toOpportunity(
  l: Lead,
  d: Dataset,
  source: string,
  lookbackMs: number,
  hints: ConfounderHint[],
  sample: Report['sample']
): Opportunity {
  const f = l.finding;
  const o = f.obs;
  const statement = statementOf(l, hints);
  const cte = readableSessionsCte(d, o.kpi, { from: d.range.from, to: d.range.to, lookbackMs }, source);
  const cohortSql = (predicate: string) =>
    `WITH ${cte}\nSELECT g AS ${quoteIdent(d.spec.group)}\nFROM sessions\nWHERE k${o.kpi.index} IS NOT NULL AND (${predicate})`;
  return {
    rank: l.rank,
    kpi: o.kpi.kpi.name,
    template: o.hyp.template,
    title: `${o.kpi.kpi.name} is worse for ${o.hyp.title}`,
    cohort: o.hyp.title,
    statement: sample
      ? `${statement} Estimated from a ${(sample.fraction * 100).toFixed(sample.fraction < 0.01 ? 2 : 0)}% sample of ${sample.unit} (approximate mode): rates, effects and CIs are the sample's, impact is scaled to all ${sample.unit}.`
      : statement,
    confounder_hints: hints.length ? hints : undefined,
    params: o.hyp.params,
    cohort_size: o.cohort.a,
    kpi_cohort: f.kpiCohort,
    kpi_rest: f.kpiRest,
    effect: f.effect,
    p_value: f.p,
    q_value: l.q,
    // Excess failures in the sample, scaled to everyone (the sample is a uniform draw of users or groups).
    impact: sample ? f.impact / sample.fraction : f.impact,
    experts: [...new Set([f.expert, ...(l.support ?? []).map((x) => x.finding.expert)])],
    series: seriesOf(l),
    inference: l.inference ?? 'groups treated as independent (no user column)',
    stable: stabilityOf(l)?.stable ?? false,
    stability: stabilityOf(l),
    trend: (l.support ?? []).find((x) => x.finding.expert === 'trend')?.finding.details?.trend as
      Record<string, unknown> | undefined,
    test: f.test,
    fingerprint: `${o.kpi.kpi.name}/${o.hyp.key}`,
    related: l.related,
    refinements: (l.refinements ?? [])
      .sort((a, b) => b.lead.finding.effect.ci_low - a.lead.finding.effect.ci_low)
      .map((r) => ({
        key: r.lead.finding.obs.hyp.key,
        template: r.lead.finding.obs.hyp.template,
        cohort: r.lead.finding.obs.hyp.title,
        params: r.lead.finding.obs.hyp.params,
        cohort_size: r.groupsWithin,
        kpi_cohort: r.kpiWithin,
        kpi_rest: r.kpiRestOfHost,
        effect: r.lead.finding.effect,
        q_value: r.lead.q,
        sql: cohortSql(r.lead.finding.obs.hyp.predicate),
      })),
    coverage: l.coverage ?? null,
    incremental_coverage: l.incrementalCoverage ?? null,
    sql: cohortSql(o.hyp.predicate),
  };
}

/** The window the transition profile measures "A is followed by B" in: the plan's absence `within`, else 30 s. */
export function followWithinOf(plan: Plan): number {
  const absence = plan.items.find((i) => i.template === 'absence');
  return absence?.params.within ? parseDuration(String(absence.params.within)) : 30_000;
}

/** Groups above which the transition profile reads a hash sample of about this many groups. */
export const PROFILE_SAMPLE_GROUPS = 100_000;

export async function profileOf(
  ex: Executor,
  d: Dataset,
  sess: string,
  vocab: string[],
  followWithinMs: number,
  signal?: AbortSignal
): Promise<Profile> {
  const groups = Number(
    (await ex.query<{ n: number }>(`SELECT count() AS n FROM ${sess}`, {}, { label: 'count groups', signal }))[0]!.n
  );
  const top = d.vocab.slice(0, 30).map((_, i) => i + 1);
  const every = Math.max(1, Math.floor(groups / PROFILE_SAMPLE_GROUPS));
  const pq = profileQueries(sess, d.spec.attributes.length, followWithinMs, top, every);
  const eg = await ex.query<{ e: number; groups: number }>(pq.eventGroups, {}, { label: 'profile events', signal });
  const eventGroups: Record<string, number> = {};
  eg.forEach((r) => (eventGroups[vocab[Number(r.e) - 1]!] = Number(r.groups)));
  const attributeValues: Profile['attributeValues'] = {};
  if (pq.attributeValues) {
    const rows = await ex.query<{ i: number; value: string; groups: number }>(
      pq.attributeValues,
      {},
      { label: 'profile attributes', signal }
    );
    rows.forEach((r) => {
      const name = d.spec.attributes[Number(r.i)]!;
      (attributeValues[name] ??= []).push({ value: r.value, groups: Number(r.groups) });
    });
  }
  const fr = await ex.query<{ pair: string; followed: number }>(pq.follows, pq.params as Params, {
    label: 'profile transitions',
    signal,
  });
  // Rows of one code: groups with that event in the sampled groups, where a sampled pair's rate is taken.
  const sampledWith = new Map<number, number>();
  const pairs: { codes: number[]; followed: number }[] = [];
  for (const r of fr) {
    const codes = unpackCodes(String(r.pair));
    if (codes.length === 1) sampledWith.set(codes[0]!, Number(r.followed));
    else pairs.push({ codes, followed: Number(r.followed) });
  }
  const follows = pairs.map(({ codes, followed }) => {
    const [a, b] = codes.map((x) => vocab[x - 1]!);
    const withA = eventGroups[a!] ?? 0;
    const estimate = every === 1 ? followed : Math.round((followed / (sampledWith.get(codes[0]!) || 1)) * withA);
    return { a: a!, b: b!, withA, followed: estimate };
  });
  return { groups, eventGroups, attributeValues, follows, followWithinMs };
}

export async function contextWindows(ex: Executor, d: Dataset, signal?: AbortSignal): Promise<NodeContext['contexts']> {
  const out: NodeContext['contexts'] = [];
  for (const [i, c] of d.contexts.entries()) {
    const cq = contextQueries(c, i);
    const p: Params = {
      ...cq.params,
      [`cx${i}_from`]: d.range.from - 86_400_000,
      [`cx${i}_to`]: d.range.to + 86_400_000,
    };
    if (c.spec.threshold !== undefined) p[`cx${i}_thr`] = c.spec.threshold;
    const st = (
      await ex.query<{ threshold: number; step: number; n: number }>(cq.stats, p, {
        label: `context ${c.spec.name}`,
        signal,
      })
    )[0]!;
    if (!Number(st.n)) continue;
    p[`cx${i}_thr`] = Number(st.threshold);
    const ab = (
      await ex.query<{ abnormal: number[] }>(cq.abnormal, p, {
        label: `context ${c.spec.name} abnormal windows`,
        signal,
      })
    )[0]!;
    const iv = toIntervals(ab.abnormal.map(Number), Number(st.step));
    out.push({
      name: c.spec.name,
      ...iv,
      rule: c.spec.threshold !== undefined ? 'above_threshold' : 'above_p95',
      threshold: Number(st.threshold),
    });
  }
  return out;
}

export type { Dag };
