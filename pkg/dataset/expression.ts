import { SchemaError, type Column } from './source';

/**
 * KPI expressions (failure_when, numeric) are SQL written by the operator. They are embedded in the
 * sessionizing query, so they are checked first: only columns of the source, known functions, literals
 * and operators; no subqueries, no table functions, no statement separators, no parameters.
 * ClickHouse then type-checks them in a LIMIT 0 dry run.
 */

export interface ParsedExpression {
  text: string;
  columns: string[];
  functions: string[];
  /** String literals, e.g. event names the expression compares with: excluded from the KPI's own candidates. */
  strings: string[];
}

const KEYWORDS = new Set([
  'AND', 'OR', 'NOT', 'IN', 'BETWEEN', 'IS', 'NULL', 'LIKE', 'ILIKE', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'TRUE', 'FALSE', 'INTERVAL',
  'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'YEAR', 'AS',
]);
const FORBIDDEN_WORDS = new Set(['SELECT', 'FROM', 'JOIN', 'UNION', 'INTO', 'SETTINGS', 'FORMAT', 'WITH', 'INSERT', 'DROP', 'ALTER', 'CREATE', 'SYSTEM', 'KILL', 'ATTACH', 'DETACH', 'GRANT', 'TRUNCATE', 'RENAME', 'OPTIMIZE']);
// Functions that reach outside the row set: files, network, dictionaries, other tables, server state.
const FORBIDDEN_FUNCTIONS = /^(file|url|remote|remoteSecure|cluster|clusterAllReplicas|s3|s3Cluster|hdfs|gcs|azureBlobStorage|mysql|postgresql|jdbc|odbc|mongodb|redis|sqlite|input|executable|dictGet\w*|dictHas|joinGet\w*|getSetting|getServerSetting|currentUser|currentProfiles|currentRoles|hostName|fqdn|getMacro|filesystem\w*|sleep\w*|throwIf|ignore|initializeAggregation|generateRandom|numbers|zeros|view|merge|loop|dictionary|catboostEvaluate|evalMLMethod|connectionId|globalVariable)$/i;

const COMBINATORS = /(If|Array|Map|State|Merge|MergeState|OrNull|OrDefault|Distinct|ForEach|Resample|SimpleState|ArgMin|ArgMax)$/;

/** Aggregate combinators (avgIf, sumArray, uniqIfState…) are not listed in system.functions: strip them. */
function isKnownFunction(name: string, known: Set<string>): boolean {
  let n = name;
  for (let i = 0; i < 4; i++) {
    if (known.has(n) || known.has(n.toLowerCase())) return true;
    const m = COMBINATORS.exec(n);
    if (!m || m.index === 0) return false;
    n = n.slice(0, m.index);
  }
  return false;
}

type Tok = { kind: 'ident' | 'number' | 'string' | 'op'; text: string; pos: number };

function tokenize(text: string, key: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new SchemaError(`${key}: ${why} at position ${i + 1} of ${JSON.stringify(text)}`);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== "'") {
        if (text[j] === '\\') {
          s += text[j + 1] ?? '';
          j += 2;
        } else s += text[j++];
      }
      if (j >= text.length) fail('unterminated string literal');
      out.push({ kind: 'string', text: s, pos: i });
      i = j + 1;
      continue;
    }
    const num = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (num) {
      out.push({ kind: 'number', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (id) {
      out.push({ kind: 'ident', text: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    if (text.startsWith('--', i) || text.startsWith('/*', i) || text.startsWith('#', i)) fail('comments are not allowed');
    const op = /^(<=|>=|!=|<>|==|\|\||[-+*/%=<>(),.[\]])/.exec(text.slice(i));
    if (op) {
      out.push({ kind: 'op', text: op[0], pos: i });
      i += op[0].length;
      continue;
    }
    fail(`character ${JSON.stringify(c)} is not allowed (no ;, backticks, quotes other than '…', or {parameters})`);
  }
  return out;
}

export function parseExpression(text: string, key: string, columns: Column[], knownFunctions: Set<string>): ParsedExpression {
  const toks = tokenize(text, key);
  if (toks.length === 0) throw new SchemaError(`${key}: empty expression`);
  const colNames = new Map(columns.map((c) => [c.name, c.name]));
  const used = new Set<string>();
  const fns = new Set<string>();
  const strings: string[] = [];
  let depth = 0;
  toks.forEach((t, idx) => {
    if (t.kind === 'op' && t.text === '(') depth++;
    if (t.kind === 'op' && t.text === ')') {
      depth--;
      if (depth < 0) throw new SchemaError(`${key}: unbalanced ")" in ${JSON.stringify(text)}`);
    }
    if (t.kind === 'string') strings.push(t.text);
    if (t.kind !== 'ident') return;
    const up = t.text.toUpperCase();
    const next = toks[idx + 1];
    const isCall = next?.kind === 'op' && next.text === '(';
    if (FORBIDDEN_WORDS.has(up)) throw new SchemaError(`${key}: ${t.text} is not allowed in a KPI expression (an expression over the group's rows, not a query)`);
    if (isCall) {
      if (FORBIDDEN_FUNCTIONS.test(t.text)) throw new SchemaError(`${key}: function ${t.text}() is not allowed in a KPI expression`);
      if (!isKnownFunction(t.text, knownFunctions)) {
        throw new SchemaError(`${key}: unknown function ${t.text}() in ${JSON.stringify(text)}`);
      }
      fns.add(t.text);
      return;
    }
    if (KEYWORDS.has(up)) return;
    const prev = toks[idx - 1];
    if (prev?.kind === 'op' && prev.text === '.') throw new SchemaError(`${key}: qualified names (a.b) are not allowed in ${JSON.stringify(text)}`);
    if (!colNames.has(t.text)) {
      throw new SchemaError(
        `${key}: unknown column ${JSON.stringify(t.text)} in ${JSON.stringify(text)}; columns are: ${columns.map((c) => c.name).join(', ')}`,
      );
    }
    used.add(t.text);
  });
  if (depth !== 0) throw new SchemaError(`${key}: unbalanced "(" in ${JSON.stringify(text)}`);
  // Identifiers become backtick-quoted so they can't be read as anything but the column.
  return { text: requote(text, toks, used), columns: [...used], functions: [...fns], strings };
}

/** Rebuild the expression from tokens, columns quoted, so what runs is exactly what was checked. */
function requote(_text: string, toks: Tok[], cols: Set<string>): string {
  return toks
    .map((t) => {
      if (t.kind === 'string') return `'${t.text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
      if (t.kind === 'ident' && cols.has(t.text)) return '`' + t.text + '`';
      return t.text;
    })
    .join(' ')
    .replace(/ \( /g, '(')
    .replace(/ \(/g, '(')
    .replace(/\( /g, '(')
    .replace(/ \)/g, ')')
    .replace(/ ,/g, ',');
}
