/**
 * Load on the service's list endpoints (issue 13): `surfacer serve` on a synthetic store, then many concurrent
 * readers of GET /api/runs, /api/opportunities and /api/investigations, first idle (--requests of them), then for the
 * whole of a run that analyzes every KPI with every family (until it ends, at most --during-max-s). Prints p50/p99 per
 * phase, endpoint and stage of the run (milliseconds), and the run's own time, and writes them as JSON.
 *
 *   npx tsx bench/load.ts                          # 1M events, 200 readers, 2,000 requests idle
 *   npx tsx bench/load.ts --events 100k --readers 50 --requests 500 --out /tmp/load.json
 *
 * The dataset is generated once per size into $TMPDIR/surfacer-load-<events> (or --data-dir) and reused.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
function count(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s.trim());
  if (!m) throw new Error(`--events ${s}: expected a number such as 100k or 1m`);
  return Math.round(Number(m[1]) * { '': 1, k: 1e3, m: 1e6 }[m[2]!.toLowerCase() as '' | 'k' | 'm']);
}
const EVENTS = count(opt('events', '1m'));
const READERS = Number(opt('readers', '200'));
const REQUESTS = Number(opt('requests', '2000'));
const DIR = resolve(opt('data-dir', join(tmpdir(), `surfacer-load-${EVENTS}`)));
const OUT = opt('out', '');
const DURING_MAX_S = Number(opt('during-max-s', '600'));
const TOKEN = 'load-token-0123456789abcdef';
const CLI = resolve(__dirname, '../bin/surfacer.js');
const LISTS = ['/api/runs?limit=50', '/api/opportunities?limit=50', '/api/investigations?limit=50'];

const log = (m: string) => process.stderr.write(`${m}\n`);

/**
 * The readers' GETs: node:http with one kept-alive connection per reader. The generator shares the service's cores,
 * and fetch (undici) cost 2.5 times its CPU per request (4.2 s against 1.7 s of user time for 6,000 list requests),
 * which showed as the service's latency.
 */
const agent = new Agent({ keepAlive: true, maxSockets: READERS });
function get(base: string, path: string): Promise<number> {
  const u = new URL(path, base);
  return new Promise((res) => {
    const r = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, agent, headers: { authorization: `Bearer ${TOKEN}` } }, (resp) => {
      resp.resume();
      resp.on('end', () => res(resp.statusCode ?? 0));
    });
    r.on('error', () => res(0));
    r.end();
  });
}

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** Idle: `REQUESTS` requests. During a run (`until` given): requests until `until()` says the run ended. */
async function phase(base: string, name: string, until?: () => boolean, stageNow?: () => string) {
  const times: number[] = [];
  const byEndpoint = new Map<string, number[]>(LISTS.map((u) => [u, []]));
  const byStage = new Map<string, number[]>();
  let errors = 0;
  let next = 0;
  const reader = async () => {
    while (until ? !until() : next < REQUESTS) {
      const url = LISTS[next++ % LISTS.length]!;
      const stage = stageNow?.() ?? '';
      const t0 = performance.now();
      if ((await get(base, url)) !== 200) errors++;
      times.push(performance.now() - t0);
      byEndpoint.get(url)!.push(performance.now() - t0);
      if (stage) (byStage.get(stage) ?? byStage.set(stage, []).get(stage)!).push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: READERS }, reader));
  const wall = (performance.now() - t0) / 1000;
  const row = {
    phase: name,
    requests: times.length,
    errors,
    p50_ms: Math.round(pct(times, 50)),
    p99_ms: Math.round(pct(times, 99)),
    max_ms: Math.round(times.reduce((m, x) => Math.max(m, x), 0)), // no spread: hundreds of thousands of times
    wall_s: Number(wall.toFixed(1)),
    endpoints: Object.fromEntries([...byEndpoint].map(([u, xs]) => [u, { p50_ms: Math.round(pct(xs, 50)), p99_ms: Math.round(pct(xs, 99)) }])),
    stages: Object.fromEntries([...byStage].map(([st, xs]) => [st, { requests: xs.length, p50_ms: Math.round(pct(xs, 50)), p99_ms: Math.round(pct(xs, 99)) }])),
  };
  log(
    `${name.padEnd(12)} ${String(row.requests).padStart(6)} requests  p50 ${row.p50_ms} ms  p99 ${row.p99_ms} ms  max ${row.max_ms} ms  errors ${errors}  (${row.wall_s} s)`
  );
  for (const [u, e] of Object.entries(row.endpoints)) log(`  ${u.padEnd(30)} p50 ${e.p50_ms} ms  p99 ${e.p99_ms} ms`);
  for (const [st, e] of Object.entries(row.stages)) log(`  stage ${st.padEnd(24)} ${String(e.requests).padStart(6)} requests  p50 ${e.p50_ms} ms  p99 ${e.p99_ms} ms`);
  return row;
}

async function main() {
  mkdirSync(DIR, { recursive: true });
  const config = join(DIR, 'surfacer.yaml');
  if (!existsSync(config)) {
    log(`generating ${EVENTS.toLocaleString('en-US')} events in ${DIR}`);
    const g = spawnSync(process.execPath, [CLI, 'generate', '-n', String(EVENTS), '-o', DIR], { stdio: 'inherit' });
    if (g.status !== 0) throw new Error('generate failed');
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--config', config, '--port', String(port)], {
    env: { ...process.env, SURFACER_TOKEN: TOKEN, SURFACER_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/api/health`).then(
        (r) => r.ok,
        () => false
      );
      if (ok) break;
      if (server.exitCode !== null) throw new Error(`the service exited (code ${server.exitCode}) before answering`);
      if (i > 600) throw new Error('the service did not start in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Something to list: a few saved investigations (the runs and leads come from the run below, and earlier ones).
    for (let i = 0; i < 20; i++) {
      await fetch(`${base}/api/investigations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `load ${i}`, request: { kpis: ['error_rate'] } }),
      });
    }
    // Warm-up, not measured: the first answer of each list (JIT, the first queries on a fresh store), and one request
    // per reader so that its keep-alive connection is open (else the first 200 of 2,000 idle requests also time 200
    // TCP connects at once, on the same cores: a tenth of the requests, so the idle p99 measured the connects).
    for (const u of LISTS) await (await fetch(`${base}${u}`, { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer();
    await Promise.all(Array.from({ length: READERS }, (_, i) => get(base, LISTS[i % LISTS.length]!)));
    const idle = await phase(base, 'idle');
    const startRun = async () => {
      const started = await fetch(`${base}/api/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: '{}',
      });
      return (await started.json()) as { id: string };
    };
    const run = await startRun();
    let status = 'queued';
    let stage = 'queued';
    let runningSince = 0;
    const poll = setInterval(() => {
      void fetch(`${base}/api/runs/${run.id}`, { headers: { authorization: `Bearer ${TOKEN}` } })
        .then((r) => r.json() as Promise<{ status: string; progress: { stage: string } }>)
        .then((r) => {
          status = r.status;
          stage = r.progress.stage;
        }, () => undefined);
    }, 250);
    poll.unref(); // an error below must not leave the script waiting on it
    while (status === 'queued') await new Promise((r) => setTimeout(r, 50));
    runningSince = performance.now();
    const tooLong = () => performance.now() - runningSince > DURING_MAX_S * 1000;
    const during = await phase(base, 'during run', () => status !== 'running' || tooLong(), () => stage);
    while (status === 'running' && !tooLong()) await new Promise((r) => setTimeout(r, 100));
    const runS = Number(((performance.now() - runningSince) / 1000).toFixed(1));
    clearInterval(poll);
    log(`run: ${status} after ${runS} s (±0.25 s: status polled every 250 ms, while the readers read)`);
    // The same run with no readers: what the analysis itself takes (in-process, or in a worker with its rows copied).
    const alone = await startRun();
    const t1 = performance.now();
    let aloneStatus = 'queued';
    while (['queued', 'running'].includes(aloneStatus) && performance.now() - t1 < DURING_MAX_S * 1000) {
      await new Promise((r) => setTimeout(r, 100));
      aloneStatus = ((await (await fetch(`${base}/api/runs/${alone.id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { status: string }).status;
    }
    const aloneS = Number(((performance.now() - t1) / 1000).toFixed(1));
    log(`the same run with no readers: ${aloneStatus} after ${aloneS} s`);
    const result = {
      events: EVENTS,
      readers: READERS,
      endpoints: LISTS,
      run_status_after: status,
      run_s: runS,
      run_alone: { status: aloneStatus, s: aloneS },
      phases: [idle, during],
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (OUT) writeFileSync(OUT, JSON.stringify(result, null, 2));
  } finally {
    agent.destroy();
    // Wait for it to stop (it cancels the run), so the next invocation can open the store.
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
}

main().catch((e) => {
  log(String(e?.stack ?? e));
  process.exitCode = 1;
});
