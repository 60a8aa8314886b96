import type { Executor } from '../execute/executor';
import { quoteIdent } from '../execute/sql';
import { kpiKind, parseDuration, type ContextSpec, type Kpi, type KpiKind } from '../config/schema';
import type { LoadedConfig } from '../config/load';
import { parseExpression, type ParsedExpression } from './expression';
import {
  describeSource,
  isNumericType,
  isTimeType,
  requireColumn,
  resolveSource,
  SchemaError,
  type Column,
  type SourceRef,
} from './source';

/** A KPI checked against the data, with what defines its outcome (left out of its own candidates). */
export interface KpiInfo {
  index: number;
  kpi: Kpi;
  kind: KpiKind;
  binary: boolean;
  expression?: ParsedExpression;
  /** Events that define the outcome: a funnel's later steps, failure events, event names in the expression. */
  outcomeEvents: string[];
  /** Columns the outcome is computed from; never offered as attributes for this KPI. */
  outcomeColumns: string[];
  funnelWithinMs?: number;
}

export interface EventStat {
  name: string;
  events: number;
  groups: number;
}

export interface ContextInfo {
  spec: ContextSpec;
  src: SourceRef;
  timeColumn: Column;
}

export interface Dataset {
  events: SourceRef;
  columns: Column[];
  spec: LoadedConfig['dataset']['events'];
  /** SQL (over the source's rows) for the event time in epoch milliseconds. */
  timeMs: string;
  kpis: KpiInfo[];
  contexts: ContextInfo[];
  /** Event names by frequency: the integer code of an event is its 1-based position here. */
  vocab: EventStat[];
  /** Data range in epoch ms, and groups in it. */
  range: { from: number; to: number };
  groups: number;
  totalEvents: number;
  /**
   * Events the session table groups: the window's and the lookback's before it (users' history for the lifecycle
   * columns), which a window at the end of long data can hold many times over. Absent: totalEvents.
   */
  sessionizedEvents?: number;
  /** Only groups with these attribute values (the prompt's scope, or the request's): every analysis query keeps to them. */
  filters?: Array<{ attribute: string; values: string[] }>;
}

export interface InspectOptions {
  /** Analysis window in epoch ms; default: all the data. */
  from?: number;
  to?: number;
  /** Most frequent event names kept as the vocabulary; the rest are coded 0 ("other"). */
  vocabLimit?: number;
}

/** Time column as epoch ms, whatever its type (DateTime, DateTime64, Date, or a string ClickHouse can parse). */
export function timeMsExpr(col: Column): string {
  const q = quoteIdent(col.name);
  if (isTimeType(col.type)) return `toUnixTimestamp64Milli(toDateTime64(${q}, 3, 'UTC'))`;
  if (/String/.test(col.type)) return `toUnixTimestamp64Milli(parseDateTime64BestEffort(${q}, 3, 'UTC'))`;
  throw new SchemaError(
    `time column ${col.name} has type ${col.type}; expected DateTime, DateTime64, Date or a date-time string`
  );
}

/**
 * Checks the config against the real data before any heavy query: every column exists, KPI expressions are
 * valid, KPI events occur. One scan of the events gives the event vocabulary, the time range and the group count.
 */
/** The readable sessions' own columns (compile/sessionize.ts readableSessionsCte). */
const SESSION_COLUMNS = new Set([
  'g',
  'u',
  'times',
  'events',
  't0',
  't1',
  'ordinal',
  'away_days',
  'hour',
  'dow',
  'sc',
  's',
  'st',
]);

export async function inspectDataset(ex: Executor, cfg: LoadedConfig, opts: InspectOptions = {}): Promise<Dataset> {
  const spec = cfg.dataset.events;
  const db = cfg.store.database ?? 'default';
  const events = await resolveSource(ex, spec.source, cfg.baseDir, 'src_events', db);
  const columns = await describeSource(ex, events);
  const at = (key: string, name: string) => requireColumn(columns, name, `dataset.events.${key}`, events.label);
  const timeCol = at('time', spec.time);
  at('group', spec.group);
  if (spec.user) at('user', spec.user);
  at('event', spec.event);
  spec.attributes.forEach((a, i) => {
    at(`attributes[${i}]`, a);
    // A lead's SQL names attributes as they are, beside the sessions' own columns: the two must not clash.
    if (SESSION_COLUMNS.has(a) || /^(k|c|kv|lvl)\d+$/.test(a))
      throw new SchemaError(
        `dataset.events.attributes[${i}]: ${JSON.stringify(a)} is the name of a column every session has in a lead's SQL (${[...SESSION_COLUMNS].join(', ')}, k<n>, c<n>, kv<n>, lvl<n>); read it through a view that renames it`
      );
  });
  const timeMs = timeMsExpr(timeCol);

  const fnRows = await ex.query<{ name: string }>('SELECT name FROM system.functions', {}, { label: 'list functions' });
  const functions = new Set(fnRows.flatMap((r) => [r.name, r.name.toLowerCase()]));
  const kpis = cfg.kpis.map((kpi, index) => kpiInfo(kpi, index, columns, functions, spec.event));

  try {
    await ex.query('SELECT toTimeZone(now(), {tz:String})', { tz: spec.timezone }, { label: 'check timezone' });
  } catch {
    throw new SchemaError(`dataset.events.timezone: ClickHouse does not know the time zone ${JSON.stringify(spec.timezone)}; use an IANA name such as UTC or Europe/Berlin`);
  }

  // Dry-run the KPI expressions per group, as the session step uses them (a failure_when is compared with 0):
  // ClickHouse's own type check, on no rows.
  for (const k of kpis) {
    if (!k.expression) continue;
    const used = k.kind === 'failure_when' ? `coalesce((${k.expression.text}), 0) != 0` : k.expression.text;
    try {
      await ex.query(
        `SELECT ${quoteIdent(spec.group)}, toFloat64(${used}) FROM ${events.from} WHERE 0 GROUP BY ${quoteIdent(spec.group)} LIMIT 0`,
        events.params,
        { label: `check kpis[${k.index}]` }
      );
    } catch (e) {
      throw new SchemaError(
        `kpis[${k.index}] (${k.kpi.name}): ClickHouse rejects the expression: ${(e as Error).message}`
      );
    }
  }

  const win = windowWhere(timeMs, opts);
  const ev = quoteIdent(spec.event);
  const g = quoteIdent(spec.group);
  const vocabRows = await ex.query<{ name: string; events: number; groups: number }>(
    `SELECT toString(${ev}) AS name, count() AS events, uniq(${g}) AS groups
     FROM ${events.from} WHERE ${win.sql} GROUP BY name ORDER BY events DESC, name LIMIT {vocab_limit:UInt32}`,
    { ...events.params, ...win.params, vocab_limit: opts.vocabLimit ?? 2000 },
    { label: 'event vocabulary' }
  );
  // The same scan counts the lookback before the window, which sessionizing reads for the lifecycle columns (what a
  // run's memory grows with). Without a start the window begins at the first event: nothing before it is read.
  const lookbackMs = cfg.analysis.lookback_days * 86_400_000;
  const reach =
    opts.from !== undefined && lookbackMs > 0
      ? `${timeMs} >= {lb_from:Int64}${opts.to !== undefined ? ` AND ${timeMs} < {win_to:Int64}` : ''}`
      : win.sql;
  const stats = await ex.query<{ n: number; lo: number; hi: number; groups: number; sessionized: number }>(
    `SELECT countIf(${win.sql}) AS n, minIf(${timeMs}, ${win.sql}) AS lo, maxIf(${timeMs}, ${win.sql}) AS hi,
            uniqIf(${g}, ${win.sql}) AS groups, count() AS sessionized
     FROM ${events.from} WHERE ${reach}`,
    { ...events.params, ...win.params, ...(opts.from !== undefined ? { lb_from: opts.from - lookbackMs } : {}) },
    { label: 'time range' }
  );
  const s = stats[0]!;
  if (Number(s.n) === 0)
    throw new SchemaError(`no events in ${events.label}${opts.from || opts.to ? ' in the requested time range' : ''}`);
  const vocab = vocabRows.map((r) => ({ name: r.name, events: Number(r.events), groups: Number(r.groups) }));
  const known = new Set(vocab.map((v) => v.name));
  for (const k of kpis) {
    const named = k.kind === 'funnel' ? k.kpi.funnel!.steps : k.kind === 'failure_events' ? k.kpi.failure_events! : [];
    const missing = named.filter((e) => !known.has(e));
    if (missing.length === named.length && named.length > 0) {
      const key = k.kind === 'funnel' ? 'funnel.steps' : 'failure_events';
      throw new SchemaError(
        `kpis[${k.index}].${key} (${k.kpi.name}): no event named ${missing.map((m) => JSON.stringify(m)).join(', ')} in ${events.label}; ` +
          `most frequent events: ${vocab
            .slice(0, 15)
            .map((v) => v.name)
            .join(', ')}`
      );
    }
    if (k.kind === 'funnel' && !known.has(named[0]!)) {
      throw new SchemaError(
        `kpis[${k.index}].funnel.steps[0] (${k.kpi.name}): no event named ${JSON.stringify(named[0])} in ${events.label}`
      );
    }
  }

  const contexts: ContextInfo[] = [];
  for (const [i, c] of cfg.dataset.context.entries()) {
    const src = await resolveSource(ex, c.source, cfg.baseDir, `src_ctx_${i}`, db);
    const cols = await describeSource(ex, src);
    const timeColumn = requireColumn(cols, c.time, `dataset.context[${i}].time`, src.label);
    timeMsExpr(timeColumn);
    const value = requireColumn(cols, c.value, `dataset.context[${i}].value`, src.label);
    if (!isNumericType(value.type))
      throw new SchemaError(`dataset.context[${i}].value: column ${c.value} has type ${value.type}; expected a number`);
    contexts.push({ spec: c, src, timeColumn });
  }

  return {
    events,
    columns,
    spec,
    timeMs,
    kpis,
    contexts,
    vocab,
    range: { from: opts.from ?? Number(s.lo), to: opts.to ?? Number(s.hi) + 1 },
    groups: Number(s.groups),
    totalEvents: Number(s.n),
    sessionizedEvents: Number(s.sessionized),
  };
}

/** Events the session table groups (Dataset.sessionizedEvents), what a run's memory grows with. */
export const sessionizedEventsOf = (d: Pick<Dataset, 'totalEvents' | 'sessionizedEvents'>): number => d.sessionizedEvents ?? d.totalEvents;

export function windowWhere(
  timeMs: string,
  w: { from?: number; to?: number }
): { sql: string; params: Record<string, number> } {
  const parts: string[] = [];
  const params: Record<string, number> = {};
  if (w.from !== undefined) {
    parts.push(`${timeMs} >= {win_from:Int64}`);
    params.win_from = w.from;
  }
  if (w.to !== undefined) {
    parts.push(`${timeMs} < {win_to:Int64}`);
    params.win_to = w.to;
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

function kpiInfo(kpi: Kpi, index: number, columns: Column[], functions: Set<string>, eventColumn: string): KpiInfo {
  const kind = kpiKind(kpi);
  const info: KpiInfo = { index, kpi, kind, binary: kind !== 'numeric', outcomeEvents: [], outcomeColumns: [] };
  if (kind === 'funnel') {
    // Step 1 is the entry condition, not the outcome: patterns that start with it are what we look for.
    info.outcomeEvents = kpi.funnel!.steps.slice(1);
    info.funnelWithinMs = parseDuration(kpi.funnel!.within);
  } else if (kind === 'failure_events') {
    info.outcomeEvents = [...kpi.failure_events!];
  } else {
    const key = `kpis[${index}].${kind}`;
    const text = kind === 'numeric' ? kpi.numeric! : kpi.failure_when!;
    info.expression = parseExpression(text, `${key} (${kpi.name})`, columns, functions);
    info.outcomeColumns = info.expression.columns.filter((c) => c !== eventColumn);
    info.outcomeEvents = info.expression.columns.includes(eventColumn) ? info.expression.strings : [];
  }
  return info;
}
