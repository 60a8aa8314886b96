/**
 * One family node over a few hand-written groups, on the embedded engine: the session-table columns a family
 * reads (compile/columns.ts), the node's keys for each group as the merged scan computes them, and the keys read
 * back as hypotheses. The profile the family chooses its candidates from is measured on the same groups.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attributeColumn, sequenceView } from '../../pkg/compile/columns';
import { NO_CUT } from '../../pkg/compile/sessionize';
import { Executor } from '../../pkg/execute/executor';
import { lit, POSITION_BITS, type NodeContext, type NodeSpec, type Profile, type Template } from '../../pkg/templates/types';

export interface Group {
  events: string[];
  /** Seconds from the group's start, one per event; default: one event a second. */
  at?: number[];
  /** Values of the context's attributes, in order. */
  attributes?: string[];
  ordinal?: number;
  awayDays?: number | null;
  hour?: number;
  dow?: number;
}

const T0 = 1_790_820_000_000;
const times = (g: Group) => g.events.map((_, j) => T0 + 1000 * (g.at?.[j] ?? j));

function profileOf(groups: Group[], attributes: string[], followWithinMs: number): Profile {
  const eventGroups: Record<string, number> = {};
  for (const g of groups) for (const e of new Set(g.events)) eventGroups[e] = (eventGroups[e] ?? 0) + 1;
  const attributeValues: Profile['attributeValues'] = {};
  attributes.forEach((name, i) => {
    const counts = new Map<string, number>();
    for (const g of groups) counts.set(g.attributes?.[i] ?? '', (counts.get(g.attributes?.[i] ?? '') ?? 0) + 1);
    attributeValues[name] = [...counts].map(([value, n]) => ({ value, groups: n })).sort((x, y) => y.groups - x.groups);
  });
  const follows: Profile['follows'] = [];
  for (const a of Object.keys(eventGroups))
    for (const b of Object.keys(eventGroups)) {
      if (a === b) continue;
      const followed = groups.filter((g) => {
        const t = times(g);
        return g.events.some((e, i) => e === a && g.events.some((f, j) => j > i && f === b && t[j]! - t[i]! <= followWithinMs));
      }).length;
      follows.push({ a, b, withA: eventGroups[a]!, followed });
    }
  return { groups: groups.length, eventGroups, attributeValues, follows, followWithinMs };
}

/** A node context over the groups: their events as the vocabulary (most frequent first), no KPI excluding any. */
export function contextOf(groups: Group[], o: { attributes?: string[]; hasUser?: boolean; followWithinMs?: number } = {}): NodeContext {
  const attributes = o.attributes ?? [];
  const profile = profileOf(groups, attributes, o.followWithinMs ?? 30_000);
  const vocab = Object.entries(profile.eventGroups)
    .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
    .map(([e]) => e);
  return {
    id: 'n0',
    vocab,
    excludedEvents: new Set(),
    cutColumns: [],
    attributes: attributes.map((name, i) => ({ name, col: attributeColumn(i) })),
    hasUser: o.hasUser ?? true,
    profile,
    contexts: [],
    timezone: 'UTC',
  };
}

/** Each group's row of the session table, as a SELECT of literals. */
function rowsSql(groups: Group[], ctx: NodeContext): string {
  return groups
    .map((g, i) => {
      const codes = g.events.map((e) => ctx.vocab.indexOf(e) + 1);
      const cols = [
        `${i} AS g`,
        `CAST(${lit(codes)}, 'Array(UInt16)') AS ev`,
        `CAST(${lit(times(g))}, 'Array(Int64)') AS tm`,
        `tm[1] AS t0`,
        `tm[-1] AS t1`,
        ...ctx.attributes.map((a, j) => `${lit(g.attributes?.[j] ?? '')} AS ${a.col}`),
        `toUInt64(${g.ordinal ?? 1}) AS ordinal`,
        `CAST(${g.awayDays ?? 'NULL'}, 'Nullable(Float64)') AS away_days`,
        `toUInt8(${g.hour ?? 12}) AS hour`,
        `toUInt8(${g.dow ?? 3}) AS dow`,
      ];
      return `SELECT ${cols.join(', ')}`;
    })
    .join('\nUNION ALL\n');
}

/**
 * The titles of the hypotheses each group is a member of (sorted), from the node's keys; for a family split in two
 * (Template.buildAcross), from both of its nodes.
 */
export async function titlesOf<P>(ex: Executor, t: Template<P>, params: unknown, ctx: NodeContext, groups: Group[]): Promise<string[][]> {
  const p = t.params.parse(params);
  const specs = [t.build(p, ctx), t.buildAcross?.(p, ctx) ?? null].filter((s): s is NodeSpec => s !== null);
  const each = await Promise.all(specs.map((s) => nodeTitles(ex, t.name, s, ctx, groups)));
  return groups.map((_, i) => [...new Set(each.flatMap((titles) => titles[i]!))].sort());
}

async function nodeTitles(ex: Executor, name: string, spec: NodeSpec, ctx: NodeContext, groups: Group[]): Promise<string[][]> {
  const perGroup = [...sequenceView(NO_CUT, "CAST([], 'Array(UInt16)')"), ...(spec.prelude ? [spec.prelude] : [])];
  const q = `WITH ${perGroup.join(',\n')}\nSELECT g, arrayMap(x -> toString(x), ${spec.keys}) AS keys FROM (${rowsSql(groups, ctx)}) ORDER BY g`;
  const rows = await ex.query<{ g: number; keys: string[] }>(q, spec.params, { label: `${name} node` });
  return rows.map((r) => {
    const own = r.keys.map((k) => (spec.positions ? String(BigInt(k) >> BigInt(POSITION_BITS)) : k));
    return [...new Set(own.map((k) => spec.decode(k)?.title).filter((x): x is string => Boolean(x)))].sort();
  });
}

/** An embedded engine for the tests of a file: opened before them, closed after; call the result to get it. */
export function useEmbeddedEngine(): () => Executor {
  let dir = '';
  let ex: Executor | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-family-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
  });
  afterAll(async () => {
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => ex!;
}
