/**
 * plugin.json files against tests/support/plugin-json.schema.json: Surfacer's own JSON Schema (draft-07), written from
 * Grafana's public plugin.json reference (https://grafana.com/developers/plugin-tools/reference/plugin-json). It is not
 * Grafana's schema file. To also check against Grafana's official plugin.schema.json, save a copy of it anywhere and run
 * with PLUGIN_SCHEMA=/path/to/plugin.schema.json: every file is then validated against both.
 *
 * Checked: src/plugin.json, src/panels/opportunities/plugin.json (the nested panel; must exist), and every
 * dist/**\/plugin.json (`npm test` runs `npm run build` first). Also: the app's proxy routes only read
 * jsonData / secureJsonData keys that the app's settings type declares (src/types/settings.ts).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';

const ROOT = resolve(__dirname, '../..');
const OWN_SCHEMA = join(ROOT, 'tests', 'support', 'plugin-json.schema.json');

function compile(file: string): ValidateFunction {
  // A fresh Ajv per schema: both may carry the same $id. draft-07 is Ajv's default class. The two formats used are
  // defined here (ajv-formats is not a dependency). unicodeRegExp: false keeps patterns written for Go / plain JS
  // regexps (e.g. an escaped \- outside a class, as an official copy may have) compiling.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  ajv.addFormat('uri', (s: string) => {
    try {
      return Boolean(new URL(s).protocol);
    } catch {
      return false;
    }
  });
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
  return ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
}

const extra = process.env.PLUGIN_SCHEMA?.trim();
if (extra && !existsSync(extra)) throw new Error(`PLUGIN_SCHEMA=${extra}: no such file`);
const schemas: Array<{ label: string; validate: ValidateFunction }> = [
  { label: relative(ROOT, OWN_SCHEMA), validate: compile(OWN_SCHEMA) },
  ...(extra ? [{ label: `PLUGIN_SCHEMA (${extra})`, validate: compile(resolve(extra)) }] : []),
];

function describeErrors(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

/** Problems against our schema only (the negative tests pin its messages). */
function ownProblems(json: unknown): string[] {
  const { validate } = schemas[0]!;
  return validate(json) ? [] : describeErrors(validate);
}

/** Problems against every schema in use, each prefixed with the schema it came from when more than one is in use. */
function problems(json: unknown): string[] {
  const out: string[] = [];
  for (const { label, validate } of schemas) {
    if (validate(json)) continue;
    out.push(...describeErrors(validate).map((p) => (schemas.length > 1 ? `[${label}] ${p}` : p)));
  }
  return out;
}

function findPluginJsons(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findPluginJsons(p));
    else if (name === 'plugin.json') out.push(p);
  }
  return out;
}

function interfaceKeys(name: string): string[] {
  const text = readFileSync(join(ROOT, 'src', 'types', 'settings.ts'), 'utf8');
  const body = new RegExp(`interface ${name}\\s*\\{([\\s\\S]*?)\\n\\}`).exec(text);
  if (!body) throw new Error(`no interface ${name} in src/types/settings.ts`);
  return [...body[1]!.matchAll(/^\s*(\w+)\??\s*:/gm)].map((m) => m[1]!);
}

const APP = join(ROOT, 'src', 'plugin.json');
const PANEL = join(ROOT, 'src', 'panels', 'opportunities', 'plugin.json');

describe('plugin.json against the plugin.json schema(s)', () => {
  // A minimal valid app, to break one field at a time.
  const minimal = () => ({
    type: 'app',
    name: 'x',
    id: 'acme-things-app',
    info: { keywords: ['a'], logos: { small: 's.svg', large: 'l.svg' }, version: '1.0.0', updated: '2026-01-01' },
    routes: [{ path: 'api', method: 'GET', reqRole: 'Viewer', url: 'https://example.invalid', headers: [{ name: 'X-A', content: '{{ .SecureJsonData.token }}' }] }],
    includes: [{ type: 'page', name: 'Home', path: '/a/acme-things-app/home', role: 'Viewer', addToNav: true, defaultNav: true }],
    dependencies: { grafanaDependency: '>=12.3.0', plugins: [] },
  });

  it(`uses ${schemas.map((s) => s.label).join(' and ')}`, () => {
    expect(ownProblems(minimal())).toEqual([]);
  });

  it('the schema rejects a typo\'d key, a bad id and a route without url, naming the field', () => {
    const typo = { ...minimal(), skipDataQeury: true };
    expect(ownProblems(typo)).toEqual(['(root) must NOT have additional properties {"additionalProperty":"skipDataQeury"}']);

    for (const id of ['Bad_Id', 'acme-app-widget', 'acme-a-b-c-panel', 'acme-things-plugin']) {
      const p = ownProblems({ ...minimal(), id });
      expect({ id, p }).toEqual({ id, p: [expect.stringMatching(/^\/id must match pattern/)] });
    }

    const noUrl = minimal();
    delete (noUrl.routes[0] as { url?: string }).url;
    expect(ownProblems(noUrl)).toEqual(['/routes/0 must have required property \'url\' {"missingProperty":"url"}']);

    const includeTypo = minimal();
    (includeTypo.includes[0] as Record<string, unknown>).adToNav = true;
    expect(ownProblems(includeTypo)).toEqual(['/includes/0 must NOT have additional properties {"additionalProperty":"adToNav"}']);

    const routeTypo = minimal();
    (routeTypo.routes[0] as Record<string, unknown>).reqrole = 'Admin';
    expect(ownProblems(routeTypo)).toEqual(['/routes/0 must NOT have additional properties {"additionalProperty":"reqrole"}']);

    expect(ownProblems({ ...minimal(), type: 'widget' }).join('\n')).toMatch(/^\/type must be equal to one of the allowed values/);
    expect(ownProblems({ ...minimal(), dependencies: {} }).join('\n')).toMatch(/\/dependencies must have required property 'grafanaDependency'/);
    expect(ownProblems({ ...minimal(), info: { ...minimal().info, logos: { small: 's.svg' } } }).join('\n')).toMatch(/\/info\/logos must have required property 'large'/);
  });

  it('src/plugin.json (the app)', () => {
    expect(problems(JSON.parse(readFileSync(APP, 'utf8')))).toEqual([]);
  });

  it('src/panels/opportunities/plugin.json (the nested panel) exists and is valid', () => {
    if (!existsSync(PANEL)) throw new Error(`${relative(ROOT, PANEL)} is missing: the app's includes name it (panels/opportunities/plugin.json)`);
    const panel = JSON.parse(readFileSync(PANEL, 'utf8'));
    expect(problems(panel)).toEqual([]);
    expect(panel.type).toBe('panel');
    const app = JSON.parse(readFileSync(APP, 'utf8'));
    // Grafana finds the nested panel by scanning the app's folder; the app lists it among its includes by name.
    expect(app.includes.filter((i: any) => i.type === 'panel').map((i: any) => i.name)).toContain(panel.name);
  });

  it('dist/**/plugin.json: both plugins as built (`npm test` builds first: the pretest script)', () => {
    const dist = join(ROOT, 'dist');
    if (!existsSync(dist)) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    const built = findPluginJsons(dist);
    expect(built.map((f) => relative(dist, f)).sort()).toEqual(['panels/opportunities/plugin.json', 'plugin.json']);
    for (const f of built) {
      const json = JSON.parse(readFileSync(f, 'utf8'));
      expect({ file: relative(ROOT, f), problems: problems(json) }).toEqual({ file: relative(ROOT, f), problems: [] });
      // The build replaces the placeholders.
      expect(json.info.version).not.toBe('%VERSION%');
      expect(json.info.updated).not.toBe('%TODAY%');
    }
  });

  it("the app's proxy routes read only settings keys that src/types/settings.ts declares", () => {
    const app = JSON.parse(readFileSync(APP, 'utf8'));
    const jsonKeys = interfaceKeys('AppJsonData');
    const secureKeys = interfaceKeys('AppSecureJsonData');
    const text = JSON.stringify(app.routes ?? []);
    const used = [...text.matchAll(/\{\{\s*\.(JsonData|SecureJsonData)\.(\w+)\s*\}\}/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(used.length).toBeGreaterThan(0);
    for (const [kind, key] of used) expect({ kind, key, declared: (kind === 'JsonData' ? jsonKeys : secureKeys).includes(key) }).toEqual({ kind, key, declared: true });
    // Any other template reference would be a typo Grafana leaves unexpanded.
    expect(text.replace(/\{\{\s*\.(JsonData|SecureJsonData)\.\w+\s*\}\}/g, '')).not.toMatch(/\{\{/);
  });
});
