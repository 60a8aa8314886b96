/**
 * One dataset through Surfacer and the three peer baselines, judged the same way:
 *  - recall@K of the labelled signatures: a signature S (groups T_S, failed ones F_S) is found when one of the
 *    method's top-K cohorts C on S's KPI holds ≥ 50% of F_S and ≥ 50% of C belongs to T_S (FOUND_RULE);
 *    a named refinement of a top-K lead counts with it when its groups are known (it carries SQL); only signatures
 *    with ≥ MIN_SIGNATURE_FAILED failed groups count;
 *  - leads per KPI; false leads on null KPIs (any lead / reported worse cohort there);
 *  - the peer floor: every cohort a baseline reports that is worse and significant under Surfacer's own control
 *    (twoByTwoTest, then hierarchicalQ over that baseline's reported cohorts together with every test Surfacer
 *    controlled in the same run, as if it had tested them too, and the cohorts the baseline judged without
 *    reporting them (p = 1), q < 0.05; at most MAX_COHORT_SHARE
 *    of the groups, as Surfacer reads larger cohorts as their complement being better) must be a Surfacer lead
 *    (Jaccard ≥ SAME_GROUPS with a lead's groups, from the lead's own SQL), or a refinement of a lead (same rule
 *    on the refinement's SQL, the lead holding ≥ 90% of it) — or else its effect must be gone outside the union of
 *    the KPI's leads (its groups outside vs the rest outside, same test and correction, not significant), then it
 *    is "explained" by the lead it overlaps most. Anything else is a violation.
 */
import type { LoadedConfig } from '../../pkg/config/load';
import { readableSessionsCte } from '../../pkg/compile/sessionize';
import { inspectDataset, type Dataset, type KpiInfo } from '../../pkg/dataset/inspect';
import type { Executor } from '../../pkg/execute/executor';
import { quoteIdent } from '../../pkg/execute/sql';
import { hierarchicalQ, MAX_COHORT_SHARE } from '../../pkg/experts/ensemble';
import { twoByTwoTest } from '../../pkg/experts/stats';
import type { Finding } from '../../pkg/experts/types';
import { analyze, type Opportunity, type Report } from '../../pkg/pipeline/analyze';
import { lit } from '../../pkg/templates/types';
import { elasticLogRate } from '../baselines/elastic-log-rate';
import { macrobaseDiff } from '../baselines/macrobase-diff';
import { posthogCorrelation } from '../baselines/posthog-correlation';
import type { PreparedDataset } from './datasets';
import { and, andCount, bitsFor, count, groupTable, not, setBit, tableOf, type Bits, type Cohort, type GroupTable } from './groups';

export const TOP_K = 10;
/**
 * Signatures with fewer failed groups are listed but not counted in recall: a handful of groups is below what a
 * 2×2 test separates from chance after correcting for hundreds of hypotheses, whichever method looks.
 */
export const MIN_SIGNATURE_FAILED = 5;
export const FOUND_RULE = { captured: 0.5, precision: 0.5 } as const;
/** Two cohorts are "the same" when their group sets overlap this much (Jaccard). */
export const SAME_GROUPS = 0.8;
/** A refinement's groups must lie this much inside its lead. */
const INSIDE = 0.9;

/**
 * Each method over one KPI's groups; `seen.examined` is the number of cohorts it judged on the way (one per item for
 * PostHog and Elastic, which score every item; every combination MacroBase's search judged).
 */
export const BASELINES: Record<string, (t: GroupTable, seen: { examined: number }) => Cohort[]> = {
  posthog: posthogCorrelation,
  elastic: elasticLogRate,
  macrobase: macrobaseDiff,
};

/** The engine contract the refinements may carry (issue 12; tolerated when absent). */
interface Refinement {
  key?: string;
  template?: string;
  params?: Record<string, unknown>;
  cohort?: string;
  title?: string;
  cohort_size?: number;
  sql?: string;
}
/** What the bench needs to select a lead's or a refinement's groups. */
type Member = { template?: string; params?: Record<string, unknown>; sql?: string };
type Lead = Omit<Opportunity, 'refinements'> & { refinements?: Refinement[] };
/** A lead with its groups; a refinement's groups when it carries SQL (else null: matched by name and size). */
interface LeadGroups {
  lead: Lead;
  groups: Bits;
  refinements: { r: Refinement; groups: Bits | null }[];
}

export interface MethodCohort {
  rank: number;
  predicate: string;
  groups: number;
  failed: number;
  rate: number;
}

export interface MethodResult {
  wall_s: number;
  leads: Record<string, number>;
  top: Record<string, MethodCohort[]>;
  signatures_found: string[];
  recall: number | null;
  null_false_leads: number;
}

export interface FloorCase {
  kpi: string;
  predicate: string;
  groups: number;
  failed: number;
  rate: number;
  rest_rate: number;
  q: number;
  status: 'lead' | 'refinement' | 'explained' | 'violation';
  /** The Surfacer lead it matches or overlaps most (title), if any. */
  lead: string | null;
  overlap_with_lead: number;
  outside: { groups: number; failed: number; q: number } | null;
}

export interface PeerFloor {
  reported: number;
  significant: number;
  lead: number;
  refinement: number;
  explained: number;
  violations: number;
  cases: FloorCase[];
}

export interface DatasetResult {
  name: string;
  kind: string;
  source: string;
  grouping: string;
  kpis: { name: string; groups: number; failed: number; null: boolean }[];
  signatures: { id: string; kpi: string; description: string; groups: number; failed: number; counted: boolean }[];
  methods: Record<string, MethodResult>;
  peer_floor: Record<string, PeerFloor>;
  /** Per KPI: share of its failed groups inside any of Surfacer's leads (null: the engine does not report it). */
  surfacer_coverage: Record<string, number | null>;
  prep_s: number;
}

const jaccard = (a: Bits, b: Bits) => {
  const i = andCount(a, b);
  const u = count(a) + count(b) - i;
  return u ? i / u : 0;
};
const secs = (since: number) => +((performance.now() - since) / 1000).toFixed(2);

/**
 * An ordered-pattern lead's groups as windowFunnel over the KPI's view of the group (s, st: outcome events out,
 * cut at the failure): its steps in order, all within W of the first. The engine's own readable SQL for ordered
 * patterns (nested arrayExists over candidate lists) takes minutes per lead on long groups — 129 s for one lead
 * on ADFA-LD's 500-call traces — so the bench reads it this way; it lacks the engine's candidate and gap bounds,
 * so it may hold a few more groups than the lead's SQL does.
 */
function orderedFunnel(l: Member): string | null {
  const p = (l.params ?? {}) as { pattern?: unknown; within_s?: unknown };
  if (l.template !== 'ordered_pattern' || !Array.isArray(p.pattern) || typeof p.within_s !== 'number') return null;
  const steps = (p.pattern as string[]).map((e) => `arrayMap(x -> toUInt8(x = ${lit(e)}), s)`);
  return `arrayReduce('windowFunnel(${Math.round(p.within_s * 1000)})', arrayMap(t -> toUInt64(t), st), ${steps.join(', ')}) = ${steps.length}`;
}

/**
 * Per KPI: the groups as Surfacer's own lead SQL sees them (its readable sessions), and each lead's membership.
 * The baselines get every event of the group but the KPI's outcome events. Not Surfacer's view cut at the first
 * failure: none of the peers has that notion, and a cut makes every absence look tied to failing (a failed
 * group loses whatever came after its failure), which would flood the peer floor with artifacts. A lead's SQL is this same sessions
 * CTE and a WHERE on its predicate: when its text starts with the CTE built here, the predicate is evaluated in
 * this one pass; otherwise (the engine changed its SQL) the lead's SQL is run on its own.
 */
async function kpiTable(
  ex: Executor,
  cfg: LoadedConfig,
  d: Dataset,
  k: KpiInfo,
  members: Member[],
): Promise<{ t: GroupTable; index: Map<string, number>; memberGroups: (Bits | null)[] }> {
  const source = d.events.isFile ? `file(${lit(d.events.label)})` : d.events.from;
  const cte = readableSessionsCte(d, k, { from: d.range.from, to: d.range.to, lookbackMs: cfg.analysis.lookback_days * 86_400_000 }, source);
  const prefix = `WITH ${cte}\nSELECT g AS ${quoteIdent(d.spec.group)}\nFROM sessions\nWHERE k${k.index} IS NOT NULL AND (`;
  const predicates = members.map((l) => orderedFunnel(l) ?? (l.sql?.startsWith(prefix) && l.sql.endsWith(')') ? l.sql.slice(prefix.length, -1) : null));
  const inline = predicates.flatMap((p) => (p === null ? [] : [`toUInt8(${p})`]));
  const attrs = d.spec.attributes.filter((a) => !k.outcomeColumns.includes(a));
  const rows = await ex.query<{ g: string; k: number; ev: string[]; at: string[]; leads: number[] }>(
    `WITH ${cte}
     SELECT toString(g) AS g, k${k.index} AS k, arrayDistinct(arrayFilter(x -> NOT has(${lit(k.outcomeEvents)}, x), events)) AS ev,
       [${attrs.map((a) => `toString(${quoteIdent(a)})`).join(', ')}]::Array(String) AS at,
       [${inline.join(', ')}]::Array(UInt8) AS leads
     FROM sessions WHERE k${k.index} IS NOT NULL ORDER BY g`,
    {},
    // Hundreds of leads make a long SELECT: ClickHouse's default max_query_size (256 KiB) and AST limits are too small.
    { label: `bench:quality groups of ${k.kpi.name}`, settings: { max_query_size: '67108864', max_ast_elements: '10000000', max_expanded_ast_elements: '10000000' } as never },
  );
  const t = groupTable(rows.map((r) => ({ id: r.g, failed: Number(r.k) > 0, events: r.ev, attributes: Object.fromEntries(attrs.map((a, i) => [a, r.at[i]!])) })));
  const index = new Map(t.ids.map((id, i) => [id, i]));
  let j = 0;
  const memberGroups = predicates.map((p) => {
    if (p === null) return null;
    const col = j++;
    const b = bitsFor(t.ids.length);
    rows.forEach((r, i) => {
      if (Number(r.leads[col])) setBit(b, i);
    });
    return b;
  });
  return { t, index, memberGroups };
}

async function groupsOf(ex: Executor, sql: string, t: GroupTable, index: Map<string, number>): Promise<Bits> {
  const rows = await ex.query<Record<string, unknown>>(sql, {}, { label: 'bench:quality cohort groups' });
  const b = bitsFor(t.ids.length);
  for (const r of rows) {
    const i = index.get(String(Object.values(r)[0]));
    if (i !== undefined) setBit(b, i);
  }
  return b;
}

const summary = (t: GroupTable, rank: number, predicate: string, groups: Bits): MethodCohort => {
  const n = count(groups);
  const f = andCount(groups, t.failed);
  return { rank, predicate, groups: n, failed: f, rate: n ? +(f / n).toFixed(4) : 0 };
};

/**
 * Surfacer's significance for any cohort: its 2×2 p, corrected as hierarchicalQ does over the given tests plus
 * `pool` (Surfacer's own tests in the run, when judging a baseline's cohorts: as if Surfacer had tested them too,
 * so a baseline's search over thousands of item sets is not corrected only over the few it reports).
 */
function floorQ(tests: { kpi: string; p: number }[], pool: { kpi: string; p: number }[] = []): number[] {
  // hierarchicalQ reads only each finding's KPI name and p.
  const all = [...tests, ...pool];
  return hierarchicalQ(all.map((x) => ({ obs: { kpi: { kpi: { name: x.kpi } } }, p: x.p }) as unknown as Finding)).slice(0, tests.length);
}

export async function evaluateDataset(
  ex: Executor,
  ds: PreparedDataset,
  progress: (m: string) => void,
): Promise<DatasetResult> {
  const d = await inspectDataset(ex, ds.config);
  progress(`  ${ds.name}: ${d.totalEvents.toLocaleString('en-US')} events; Surfacer analyze() …`);
  const ts = performance.now();
  let surfacerTests: { kpi: string; p: number }[] = [];
  const report: Report = await analyze(ex, ds.config, {
    dataset: d,
    onTested: (tests) => (surfacerTests = tests),
    onProgress: (p) => progress(`  ${ds.name}: surfacer ${p.stage} ${p.done}/${p.total}`),
  });
  const surfacerWall = secs(ts);
  progress(`  ${ds.name}: Surfacer ${report.opportunities.length} lead(s) in ${surfacerWall} s; baselines …`);

  const tp = performance.now();
  const tables = new Map<string, { t: GroupTable; index: Map<string, number> }>();
  const leadsOf = new Map<string, LeadGroups[]>();
  for (const name of ds.kpis) {
    const k = d.kpis.find((x) => x.kpi.name === name);
    if (!k) throw new Error(`${ds.name}: no KPI ${name}`);
    const leads = report.opportunities.filter((o) => o.kpi === name) as Lead[];
    // Leads and their refinements, evaluated in one pass.
    const members: Member[] = leads.flatMap((l) => [l, ...(l.refinements ?? [])]);
    const { t, index, memberGroups } = await kpiTable(ex, ds.config, d, k, members);
    tables.set(name, { t, index });
    const groupsOfMember = async (i: number) => memberGroups[i] ?? (members[i]!.sql ? await groupsOf(ex, members[i]!.sql!, t, index) : null);
    const list: LeadGroups[] = [];
    let i = 0;
    for (const lead of leads) {
      const groups = (await groupsOfMember(i++))!;
      const refinements = [];
      for (const r of lead.refinements ?? []) refinements.push({ r, groups: await groupsOfMember(i++) });
      list.push({ lead, groups, refinements });
    }
    leadsOf.set(name, list);
  }
  const sigs: { s: PreparedDataset['signatures'][number]; groups: Bits; failedGroups: Bits }[] = [];
  for (const s of ds.signatures) {
    const { t, index } = tables.get(s.kpi)!;
    const groups = await groupsOf(ex, s.sql, t, index);
    sigs.push({ s, groups, failedGroups: and(groups, t.failed) });
  }
  const prep = secs(tp);

  const counted = sigs.filter((x) => count(x.failedGroups) >= MIN_SIGNATURE_FAILED);
  const judge = (cohortsByKpi: Map<string, { predicate: string; groups: Bits; refinements?: Bits[] }[]>, wall: number): MethodResult => {
    const found = counted
      .filter(({ s, groups, failedGroups }) => {
        const nf = count(failedGroups);
        const captures = (b: Bits) => {
          const n = count(b);
          return nf > 0 && n > 0 && andCount(b, failedGroups) >= FOUND_RULE.captured * nf && andCount(b, groups) >= FOUND_RULE.precision * n;
        };
        // A named refinement of a top-K lead counts with its lead (when its groups are known: it carries SQL).
        return (cohortsByKpi.get(s.kpi) ?? []).slice(0, TOP_K).some((c) => captures(c.groups) || (c.refinements ?? []).some(captures));
      })
      .map(({ s }) => s.id);
    const leads: Record<string, number> = {};
    const top: Record<string, MethodCohort[]> = {};
    for (const k of ds.kpis) {
      const list = cohortsByKpi.get(k) ?? [];
      leads[k] = list.length;
      top[k] = list.slice(0, TOP_K).map((c, i) => summary(tables.get(k)!.t, i + 1, c.predicate, c.groups));
    }
    return {
      wall_s: wall,
      leads,
      top,
      signatures_found: found,
      recall: counted.length ? +(found.length / counted.length).toFixed(3) : null,
      null_false_leads: ds.nullKpis.reduce((a, k) => a + (cohortsByKpi.get(k)?.length ?? 0), 0),
    };
  };

  const methods: Record<string, MethodResult> = {};
  methods.surfacer = judge(
    new Map(
      ds.kpis.map((k) => [
        k,
        leadsOf.get(k)!.map((l) => ({ predicate: l.lead.cohort, groups: l.groups, refinements: l.refinements.flatMap((r) => (r.groups ? [r.groups] : [])) })),
      ]),
    ),
    surfacerWall,
  );
  const peerFloor: Record<string, PeerFloor> = {};
  for (const [name, run] of Object.entries(BASELINES)) {
    const tb = performance.now();
    const examined = new Map<string, number>();
    const reported = new Map(
      ds.kpis.map((k) => {
        const seen = { examined: tables.get(k)!.t.items.size };
        const cs = run(tables.get(k)!.t, seen);
        examined.set(k, Math.max(seen.examined, cs.length));
        return [k, cs];
      }),
    );
    const wall = secs(tb);
    methods[name] = judge(new Map([...reported].map(([k, cs]) => [k, cs.filter((c) => c.worse)])), wall);
    // The cohorts a method judged but did not report are tests too: they enter the correction with p = 1.
    const unreported = [...examined].flatMap(([k, n]) => Array.from({ length: n - reported.get(k)!.length }, () => ({ kpi: k, p: 1 })));
    peerFloor[name] = peerFloorOf(reported, tables, leadsOf, [...surfacerTests, ...unreported]);
    progress(`  ${ds.name}: ${name} ${[...reported.values()].reduce((a, c) => a + c.length, 0)} cohort(s) in ${wall} s, peer-floor violations ${peerFloor[name]!.violations}`);
  }

  return {
    name: ds.name,
    kind: ds.kind,
    source: ds.source,
    grouping: ds.grouping,
    kpis: ds.kpis.map((k) => {
      const t = tables.get(k)!.t;
      return { name: k, groups: t.ids.length, failed: count(t.failed), null: ds.nullKpis.includes(k) };
    }),
    signatures: sigs.map(({ s, groups, failedGroups }) => ({
      id: s.id,
      kpi: s.kpi,
      description: s.description,
      groups: count(groups),
      failed: count(failedGroups),
      counted: count(failedGroups) >= MIN_SIGNATURE_FAILED,
    })),
    methods,
    peer_floor: peerFloor,
    surfacer_coverage: Object.fromEntries(report.kpis.map((k) => [k.name, (k as { coverage?: number | null }).coverage ?? null])),
    prep_s: prep,
  };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * A refinement carrying SQL is compared by groups. Without it (the engine's refinements give key, cohort text and
 * size), it is the cohort when it names every event the cohort's predicate names and its size is within the
 * Jaccard bound of the cohort's (|A ∩ B| / |A ∪ B| ≥ J needs min/max size ≥ J).
 */
function sameAsRefinement(r: { r: Refinement; groups: Bits | null }, c: Cohort, size: number): boolean {
  if (r.groups) return jaccard(r.groups, c.groups) >= SAME_GROUPS;
  const text = r.r.cohort ?? r.r.title ?? '';
  const n = r.r.cohort_size ?? 0;
  const events = c.items.filter((i) => !i.includes('=')).map((i) => i.replace(/^!/, ''));
  return (
    events.length > 0 &&
    events.every((e) => new RegExp(`(^|[^A-Za-z0-9_])${escapeRe(e)}([^A-Za-z0-9_]|$)`).test(text)) &&
    Math.min(n, size) >= SAME_GROUPS * Math.max(n, size)
  );
}

function peerFloorOf(
  reported: Map<string, Cohort[]>,
  tables: Map<string, { t: GroupTable }>,
  leadsOf: Map<string, LeadGroups[]>,
  pool: { kpi: string; p: number }[],
): PeerFloor {
  const all = [...reported].flatMap(([kpi, cs]) => cs.map((c) => ({ kpi, c, tab: tableOf(tables.get(kpi)!.t, c.groups) })));
  const q = floorQ(
    all.map((x) => ({ kpi: x.kpi, p: twoByTwoTest(x.tab).p })),
    pool,
  );
  const worse = (x: { a: number; b: number; c: number; d: number }) => x.a * (x.c + x.d) > x.c * (x.a + x.b);
  const significant = all
    .map((x, i) => ({ ...x, q: q[i]! }))
    .filter((x) => x.q < 0.05 && worse(x.tab) && x.tab.a + x.tab.b <= MAX_COHORT_SHARE * tables.get(x.kpi)!.t.ids.length);

  // First pass: lead / refinement matches; the rest are tested outside the leads' union, corrected together.
  const pending: { x: (typeof significant)[number]; outside: ReturnType<typeof tableOf>; best: { title: string; overlap: number } | null }[] = [];
  const cases: FloorCase[] = [];
  const caseOf = (x: (typeof significant)[number], status: FloorCase['status'], lead: string | null, overlap: number, outside: FloorCase['outside']): FloorCase => ({
    kpi: x.kpi,
    predicate: x.c.predicate,
    groups: x.tab.a + x.tab.b,
    failed: x.tab.a,
    rate: +(x.tab.a / (x.tab.a + x.tab.b)).toFixed(4),
    rest_rate: +(x.tab.c / Math.max(1, x.tab.c + x.tab.d)).toFixed(4),
    q: x.q,
    status,
    lead,
    overlap_with_lead: +overlap.toFixed(3),
    outside,
  });
  for (const x of significant) {
    const leads = leadsOf.get(x.kpi) ?? [];
    const asLead = leads.find((l) => jaccard(l.groups, x.c.groups) >= SAME_GROUPS);
    if (asLead) {
      cases.push(caseOf(x, 'lead', asLead.lead.title, jaccard(asLead.groups, x.c.groups), null));
      continue;
    }
    const size = count(x.c.groups);
    const asRefinement = leads.find((l) => andCount(l.groups, x.c.groups) >= INSIDE * size && l.refinements.some((r) => sameAsRefinement(r, x.c, size)));
    if (asRefinement) {
      cases.push(caseOf(x, 'refinement', asRefinement.lead.title, andCount(asRefinement.groups, x.c.groups) / size, null));
      continue;
    }
    const t = tables.get(x.kpi)!.t;
    let union = bitsFor(t.ids.length);
    for (const l of leads) union = union.map((w, i) => w | l.groups[i]!) as Bits;
    const outsideScope = not(union, t.ids.length);
    let best: { title: string; overlap: number } | null = null;
    for (const l of leads) {
      const o = andCount(l.groups, x.c.groups) / size;
      if (o > 0 && (!best || o > best.overlap)) best = { title: l.lead.title, overlap: o };
    }
    pending.push({ x, outside: tableOf(t, x.c.groups, outsideScope), best });
  }
  const qOut = floorQ(pending.map((p) => ({ kpi: p.x.kpi, p: p.outside.a + p.outside.b > 0 ? twoByTwoTest(p.outside).p : 1 })));
  pending.forEach((p, i) => {
    const stillWorse = p.outside.a + p.outside.b > 0 && qOut[i]! < 0.05 && worse(p.outside);
    const outside = { groups: p.outside.a + p.outside.b, failed: p.outside.a, q: qOut[i]! };
    cases.push(caseOf(p.x, stillWorse ? 'violation' : 'explained', p.best?.title ?? null, p.best?.overlap ?? 0, outside));
  });
  const n = (s: FloorCase['status']) => cases.filter((c) => c.status === s).length;
  return { reported: all.length, significant: significant.length, lead: n('lead'), refinement: n('refinement'), explained: n('explained'), violations: n('violation'), cases };
}
