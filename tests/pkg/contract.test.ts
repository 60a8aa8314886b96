/**
 * One contract between the engine and the app: the zod schemas (pkg/api/schemas.ts) → docs/openapi.json
 * (scripts/openapi.ts, the document `surfacer serve` answers at /api/openapi.json) → src/types/engine.gen.ts
 * (openapi-typescript) → src/types/api.ts (lookups only). Fails while either generated file is stale:
 * run `npm run contract`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '..', '..');
const OPENAPI = join(ROOT, 'docs', 'openapi.json');
const TYPES = join(ROOT, 'src', 'types', 'engine.gen.ts');

describe('the engine ↔ app contract', () => {
  let out: string;
  beforeAll(() => {
    // openapi-typescript is an ES module: the script runs under tsx, as `npm run contract` runs it.
    out = mkdtempSync(join(tmpdir(), 'surfacer-contract-'));
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'openapi.ts'), '--out', out], { cwd: ROOT, stdio: 'pipe' });
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('docs/openapi.json is what the engine serves (npm run contract)', () => {
    expect(readFileSync(OPENAPI, 'utf8')).toBe(readFileSync(join(out, 'openapi.json'), 'utf8'));
  });

  it('src/types/engine.gen.ts is generated from it (npm run contract)', () => {
    expect(readFileSync(TYPES, 'utf8')).toBe(readFileSync(join(out, 'engine.gen.ts'), 'utf8'));
  });

  it('the lead detail describes the opportunity field by field, not as free-form JSON', () => {
    const doc = JSON.parse(readFileSync(OPENAPI, 'utf8'));
    const op = doc.paths['/api/opportunities/{id}'].get.responses['200'].content['application/json'].schema.properties.opportunity;
    for (const k of ['statement', 'effect', 'stability', 'trend', 'confounder_hints', 'series', 'sql']) expect(Object.keys(op.properties)).toContain(k);
    expect(op.required).toEqual(expect.arrayContaining(['statement', 'effect', 'stability', 'sql']));
  });

  it('the app has no hand-written copy: src/types/api.ts only looks types up in the generated file', () => {
    expect(existsSync(join(ROOT, 'src', 'types', 'engine.ts'))).toBe(false);
    const api = readFileSync(join(ROOT, 'src', 'types', 'api.ts'), 'utf8');
    expect(api).toMatch(/from '\.\/engine\.gen'/);
    expect(api).not.toMatch(/^export interface/m);
  });
});
