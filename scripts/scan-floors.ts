/**
 * How fast the aggregate scans could be at best, on this machine: each scan's per-group key enumeration alone
 * (the WITH … keys of its SQL, then only `sum(length(keys))`: no ARRAY JOIN, no GROUP BY, no table written),
 * next to the full scan's time, and the session table's build. What is left between the two is grouping and
 * storing; the enumeration is the part no reordering of the pipeline removes while the hypotheses stay the same.
 *   npx tsx scripts/scan-floors.ts <dataset dir with surfacer.yaml> [--out floors.json]
 * (a bench dataset: /tmp/surfacer-bench/<events>-s42 after `npm run bench`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../pkg/config/load';
import { Executor } from '../pkg/execute/executor';
import { observeFastPath } from '../pkg/pipeline/analyze';

/** A scan's SQL cut to its enumeration: the WITH list up to the SELECT that reads `sess`, then a count of keys. */
export function enumerationOnly(scanSql: string, sess: string): string {
  const body = scanSql.replace(/^CREATE TABLE [^\n]* AS\n/, '');
  const from = body.indexOf(`\nFROM ${sess}\n`);
  if (from < 0) throw new Error('the scan does not read the session table');
  const select = body.lastIndexOf('\nSELECT ', from);
  return `${body.slice(0, select)}\nSELECT count() AS groups, sum(length(keys)) AS key_rows\nFROM ${sess}\nSETTINGS prefer_column_name_to_alias = 1`;
}

interface ScanFloor {
  scan: string;
  families: string[];
  groups: number;
  key_rows: number;
  enumerate_s: number;
  full_scan_s: number;
}

async function main() {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
  const dir = positionals[0];
  if (!dir) throw new Error('usage: scan-floors.ts <dataset dir with surfacer.yaml> [--out file.json]');
  const cfg = loadConfigFile(join(dir, 'surfacer.yaml'));
  const ex = await Executor.open(cfg.store, { maxExecutionTimeS: 3600, maxMemoryBytes: 16 * 1024 ** 3 });
  const stages: Record<string, number> = {};
  const scanSeconds = new Map<string, number>();
  const timed = async <T>(stage: string, fn: () => Promise<T>) => {
    const s = performance.now();
    try {
      return await fn();
    } finally {
      stages[stage] = (stages[stage] ?? 0) + (performance.now() - s) / 1000;
    }
  };
  const fast = await observeFastPath(ex, cfg, { onProgress: () => undefined }, timed);
  try {
    const rows: ScanFloor[] = [];
    for (const q of fast.dag.queries) {
      const sqlText = q.store?.sql ?? q.sql;
      const best: number[] = [];
      let counted: { groups: number; key_rows: number } | undefined;
      // Best of two: the first also pays for reading the session table into the caches.
      for (let i = 0; i < 2; i++) {
        const s = performance.now();
        counted = (await ex.query<{ groups: number; key_rows: number }>(enumerationOnly(sqlText, fast.sess), q.params, { label: `enumerate ${q.id}` }))[0];
        best.push((performance.now() - s) / 1000);
      }
      const s = performance.now();
      if (q.store) await ex.command(`DROP TABLE IF EXISTS ${q.store.table}`, {}, { label: 'drop keys' });
      if (q.store) await ex.command(q.store.sql, q.params, { label: `store ${q.id}` });
      await ex.query(q.sql, q.params, { label: `scan ${q.id}` });
      scanSeconds.set(q.id, (performance.now() - s) / 1000);
      rows.push({
        scan: q.id,
        families: [...new Set(q.nodes.map((id) => fast.dag.nodes.find((n) => n.id === id)!.template))],
        groups: Number(counted!.groups),
        key_rows: Number(counted!.key_rows),
        enumerate_s: Math.min(...best),
        full_scan_s: scanSeconds.get(q.id)!,
      });
      process.stderr.write(`${q.id}: enumerate ${Math.min(...best).toFixed(2)} s, full scan ${scanSeconds.get(q.id)!.toFixed(2)} s, ${Number(counted!.key_rows).toLocaleString('en-US')} key rows\n`);
    }
    const sum = (f: (r: ScanFloor) => number) => rows.reduce((a, r) => a + f(r), 0);
    const out = {
      events: fast.d.totalEvents,
      groups: rows[0]?.groups ?? 0,
      sessionize_s: stages.sessionize ?? null,
      scans: rows,
      enumerate_s_total: sum((r) => r.enumerate_s),
      full_scans_s_total: sum((r) => r.full_scan_s),
      floor_s: (stages.inspect ?? 0) + (stages.sessionize ?? 0) + sum((r) => r.enumerate_s),
      floor_means: 'inspect + sessionize + every scan\'s key enumeration alone: a lower bound on the run before any grouping or expert, with these hypotheses in ClickHouse',
    };
    process.stderr.write(`sessionize ${out.sessionize_s?.toFixed(2)} s; enumeration alone ${out.enumerate_s_total.toFixed(2)} s of ${out.full_scans_s_total.toFixed(2)} s of scans; floor ${out.floor_s.toFixed(2)} s\n`);
    if (values.out) writeFileSync(values.out, `${JSON.stringify(out, null, 1)}\n`);
    else process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
  } finally {
    await fast.drop();
    await ex.close();
  }
}

if (require.main === module)
  main().catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
