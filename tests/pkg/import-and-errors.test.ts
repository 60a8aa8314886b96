import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../pkg/config/load';
import { importFile } from '../../pkg/dataset/import';
import { inspectDataset } from '../../pkg/dataset/inspect';
import { Executor } from '../../pkg/execute/executor';

describe('import and schema errors (embedded ClickHouse)', () => {
  let dir: string;
  let ex: Executor;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-import-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    writeFileSync(join(dir, 'ev.csv'), 'ts,sid,ev,country\n2026-10-01 00:00:01,1,open,US\n2026-10-01 00:00:05,1,crash,US\n2026-10-01 01:00:00,2,open,BR\n');
  });
  afterAll(async () => {
    await ex.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports CSV, then Parquet written from it, inferring the schema', async () => {
    const csv = await importFile(ex, { file: join(dir, 'ev.csv'), table: 'ev' });
    expect(csv.rows).toBe(3);
    expect(csv.columns.map((c) => c.name)).toEqual(['ts', 'sid', 'ev', 'country']);
    await ex.command(`INSERT INTO FUNCTION file({p:String}, 'Parquet') SELECT * FROM ev`, { p: join(dir, 'ev.parquet') });
    const pq = await importFile(ex, { file: join(dir, 'ev.parquet'), table: 'raw.ev2', orderBy: 'sid' });
    expect(pq).toMatchObject({ table: 'raw.ev2', rows: 3 });
    const rows = await ex.query<{ ev: string }>('SELECT ev FROM raw.ev2 ORDER BY ts');
    expect(rows.map((r) => r.ev)).toEqual(['open', 'crash', 'open']);
    await expect(importFile(ex, { file: join(dir, 'ev.csv'), table: 'ev' })).rejects.toThrow(/already exists \(use --replace/);
    await expect(importFile(ex, { file: join(dir, 'ev.csv'), table: 'ev; DROP TABLE ev' })).rejects.toThrow(/expected a name/);
    expect((await ex.query<{ n: number }>('SELECT count() AS n FROM ev'))[0]!.n).toBe(3);
  });

  it('keeps the spaces around values in CSV as JSONL does (CSV trimmed them, JSONL kept them)', async () => {
    writeFileSync(join(dir, 'ws.csv'), 'sid,ev,n\n1, checkout ,2\n2,"  pay",3\n');
    writeFileSync(join(dir, 'ws.jsonl'), '{"sid":1,"ev":" checkout ","n":2}\n{"sid":2,"ev":"  pay","n":3}\n');
    await importFile(ex, { file: join(dir, 'ws.csv'), table: 'ws_csv', orderBy: 'sid' });
    await importFile(ex, { file: join(dir, 'ws.jsonl'), table: 'ws_jsonl', orderBy: 'sid' });
    const read = (t: string) => ex.query<{ ev: string; n: number }>(`SELECT ev, n FROM ${t} ORDER BY sid`);
    expect(await read('ws_csv')).toEqual([
      { ev: ' checkout ', n: 2 },
      { ev: '  pay', n: 3 },
    ]);
    expect(await read('ws_csv')).toEqual(await read('ws_jsonl'));
  });

  it('names an unknown column before any heavy query runs', async () => {
    const cfg = parseConfig(
      `dataset:\n  events: {source: ev.csv, time: ts, group: sid, event: ev, attributes: [contry]}\nkpis:\n  - {name: crashes, failure_events: [crash]}\n`,
      dir,
    );
    await expect(inspectDataset(ex, cfg)).rejects.toThrow(/dataset\.events\.attributes\[0\]: unknown column "contry" .*did you mean country\?/);
  });

  it('names a KPI event that never occurs, and a missing table', async () => {
    const cfg = parseConfig(`dataset:\n  events: {source: ev, time: ts, group: sid, event: ev}\nkpis:\n  - {name: crashes, failure_events: [krash]}\n`, dir);
    await expect(inspectDataset(ex, cfg)).rejects.toThrow(/kpis\[0\]\.failure_events \(crashes\): no event named "krash"/);
    const missing = parseConfig(`dataset:\n  events: {source: nope, time: ts, group: sid, event: ev}\nkpis:\n  - {name: crashes, failure_events: [crash]}\n`, dir);
    await expect(inspectDataset(ex, missing)).rejects.toThrow(/table default\.nope does not exist/);
  });

  it('checks the time zone with a real query before any run (it passed, then failed at sessionize)', async () => {
    const tz = parseConfig(`dataset:\n  events: {source: ev.csv, time: ts, group: sid, event: ev, timezone: Mars/Olympus}\nkpis:\n  - {name: crashes, failure_events: [crash]}\n`, dir);
    await expect(inspectDataset(ex, tz)).rejects.toThrow(/^dataset\.events\.timezone: ClickHouse does not know the time zone "Mars\/Olympus"; use an IANA name/);
  });

  it('refuses a sample so small it keeps nobody (it exited 0 having analyzed nothing)', () => {
    expect(() => parseConfig(`dataset:\n  events: {source: ev, time: ts, group: sid, event: ev}\nkpis:\n  - {name: c, failure_events: [crash]}\nanalysis: {sample: 1.0e-7}\n`, dir)).toThrow(
      /analysis\.sample: at least 0\.000001 \(one in a million\)/,
    );
  });

  it('cancels a running query for real', async () => {
    const ac = new AbortController();
    const p = ex.query('SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) % 3 = 1', {}, { label: 'long', signal: ac.signal });
    setTimeout(() => ac.abort(), 500);
    await expect(p).rejects.toThrow(/cancelled: long/);
    const running = await ex.query<{ n: number }>("SELECT count() AS n FROM system.processes WHERE query LIKE '%numbers(100000000000)%' AND query NOT LIKE '%system.processes%'");
    expect(Number(running[0]!.n)).toBe(0);
  });
});
