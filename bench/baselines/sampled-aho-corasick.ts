/**
 * Baseline (b): the seed paper's method for patterns. Draw a seeded random sample of sessions (a share of the
 * groups, whole groups), bring their event sequences into Node, and count every tested n-gram hypothesis in
 * them with an Aho–Corasick automaton, per KPI (cohort size and failures / KPI sum), on the same sequence view
 * the engine uses (the KPI's outcome events removed, failed groups cut at their failure, the node's token map and
 * filter). Ordered patterns (gapped, windowed) are not strings, so Aho–Corasick does not apply: they are counted
 * by enumerating each session's in-window chains with the engine's exact bounds and looking them up in a hash
 * map, each counted for a KPI when it completed before the KPI's cut, as the engine's shared scan does. Estimates of the full counts are sample counts / the sampled share of groups.
 */
import { sessionizeSql, NO_CUT } from '../../pkg/compile/sessionize';
import { variantOf, type Dag, type FamilyNode } from '../../pkg/compile/dag';
import type { LoadedConfig } from '../../pkg/config/load';
import { parseDuration } from '../../pkg/config/schema';
import type { Dataset } from '../../pkg/dataset/inspect';
import type { Executor } from '../../pkg/execute/executor';
import { quoteIdent } from '../../pkg/execute/sql';
import type { Observation } from '../../pkg/experts/types';
import { AhoCorasick } from '../aho-corasick';

export interface SampledCount {
  /** Groups in the cohort where the KPI applies, and its failures (binary) or sum (numeric), in the sample. */
  a: number;
  s: number;
}

export interface SampledResult {
  fraction: number;
  sampled_groups: number;
  total_groups: number;
  /** Effective sampled share of groups (sampled / total), what estimates are scaled by. */
  share: number;
  patterns: { ngram: number; ordered_pattern: number };
  /** (pattern, KPI) pairs counted: the unit of "per hypothesis". */
  hypotheses_counted: number;
  seconds: { fetch: number; build: number; scan: number; total: number };
  per_hypothesis_s: number;
  /** Per tested (node|key, KPI): counts in the sample. */
  counts: Map<string, SampledCount>;
}

const pairKey = (node: string, key: string, kpi: string) => `${node}|${key}\u0000${kpi}`;
export const observationPairKey = (o: Observation) => pairKey(o.node, o.key, o.kpi.kpi.name);

interface Row {
  ev: number[];
  tm: number[];
  [k: string]: unknown;
}

/**
 * tested: the engine's tested observations of the ngram and ordered_pattern families (their node|key and KPI).
 * fraction: share of groups to sample (1 = all, for exactness checks).
 */
export async function runSampledAhoCorasick(
  ex: Executor,
  cfg: LoadedConfig,
  d: Dataset,
  dag: Dag,
  tested: Observation[],
  opts: { fraction: number; seed: number }
): Promise<SampledResult> {
  const vocab = d.vocab.map((v) => v.name);
  const g = quoteIdent(d.spec.group);
  const per10k = Math.round(opts.fraction * 10_000);
  // Whole groups: every event of a sampled group, none of the others. (cityHash64(string, seed) is visibly
  // non-uniform on sequential session ids here: 9.2% for a 10% target; sipHash64 gives 10.0%.)
  const sampled: Dataset = {
    ...d,
    events: {
      ...d.events,
      from: `(SELECT * FROM ${d.events.from} WHERE sipHash64(toString(${g}), ${Math.floor(opts.seed)}) % 10000 < ${per10k})`,
    },
  };
  const sz = sessionizeSql(sampled, {
    from: d.range.from,
    to: d.range.to,
    lookbackMs: cfg.analysis.lookback_days * 86_400_000,
    vocab,
  });
  const kcols = d.kpis.flatMap((k) => [`k${k.index}`, ...(k.kind === 'failure_events' ? [`c${k.index}`] : [])]);

  const t0 = performance.now();
  const rows = await ex.query<Row>(`SELECT ev, tm, ${kcols.join(', ')} FROM (\n${sz.select}\n)`, sz.params, {
    label: 'baseline sampled fetch',
  });
  const t1 = performance.now();

  // Dictionaries per node, from the tested observations' own parameters (event names), not from the engine's
  // key encoding: the matcher and the engine agree on what a pattern is, whatever the aggregate's key format.
  const nodes = new Map(dag.nodes.map((n) => [n.id, n]));
  const byNode = new Map<string, { keys: Map<string, { id: number; steps: string[] }>; kpis: Set<string> }>();
  const pairs = new Set<string>();
  for (const o of tested) {
    const n = nodes.get(o.node);
    if (!n || (n.template !== 'ngram' && n.template !== 'ordered_pattern')) continue;
    const e = byNode.get(o.node) ?? { keys: new Map(), kpis: new Set() };
    const steps = (n.template === 'ngram' ? o.hyp.params.ngram : o.hyp.params.pattern) as string[];
    if (!e.keys.has(o.key)) e.keys.set(o.key, { id: e.keys.size, steps });
    e.kpis.add(o.kpi.kpi.name);
    byNode.set(o.node, e);
    pairs.add(observationPairKey(o));
  }
  const matchers: Matcher[] = [];
  for (const [id, e] of byNode) matchers.push(makeMatcher(nodes.get(id)!, dag, vocab, e.keys, e.kpis));
  const t2 = performance.now();

  const counts = new Map<string, SampledCount>();
  const kpiIdx = new Map(d.kpis.map((k) => [k.kpi.name, k.index]));
  for (const m of matchers) {
    const acc = m.keys.map(() => m.kpis.map(() => ({ a: 0, s: 0 })));
    // A node serving every variant matches on the whole sequence; each KPI then keeps what completed before its cut.
    const cutCols = m.kpis.map((k) => variantOf(dag, k).cutColumn);
    const noCut = Number(NO_CUT);
    for (const r of rows) {
      const kv = m.kpis.map((k) => r[`k${kpiIdx.get(k)}`] as number | null);
      if (kv.every((v) => v === null)) continue;
      const ids = m.match(r);
      const cuts = cutCols.map((c) => (m.completedAt && c ? Number(r[c]) : noCut));
      for (const id of ids) {
        const c = acc[id]!;
        for (let j = 0; j < kv.length; j++) {
          const v = kv[j];
          if (v === null || v === undefined) continue;
          if (m.completedAt && !(m.completedAt[id]! < cuts[j]!)) continue;
          c[j]!.a++;
          c[j]!.s += Number(v);
        }
      }
    }
    m.keys.forEach((key, id) =>
      m.kpis.forEach((k, j) => {
        const pk = pairKey(m.node, key, k);
        if (pairs.has(pk)) counts.set(pk, acc[id]![j]!);
      })
    );
  }
  const t3 = performance.now();
  const total = (t3 - t0) / 1000;
  const sampledGroups = rows.length;
  const share = d.groups ? sampledGroups / d.groups : 0;
  return {
    fraction: opts.fraction,
    sampled_groups: sampledGroups,
    total_groups: d.groups,
    share,
    patterns: {
      ngram: matchers.filter((m) => m.family === 'ngram').reduce((x, m) => x + m.keys.length, 0),
      ordered_pattern: matchers.filter((m) => m.family === 'ordered_pattern').reduce((x, m) => x + m.keys.length, 0),
    },
    hypotheses_counted: pairs.size,
    seconds: { fetch: (t1 - t0) / 1000, build: (t2 - t1) / 1000, scan: (t3 - t2) / 1000, total },
    per_hypothesis_s: pairs.size ? total / pairs.size : NaN,
    counts,
  };
}

interface Matcher {
  node: string;
  family: string;
  keys: string[];
  kpis: string[];
  /** Distinct dictionary ids present in the row's sequence view. */
  match(r: Row): number[];
  /** Nodes serving every variant: per id, when the last match found it first complete (its last step's time). */
  completedAt?: Float64Array;
}

/** The node's sequence view of a row: its variant's outcome events removed and the cut applied. */
function variantView(node: FamilyNode, dag: Dag, vocab: string[]): (r: Row) => { e: number[]; t: number[] } {
  const v = dag.variants.find((x) => x.id === node.variant)!;
  const excluded = new Set(v.excluded.map((n) => vocab.indexOf(n) + 1).filter((c) => c > 0));
  const cutCol = v.cutColumn;
  const noCut = Number(NO_CUT);
  return (r) => {
    const cut = cutCol ? Number(r[cutCol]) : noCut;
    const e: number[] = [];
    const t: number[] = [];
    for (let i = 0; i < r.ev.length; i++) {
      const x = r.ev[i]!;
      const ti = r.tm[i]!;
      if (!excluded.has(x) && ti < cut) {
        e.push(x);
        t.push(ti);
      }
    }
    return { e, t };
  };
}

const TOKEN_BASE = 1_000_000;

function makeMatcher(
  node: FamilyNode,
  dag: Dag,
  vocab: string[],
  dict: Map<string, { id: number; steps: string[] }>,
  kpiSet: Set<string>
): Matcher {
  const keys = [...dict.keys()];
  const code = (name: string) => vocab.indexOf(name) + 1;
  const kpis = node.kpis.filter((k) => kpiSet.has(k));
  if (node.template === 'ngram') {
    const view = variantView(node, dag, vocab);
    const p = node.params as { tokens: Record<string, string>; exclude: string[] };
    const tokenNames = [...new Set(Object.values(p.tokens))];
    const map = new Map<number, number>();
    for (const [e, tok] of Object.entries(p.tokens)) {
      const c = code(e);
      if (c > 0) map.set(c, TOKEN_BASE + tokenNames.indexOf(tok));
    }
    const drop = new Set(p.exclude.map(code).filter((c) => c > 0));
    // A step is a token name (tokens map) or an event name.
    const stepCode = (s: string) => (tokenNames.includes(s) ? TOKEN_BASE + tokenNames.indexOf(s) : code(s));
    const ac = new AhoCorasick(keys.map((k) => dict.get(k)!.steps.map(stepCode)));
    const seen = new Int32Array(keys.length);
    let stamp = 0;
    return {
      node: node.id,
      family: 'ngram',
      keys,
      kpis,
      match(r) {
        const { e } = view(r);
        const q: number[] = [];
        for (const x of e) if (x !== 0 && !drop.has(x)) q.push(map.get(x) ?? x);
        return ac.distinct(q, seen, ++stamp);
      },
    };
  }
  // ordered_pattern: the engine's windowChains, enumerated per session over the whole sequence (the node serves
  // every variant); completedAt keeps each chain's earliest completion, for the KPIs' cuts.
  const p = node.params as { within: string; max_gap_events: number; max_group_events: number; max_steps: number };
  const W = parseDuration(p.within);
  const cand = new Set((node.spec.params[`${node.id}_cand`] as number[]) ?? []);
  const gap = p.max_gap_events;
  const keyIds = new Map([...dict.values()].map((v) => [v.steps.map(code).join(','), v.id]));
  const completedAt = new Float64Array(keys.length);
  return {
    node: node.id,
    family: 'ordered_pattern',
    keys,
    kpis,
    completedAt,
    match(r) {
      const e: number[] = [];
      const t: number[] = [];
      for (let i = 0; i < r.ev.length && e.length < p.max_group_events; i++) {
        if (cand.has(r.ev[i]!)) {
          e.push(r.ev[i]!);
          t.push(r.tm[i]!);
        }
      }
      const found = new Set<number>();
      const seen = (id: number | undefined, at: number) => {
        if (id === undefined) return;
        if (!found.has(id) || at < completedAt[id]!) completedAt[id] = at;
        found.add(id);
      };
      const n = e.length;
      for (let i = 0; i < n; i++) {
        for (let d1 = 1; d1 <= gap && i + d1 < n; d1++) {
          const j = i + d1;
          if (e[i] !== e[j] && t[j]! - t[i]! <= W) seen(keyIds.get(`${e[i]},${e[j]}`), t[j]!);
          if (p.max_steps < 3) continue;
          for (let d2 = d1 + 1; d2 <= gap && i + d2 < n; d2++) {
            const k = i + d2;
            if (t[k]! - t[i]! <= W && e[i] !== e[j] && e[j] !== e[k] && e[i] !== e[k])
              seen(keyIds.get(`${e[i]},${e[j]},${e[k]}`), t[k]!);
          }
        }
      }
      return [...found];
    },
  };
}
