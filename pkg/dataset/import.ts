import type { Executor } from '../execute/executor';
import { quoteIdent } from '../execute/sql';
import { describeSource, SchemaError, type Column } from './source';
import { isFileSource } from '../config/load';
import { isSystemDatabase } from '../config/schema';

export interface ImportOptions {
  file: string;
  table: string;
  orderBy?: string;
  replace?: boolean;
}

/**
 * Loads a CSV/Parquet/JSONL file into a MergeTree table of the store. ClickHouse infers the schema from the file;
 * the path travels as a parameter, the table name is validated and quoted.
 */
export async function importFile(ex: Executor, o: ImportOptions): Promise<{ table: string; rows: number; columns: Column[] }> {
  if (!isFileSource(o.file)) throw new SchemaError(`cannot import ${o.file}: expected a .csv, .tsv, .parquet, .jsonl or .ndjson file`);
  const m = /^(?:([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Za-z_][A-Za-z0-9_]*)$/.exec(o.table);
  if (!m) throw new SchemaError(`--table ${JSON.stringify(o.table)}: expected a name like events or db.events (letters, digits, _)`);
  const db = m[1] ?? 'default';
  if (isSystemDatabase(db)) throw new SchemaError(`--table ${o.table}: ${db} is a ClickHouse system database; import into another one`);
  // A results database is recognized by its migrations table, so this holds without the config at hand.
  const results = await ex.query<{ n: number }>("SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = 'schema_migrations'", { db });
  if (Number(results[0]!.n) > 0) throw new SchemaError(`--table ${o.table}: ${db} is Surfacer's results database (runs, leads, triage); import into another one`);
  const target = `${quoteIdent(db)}.${quoteIdent(m[2]!)}`;
  const src = { from: 'file({imp_path:String})', params: { imp_path: o.file }, label: o.file, isFile: true };
  let columns: Column[];
  try {
    columns = await describeSource(ex, src);
  } catch (e) {
    throw new SchemaError(`cannot read ${o.file}: ${(e as Error).message}`);
  }
  const order = (o.orderBy ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  for (const c of order) {
    if (!columns.some((x) => x.name === c)) throw new SchemaError(`--order-by: unknown column ${JSON.stringify(c)}; columns are: ${columns.map((x) => x.name).join(', ')}`);
  }
  const exists = await ex.query<{ n: number }>('SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {t:String}', { db, t: m[2]! });
  if (Number(exists[0]!.n) > 0 && !o.replace) throw new SchemaError(`table ${db}.${m[2]} already exists (use --replace to overwrite it)`);
  await ex.command(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(db)}`);
  // Build next to the target and swap, so a failed import never loses the table that was there.
  const staging = `${quoteIdent(db)}.${quoteIdent(`${m[2]}__import`)}`;
  await ex.command(`DROP TABLE IF EXISTS ${staging}`);
  const orderSql = order.length ? `(${order.map(quoteIdent).join(', ')})` : 'tuple()';
  await ex.command(
    `CREATE TABLE ${staging} ENGINE = MergeTree ORDER BY ${orderSql} SETTINGS allow_nullable_key = 1 AS SELECT * FROM ${src.from}`,
    src.params,
    // ClickHouse trims spaces around unquoted CSV values, JSONL and Parquet keep them: keep them in CSV too (RFC
    // 4180: spaces are part of a field), so the same data gives the same values whatever the file's format.
    { label: `import ${o.file}`, settings: { input_format_csv_trim_whitespaces: 0 } },
  );
  if (Number(exists[0]!.n) > 0) await ex.command(`EXCHANGE TABLES ${staging} AND ${target}`);
  else await ex.command(`RENAME TABLE ${staging} TO ${target}`);
  await ex.command(`DROP TABLE IF EXISTS ${staging}`);
  const rows = await ex.query<{ n: number }>(`SELECT count() AS n FROM ${target}`);
  return { table: `${db}.${m[2]}`, rows: Number(rows[0]!.n), columns };
}
