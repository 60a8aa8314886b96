import { existsSync } from 'node:fs';
import type { Executor, Params } from '../execute/executor';
import { quoteIdent } from '../execute/sql';
import { isFileSource, resolvePath } from '../config/load';

/** A FROM-clause fragment and the parameters it binds. */
export interface SourceRef {
  /** SQL for the FROM clause: a quoted table or file({param:String}). */
  from: string;
  params: Params;
  /** For messages: the path or table the user wrote. */
  label: string;
  isFile: boolean;
}

export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

/**
 * Resolve a configured source. Files are read with ClickHouse's file() and their path bound as a parameter;
 * tables must exist in the store, and their names are quoted only after that check.
 */
export async function resolveSource(
  ex: Executor,
  source: string,
  baseDir: string,
  paramName: string,
  defaultDatabase = 'default',
): Promise<SourceRef> {
  if (isFileSource(source)) {
    const path = resolvePath(baseDir, source);
    if (ex.kind === 'embedded' && !existsSync(path)) throw new SchemaError(`source file not found: ${path}`);
    return { from: `file({${paramName}:String})`, params: { [paramName]: path }, label: path, isFile: true };
  }
  const m = /^(?:([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Za-z_][A-Za-z0-9_]*)$/.exec(source);
  if (!m) throw new SchemaError(`source ${JSON.stringify(source)} is neither a table name (db.table) nor a .csv/.parquet/.jsonl file`);
  const database = m[1] ?? defaultDatabase;
  const table = m[2]!;
  const rows = await ex.query<{ n: number }>(
    'SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    { db: database, t: table },
    { label: 'check source table' },
  );
  if (!rows[0] || Number(rows[0].n) === 0) {
    const tables = await ex.query<{ name: string }>(
      'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name LIMIT 50',
      { db: database },
      { label: 'list tables' },
    );
    throw new SchemaError(
      `table ${database}.${table} does not exist in the store` +
        (tables.length ? ` (tables in ${database}: ${tables.map((t) => t.name).join(', ')})` : ` (database ${database} has no tables)`),
    );
  }
  return { from: `${quoteIdent(database)}.${quoteIdent(table)}`, params: {}, label: `${database}.${table}`, isFile: false };
}

export interface Column {
  name: string;
  type: string;
}

/** The real columns of a source, as ClickHouse sees them. */
export async function describeSource(ex: Executor, src: SourceRef): Promise<Column[]> {
  const rows = await ex.query<{ name: string; type: string }>(`DESCRIBE TABLE ${src.from}`, src.params, {
    label: `describe ${src.label}`,
  });
  return rows.map((r) => ({ name: r.name, type: r.type }));
}

const baseType = (t: string) => t.replace(/^(Nullable|LowCardinality)\((.*)\)$/, '$2').replace(/^(Nullable|LowCardinality)\((.*)\)$/, '$2');

export function isTimeType(t: string): boolean {
  return /^(DateTime|DateTime64|Date|Date32)\b/.test(baseType(t));
}
export function isNumericType(t: string): boolean {
  return /^(U?Int\d+|Float\d+|Decimal)/.test(baseType(t));
}

/** Checks a configured column against the real schema; the error names the key, the column and what exists. */
export function requireColumn(columns: Column[], name: string, key: string, srcLabel: string): Column {
  const c = columns.find((x) => x.name === name);
  if (!c) {
    const n = name.toLowerCase();
    const close = columns.filter((x) => {
      const c = x.name.toLowerCase();
      return c.includes(n) || n.includes(c) || editDistance(c, n) <= 2;
    });
    throw new SchemaError(
      `${key}: unknown column ${JSON.stringify(name)} in ${srcLabel}` +
        (close.length ? ` (did you mean ${close.map((x) => x.name).join(' or ')}?)` : '') +
        `; columns are: ${columns.map((x) => x.name).join(', ')}`,
    );
  }
  return c;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}
