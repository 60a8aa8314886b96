import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, type LoadedConfig } from '../../pkg/config/load';
import { readableSessionsCte } from '../../pkg/compile/sessionize';
import type { Dag } from '../../pkg/compile/dag';
import type { Executor } from '../../pkg/execute/executor';
import type { Lead } from '../../pkg/experts/ensemble';
import type { Observation } from '../../pkg/experts/types';
import type { FastPath } from '../../pkg/pipeline/analyze';
import { Memberships } from '../../pkg/pipeline/evidence';
import { lit } from '../../pkg/templates/types';

/** Each observation's groups, applicable groups and KPI sum equal what its readable predicate selects, run alone. */
export async function expectPredicatesMatch(ex: Executor, fast: FastPath, observations: Observation[]): Promise<void> {
  const source = `file(${lit(fast.d.events.label)})`;
  for (const o of observations) {
    const range = { from: fast.d.range.from, to: fast.d.range.to, lookbackMs: fast.lookbackMs };
    const cte = readableSessionsCte(fast.d, o.kpi, range, source);
    const k = `k${o.kpi.index}`;
    const [row] = await ex.query<{ cnt_n: number; cnt_a: number; sum_k: number }>(
      `WITH ${cte}\nSELECT count() AS cnt_n, countIf(${k} IS NOT NULL) AS cnt_a, sum(ifNull(${k}, 0)) AS sum_k FROM sessions WHERE (${o.hyp.predicate})`
    );
    expect([o.hyp.key, o.kpi.kpi.name, Number(row!.cnt_n), Number(row!.cnt_a), Number(row!.sum_k)]).toEqual([
      o.hyp.key,
      o.kpi.kpi.name,
      o.groups,
      o.cohort.a,
      o.cohort.s,
    ]);
  }
}

/** Every observation as a stand-in lead: the membership tables read only a lead's KPI, node, key and rank. */
export const asLeads = (observations: Observation[]) =>
  observations.map((o, i) => ({ rank: i + 1, finding: { obs: o } }) as unknown as Lead);

/**
 * For each way of building the leads' membership tables (with or without the shared chains tables, over a DAG
 * with or without stored keys, prepared for these leads or others — preparedFor), each lead's cohort there has its
 * observation's applicable groups and KPI sum.
 */
export async function expectMembershipsMatch(
  ex: Executor,
  fast: FastPath,
  cases: readonly (readonly [name: string, leads: Lead[], prepared: boolean, dag: Dag, preparedFor?: Lead[]])[],
  onPrepared?: (tag: string) => Promise<void>
): Promise<void> {
  for (const [i, [name, leads, prepared, dag, preparedFor]] of cases.entries()) {
    const tag = `${fast.runTag}m${i}`;
    const m = new Memberships(ex, dag, fast.d, fast.sess, 'surfacer', tag, fast.vocab);
    try {
      if (prepared) {
        await m.prepare(preparedFor ?? leads);
        await onPrepared?.(tag);
      }
      for (const k of fast.d.kpis) {
        const mine = leads.filter((l) => l.finding.obs.kpi.index === k.index);
        const mt = await m.tableFor(k.index, mine);
        for (const l of mine) {
          const o = l.finding.obs;
          const [row] = await ex.query<{ a: number; s: number }>(
            `SELECT countIf(has(sig, {t:UInt16})) AS a, sumIf(v, has(sig, {t:UInt16})) AS s FROM ${mt.table}`,
            { t: mt.number(l) }
          );
          expect([name, k.kpi.name, o.hyp.key, Number(row!.a), Number(row!.s)]).toEqual([
            name,
            k.kpi.name,
            o.hyp.key,
            o.cohort.a,
            o.cohort.s,
          ]);
        }
      }
    } finally {
      await m.drop();
    }
  }
}

/** The DAG as on a cluster: no scan stores its keys. */
export const unstored = (dag: Dag): Dag => ({ ...dag, queries: dag.queries.map((q) => ({ ...q, store: undefined })) });

/**
 * Hand-made groups as events: ev.csv in `dir` (columns ts, sid, event_name, ms), each group its own session with
 * events 1 s apart and ms = 100 × its place; and the config reading it with these KPI lines and min_support 1.
 */
export function handMadeGroups(dir: string, groups: Record<string, string[]>, kpiLines: string[]): LoadedConfig {
  const lines = ['ts,sid,event_name,ms'];
  Object.entries(groups).forEach(([g, evs], gi) =>
    evs.forEach((e, i) =>
      lines.push(`2026-10-0${1 + (gi % 5)} 1${gi % 10}:00:${String(i).padStart(2, '0')},${g},${e},${100 * (gi + 1)}`)
    )
  );
  writeFileSync(join(dir, 'ev.csv'), `${lines.join('\n')}\n`);
  const yaml = [
    'dataset:',
    '  events: {source: ev.csv, time: ts, group: sid, event: event_name}',
    'kpis:',
    ...kpiLines.map((k) => `  - ${k}`),
    'analysis: {min_support: 1}',
  ];
  return parseConfig(yaml.join('\n'), dir);
}
