/**
 * The Executor's server transport against a real ClickHouse server (Debian's clickhouse-server 18.16 in CI:
 * transport only, so literal SQL, no query parameters). Fails, not skips, when the server is not installed.
 */
import { randomUUID } from 'node:crypto';
import { CancelledError, Executor, QueryError } from '../../pkg/execute/executor';
import { answerCall, RemoteExecutor } from '../../pkg/execute/remote';
import { freePort, startClickHouseServer, type ClickHouseServer } from '../support/clickhouse-server';

let server: ClickHouseServer;
let ex: Executor;
const opened: Executor[] = [];

async function open(limits?: Parameters<typeof Executor.open>[1], creds: { username?: string; password?: string } = {}) {
  const e = await Executor.open(
    { url: server.url, username: creds.username ?? server.user, password: creds.password ?? server.password, database: 'default' },
    limits,
  );
  opened.push(e);
  return e;
}

/** The rejection of a promise that must reject, to check its fields one by one. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject, it resolved');
}

// @clickhouse/client logs every failed request (with a stack) and a request_timeout warning per client through
// console.warn/error; the failures are the point of these tests, so keep only the other console output.
const clientLog = /\[@clickhouse\/client\]/;
for (const level of ['warn', 'error'] as const) {
  const original = console[level].bind(console);
  jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
    if (typeof args[0] === 'string' && clientLog.test(args[0])) return;
    original(...args);
  });
}

beforeAll(async () => {
  server = await startClickHouseServer();
  ex = await open();
});

afterAll(async () => {
  await Promise.allSettled(opened.map((e) => e.close()));
  await server?.stop();
});

describe('ClickHouse server transport', () => {
  test('connects and reads the server version', async () => {
    expect(ex.kind).toBe('server');
    const [row] = await ex.query<{ v: string; one: number }>('SELECT version() AS v, 1 AS one');
    expect(row).toEqual({ v: expect.stringMatching(/^\d+\.\d+/), one: 1 });
  });

  test('creates a MergeTree table, inserts rows and reads them back with their types', async () => {
    await ex.command('DROP TABLE IF EXISTS transport_events');
    await ex.command(
      `CREATE TABLE transport_events (
         id UInt32, big UInt64, delta Int64, name String, score Float64, ts DateTime, d Date,
         tags Array(String), note Nullable(String)
       ) ENGINE = MergeTree() ORDER BY id`,
    );
    const rows = [
      { id: 1, big: 9007199254740991, delta: -5, name: 'alpha', score: 0.5, ts: '2024-01-02 03:04:05', d: '2024-01-02', tags: ['a', 'b'], note: null },
      { id: 2, big: 42, delta: 7, name: 'bêta "quoted"\n', score: -1.25, ts: '2024-02-29 23:59:59', d: '2024-02-29', tags: [], note: 'x' },
      { id: 3, big: 0, delta: 0, name: '', score: 1e-9, ts: '1999-12-31 00:00:00', d: '1999-12-31', tags: ['ü'], note: '' },
    ];
    await ex.insert('transport_events', rows, { label: 'insert events' });
    // Inserting nothing is a no-op, not an error.
    await ex.insert('transport_events', []);

    const back = await ex.query<Record<string, unknown>>(
      'SELECT id, big, delta, name, score, ts, d, tags, note FROM transport_events ORDER BY id',
    );
    expect(back).toEqual(rows);
    for (const r of back) {
      expect(typeof r.id).toBe('number');
      // output_format_json_quote_64bit_integers=0: 64-bit integers arrive as JSON numbers.
      expect(typeof r.big).toBe('number');
      expect(typeof r.delta).toBe('number');
      expect(typeof r.score).toBe('number');
      expect(typeof r.ts).toBe('string');
      expect(Array.isArray(r.tags)).toBe(true);
    }

    const [agg] = await ex.query<{ n: number; total: number; names: string[] }>(
      "SELECT count() AS n, sum(big) AS total, groupArray(name) AS names FROM transport_events WHERE id IN (1, 2)",
    );
    expect(agg).toEqual({ n: 2, total: 9007199254740991 + 42, names: expect.arrayContaining(['alpha']) });
    expect(typeof agg!.n).toBe('number');
  });

  test('an unknown table surfaces as QueryError code 60 naming the table and the step', async () => {
    const e = await rejection(ex.query('SELECT * FROM no_such_table_xyz', {}, { label: 'read missing' }));
    expect(e).toBeInstanceOf(QueryError);
    const qe = e as QueryError;
    expect(qe.code).toBe(60);
    expect(qe.label).toBe('read missing');
    expect(qe.message).toMatch(/^read missing: /);
    expect(qe.message).toContain('no_such_table_xyz');

    const ins = await rejection(ex.insert('no_such_table_xyz', [{ a: 1 }]));
    expect(ins).toBeInstanceOf(QueryError);
    expect((ins as QueryError).code).toBe(60);
  });

  test('a syntax error surfaces as QueryError code 62', async () => {
    const e = await rejection(ex.query('SELEC 1'));
    expect(e).toBeInstanceOf(QueryError);
    expect((e as QueryError).code).toBe(62);
    expect((e as QueryError).message).toMatch(/Syntax error/);
    const c = await rejection(ex.command('CREATE TABLEX nope (a UInt8) ENGINE = Memory'));
    expect((c as QueryError).code).toBe(62);
  });

  test('a wrong password is refused at open() as AUTHENTICATION_FAILED', async () => {
    const e = await rejection(open(undefined, { password: 'definitely-wrong' }));
    expect(e).toBeInstanceOf(QueryError);
    const qe = e as QueryError;
    expect(qe.type).toBe('AUTHENTICATION_FAILED');
    expect(qe.message).toContain(server.url);
    expect(qe.message).toMatch(/refused the credentials/);
    expect(qe.message).toMatch(/password/i);
  });

  test('an unknown user is refused at open() as AUTHENTICATION_FAILED', async () => {
    const e = await rejection(open(undefined, { username: 'nobody_here', password: 'x' }));
    expect(e).toBeInstanceOf(QueryError);
    expect((e as QueryError).type).toBe('AUTHENTICATION_FAILED');
    expect((e as QueryError).message).toContain('nobody_here');
  });

  test('a dead server (closed port) is UNREACHABLE and the message names the URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const e = await rejection(Executor.open({ url, username: 'default', password: '' }));
    expect(e).toBeInstanceOf(QueryError);
    const qe = e as QueryError;
    expect(qe.type).toBe('UNREACHABLE');
    expect(qe.message).toContain(url);
    expect(qe.message).toMatch(/cannot reach ClickHouse/);
  });

  test('maxExecutionTimeS from open() stops a long query: TIMEOUT_EXCEEDED (code 159)', async () => {
    const limited = await open({ maxExecutionTimeS: 1, maxMemoryBytes: 1_000_000_000 });
    const t0 = performance.now();
    const e = await rejection(limited.query('SELECT count() FROM system.numbers', {}, { label: 'endless' }));
    const elapsed = (performance.now() - t0) / 1000;
    expect(e).toBeInstanceOf(QueryError);
    expect((e as QueryError).type).toBe('TIMEOUT_EXCEEDED');
    expect((e as QueryError).code).toBe(159);
    expect((e as QueryError).message).toMatch(/^endless: query exceeded the time limit/);
    expect(elapsed).toBeLessThan(10);
  });

  test('a per-query max_execution_time setting overrides the open() limit', async () => {
    const e = await rejection(ex.query('SELECT count() FROM system.numbers', {}, { settings: { max_execution_time: 1 } }));
    expect((e as QueryError).type).toBe('TIMEOUT_EXCEEDED');
  });

  test('maxMemoryBytes from open() stops a greedy query: MEMORY_LIMIT_EXCEEDED (code 241)', async () => {
    const limited = await open({ maxExecutionTimeS: 30, maxMemoryBytes: 20_000_000 });
    const e = await rejection(limited.query('SELECT groupArray(number) AS a FROM system.numbers LIMIT 50000000'));
    expect(e).toBeInstanceOf(QueryError);
    expect((e as QueryError).code).toBe(241);
    expect((e as QueryError).type).toBe('MEMORY_LIMIT_EXCEEDED');
  });

  test('an AbortSignal cancels a long query: CancelledError, and the server stops it (KILL QUERY)', async () => {
    const runner = await open({ maxExecutionTimeS: 120, maxMemoryBytes: 1_000_000_000 });
    const tag = `cancel_probe_${randomUUID().replace(/-/g, '')}`;
    const running = () =>
      ex.query<{ query: string }>(
        `SELECT query FROM system.processes WHERE query LIKE '%${tag}%' AND query NOT LIKE '%system.processes%'`,
      );

    const ac = new AbortController();
    const p = runner.query(`SELECT count() AS ${tag} FROM system.numbers`, {}, { label: 'long count', signal: ac.signal });
    const settled = p.then(
      () => 'resolved',
      (e: unknown) => e,
    );

    // Wait until the server really runs it.
    const seenBy = Date.now() + 10_000;
    while ((await running()).length === 0) {
      if (Date.now() > seenBy) throw new Error('the long query never showed up in system.processes');
      await new Promise((r) => setTimeout(r, 50));
    }

    const t0 = performance.now();
    ac.abort();
    const e = await settled;
    expect(e).toBeInstanceOf(CancelledError);
    expect((e as Error).message).toBe('cancelled: long count');
    expect(performance.now() - t0).toBeLessThan(2000);

    // The HTTP abort alone does not stop the server; the Executor's KILL QUERY must.
    const goneBy = Date.now() + 5000;
    let left = await running();
    while (left.length > 0 && Date.now() < goneBy) {
      await new Promise((r) => setTimeout(r, 100));
      left = await running();
    }
    expect(left).toEqual([]);

    // An already-aborted signal never reaches the server.
    await expect(runner.query('SELECT 1', {}, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError);
    // The executor stays usable after a cancellation.
    expect(await runner.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  test("forwarded from the analysis worker (RemoteExecutor), the server's rows, errors and cancellation come back as in-process", async () => {
    const limited = await open({ maxExecutionTimeS: 1, maxMemoryBytes: 1_000_000_000 });
    const run = new AbortController();
    const remote: RemoteExecutor = new RemoteExecutor(limited.kind, limited.limits, limited.describeTarget, (c) => {
      // Through structuredClone, as postMessage copies them.
      void answerCall(limited, structuredClone(c), run.signal).then((r) => remote.receive(structuredClone(r)));
    });
    expect(remote.kind).toBe('server');
    expect(await remote.query('SELECT 1 AS one, toString(2) AS two')).toEqual([{ one: 1, two: '2' }]);
    const missing = await rejection(remote.query('SELECT * FROM default.no_such_table', {}, { label: 'probe' }));
    expect(missing).toBeInstanceOf(QueryError);
    expect(missing).toMatchObject({ code: 60, label: 'probe' });
    const slow = await rejection(remote.query('SELECT count() FROM system.numbers', {}, { label: 'endless' }));
    expect(slow).toBeInstanceOf(QueryError);
    expect((slow as QueryError).summary).toBe('endless exceeded the time limit (analysis.max_execution_time_s)');
    run.abort();
    const cancelled = await rejection(remote.query('SELECT 1', {}, { label: 'after cancel', signal: new AbortController().signal }));
    expect(cancelled).toBeInstanceOf(CancelledError);
  });
});
