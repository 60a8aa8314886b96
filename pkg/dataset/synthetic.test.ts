/**
 * The synthetic generator, checked on ~200k events: files, schema, determinism, the shape of the data, and every
 * planted effect measured here with plain SQL over the written files (not through the module's ground truth,
 * which is compared against these numbers at the end). Then the null mode (plants: false) on as many events: no
 * former plant cohort, nor any other, differs from the rest on any KPI. Everything runs on one embedded store.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../execute/executor';
import { generateSynthetic, type GroundTruth, type SyntheticResult } from './synthetic';
import { u } from './synthetic.sql';

const N = 200_000;
const SEED = 42;
const ms = (iso: string) => Date.parse(iso);
const RELEASE = ms('2026-10-31T00:00:00Z');
const LAST_5_DAYS = ms('2026-11-10T00:00:00Z');
const MID_AFTER_RELEASE = ms('2026-11-07T12:00:00Z');
const SPAN_FROM = ms('2026-10-01T00:00:00Z');
const SPAN_TO = ms('2026-11-15T00:00:00Z');
const MID_SPAN = (SPAN_FROM + SPAN_TO) / 2;

let dir: string;
let ex: Executor;
let run: SyntheticResult;
let truth: GroundTruth;
let nullRun: SyntheticResult;

/** Run SQL over the written files: EVENTS and CPU stand for the two sources. */
async function q<T = Record<string, number>>(text: string, files: SyntheticResult['files'] = run.files): Promise<T[]> {
  const sqlText = text
    .replaceAll('EVENTS', "file({events:String}, 'Parquet')")
    .replaceAll('CPU', "file({context:String}, 'CSVWithNames', 'ts DateTime(\\'UTC\\'), cpu Float64')");
  return ex.query<T>(sqlText, { events: files.events, context: files.context }, { settings: { session_timezone: 'UTC' } as never });
}
async function one<T = Record<string, number>>(text: string, files?: SyntheticResult['files']): Promise<T> {
  return (await q<T>(text, files))[0]!;
}

/** A canonical fingerprint of the data: order-independent hash of every row, plus counts. */
async function fingerprint(files: SyntheticResult['files']): Promise<string> {
  const r = await one<{ h: string; n: number; cpu: string }>(
    `SELECT toString(groupBitXor(cityHash64(*))) AS h, count() AS n,
            (SELECT toString(groupBitXor(cityHash64(*))) FROM CPU) AS cpu
     FROM EVENTS`,
    files,
  );
  return `${r.h}/${r.n}/${r.cpu}`;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Two-proportion z statistic. */
function z(p1: number, n1: number, p2: number, n2: number): number {
  const p = (p1 * n1 + p2 * n2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  return se === 0 ? 0 : (p1 - p2) / se;
}

/**
 * One row per session, derived from events.parquet and backend_metrics.csv with the KPI definitions of
 * surfacer.yaml, written independently of the module (arrays of timestamps rather than windowFunnel).
 */
async function sessionTable(table: string, files: SyntheticResult['files']): Promise<void> {
  await ex.command(`DROP TABLE IF EXISTS ${table}`);
  await ex.command(
    `CREATE TABLE ${table} ENGINE = Memory AS
     WITH (SELECT quantileExact(0.95)(cpu) FROM file({context:String}, 'CSVWithNames', 'ts DateTime(\\'UTC\\'), cpu Float64')) AS p95
     SELECT *,
       row_number() OVER (PARTITION BY user_id ORDER BY t0) AS ordinal,
       -- payment_conversion: a payment_complete within 10 s after a buy_plan
       notEmpty(buys) AND NOT arrayExists(b -> arrayExists(p -> p >= b AND p - b <= 10000, pays), buys) AS pay_fail,
       -- P1: buy_plan → web_cors_error → timeout_error within 30 s
       arrayExists(b -> arrayExists(c -> c > b AND arrayExists(t -> t > c AND t - b <= 30000, timeouts), cors), buys) AS p1,
       -- P3: a login with no token_refresh within 30 s after it
       arrayExists(l -> NOT arrayExists(t -> t >= l AND t - l <= 30000, tokens), logins) AS p3,
       arrayExists(m -> m IN (SELECT toUInt64(toUnixTimestamp(ts) / 60) FROM file({context:String}, 'CSVWithNames', 'ts DateTime(\\'UTC\\'), cpu Float64') WHERE cpu > p95),
                   range(intDiv(t0, 60000), intDiv(t1, 60000) + 1)) AS cpu_hot
     FROM (
       SELECT session_id, any(user_id) AS user_id, any(os_version) AS os, any(app_version) AS ver,
              any(country) AS ctry, any(device) AS dev,
              uniqExact(os_version) AS n_os, uniqExact(app_version) AS n_ver, uniqExact(country) AS n_country, uniqExact(device) AS n_device,
              toUInt64(min(toUnixTimestamp64Milli(ts))) AS t0, toUInt64(max(toUnixTimestamp64Milli(ts))) AS t1,
              count() AS n,
              arrayMap(x -> x.2, arraySort(groupArray((ts, event_name)))) AS names,
              arraySort(groupArray(toUnixTimestamp64Milli(ts))) AS times,
              groupArrayIf(toUInt64(toUnixTimestamp64Milli(ts)), event_name = 'buy_plan') AS buys,
              groupArrayIf(toUInt64(toUnixTimestamp64Milli(ts)), event_name = 'payment_complete') AS pays,
              groupArrayIf(toUInt64(toUnixTimestamp64Milli(ts)), event_name = 'web_cors_error') AS cors,
              groupArrayIf(toUInt64(toUnixTimestamp64Milli(ts)), event_name = 'timeout_error') AS timeouts,
              groupArrayIf(toUInt64(toUnixTimestamp64Milli(ts)), event_name = 'login') AS logins,
              groupArrayIf(toUInt64(toUnixTimestamp64Milli(ts)), event_name = 'token_refresh') AS tokens,
              toHour(min(ts)) < 6 AS night,
              hasSubstr(names, ['search', 'apply_filter', 'sort_price']) AS p2,
              countIf(event_name = 'api_retry') AS retries,
              countIf(event_name IN ('app_error', 'crash')) > 0 AS err,
              max(status_code) >= 500 AS srv,
              countIf(status_code >= 500) AS n_srv,
              avgIf(duration_ms, event_name = 'page_load') AS pl,
              countIf(event_name = 'page_load') > 0 AS has_pl,
              countIf(event_name = 'video_start_error') > 0 AS vse,
              countIf(event_name = 'logout') > 0 AS logout,
              -- without payment_complete (the payment KPI's outcome event, which the engine leaves out of sequences):
              -- buy_plan right before view_cart, buy_plan to the next event, and the span of the session
              arrayFilter(x -> x.2 != 'payment_complete', arraySort(groupArray((toUnixTimestamp64Milli(ts), event_name)))) AS np,
              hasSubstr(arrayMap(x -> x.2, np), ['buy_plan', 'view_cart']) AS buy_vc,
              if(notEmpty(buys), np[indexOf(arrayMap(x -> x.2, np), 'buy_plan') + 1].1 - buys[1], NULL) AS buy_gap,
              np[-1].1 - np[1].1 AS span_np
       FROM file({events:String}, 'Parquet')
       GROUP BY session_id
     )`,
    { events: files.events, context: files.context },
    { settings: { session_timezone: 'UTC' } as never },
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'surfacer-synthetic-'));
  ex = await Executor.open({ embedded: join(dir, 'store') });
  run = await generateSynthetic(ex, { events: N, seed: SEED, outDir: join(dir, 'a') });
  truth = JSON.parse(readFileSync(run.files.groundTruth, 'utf8')) as GroundTruth;

  await sessionTable('t_sess', run.files);
  nullRun = await generateSynthetic(ex, { events: N, seed: SEED, outDir: join(dir, 'null'), plants: false });
  await sessionTable('t_null', nullRun.files);
}, 120_000);

afterAll(async () => {
  await ex?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('files', () => {
  it('writes the four files and reports real counts', async () => {
    for (const f of Object.values(run.files)) expect(existsSync(f)).toBe(true);
    const c = await one<{ events: number; sessions: number; users: number }>(
      'SELECT count() AS events, uniqExact(session_id) AS sessions, uniqExact(user_id) AS users FROM EVENTS');
    expect(run.events).toBe(c.events);
    expect(run.sessions).toBe(c.sessions);
    expect(run.users).toBe(c.users);
    expect(Math.abs(c.events / N - 1)).toBeLessThan(0.05);
    expect(Math.abs(c.sessions / (N / 20) - 1)).toBeLessThan(0.05);
    expect(c.users).toBe(Math.floor(Math.floor(N / 20) / 3));
    expect(truth).toMatchObject({ seed: SEED, events: c.events, sessions: c.sessions, users: c.users });
    expect(truth.window).toEqual({ from: '2026-10-01T00:00:00Z', to: '2026-11-15T00:00:00Z' });
    expect(truth.plants.map((p) => p.id)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9']);
    expect(truth.null_kpis).toEqual(['video_start_failures']);
  });

  it('writes surfacer.yaml exactly', () => {
    expect(readFileSync(run.files.config, 'utf8')).toBe(`# Synthetic demo dataset written by \`surfacer generate\` (seed 42, ${run.events} events). Paths are relative to this file.
store:
  embedded: ./.store
dataset:
  events:
    source: events.parquet
    time: ts
    group: session_id
    user: user_id
    event: event_name
    attributes: [os_version, app_version, country, device]
  context:
    - name: backend_cpu
      source: backend_metrics.csv
      time: ts
      value: cpu
kpis:
  - name: payment_conversion
    description: Users who click buy_plan should pay within 10 seconds
    funnel: { steps: [buy_plan, payment_complete], within: 10s }
  - name: error_rate
    description: Sessions with an app error or a crash
    failure_events: [app_error, crash]
  - name: server_errors
    description: Sessions where the backend answered a request with a 5xx status
    failure_when: "max(status_code) >= 500"
  - name: page_load_ms
    description: Mean page load time of the session in milliseconds; higher is worse
    numeric: "avgIf(duration_ms, event_name = 'page_load')"
  - name: video_start_failures
    description: Sessions where a video failed to start
    failure_events: [video_start_error]
`);
  });

  it('events.parquet has the columns and types, in order', async () => {
    const cols = await ex.query<{ name: string; type: string }>("DESCRIBE file({p:String}, 'Parquet')", { p: run.files.events });
    expect(cols.map((c) => `${c.name} ${c.type}`)).toEqual([
      "ts DateTime64(3, 'UTC')",
      'session_id UInt64',
      'user_id UInt64',
      'event_name String',
      'os_version String',
      'app_version String',
      'country String',
      'device String',
      'status_code UInt16',
      'duration_ms Float64',
    ]);
  });

  it('backend_metrics.csv has one row per minute with ISO UTC times, cpu ~40 with spikes', async () => {
    const [header, first] = readFileSync(run.files.context, 'utf8').split('\n', 2);
    expect(header).toBe('"ts","cpu"');
    expect(first).toMatch(/^"2026-10-01T00:00:00Z",\d+(\.\d)?$/);
    const r = await one(`SELECT count() AS n, uniqExact(ts) AS u, toUnixTimestamp(min(ts)) AS t0, toUnixTimestamp(max(ts)) AS t1,
      quantileExact(0.95)(cpu) AS p95, countIf(cpu >= 85) / count() AS spike_share, medianExact(cpu) AS med FROM CPU`);
    expect(r.n).toBe(45 * 1440);
    expect(r.u).toBe(45 * 1440);
    expect(r.t0).toBe(Date.parse('2026-10-01T00:00:00Z') / 1000);
    expect(r.t1).toBe(Date.parse('2026-11-15T00:00:00Z') / 1000 - 60);
    expect(r.p95).toBeGreaterThanOrEqual(85);
    expect(r.spike_share).toBeGreaterThan(0.055);
    expect(r.spike_share).toBeLessThan(0.065);
    expect(r.med).toBeGreaterThan(38);
    expect(r.med).toBeLessThan(42);
  });
});

describe('determinism', () => {
  it('the same seed writes identical files; another seed other data with the same plants', async () => {
    const again = await generateSynthetic(ex, { events: N, seed: SEED, outDir: join(dir, 'b') });
    for (const k of ['events', 'context', 'groundTruth', 'config'] as const) expect(sha256(again.files[k])).toBe(sha256(run.files[k]));
    expect(await fingerprint(again.files)).toBe(await fingerprint(run.files));

    const other = await generateSynthetic(ex, { events: N, seed: SEED + 1, outDir: join(dir, 'c') });
    expect(await fingerprint(other.files)).not.toBe(await fingerprint(run.files));
    const otherTruth = JSON.parse(readFileSync(other.files.groundTruth, 'utf8')) as GroundTruth;
    for (const p of otherTruth.plants) {
      const mine = truth.plants.find((x) => x.id === p.id)!;
      expect(p.params).toEqual(mine.params);
      if (p.kpi === 'page_load_ms') expect(p.cohort_rate / p.rest_rate).toBeGreaterThan(1.6);
      else expect(p.cohort_rate - p.rest_rate).toBeGreaterThan(0.05);
    }
  }, 60_000);
});

describe('shape of the data', () => {
  it('sessions start with app_start, stay in the window, and have 0.3–20 s gaps', async () => {
    const r = await one(`SELECT
        countIf(names[1] != 'app_start') AS bad_first,
        countIf(length(arrayFilter(x -> x = 'app_start', names)) != 1) AS bad_count,
        min(arrayMin(arraySlice(arrayDifference(times), 2))) AS min_gap, max(arrayMax(arrayDifference(times))) AS max_gap,
        min(t0) AS first_ms, max(t1) AS last_ms, avg(n) AS mean_events,
        countIf(n_os != 1 OR n_ver != 1 OR n_country != 1 OR n_device != 1) AS mixed_attrs
      FROM t_sess WHERE n > 1`);
    expect(r.bad_first).toBe(0);
    expect(r.bad_count).toBe(0);
    expect(r.min_gap).toBeGreaterThanOrEqual(300);
    expect(r.max_gap).toBeLessThanOrEqual(20000);
    expect(r.first_ms).toBeGreaterThanOrEqual(Date.parse('2026-10-01T00:00:00Z'));
    expect(r.last_ms).toBeLessThan(Date.parse('2026-11-15T00:00:00Z'));
    expect(r.mean_events).toBeGreaterThan(18);
    expect(r.mean_events).toBeLessThan(22);
    expect(r.mixed_attrs).toBe(0);
  });

  it('the file is ordered: session after session by start time, events in time order', async () => {
    const [r] = await ex.query<Record<string, number>>(
      `SELECT uniqExact(session_id) AS sessions, countIf(new_run) AS runs,
              countIf(NOT new_run AND ts < prev_ts) AS ts_backwards,
              countIf(new_run AND ts < prev_run_start) AS starts_backwards
       FROM (
         SELECT session_id, ts, new_run, prev_ts,
                lagInFrame(ts, 1, ts) OVER (PARTITION BY new_run ORDER BY r ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS prev_run_start
         FROM (
           SELECT r, session_id, ts,
                  session_id != lagInFrame(session_id, 1, 0) OVER w AS new_run,
                  lagInFrame(ts, 1, ts) OVER w AS prev_ts
           FROM (SELECT rowNumberInAllBlocks() AS r, session_id, ts FROM file({events:String}, 'Parquet'))
           WINDOW w AS (ORDER BY r ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
         )
       )`,
      { events: run.files.events },
      { settings: { max_threads: 1 } as never },
    );
    expect(r!.runs).toBe(r!.sessions);
    expect(r!.ts_backwards).toBe(0);
    expect(r!.starts_backwards).toBe(0);
  });

  it("a user's sessions don't overlap, and users have 1..N sessions", async () => {
    const r = await one(`SELECT countIf(prev_end >= t0) AS overlaps, max(ordinal) AS max_sessions,
        (SELECT countIf(c = 1) / count() FROM (SELECT count() AS c FROM t_sess GROUP BY user_id)) AS single_share
      FROM (SELECT t0, ordinal, lagInFrame(t1, 1, 0) OVER (PARTITION BY user_id ORDER BY t0 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS prev_end FROM t_sess)`);
    expect(r.overlaps).toBe(0);
    expect(r.max_sessions).toBeGreaterThan(8);
    expect(r.single_share).toBeGreaterThan(0.25);
    expect(r.single_share).toBeLessThan(0.42);
    const perUser = await one(`SELECT max(n) AS n FROM (SELECT user_id, uniqExact(os_version) + uniqExact(country) + uniqExact(device) AS n FROM EVENTS GROUP BY user_id)`);
    expect(perUser.n).toBe(3);
  });

  it('traffic is stationary: sessions per week and per half of the span, first and returning sessions throughout', async () => {
    // full weeks (Sunday to Saturday) inside the span
    const weeks = await q<{ week: number; sessions: number; first: number }>(`
      SELECT toUnixTimestamp(toStartOfWeek(fromUnixTimestamp64Milli(toInt64(t0), 'UTC'))) * 1000 AS week,
             count() AS sessions, countIf(ordinal = 1) AS first
      FROM t_sess GROUP BY week HAVING week >= ${SPAN_FROM} AND week + 7 * 86400000 <= ${SPAN_TO} ORDER BY week`);
    expect(weeks.length).toBe(6);
    const mean = weeks.reduce((acc, w) => acc + Number(w.sessions), 0) / weeks.length;
    const firstMean = weeks.reduce((acc, w) => acc + Number(w.first), 0) / weeks.length;
    for (const w of weeks) {
      const week = new Date(Number(w.week)).toISOString().slice(0, 10);
      expect({ week, within25: Math.abs(Number(w.sessions) / mean - 1) < 0.25 }).toEqual({ week, within25: true });
      // new users keep arriving (fewer in the last week: users starting then are partly seen at the span's start)
      expect({ week, firsts: Number(w.first) / firstMean > 0.5 }).toEqual({ week, firsts: true });
    }
    const h = await one(`SELECT countIf(t0 < ${MID_SPAN}) AS h1, countIf(t0 >= ${MID_SPAN}) AS h2,
        countIf(ordinal >= 2 AND t0 < ${MID_SPAN}) / h1 AS returning1, countIf(ordinal >= 2 AND t0 >= ${MID_SPAN}) / h2 AS returning2
      FROM t_sess`);
    expect(Math.max(h.h1, h.h2) / Math.min(h.h1, h.h2)).toBeLessThan(1.15);
    // a user's 2nd-or-later sessions in both halves
    for (const share of [h.returning1, h.returning2]) {
      expect(share).toBeGreaterThan(0.45);
      expect(share).toBeLessThan(0.8);
    }
  });

  it('attribute mixes per user, versions per session, diurnal starts', async () => {
    const users = await q<{ k: string; share: number }>(`
      SELECT k, count() / (SELECT uniqExact(user_id) FROM t_sess) AS share FROM (
        SELECT user_id, arrayJoin([concat('os:', any(os)), concat('country:', any(ctry)), concat('device:', any(dev))]) AS k
        FROM t_sess GROUP BY user_id) GROUP BY k`);
    const share = Object.fromEntries(users.map((r) => [r.k, r.share]));
    const expected: Record<string, number> = {
      'os:android_13': 0.25, 'os:android_14': 0.25, 'os:ios_17': 0.2, 'os:ios_18': 0.2, 'os:web': 0.1,
      'country:US': 0.3, 'country:IN': 0.2, 'country:BR': 0.12, 'country:DE': 0.08, 'country:GB': 0.08,
      'country:JP': 0.06, 'country:FR': 0.06, 'country:MX': 0.05, 'country:ID': 0.05,
      'device:phone': 0.6, 'device:tablet': 0.2, 'device:desktop': 0.15, 'device:tv': 0.05,
    };
    for (const [k, p] of Object.entries(expected)) expect(Math.abs((share[k] ?? 0) - p)).toBeLessThan(0.03);
    expect(Object.keys(share).length).toBe(Object.keys(expected).length);

    const v = await one(`SELECT
        countIf(ver = '5.4.0' AND t0 < ${RELEASE}) AS early_54,
        countIf(ver NOT IN ('5.1.0', '5.2.0', '5.3.0', '5.4.0')) AS unknown,
        countIf(ver = '5.4.0' AND t0 >= ${LAST_5_DAYS}) / countIf(t0 >= ${LAST_5_DAYS}) AS late_54,
        countIf(ver = '5.4.0' AND t0 >= ${RELEASE} AND t0 < ${RELEASE + 3 * 86400000})
          / countIf(t0 >= ${RELEASE} AND t0 < ${RELEASE + 3 * 86400000}) AS first_days_54,
        countIf(night) / count() AS night_share
      FROM t_sess`);
    expect(v.early_54).toBe(0);
    expect(v.unknown).toBe(0);
    expect(v.late_54).toBeGreaterThan(0.35); // last 5 days: ~45%
    expect(v.late_54).toBeLessThan(0.55);
    expect(v.first_days_54).toBeLessThan(0.1);
    expect(v.night_share).toBeGreaterThan(0.12);
    expect(v.night_share).toBeLessThan(0.18);
  });

  it('event mix: login+token_refresh, buy_plan, search/apply_filter/sort_price common but rarely a run', async () => {
    const r = await one(`SELECT
        countIf(notEmpty(logins)) / count() AS login,
        countIf(notEmpty(buys)) / count() AS buy,
        countIf(has(names, 'search')) / count() AS search,
        countIf(has(names, 'apply_filter')) / count() AS apply_filter,
        countIf(has(names, 'sort_price')) / count() AS sort_price,
        countIf(p2) / count() AS run,
        countIf(length(names) - length(arrayFilter(x -> x != 'page_load', names)) >= 2) / count() AS several_page_loads,
        countIf(notEmpty(tokens) AND NOT arrayExists(l -> arrayExists(t -> t - l BETWEEN 1000 AND 5000, tokens), logins)) AS token_not_1_5s,
        countIf(n_srv > 1) AS multi_server_errors,
        countIf(has(names, 'web_cors_error') AND NOT p1) / count() AS cors_alone,
        countIf(has(names, 'timeout_error') AND NOT p1) / count() AS timeout_alone,
        countIf(retries BETWEEN 1 AND 2) / countIf(retries < 3) AS one_retry,
        countIf(retries > 6) AS too_many_retries
      FROM t_sess`);
    expect(r.login).toBeGreaterThan(0.66);
    expect(r.login).toBeLessThan(0.74);
    expect(r.buy).toBeGreaterThan(0.27);
    expect(r.buy).toBeLessThan(0.33);
    for (const k of ['search', 'apply_filter', 'sort_price']) expect(r[k]).toBeGreaterThan(0.25);
    expect(r.run).toBeGreaterThan(0.03); // the 4% plant…
    expect(r.run).toBeLessThan(0.05); // …and few accidental runs
    expect(r.several_page_loads).toBeGreaterThan(0.6);
    expect(r.token_not_1_5s).toBe(0);
    expect(r.multi_server_errors).toBe(0);
    expect(r.cors_alone).toBeGreaterThan(0.02);
    expect(r.cors_alone).toBeLessThan(0.04);
    expect(r.timeout_alone).toBeGreaterThan(0.02);
    expect(r.timeout_alone).toBeLessThan(0.04);
    expect(r.one_retry).toBeGreaterThan(0.07);
    expect(r.one_retry).toBeLessThan(0.13);
    expect(r.too_many_retries).toBe(0);

    const s = await one(`SELECT
        countIf(status_code NOT IN (0, 200, 500, 503)) AS bad_status,
        countIf(status_code != 0 AND event_name NOT IN ('login', 'token_refresh', 'home_view', 'search', 'apply_filter', 'sort_price',
          'product_view', 'add_to_cart', 'view_cart', 'buy_plan', 'page_load', 'play_video')) AS status_on_non_request,
        countIf(status_code = 0 AND event_name IN ('login', 'page_load', 'buy_plan')) AS request_without_status,
        countIf(duration_ms != 0 AND event_name != 'page_load') AS duration_elsewhere,
        countIf(duration_ms <= 0 AND event_name = 'page_load') AS page_load_without_duration,
        medianExactIf(duration_ms, event_name = 'page_load' AND NOT (country = 'IN' AND device = 'tablet')) AS median_page_load,
        uniqExact(event_name) AS vocabulary
      FROM EVENTS WHERE session_id NOT IN (SELECT session_id FROM t_sess WHERE retries >= 3)`);
    expect(s.bad_status).toBe(0);
    expect(s.status_on_non_request).toBe(0);
    expect(s.request_without_status).toBe(0);
    expect(s.duration_elsewhere).toBe(0);
    expect(s.page_load_without_duration).toBe(0);
    expect(s.median_page_load).toBeGreaterThan(700);
    expect(s.median_page_load).toBeLessThan(900);
    expect(s.vocabulary).toBe(30);
  });
});

/** KPI of a cohort and of the rest of a population, measured on t_sess (or another session table). */
async function effect(population: string, cohort: string, metric: string, table = 't_sess') {
  return one<{ n: number; cohort: number; rest: number; n_rest: number; var_cohort: number; var_rest: number }>(`SELECT
      countIf(${cohort}) AS n, countIf(NOT (${cohort})) AS n_rest,
      avgIf(${metric}, ${cohort}) AS cohort, avgIf(${metric}, NOT (${cohort})) AS rest,
      varSampIf(${metric}, ${cohort}) AS var_cohort, varSampIf(${metric}, NOT (${cohort})) AS var_rest
    FROM ${table} WHERE ${population}`);
}

describe('planted effects, measured independently', () => {
  const measured: Record<string, { n: number; cohort: number; rest: number }> = {};
  const expectRate = (id: string, m: { n: number; cohort: number; rest: number }, cohort: [number, number], rest: [number, number]) => {
    measured[id] = m;
    expect(m.cohort).toBeGreaterThan(cohort[0]);
    expect(m.cohort).toBeLessThan(cohort[1]);
    expect(m.rest).toBeGreaterThan(rest[0]);
    expect(m.rest).toBeLessThan(rest[1]);
  };

  it('P1 ordered pattern → payment fails (0.85 vs ~0.13, among buy_plan sessions)', async () => {
    const m = await effect('notEmpty(buys)', 'p1', 'pay_fail');
    const buys = await one("SELECT count() AS n FROM t_sess WHERE notEmpty(buys)");
    expect(m.n / buys.n).toBeGreaterThan(0.035); // 5% of buy_plan sessions
    expect(m.n / buys.n).toBeLessThan(0.065);
    expectRate('P1', m, [0.75, 0.95], [0.09, 0.2]);
    // web_cors_error comes 1–3 s after buy_plan in the plant
    const gap = await one(`SELECT min(d) AS lo, quantileExact(0.9)(d) AS hi FROM (
        SELECT arrayMin(arrayFilter(c -> c > buys[1], cors)) - buys[1] AS d FROM t_sess WHERE p1)`);
    expect(gap.lo).toBeGreaterThanOrEqual(1000);
    expect(gap.hi).toBeLessThanOrEqual(3000);
    // a late payment (12–30 s) exists but is a failure for a 10 s funnel
    const late = await one(`SELECT countIf(pay_fail AND notEmpty(pays)) / count() AS late FROM t_sess WHERE notEmpty(buys) AND NOT p1`);
    expect(late.late).toBeGreaterThan(0.01);
    expect(late.late).toBeLessThan(0.04);
  });

  it('P2 contiguous search, apply_filter, sort_price → errors (0.45 vs ~0.08)', async () => {
    const m = await effect('1', 'p2', 'err');
    expectRate('P2', m, [0.38, 0.6], [0.05, 0.11]);
    // the error comes after the run
    const after = await one(`SELECT countIf(arrayExists((x, i) -> x IN ('app_error', 'crash') AND i > indexOf(names, 'sort_price'), names, arrayEnumerate(names))) / countIf(err) AS share FROM t_sess WHERE p2`);
    expect(after.share).toBeGreaterThan(0.9);
  });

  it('P3 login without token_refresh → server errors (0.35 vs ~0.06, among login sessions)', async () => {
    const m = await effect('notEmpty(logins)', 'p3', 'srv');
    const logins = await one('SELECT count() AS n FROM t_sess WHERE notEmpty(logins)');
    expect(m.n / logins.n).toBeGreaterThan(0.045);
    expect(m.n / logins.n).toBeLessThan(0.075);
    expect((await one("SELECT countIf(has(names, 'token_refresh')) AS n FROM t_sess WHERE p3")).n).toBe(0);
    expectRate('P3', m, [0.28, 0.45], [0.03, 0.09]);
  });

  it('P4 returning android_14 sessions → errors (+0.15)', async () => {
    const m = await effect('1', "ordinal >= 2 AND os = 'android_14'", 'err');
    expectRate('P4', m, [0.16, 0.26], [0.05, 0.1]);
    // neither part alone: first android_14 sessions, returning sessions on other OSes
    const first = await effect("ordinal = 1 OR os != 'android_14'", "os = 'android_14'", 'err');
    expect(Math.abs(first.cohort - first.rest)).toBeLessThan(0.04);
  });

  it('P5 sessions starting at 0–6 h UTC → server errors (0.12 vs 0.04)', async () => {
    const m = await effect('NOT p3', 'night', 'srv');
    expectRate('P5', m, [0.09, 0.16], [0.025, 0.06]);
  });

  /** The cohort's mean over the rest's lies strictly between lo and hi. */
  const expectRatio = (m: { cohort: number; rest: number }, lo: number, hi: number) => {
    expect(m.cohort / m.rest).toBeGreaterThan(lo);
    expect(m.cohort / m.rest).toBeLessThan(hi);
  };

  it('P6 country IN and device tablet → page loads ×2.5, neither alone', async () => {
    const m = await effect('has_pl AND retries < 3', "ctry = 'IN' AND dev = 'tablet'", 'pl');
    measured.P6 = m;
    expectRatio(m, 2.2, 2.8);
    const india = await effect("has_pl AND retries < 3 AND dev != 'tablet'", "ctry = 'IN'", 'pl');
    expectRatio(india, 0.9, 1.1);
    const tablet = await effect("has_pl AND retries < 3 AND ctry != 'IN'", "dev = 'tablet'", 'pl');
    expectRatio(tablet, 0.9, 1.1);
  });

  it('P7 sessions overlapping CPU above its p95 → payment fails (0.45 vs 0.12)', async () => {
    const m = await effect('notEmpty(buys) AND NOT p1', 'cpu_hot', 'pay_fail');
    expect(m.n).toBeGreaterThan(100);
    expectRate('P7', m, [0.33, 0.57], [0.08, 0.17]);
  });

  it('P8 3+ api_retry → page loads ×2', async () => {
    const m = await effect("has_pl AND NOT (ctry = 'IN' AND dev = 'tablet')", 'retries >= 3', 'pl');
    measured.P8 = m;
    expect(m.n / (m.n + m.n_rest)).toBeGreaterThan(0.06);
    expect(m.n / (m.n + m.n_rest)).toBeLessThan(0.1);
    expectRatio(m, 1.8, 2.2);
  });

  it("P9 a user's first session on 5.4.0 → errors rising after the release", async () => {
    const m = await effect('1', "ordinal = 1 AND ver = '5.4.0'", 'err');
    expect(m.n).toBeGreaterThan(150);
    expectRate('P9', m, [0.15, 0.40], [0.05, 0.11]);
    const halves = await one(`SELECT avgIf(err, t0 < ${MID_AFTER_RELEASE}) AS early, avgIf(err, t0 >= ${MID_AFTER_RELEASE}) AS late
      FROM t_sess WHERE ordinal = 1 AND ver = '5.4.0'`); // split at 2026-11-07 12:00Z, the middle of the post-release span
    expect(halves.late).toBeGreaterThan(halves.early);
    // returning sessions on 5.4.0 are not in the cohort: their error rate is that of the other returning sessions
    // (not on android_14) since the release, ~0.066 (0.05, and P2's runs)
    const returning = await effect(`t0 >= ${RELEASE} AND ordinal >= 2 AND os != 'android_14'`, "ver = '5.4.0'", 'err');
    expect(returning.n).toBeGreaterThan(300);
    expect(Math.abs(returning.cohort - returning.rest)).toBeLessThan(0.04); // the P9 cohort is 0.05 → 0.45
    expect(Math.abs(z(returning.cohort, returning.n, returning.rest, returning.n_rest))).toBeLessThan(3.5);
  });

  it('video_start_failures is a null KPI: no difference between any two groups', async () => {
    const splits = [
      "os = 'android_14'", 'ordinal >= 2', 'night', 'notEmpty(buys)', 'pay_fail', 'p1', 'p2', 'p3', 'err', 'srv',
      "ctry = 'IN' AND dev = 'tablet'", 'retries >= 3', "ver = '5.4.0'", 'cpu_hot',
    ];
    const overall = await one('SELECT avg(vse) AS rate FROM t_sess');
    expect(overall.rate).toBeGreaterThan(0.025);
    expect(overall.rate).toBeLessThan(0.035);
    for (const split of splits) {
      const m = await effect('1', split, 'vse');
      expect({ split, z: Math.abs(z(m.cohort, m.n, m.rest, m.n_rest)) < 3.5 }).toEqual({ split, z: true });
    }
  });

  it("the module's ground truth matches these measurements", () => {
    for (const p of truth.plants) {
      const m = measured[p.id];
      if (!m || p.id === 'P5' || p.id === 'P6' || p.id === 'P7' || p.id === 'P8') continue; // measured on a narrower population above
      expect({ id: p.id, groups: p.cohort_groups }).toEqual({ id: p.id, groups: m.n });
      expect(Math.abs(p.cohort_rate - m.cohort)).toBeLessThan(1e-3);
      expect(Math.abs(p.rest_rate - m.rest)).toBeLessThan(1e-3);
    }
  });

  it('ground truth of the population-wide plants matches too', async () => {
    const check = async (id: string, population: string, cohort: string, metric: string, tolerance: number) => {
      const p = truth.plants.find((x) => x.id === id)!;
      const m = await effect(population, cohort, metric);
      expect({ id, groups: p.cohort_groups }).toEqual({ id, groups: m.n });
      expect(Math.abs(p.cohort_rate - m.cohort)).toBeLessThan(tolerance);
      expect(Math.abs(p.rest_rate - m.rest)).toBeLessThan(tolerance);
    };
    await check('P5', '1', 'night', 'srv', 1e-3);
    await check('P6', 'has_pl', "ctry = 'IN' AND dev = 'tablet'", 'pl', 0.1);
    await check('P7', 'notEmpty(buys)', 'cpu_hot', 'pay_fail', 1e-3);
    await check('P8', 'has_pl', 'retries >= 3', 'pl', 0.1);
  });
});

describe('null mode (plants: false)', () => {
  /** Rate KPIs: the column, and the sessions where it is defined. */
  const RATES: [string, string][] = [['pay_fail', 'notEmpty(buys)'], ['err', '1'], ['srv', '1'], ['vse', '1']];
  /** Two-proportion z of a cohort's rate against the rest's, on t_null. */
  const zOf = async (population: string, cohort: string, metric: string) => {
    const m = await effect(population, cohort, metric, 't_null');
    return { n: m.n, cohort: m.cohort, rest: m.rest, z: z(m.cohort, m.n, m.rest, m.n_rest) };
  };

  it('writes no plants and every KPI as null in ground_truth.json, and the same surfacer.yaml', async () => {
    const t = JSON.parse(readFileSync(nullRun.files.groundTruth, 'utf8')) as GroundTruth;
    const c = await one<{ events: number; sessions: number; users: number }>(
      'SELECT count() AS events, uniqExact(session_id) AS sessions, uniqExact(user_id) AS users FROM EVENTS', nullRun.files);
    expect(t).toEqual({
      seed: SEED, events: c.events, sessions: c.sessions, users: c.users,
      window: { from: '2026-10-01T00:00:00Z', to: '2026-11-15T00:00:00Z' },
      plants: [],
      null_kpis: ['payment_conversion', 'error_rate', 'server_errors', 'page_load_ms', 'video_start_failures'],
      null: true,
    });
    expect(truth.null).toBeUndefined();
    expect(nullRun).toMatchObject({ events: c.events, sessions: c.sessions, users: run.users });
    expect(readFileSync(nullRun.files.config, 'utf8')).toBe(
      readFileSync(run.files.config, 'utf8').replace(`, ${run.events} events)`, `, ${nullRun.events} events)`));
  });

  it('is deterministic, and other data than the planted mode', async () => {
    const again = await generateSynthetic(ex, { events: N, seed: SEED, outDir: join(dir, 'null-again'), plants: false });
    for (const k of ['events', 'context', 'groundTruth', 'config'] as const) expect(sha256(again.files[k])).toBe(sha256(nullRun.files[k]));
    expect(sha256(nullRun.files.context)).toBe(sha256(run.files.context)); // the same CPU series
    expect(await fingerprint(nullRun.files)).not.toBe(await fingerprint(run.files));
  }, 60_000);

  it('keeps the vocabulary, the shapes of the former plants and the base rates', async () => {
    const r = await one(`SELECT
        countIf(names[1] != 'app_start') AS bad_first,
        countIf(p1) / countIf(notEmpty(buys)) AS p1_share,
        countIf(p2) / count() AS p2_share,
        countIf(p3) / countIf(notEmpty(logins)) AS p3_share,
        countIf(retries >= 3) / count() AS retry_share,
        countIf(pay_fail AND notEmpty(pays)) / countIf(notEmpty(buys)) AS late_share,
        avgIf(pay_fail, notEmpty(buys)) AS pay_rate, avg(err) AS err_rate, avg(srv) AS srv_rate, avg(vse) AS vse_rate,
        countIf(n_srv > 1) AS multi_server_errors,
        (SELECT uniqExact(event_name) FROM EVENTS) AS vocabulary,
        (SELECT medianExactIf(duration_ms, event_name = 'page_load') FROM EVENTS) AS median_page_load
      FROM t_null`, nullRun.files);
    expect(r.bad_first).toBe(0);
    expect(r.vocabulary).toBe(30);
    expect(r.p1_share).toBeGreaterThan(0.035);
    expect(r.p1_share).toBeLessThan(0.065);
    expect(r.p2_share).toBeGreaterThan(0.03);
    expect(r.p2_share).toBeLessThan(0.05);
    expect(r.p3_share).toBeGreaterThan(0.045);
    expect(r.p3_share).toBeLessThan(0.075);
    expect(r.retry_share).toBeGreaterThan(0.06);
    expect(r.retry_share).toBeLessThan(0.1);
    expect(r.late_share).toBeGreaterThan(0.008); // late payments (12–30 s) remain, failures of the 10 s funnel
    expect(r.late_share).toBeLessThan(0.03);
    expect(r.pay_rate).toBeGreaterThan(0.1);
    expect(r.pay_rate).toBeLessThan(0.14);
    expect(r.err_rate).toBeGreaterThan(0.04);
    expect(r.err_rate).toBeLessThan(0.06);
    expect(r.srv_rate).toBeGreaterThan(0.03);
    expect(r.srv_rate).toBeLessThan(0.05);
    expect(r.vse_rate).toBeGreaterThan(0.025);
    expect(r.vse_rate).toBeLessThan(0.035);
    expect(r.multi_server_errors).toBe(0);
    expect(r.median_page_load).toBeGreaterThan(700);
    expect(r.median_page_load).toBeLessThan(900);
  });

  it("every KPI is exactly the session's own coin flip at its base rate, nothing else", async () => {
    // the generator's draws, recomputed from the session ids: the written outcome is the draw, in every session
    const r = await one(`SELECT count() AS n,
        countIf(has_buy AND pay_fail != (${u('pay', 'session_id')} < 0.12)) AS pay,
        countIf(err != (${u('error', 'session_id')} < 0.05)) AS err,
        countIf(srv != (${u('server', 'session_id')} < 0.04)) AS srv,
        countIf(vse != (${u('vse', 'session_id')} < 0.03)) AS vse
      FROM (
        SELECT session_id, countIf(event_name = 'buy_plan') > 0 AS has_buy,
          NOT arrayExists(b -> arrayExists(p -> p >= b AND p - b <= 10000, groupArrayIf(toUnixTimestamp64Milli(ts), event_name = 'payment_complete')),
                          groupArrayIf(toUnixTimestamp64Milli(ts), event_name = 'buy_plan')) AS pay_fail,
          countIf(event_name IN ('app_error', 'crash')) > 0 AS err, max(status_code) >= 500 AS srv,
          countIf(event_name = 'video_start_error') > 0 AS vse
        FROM file({events:String}, 'Parquet') GROUP BY session_id)`.replaceAll('{seed:UInt64}', String(SEED)), nullRun.files);
    expect(r).toEqual({ n: nullRun.sessions, pay: 0, err: 0, srv: 0, vse: 0 });
  });

  it('every former plant cohort has the KPI of the rest', async () => {
    const cohorts: [string, string, string, string][] = [
      ['P1 buy_plan → web_cors_error → timeout_error', 'notEmpty(buys)', 'p1', 'pay_fail'],
      ['late payment: buy_plan right before view_cart', 'notEmpty(buys)', 'buy_vc', 'pay_fail'],
      ['P2 search, apply_filter, sort_price', '1', 'p2', 'err'],
      ['P3 login without token_refresh', 'notEmpty(logins)', 'p3', 'srv'],
      ['P4 returning android_14', '1', "ordinal >= 2 AND os = 'android_14'", 'err'],
      ['P4 android_14', '1', "os = 'android_14'", 'err'],
      ['P4 returning', '1', 'ordinal >= 2', 'err'],
      ['P5 night', '1', 'night', 'srv'],
      ['P7 CPU spike overlap', 'notEmpty(buys)', 'cpu_hot', 'pay_fail'],
      ['P9 first session on 5.4.0', '1', "ordinal = 1 AND ver = '5.4.0'", 'err'],
      ['P9 after the middle of the post-release span', "ordinal = 1 AND ver = '5.4.0'", `t0 >= ${MID_AFTER_RELEASE}`, 'err'],
      ['logout (a crash no longer suppresses it)', '1', 'logout', 'err'],
    ];
    const out: Record<string, number> = {};
    for (const [label, population, cohort, metric] of cohorts) {
      const m = await zOf(population, cohort, metric);
      expect({ label, enough: m.n >= 30 }).toEqual({ label, enough: true });
      out[label] = Number(m.z.toFixed(2));
    }
    for (const [label, zz] of Object.entries(out)) expect({ label, small: Math.abs(zz) < 3.5 }).toEqual({ label, small: true });
  });

  it('page loads are the same in every former plant cohort (mean within ±8%)', async () => {
    for (const cohort of ["ctry = 'IN' AND dev = 'tablet'", "ctry = 'IN'", "dev = 'tablet'", 'retries >= 3', 'retries >= 1', 'night', 'p2']) {
      const m = await effect('has_pl', cohort, 'pl', 't_null');
      expect(m.n).toBeGreaterThan(100);
      expect({ cohort, ratio: Math.abs(m.cohort / m.rest - 1) < 0.08 }).toEqual({ cohort, ratio: true });
    }
  });

  it('no KPI differs between any two groups', async () => {
    const splits = [
      "os = 'android_14'", 'ordinal >= 2', 'night', 'notEmpty(buys)', 'notEmpty(logins)', 'p1', 'p2', 'p3', 'buy_vc', 'logout',
      "ctry = 'IN' AND dev = 'tablet'", 'retries >= 3', "ver = '5.4.0'", 'cpu_hot', 'pay_fail', 'err', 'srv', 'vse',
    ];
    for (const [metric, population] of RATES) {
      for (const split of splits) {
        if (split === metric || split === population) continue;
        const m = await zOf(population, split, metric);
        expect({ metric, split, small: Math.abs(m.z) < 3.5 }).toEqual({ metric, split, small: true });
      }
    }
  });

  it('payment leaves the other events alone: buy_plan to the next event and the span are the same paid or not', async () => {
    for (const metric of ['buy_gap', 'span_np']) {
      const m = await effect('notEmpty(buys)', 'pay_fail', metric, 't_null');
      const zz = (m.cohort - m.rest) / Math.sqrt(m.var_cohort / m.n + m.var_rest / m.n_rest);
      expect({ metric, small: Math.abs(zz) < 3.5 }).toEqual({ metric, small: true });
    }
    // the wait after buy_plan is there either way, and buy_plan always has an event after it
    const r = await one(`SELECT min(buy_gap) AS min_gap, countIf(buy_gap IS NULL OR buy_gap <= 0) AS last FROM t_null WHERE notEmpty(buys) AND NOT p1`);
    expect(r.min_gap).toBeGreaterThanOrEqual(2300);
    expect(r.last).toBe(0);
  });
});
