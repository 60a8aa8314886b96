/**
 * The one WHERE builder of the results store: conditions whose values travel as bound query parameters, on columns
 * taken only from the fixed list the builder was made with (a column name never comes from a request).
 */
import type { Params } from '../execute/executor';

type ParamType = 'String' | 'UInt8' | 'Int64';

export class Where<Col extends string> {
  private readonly conds: string[] = [];

  constructor(
    private readonly columns: readonly Col[],
    /** The query's parameters; the conditions add theirs here. */
    readonly params: Params = {},
  ) {}

  private col(c: Col): Col {
    if (!this.columns.includes(c)) throw new Error(`not a filter column here: ${c} (columns: ${this.columns.join(', ')})`);
    return c;
  }

  /** `col IN {name:Array(String)}`; no condition when there are no values. */
  in(c: Col, name: string, values: readonly string[] | undefined): this {
    if (!values?.length) return this;
    this.conds.push(`${this.col(c)} IN {${name}:Array(String)}`);
    this.params[name] = values;
    return this;
  }

  /** `col = {name:type}`; no condition when the value is undefined or ''. */
  eq(c: Col, name: string, type: ParamType, value: string | number | undefined): this {
    if (value === undefined || value === '') return this;
    this.conds.push(`${this.col(c)} = {${name}:${type}}`);
    this.params[name] = value;
    return this;
  }

  /** A fixed condition (SQL text of the caller, not of a request) with its bound parameters. */
  cond(sql: string, params: Params = {}): this {
    this.conds.push(sql);
    Object.assign(this.params, params);
    return this;
  }

  /** `WHERE a AND b`, or '' without conditions. */
  sql(): string {
    return this.conds.length ? `WHERE ${this.conds.join(' AND ')}` : '';
  }
}
