/**
 * The enumerated query parameters of the API are zod enums: the OpenAPI document lists their values (so a client
 * sees them), comma-separated and repeated values both parse, and unknown values are named in one issue on the
 * parameter. And the results store's one WHERE builder: values travel as parameters, columns only from its list.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as S from '../../pkg/api/schemas';
import { RUN_STATUSES, TRIAGE_STATUSES } from '../../pkg/store/types';
import { Where } from '../../pkg/store/where';
import { FAMILIES } from '../../pkg/templates/catalog';

const doc = JSON.parse(readFileSync(join(resolve(__dirname, '..', '..'), 'docs', 'openapi.json'), 'utf8'));
const param = (path: string, name: string) =>
  (doc.paths[path].get.parameters as { name: string; in: string; schema: { type?: string; items?: { enum?: string[] }; enum?: string[] } }[]).find((p) => p.in === 'query' && p.name === name)!.schema;

describe('enumerated query parameters', () => {
  it('the OpenAPI document lists the allowed values of every enumerated filter', () => {
    expect(param('/api/runs', 'status')).toMatchObject({ type: 'array', items: { enum: [...RUN_STATUSES] } });
    expect(param('/api/opportunities', 'status')).toMatchObject({ type: 'array', items: { enum: [...TRIAGE_STATUSES] } });
    expect(param('/api/opportunities', 'template')).toMatchObject({ type: 'array', items: { enum: [...FAMILIES] } });
    expect(param('/api/opportunities', 'sort').enum).toEqual(['impact', 'last_seen', 'first_seen', 'q_value']);
    expect(param('/api/opportunities', 'known').enum).toEqual(['true', 'false']);
  });

  it('takes comma-separated and repeated values, trimmed; none is no filter', () => {
    expect(S.RunListQuery.parse({ status: 'queued, running' }).status).toEqual(['queued', 'running']);
    expect(S.LeadListQuery.parse({ status: ['new', 'useful,dismissed'], template: 'ngram' })).toMatchObject({ status: ['new', 'useful', 'dismissed'], template: ['ngram'] });
    expect(S.RunListQuery.parse({ status: ',' }).status).toBeUndefined();
    expect(S.RunListQuery.parse({}).status).toBeUndefined();
  });

  it('names every unknown value in one issue on the parameter, with the allowed ones', () => {
    const r = S.LeadListQuery.safeParse({ template: 'ngram,telepathy,astrology', status: ['new', 'maybe'] });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => ({ path: i.path, message: i.message }));
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: ['template'], message: `unknown template telepathy, astrology; templates are: ${FAMILIES.join(', ')}` },
        { path: ['status'], message: `unknown status maybe; statuses are: ${TRIAGE_STATUSES.join(', ')}` },
      ]),
    );
    expect(issues).toHaveLength(2);
  });
});

describe('the store WHERE builder', () => {
  it('binds values as parameters and leaves out empty filters', () => {
    const evil = "x') OR 1=1 --";
    const w = new Where(['status', 'investigation_id', 'known'], { limit: 5 })
      .in('status', 'statuses', [evil])
      .in('status', 'none', [])
      .eq('investigation_id', 'inv', 'String', undefined)
      .eq('known', 'known', 'UInt8', 0);
    expect(w.sql()).toBe('WHERE status IN {statuses:Array(String)} AND known = {known:UInt8}');
    expect(w.sql()).not.toContain(evil);
    expect(w.params).toEqual({ limit: 5, statuses: [evil], known: 0 });
    expect(new Where(['status']).sql()).toBe('');
  });

  it('refuses a column that is not in its list', () => {
    const w = new Where<string>(['status']);
    expect(() => w.in('status; DROP TABLE runs', 'x', ['a'])).toThrow(/not a filter column here: status; DROP TABLE runs \(columns: status\)/);
  });
});
