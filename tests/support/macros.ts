// ------------------------------------------------------------------------------------------------------------------
// The ClickHouse data source's macros, as its backend expands them before sending the SQL to ClickHouse:
//   grafana/clickhouse-datasource pkg/macros/macros.go (read at commit 005050e232de38201aa0ff74bb583abbe66be1e5):
//     $__fromTime / $__toTime           → toDateTime(<unix seconds>)
//     $__fromTime_ms / $__toTime_ms     → fromUnixTimestamp64Milli(<unix ms>)
//     $__timeFilter(c)                  → c >= toDateTime(<from s>) AND c <= toDateTime(<to s>)
//     $__timeFilter_ms(c)               → c >= fromUnixTimestamp64Milli(<from ms>) AND c <= fromUnixTimestamp64Milli(<to ms>)
//     $__dateFilter(c)                  → c >= toDate('YYYY-MM-DD') AND c <= toDate('YYYY-MM-DD')
//     $__timeInterval(c)                → toStartOfInterval(toDateTime(c), INTERVAL <max(interval s, 1)> second)
//     $__timeInterval_ms(c)             → toStartOfInterval(toDateTime64(c, 3), INTERVAL <max(interval ms, 1)> millisecond)
//     $__interval_s                     → <max(interval s, 1)>
//   and the macro syntax of grafana/sqlds macros.go (interpolate): `\$__name(?:\((.*?)\))?`, arguments split on ","
//   and trimmed. Here a name must not be followed by a word character, so $__timeFilter never eats $__timeFilter_ms
//   (sqlds walks its map in random order); the provisioned SQL uses none of the _ms variants anyway.
// ------------------------------------------------------------------------------------------------------------------
export interface MacroContext {
  from: number; // ms
  to: number; // ms
  intervalMs: number;
}

export function expandMacros(sql: string, c: MacroContext): string {
  const s = (ms: number) => Math.floor(ms / 1000); // Go's time.Unix()
  const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const one = (name: string, args: string[]) => {
    if (args.length !== 1) throw new Error(`$__${name}: expected 1 argument, received ${args.length}`);
    return args[0]!;
  };
  const intervalS = Math.trunc(Math.max(c.intervalMs / 1000, 1));
  const macros: Record<string, (args: string[]) => string> = {
    fromTime: () => `toDateTime(${s(c.from)})`,
    toTime: () => `toDateTime(${s(c.to)})`,
    fromTime_ms: () => `fromUnixTimestamp64Milli(${c.from})`,
    toTime_ms: () => `fromUnixTimestamp64Milli(${c.to})`,
    timeFilter: (a) => {
      const col = one('timeFilter', a);
      return `${col} >= toDateTime(${s(c.from)}) AND ${col} <= toDateTime(${s(c.to)})`;
    },
    timeFilter_ms: (a) => {
      const col = one('timeFilter_ms', a);
      return `${col} >= fromUnixTimestamp64Milli(${c.from}) AND ${col} <= fromUnixTimestamp64Milli(${c.to})`;
    },
    dateFilter: (a) => {
      const col = one('dateFilter', a);
      return `${col} >= toDate('${date(c.from)}') AND ${col} <= toDate('${date(c.to)}')`;
    },
    timeInterval: (a) => `toStartOfInterval(toDateTime(${one('timeInterval', a)}), INTERVAL ${intervalS} second)`,
    timeInterval_ms: (a) => `toStartOfInterval(toDateTime64(${one('timeInterval_ms', a)}, 3), INTERVAL ${Math.trunc(Math.max(c.intervalMs, 1))} millisecond)`,
    interval_s: () => String(intervalS),
  };
  const out = sql.replace(/\$__([A-Za-z_]+?)(?![A-Za-z0-9_])(?:\((.*?)\))?/g, (whole, name: string, args?: string) => {
    const m = macros[name];
    if (!m) throw new Error(`unknown macro ${whole} (the ClickHouse data source would send it to ClickHouse as is)`);
    return m(args === undefined ? [] : args.split(',').map((x) => x.trim()));
  });
  if (out.includes('$__')) throw new Error(`unexpanded macro left in: ${out}`);
  return out;
}

