/**
 * SQL of the synthetic telemetry generator, one named step per statement:
 *
 *   spikes   → the CPU spike schedule (a few dozen rows)
 *   users    → one row per user: per-user attributes, start point, gap and number of sessions
 *   plan     → one row per session: start time, attributes, every coin flip
 *   skeleton → the session's events but payment, as arrays of names and gaps in time order
 *   sessions → payment outcome and the server error added: names and time offsets of the final events
 *   events   → the sessions' arrays unrolled into rows, written to Parquet
 *   metrics  → one row per minute of backend CPU, written to CSV
 *
 * All randomness comes from cityHash64(seed, purpose, keys…), never rand(): the same seed gives the same data.
 * Every value travels as a bound parameter ({name:Type}); the only SQL spliced in here is our own text
 * (table names we generated, purpose tags checked against [a-z0-9_]).
 *
 * plan, skeleton and sessions take `plants`: false is the null mode, for calibration. The plants' event shapes are
 * still inserted (P1 blocks, P2 runs, logins without token_refresh, api_retry bursts) but every KPI coin flip has
 * its base probability whatever the session, and the payment's outcome moves no other event: see the "null mode"
 * notes at each step. The failure events themselves sit where they do in the planted mode (an app_error or a
 * video_start_error takes its own gap, so the events after it come a little later; a crash is the last event):
 * that only touches what follows a failure, which the engine cuts off. With `plants` true the SQL is exactly the
 * planted generator's.
 */
import { sql } from '../execute/sql';

export const SPAN_FROM = '2026-10-01T00:00:00Z';
export const SPAN_TO = '2026-11-15T00:00:00Z';
export const RELEASE = '2026-10-31T00:00:00Z';
export const SPAN_DAYS = 45;
export const SPAN_MINUTES = SPAN_DAYS * 1440;

/** Events a request to the backend makes: they carry status 200, or the session's one 500/503. */
export const REQUEST_EVENTS = [
  'login', 'token_refresh', 'home_view', 'search', 'apply_filter', 'sort_price', 'product_view',
  'add_to_cart', 'view_cart', 'buy_plan', 'page_load', 'play_video',
];

/**
 * The browsing/watching mix the middle of every session is drawn from (relative weights). page_load is frequent
 * so most sessions have several; search, apply_filter and sort_price are each in roughly half of the sessions,
 * but as independent draws they almost never come out adjacent in that order.
 */
export const MIDDLE_MIX: Record<string, number> = {
  page_load: 18, product_view: 10, home_view: 8, play_video: 7, search: 4, add_to_cart: 4, buffer_start: 4,
  buffer_end: 4, video_end: 4, like: 4, apply_filter: 3.5, sort_price: 3.5, view_cart: 3, notification_open: 2.5,
  share: 2, comment: 2, settings_open: 2, rate: 1.5,
};

/** Share of session starts per UTC hour: hours 0–5 hold 15%, the evening peaks. Sums to 100. */
export const HOUR_WEIGHTS = [
  2.5, 2.5, 2.5, 2.5, 2.5, 2.5, // 0–5: night
  3.5, 3.5, 3.5, // 6–8
  4.5, 4.5, 4.5, // 9–11
  5.5, 5.5, 5.5, 5.5, 5.5, 5.5, // 12–17
  5.5, 5.5, 5.5, 5.5, // 18–21
  3, 3, // 22–23
];

/** Number of CPU spikes and the share of minutes they cover together (above 5%, so the p95 of cpu is a spike value). */
export const SPIKES = 36;
export const SPIKE_SHARE = 0.06;
/** Spike i lies inside minutes [i·SPIKE_SLOT, (i+1)·SPIKE_SLOT) of the span. */
const SPIKE_SLOT = Math.floor(SPAN_MINUTES / SPIKES);

/** The mix as a lookup table of 1000 names: a uniform draw u picks mix[1 + floor(1000u)]. */
export function mixTable(weights: Record<string, number>, size = 1000): string[] {
  const entries = Object.entries(weights);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  const out: string[] = [];
  let acc = 0;
  for (const [name, w] of entries) {
    acc += w;
    while (out.length < Math.round((acc / total) * size)) out.push(name);
  }
  return out;
}

/** The parameters every step binds. */
export interface StepParams {
  seed: number;
  users: number;
  from_ms: number;
  to_ms: number;
  release_ms: number;
  mix: string[];
  hour_w: number[];
  hour_end: number[];
  requests: string[];
  [k: string]: unknown;
}

export function stepParams(seed: number, users: number): StepParams {
  const total = HOUR_WEIGHTS.reduce((s, w) => s + w, 0);
  const hourW = HOUR_WEIGHTS.map((w) => w / total);
  let acc = 0;
  const hourEnd = hourW.map((w) => (acc += w));
  hourEnd[23] = 1.0000001; // every fraction in [0, 1) finds its hour
  return {
    seed,
    users,
    from_ms: Date.parse(SPAN_FROM),
    to_ms: Date.parse(SPAN_TO),
    release_ms: Date.parse(RELEASE),
    mix: mixTable(MIDDLE_MIX),
    hour_w: hourW,
    hour_end: hourEnd,
    requests: REQUEST_EVENTS,
  };
}

/** A uniform draw in (0, 1), fixed by the seed, a purpose tag and the keys (column names or lambda variables). */
export function u(purpose: string, ...keys: string[]): string {
  if (!/^[a-z0-9_]+$/.test(purpose)) throw new Error(`bad purpose tag ${purpose}`);
  return `((cityHash64({seed:UInt64}, '${purpose}', ${keys.join(', ')}) % 16777216) + 0.5) / 16777216`;
}

/** A gap between two events in ms: 0.3–20 s, mostly short (mean ~5 s). */
function gap(purpose: string, ...keys: string[]): string {
  return `toUInt32(300 + floor(19700 * pow(${u(purpose, ...keys)}, 3)))`;
}

/** A standard normal draw (Box–Muller over two uniform draws). */
function normal(purpose: string, ...keys: string[]): string {
  return `(sqrt(-2 * log(${u(purpose + '_a', ...keys)})) * cos(2 * pi() * ${u(purpose + '_b', ...keys)}))`;
}

/** A name from the middle mix. */
function mixPick(purpose: string, ...keys: string[]): string {
  return `{mix:Array(String)}[1 + toUInt32(floor(1000 * ${u(purpose, ...keys)}))]`;
}

/** An id that looks random but is a bijection of the index (odd multiplier mod 2^53): unique, and exact in JS. */
function scrambledId(index: string, purpose: string): string {
  return `bitAnd(${index} * 2862933555777941757 + cityHash64({seed:UInt64}, '${purpose}'), 9007199254740991) + 1`;
}

/**
 * Step "spikes": SPIKES bursts of high CPU, one in each equal slot of the span at a random place. Raw lengths of
 * 30–180 minutes are scaled so that together they cover SPIKE_SHARE of all minutes.
 */
export function spikesSql(table: string): string {
  const slot = SPIKE_SLOT;
  const covered = Math.round(SPAN_MINUTES * SPIKE_SHARE);
  return sql`
    CREATE TABLE ${table} ENGINE = Memory AS
    SELECT i, start_min, start_min + len - 1 AS end_min
    FROM (
      SELECT
        number AS i,
        30 + 150 * ${u('spike_len', 'number')} AS raw,
        toUInt32(round(raw * ${covered} / sum(raw) OVER ())) AS len,
        toUInt32(number * ${slot} + floor(${u('spike_at', 'number')} * (${slot} - len))) AS start_min
      FROM numbers(${SPIKES})
    )`;
}

/** A user's mean gap between session starts, in quantile space: log-uniform between these (~0.15 to 4.5 days). */
export const USER_GAP_MIN = 1 / 300;
export const USER_GAP_MAX = 1 / 10;
/**
 * Quantile space ends this much before the span does (40 minutes at the 3% share of hour 23), so that a session
 * starting at the very end of it (< 20 minutes long) still ends inside the span.
 */
const END_MARGIN = 1 / 2250;

/**
 * Step "users": per-user attributes (os_version, country, device) and the user's activity on the span taken as a
 * circle of quantile space (see planSql): a start point s uniform in [0, 1), a mean gap g between sessions
 * (log-uniform in [USER_GAP_MIN, USER_GAP_MAX]) and a geometric number of sessions n (mean 3, at most 40 and at
 * most 1/g, so the user's n·g of the circle never meets itself).
 */
export function usersSql(table: string): string {
  const os = u('os', 'number');
  const country = u('country', 'number');
  const device = u('device', 'number');
  return sql`
    CREATE TABLE ${table} ENGINE = Memory AS
    SELECT
      number AS u,
      ${scrambledId('number', 'user_id')} AS user_id,
      multiIf(${os} < 0.25, 'android_13', ${os} < 0.50, 'android_14', ${os} < 0.70, 'ios_17', ${os} < 0.90, 'ios_18', 'web') AS os_version,
      multiIf(${country} < 0.30, 'US', ${country} < 0.50, 'IN', ${country} < 0.62, 'BR', ${country} < 0.70, 'DE',
              ${country} < 0.78, 'GB', ${country} < 0.84, 'JP', ${country} < 0.90, 'FR', ${country} < 0.95, 'MX', 'ID') AS country,
      multiIf(${device} < 0.60, 'phone', ${device} < 0.80, 'tablet', ${device} < 0.95, 'desktop', 'tv') AS device,
      ${u('arrival', 'number')} AS arrival,   -- s: the user's start point on the circle
      ${USER_GAP_MIN} * exp(${Math.log(USER_GAP_MAX / USER_GAP_MIN)} * ${u('user_gap', 'number')}) AS user_gap,
      toUInt32(least(40, floor(1 / user_gap), 1 + floor(log(${u('n_sessions', 'number')}) / log(2 / 3)))) AS n_sessions
    FROM numbers({users:UInt64})`;
}

/**
 * Step "plan": one row per (user, session). Start times live in quantile space v in [0, 1), which maps monotonically
 * to a time (day = v·45, hour by the diurnal weights), so uniform v gives stationary traffic with the diurnal
 * pattern. A user's n sessions take n consecutive segments of length g from the user's start point s; session k
 * starts in the first 80% of its segment, at s + g·(k + 0.8·r). The span is a circle here: a position past 1 wraps
 * around to the start of the span. With s uniform, every point of the circle is equally covered whatever the
 * users' gaps and counts, so session starts are uniform in v: traffic is stationary, and first sessions, returning
 * sessions and new users are spread over the whole span. A wrapped user is one already active when the span opens
 * (its sessions before the wrap come last in time): the ordinal is the session's rank in time, wrapped sessions
 * first. Positions are scaled by 1 − END_MARGIN so the last session ends inside the span. The 20% margin of a
 * segment is ≥ 0.2·USER_GAP_MIN of v, ≥ 30 minutes of real time even at the busiest hour, longer than any session
 * can last (< 20 minutes: at most ~56 events, gaps ≤ 20 s), and n·g ≤ 1 keeps the wrapped sessions before the
 * user's first segment: a user's sessions never overlap and stay in order. Then every coin flip: the base
 * behaviour and the planted cohorts, with the error and server-error probabilities.
 */
export function planSql(table: string, users: string, plants = true): string {
  const sid = 'session_id';
  // Null mode: the base probabilities only, and logout independent of a crash (were it suppressed by the crash,
  // "no logout" would go with crashes before the crash's cut).
  const kpi = plants
    ? {
        error: `least(0.95, 0.05 + 0.40 * p2 + 0.15 * p4 + if(p9, 0.40 * since_release, 0))`,
        server: `least(0.95, 0.04 + 0.31 * p3 + 0.08 * night) AS server_p,   -- P3, P5`,
        logout: `NOT crash AND ${u('logout', sid)} < 0.5 AS logout`,
      }
    : {
        error: '0.05',
        server: '0.04 AS server_p,',
        logout: `${u('logout', sid)} < 0.5 AS logout`,
      };
  return sql`
    CREATE TABLE ${table} ENGINE = Memory AS
    SELECT
      ${scrambledId('u * 64 + k', 'session_id')} AS session_id,
      user_id, os_version, country, device,
      -- the user's wrapped sessions (position ≥ 1) come first in time
      if(pos >= 1, k - (n_sessions - n_wrapped), k + n_wrapped) + 1 AS ordinal,
      (pos - floor(pos)) * ${1 - END_MARGIN} AS v,
      floor(v * ${SPAN_DAYS}) AS day,
      v * ${SPAN_DAYS} - day AS day_frac,
      arrayFirstIndex(c -> c > day_frac, {hour_end:Array(Float64)}) - 1 AS hour,
      (day_frac - ({hour_end:Array(Float64)}[hour + 1] - {hour_w:Array(Float64)}[hour + 1])) / {hour_w:Array(Float64)}[hour + 1] AS in_hour,
      {from_ms:Int64} + toInt64(day * 86400000 + floor((hour + least(in_hour, 0.9999)) * 3600000)) AS start_ms,
      hour < 6 AS night,
      -- app_version: 5.1/5.2/5.3 before the release; 5.4.0 adopted linearly after it, reaching by the end of the span
      -- 75% of first sessions (new installs get the current version) and 50% of returning ones (~45% of all sessions
      -- in the last 5 days). No faster for new users: were 5.4.0 sessions mostly first sessions, P9 (first sessions
      -- on 5.4.0) would be hard to tell from crossings of 5.4.0 with a static attribute.
      greatest(0, (start_ms - {release_ms:Int64}) / ({to_ms:Int64} - {release_ms:Int64})) AS since_release,
      multiIf(${u('v54', sid)} < if(ordinal = 1, 0.75, 0.5) * since_release, '5.4.0',
              ${u('version', sid)} < 0.25, '5.1.0', ${u('version', sid)} < 0.60, '5.2.0', '5.3.0') AS app_version,
      -- the middle: 2–31 draws from the mix (~15 on average; ~20 events per session in all)
      toUInt32(2 + floor(29 * (${u('len_a', sid)} + ${u('len_b', sid)}) / 2)) AS n_middle,
      -- base behaviour
      ${u('login', sid)} < 0.70 AS has_login,
      ${u('buy', sid)} < 0.30 AS has_buy,
      ${u('vse', sid)} < 0.03 AS video_start_error,      -- the null KPI: independent of everything
      ${u('cors', sid)} < 0.03 AS cors_alone,
      ${u('timeout', sid)} < 0.03 AS timeout_alone,
      -- plants
      has_buy AND ${u('p1', sid)} < 0.05 AS p1,          -- P1 buy_plan → web_cors_error → timeout_error
      toUInt32(floor(3 * ${u('p1_k', sid)})) AS p1_k,    -- 0–2 other events inside the P1 block
      toUInt32(floor((p1_k + 1) * ${u('p1_k1', sid)})) AS p1_k1,
      p1_k - p1_k1 AS p1_k2,
      toUInt32(1000 + floor(2000 * ${u('p1_cors', sid)})) AS p1_cors_ms,
      toUInt32(2000 + floor(4000 * ${u('p1_timeout', sid)})) AS p1_timeout_ms,
      ${u('p2', sid)} < 0.04 AS p2,                      -- P2 search, apply_filter, sort_price run
      has_login AND ${u('p3', sid)} < 0.06 AS p3,        -- P3 login without token_refresh
      os_version = 'android_14' AND ordinal >= 2 AS p4,  -- P4 returning android_14 sessions
      ${u('p8', sid)} < 0.08 AS p8,                      -- P8 3–6 api_retry
      toUInt32(if(p8, 3 + floor(4 * ${u('retries', sid)}), ${u('retry', sid)} < 0.10)) AS retries,
      ordinal = 1 AND app_version = '5.4.0' AS p9,       -- P9 first session, on 5.4.0
      -- KPI coin flips (effects add up in probability, capped at 0.95)
      ${kpi.error} AS error_p,
      ${u('error', sid)} < error_p AS has_error,
      has_error AND ${u('crash', sid)} < 0.30 AS crash,
      ${kpi.server}
      ${u('server', sid)} < server_p AS has_server_error,
      ${kpi.logout}
    FROM (
      SELECT *, arrayMap(k -> arrival + user_gap * (k + 0.8 * ${u('start', 'u', 'k')}), range(n_sessions)) AS positions,
        toUInt32(arrayCount(p -> p >= 1, positions)) AS n_wrapped
      FROM ${users}
    )
    ARRAY JOIN range(n_sessions) AS k, positions AS pos`;
}

/** One inserted block of events: kept together, in this order, at a position `at` in [0, 2) of the session. */
interface Block {
  /** Unique per block of a session; breaks ties between equal positions so blocks never interleave. */
  no: number;
  when: string;
  at: string;
  size: string;
  names: string;
  gaps: string;
}

/** Sort key of a block's first event: position (24 bits of fraction), block number, then j-th event of the block. */
function blockKey(at: string, no: string): string {
  return `(bitShiftLeft(toUInt64(floor((${at}) * 16777216)), 24) + toUInt64(${no}) * 256)`;
}

/**
 * Step "skeleton": every event of a session as (sort key, name, gap before it in ms), in parallel arrays sorted by
 * key. The middle events sit at evenly spaced positions, each inserted block (login+token_refresh, buy_plan[+P1
 * errors], the P2 run, errors, retries…) at a random position in its range, its events with consecutive keys so the
 * block stays whole and in order. Payment is not decided yet: P7 needs the session's time span, known here
 * (payment_complete adds ≤ 30 s, a negligible edge).
 */
export function skeletonSql(table: string, plan: string, spikes: string, plants = true): string {
  const sid = 'session_id';
  // Null mode: the buy_plan block always has an event after it (it sits before the last middle event), so the
  // wait for the payment (sessionsSql) lies inside the session whatever the outcome.
  const buyAt = plants
    ? `0.15 + 0.8 * ${u('buy_at', sid)}`
    : `0.15 + ${u('buy_at', sid)} * (least(0.95, (n_middle - 0.5) / n_middle - 0.001) - 0.15)`;
  const G = (p: string) => gap(p, sid);
  const single = (no: number, when: string, at: string, name: string, p: string): Block => ({
    no, when, at, size: '1', names: `[${name}]`, gaps: `[${G('gap_' + p)}]`,
  });
  const blocks: Block[] = [
    {
      no: 40, when: 'has_login', at: `0.1 * ${u('login_at', sid)}`, size: 'if(p3, 1, 2)',
      names: "if(p3, ['login'], ['login', 'token_refresh'])",
      gaps: `if(p3, [${G('gap_login')}], [${G('gap_login')}, toUInt32(1000 + floor(4000 * ${u('gap_token', sid)}))])`,
    },
    {
      // P1: buy_plan, k1 others, web_cors_error 1–3 s after buy_plan, k2 others, timeout_error 2–6 s after that
      no: 41, when: 'has_buy', at: buyAt, size: 'if(p1, 3 + p1_k, 1)',
      names: `if(p1, arrayConcat(['buy_plan'], arrayMap(j -> ${mixPick('p1_mid1', sid, 'j')}, range(p1_k1)), ['web_cors_error'],
                                 arrayMap(j -> ${mixPick('p1_mid2', sid, 'j')}, range(p1_k2)), ['timeout_error']),
                 ['buy_plan'])`,
      gaps: `if(p1, arrayConcat([${G('gap_buy')}], arrayWithConstant(p1_k1 + 1, toUInt32(intDiv(p1_cors_ms, p1_k1 + 1))),
                                arrayWithConstant(p1_k2 + 1, toUInt32(intDiv(p1_timeout_ms, p1_k2 + 1)))),
                [${G('gap_buy')}])`,
    },
    {
      no: 42, when: 'p2', at: `0.05 + 0.75 * ${u('p2_at', sid)}`, size: '3',
      names: "['search', 'apply_filter', 'sort_price']",
      gaps: `[${G('gap_p2_1')}, ${G('gap_p2_2')}, ${G('gap_p2_3')}]`,
    },
    // app_error near the end (after any P2 run); a crash ends the session.
    single(43, 'has_error', `if(crash, 1.9, 0.86 + 0.13 * ${u('error_at', sid)})`, "if(crash, 'crash', 'app_error')", 'error'),
    single(44, 'logout', '1.5', "'logout'", 'logout'),
    single(45, 'video_start_error', u('vse_at', sid), "'video_start_error'", 'vse'),
    single(46, 'cors_alone', u('cors_at', sid), "'web_cors_error'", 'cors'),
    single(47, 'timeout_alone', u('timeout_at', sid), "'timeout_error'", 'timeout'),
  ];
  const middle = 'range(1, n_middle + 1)';
  const keys = [
    `arrayMap(i -> ${blockKey('(i - 0.5) / n_middle', 'i')}, ${middle})`,
    ...blocks.map((b) => `if(${b.when}, range(${blockKey(b.at, String(b.no))}, ${blockKey(b.at, String(b.no))} + ${b.size}), [])`),
    `arrayMap(j -> ${blockKey(u('retry_at', sid, 'j'), '50 + j')}, range(retries))`,
  ];
  const mixNames = `arrayMap(i -> ${mixPick('middle', sid, 'i')}, ${middle})`;
  const requests = '{requests:Array(String)}';
  // Null mode: every session has a request event (its first middle event becomes a page_load when nothing else
  // is one), so the server error can land in any session.
  const middleNames = plants
    ? mixNames
    : `if(has_login OR has_buy OR p2 OR arrayExists(x -> has(${requests}, x), mix_names), mix_names,
          arrayConcat(['page_load'], arraySlice(mix_names, 2)))`;
  const names = [
    middleNames,
    ...blocks.map((b) => `if(${b.when}, ${b.names}, [])`),
    `arrayWithConstant(retries, 'api_retry')`,
  ];
  const gaps = [
    `arrayMap(i -> ${gap('gap_middle', sid, 'i')}, ${middle})`,
    ...blocks.map((b) => `if(${b.when}, ${b.gaps}, [])`),
    `arrayMap(j -> ${gap('gap_retry', sid, 'j')}, range(retries))`,
  ];
  const buy = blocks.find((b) => b.no === 41)!;
  const list = (xs: string[]) => xs.join(',\n');
  return sql`
    CREATE TABLE ${table} ENGINE = Memory AS
    WITH (SELECT arraySort(groupArray((i, start_min, end_min))) FROM ${spikes}) AS spikes
    SELECT
      session_id, user_id, os_version, app_version, country, device, start_ms,
      has_buy, p1, p3, retries, has_server_error, skeleton_names, skeleton_gaps, buy_end, p1_span, cpu_hot
    FROM (
      SELECT *,${plants ? '' : `
        ${mixNames} AS mix_names,`}
        arrayConcat(
          ${list(keys)}) AS keys,
        arrayConcat(
          ${list(names)}) AS unsorted_names,
        arrayConcat(
          ${list(gaps)}) AS unsorted_gaps,
        arraySort((x, key) -> key, unsorted_names, keys) AS skeleton_names,
        arraySort((x, key) -> key, unsorted_gaps, keys) AS skeleton_gaps,
        -- the buy_plan block ends at this index of the sorted skeleton (0: no buy_plan)
        ${blockKey(buy.at, String(buy.no))} + ${buy.size} - 1 AS buy_last_key,
        if(has_buy, arrayCount(key -> key <= buy_last_key, keys), 0) AS buy_end,
        -- buy_plan → timeout_error in P1 blocks, for placing a successful payment after it
        if(p1, intDiv(p1_cors_ms, p1_k1 + 1) * (p1_k1 + 1) + intDiv(p1_timeout_ms, p1_k2 + 1) * (p1_k2 + 1), 0) AS p1_span,
        -- P7: does [first event, last event] touch a CPU spike minute? Only the spikes of the slots of the
        -- first and the last minute can (a session is far shorter than a slot).
        intDiv(start_ms - {from_ms:Int64}, 60000) AS first_min,
        intDiv(start_ms + arraySum(unsorted_gaps) - {from_ms:Int64}, 60000) AS last_min,
        spikes[1 + intDiv(first_min, ${SPIKE_SLOT})] AS spike_a,
        spikes[1 + least(intDiv(last_min, ${SPIKE_SLOT}), ${SPIKES - 1})] AS spike_b,
        (spike_a.2 <= last_min AND spike_a.3 >= first_min) OR (spike_b.2 <= last_min AND spike_b.3 >= first_min) AS cpu_hot
      FROM ${plan}
    )`;
}

/**
 * Step "sessions": the payment outcome (P1, P7) and payment_complete right after the buy_plan block, app_start in
 * front, gaps summed into offsets, and the server error's position (a request event after login).
 */
export function sessionsSql(table: string, skeleton: string, plants = true): string {
  if (!plants) return nullSessionsSql(table, skeleton);
  const sid = 'session_id';
  return sql`
    CREATE TABLE ${table} ENGINE = Memory AS
    SELECT
      session_id, user_id, os_version, app_version, country, device, start_ms, names, offsets, server_idx, server_code,
      if(country = 'IN' AND device = 'tablet', 2.5, 1) * if(retries >= 3, 2, 1) AS page_load_factor  -- P6, P8
    FROM (
      SELECT *,
        least(0.95, 0.12 + 0.73 * p1 + 0.33 * cpu_hot) AS pay_fail_p,
        has_buy AND ${u('pay', sid)} >= pay_fail_p AS pay_ok,
        has_buy AND NOT pay_ok AND ${u('pay_late', sid)} < 0.17 AS pay_late,       -- ≈2% of buy_plan sessions pay too late
        -- a late payment lands 12–30 s after buy_plan, with a view_cart halfway so no gap exceeds 20 s
        12000 + floor(18000 * ${u('pay_late_at', sid)}) - p1_span AS late_rest,
        multiIf(
          pay_ok, [toUInt32(if(p1,
            300 + floor(${u('pay_at', sid)} * (9200 - p1_span)),     -- after timeout_error, still within 9.5 s of buy_plan
            2000 + floor(6000 * ${u('pay_at', sid)})))],             -- 2–8 s after buy_plan
          pay_late, [toUInt32(intDiv(late_rest, 2)), toUInt32(late_rest - intDiv(late_rest, 2))],
          CAST([], 'Array(UInt32)')) AS pay_gaps,
        multiIf(pay_ok, ['payment_complete'], pay_late, ['view_cart', 'payment_complete'], CAST([], 'Array(String)')) AS pay_names,
        arrayConcat(['app_start'], arraySlice(skeleton_names, 1, buy_end), pay_names, arraySlice(skeleton_names, buy_end + 1)) AS names,
        arrayCumSum(arrayConcat([toUInt32(0)], arraySlice(skeleton_gaps, 1, buy_end), pay_gaps, arraySlice(skeleton_gaps, buy_end + 1))) AS offsets,
        -- the server error: a request event after login (if any)
        indexOf(names, 'login') AS login_idx,
        arrayFilter((i, name) -> name IN (${REQUEST_EVENTS.map((e) => `'${e}'`).join(', ')}) AND i > login_idx,
                    arrayEnumerate(names), names) AS server_candidates,
        if(has_server_error AND notEmpty(server_candidates),
           server_candidates[1 + toUInt32(floor(length(server_candidates) * ${u('server_at', sid)}))], 0) AS server_idx,
        toUInt16(if(p3 OR ${u('server_code', sid)} < 0.5, 500, 503)) AS server_code
      FROM ${skeleton}
    )`;
}

/**
 * Step "sessions" in null mode. Payment fails with 0.12 in every buy_plan session, and the outcome moves no other
 * event: every buy_plan block is followed by the same wait (2–8 s; after a P1 block, up to 9.5 s from buy_plan),
 * paid or not, and payment_complete sits at the end of that wait when paid. A late payment (17% of failures) is
 * put at its time, 12–30 s after buy_plan, among the events without shifting them, and only before the session's
 * last event, with no view_cart of its own. So without payment_complete (the KPI's outcome event), a session's
 * events, times and span don't depend on the outcome. The server error: 0.04 in every session (each has a request
 * event), on any request event, 500 or 503 at even odds. Page loads: no factor.
 */
function nullSessionsSql(table: string, skeleton: string): string {
  const sid = 'session_id';
  return sql`
    CREATE TABLE ${table} ENGINE = Memory AS
    SELECT
      session_id, user_id, os_version, app_version, country, device, start_ms, names, offsets, server_idx, server_code,
      toFloat64(1) AS page_load_factor
    FROM (
      SELECT *,
        has_buy AND ${u('pay', sid)} >= 0.12 AS pay_ok,
        has_buy AND NOT pay_ok AND ${u('pay_late', sid)} < 0.17 AS pay_late,
        toUInt64(if(p1, 300 + floor(${u('pay_at', sid)} * (9200 - p1_span)), 2000 + floor(6000 * ${u('pay_at', sid)}))) AS pay_wait,
        -- the events but payment: the wait added before the event after the buy_plan block (skeleton index buy_end + 1)
        arrayConcat(['app_start'], skeleton_names) AS base_names,
        arrayCumSum(arrayConcat([toUInt64(0)],
          arrayMap((g, i) -> if(has_buy AND i = buy_end + 1, g + pay_wait, toUInt64(g)), skeleton_gaps, arrayEnumerate(skeleton_gaps)))) AS base_offsets,
        -- payment_complete's time: the end of the wait (the buy_plan block ends at base index buy_end + 1), or late
        multiIf(
          pay_ok, toInt64(base_offsets[buy_end + 1] + pay_wait),
          pay_late, toInt64(base_offsets[indexOf(base_names, 'buy_plan')] + 12000 + floor(18000 * ${u('pay_late_at', sid)})),
          -1) AS pay_ms,
        pay_ms >= 0 AND pay_ms < base_offsets[-1] AS pay_placed,
        arrayCount(o -> o <= pay_ms, base_offsets) AS pay_pos,
        if(pay_placed, arrayConcat(arraySlice(base_names, 1, pay_pos), ['payment_complete'], arraySlice(base_names, pay_pos + 1)), base_names) AS names,
        if(pay_placed, arrayConcat(arraySlice(base_offsets, 1, pay_pos), [toUInt64(pay_ms)], arraySlice(base_offsets, pay_pos + 1)), base_offsets) AS offsets,
        arrayFilter((i, name) -> name IN (${REQUEST_EVENTS.map((e) => `'${e}'`).join(', ')}), arrayEnumerate(names), names) AS server_candidates,
        if(has_server_error AND notEmpty(server_candidates),
           server_candidates[1 + toUInt32(floor(length(server_candidates) * ${u('server_at', sid)}))], 0) AS server_idx,
        toUInt16(if(${u('server_code', sid)} < 0.5, 500, 503)) AS server_code
      FROM ${skeleton}
    )`;
}

/**
 * Step "events": the sessions in order of start (a sort of sessions, not of events), unrolled into rows in that
 * order, straight into Parquet. The single sorted stream makes the file byte-identical for a seed whatever the
 * thread count (row groups follow the sorted blocks); query_plan_remove_redundant_sorting must stay off, or the
 * planner drops the inner ORDER BY as it sees nothing above it that needs an order.
 */
export function eventsSql(sessions: string): string {
  const key = ['session_id', 'idx'];
  return sql`
    INSERT INTO FUNCTION file({path:String}, 'Parquet')
    SELECT
      fromUnixTimestamp64Milli(toInt64(start_ms + offset), 'UTC') AS ts,
      toUInt64(session_id) AS session_id,
      toUInt64(user_id) AS user_id,
      event_name,
      os_version, app_version, country, device,
      toUInt16(if(idx = server_idx, server_code, if(has({requests:Array(String)}, event_name), 200, 0))) AS status_code,
      toFloat64(if(event_name = 'page_load',
        round(800 * exp(0.6 * ${normal('page_load', ...key)}) * page_load_factor, 1), 0)) AS duration_ms
    FROM (SELECT * FROM ${sessions} ORDER BY start_ms, session_id)
    ARRAY JOIN names AS event_name, offsets AS offset, arrayEnumerate(names) AS idx
    SETTINGS
      engine_file_truncate_on_insert = 1,
      query_plan_remove_redundant_sorting = 0,
      -- fast and widely readable: snappy, no bloom filters, dictionaries only for the low-cardinality columns
      output_format_parquet_compression_method = 'snappy',
      output_format_parquet_write_bloom_filter = 0,
      output_format_parquet_max_dictionary_size = 65536`;
}

/** Step "metrics": backend CPU per minute, ~40 ± 8, 85–98 inside the spikes. ts is ISO-8601 with a Z. */
export function metricsSql(spikes: string): string {
  return sql`
    INSERT INTO FUNCTION file({path:String}, 'CSVWithNames')
    WITH (SELECT groupArray((start_min, end_min)) FROM ${spikes}) AS spikes
    SELECT
      formatDateTime(toDateTime(intDiv({from_ms:Int64}, 1000) + number * 60, 'UTC'), '%Y-%m-%dT%H:%i:%SZ', 'UTC') AS ts,
      round(if(arrayExists(s -> s.1 <= number AND s.2 >= number, spikes),
               85 + 13 * ${u('cpu_spike', 'number')},
               greatest(0, 40 + 8 * ${normal('cpu', 'number')})), 1) AS cpu
    FROM numbers(${SPAN_MINUTES})
    ORDER BY number
    SETTINGS engine_file_truncate_on_insert = 1`;
}
