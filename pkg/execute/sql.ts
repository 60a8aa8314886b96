/**
 * SQL text helpers. Identifiers are quoted only after they were checked against the real schema
 * (requireColumn in dataset/source.ts); values never go through here, they travel as query parameters.
 */

const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** Backtick-quote an identifier; refuses names ClickHouse could not have given us. */
export function quoteIdent(name: string): string {
  if (!IDENT.test(name)) throw new Error(`not a valid identifier: ${JSON.stringify(name)}`);
  return '`' + name + '`';
}

/** A database-qualified table name, each part checked. */
export function qualified(database: string, table: string): string {
  return `${quoteIdent(database)}.${quoteIdent(table)}`;
}

/**
 * For scratch tables in the Memory engine: many small blocks, not the few squashed ones an INSERT … SELECT
 * makes by default (up to ~1M rows each). A scan of a Memory table runs one thread per block, so a session table
 * of one or two big blocks kept every later scan on one core.
 */
export const MEMORY_TABLE_SETTINGS = 'SETTINGS max_block_size = 16384, min_insert_block_size_rows = 16384, min_insert_block_size_bytes = 0';

/**
 * SQL text from a template literal, for reading: the template's common indentation is removed, and a value of
 * several lines is indented like the line it is placed on, so a piece built by a helper reads as nested.
 */
export function sql(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  let out = '';
  strings.forEach((s, i) => {
    out += s;
    if (i < values.length) {
      // The last line's indent, found from its start: a regex anchored at the end (/[^\n]*$/) tries every
      // position of a long line, quadratic in the length of a one-line key expression.
      const lineIndent = /^ */.exec(out.slice(out.lastIndexOf('\n') + 1))![0];
      out += String(values[i]).replace(/\n/g, `\n${lineIndent}`);
    }
  });
  const lines = out.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => (l.trim() ? l.slice(indent) : '')).join('\n');
}
