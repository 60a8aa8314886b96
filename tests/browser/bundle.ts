/**
 * Bundles the browser harness (tests/browser/harness/index.tsx: Grafana's shell, SystemJS and the shared modules
 * react, @grafana/*, rxjs, @emotion/css, react-router) into one ES module with esbuild, like Grafana's own build
 * bundles them. The plugin itself is not in it: the harness loads the built dist/ through SystemJS.
 */
import { build, type Plugin } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');

/**
 * While other pages are being written, src/ may import a module that does not exist yet. Rather than failing the
 * whole bundle (and every test with it), such an import becomes a module whose default export renders an error and
 * logs a console error, so only the tests that reach it fail, saying which module is missing.
 */
function missingModules(missing: string[]): Plugin {
  return {
    name: 'harness-missing-modules',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.namespace !== 'file' || !args.importer.startsWith(join(ROOT, 'src')) || args.pluginData?.harnessRetry) return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { harnessRetry: true } });
        if (r.errors.length === 0) return r;
        const what = `${args.path} (imported by ${args.importer.slice(ROOT.length + 1)})`;
        missing.push(what);
        return { path: what, namespace: 'harness-missing' };
      });
      b.onLoad({ filter: /.*/, namespace: 'harness-missing' }, (args) => ({
        loader: 'js',
        resolveDir: ROOT,
        contents: `import { createElement } from 'react';
const what = ${JSON.stringify(args.path)};
console.error('harness: missing module ' + what);
export default function Missing() { return createElement('div', { 'data-harness': 'missing-module', style: { color: 'red', padding: 16 } }, 'Missing module: ' + what); }
`,
      }));
    },
  };
}

export async function bundleHarness(outDir: string): Promise<{ js: string; css?: string; ms: number; missing: string[] }> {
  const missing: string[] = [];
  const t0 = Date.now();
  mkdirSync(outDir, { recursive: true });
  const r = await build({
    entryPoints: { harness: join(ROOT, 'tests', 'browser', 'harness', 'index.tsx') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    jsx: 'automatic',
    sourcemap: 'linked',
    // Development React: its warnings (keys, act, invalid DOM nesting) reach the console, where the tests look.
    define: { 'process.env.NODE_ENV': '"development"', global: 'window' },
    // create-plugin's webpack resolves bare imports from src/ too (resolve.modules).
    nodePaths: [join(ROOT, 'src'), join(ROOT, 'node_modules')],
    loader: { '.svg': 'file', '.png': 'file', '.woff2': 'file', '.woff': 'file', '.ttf': 'file' },
    alias: {
      // Grafana core calls setPluginPage (internal to @grafana/runtime, not exported to plugins) at startup.
      'grafana-runtime-plugin-page': join(ROOT, 'node_modules', '@grafana', 'runtime', 'dist', 'esm', 'components', 'PluginPage.mjs'),
    },
    plugins: [missingModules(missing)],
    logLevel: 'silent',
    metafile: false,
  });
  if (r.errors.length) throw new Error(r.errors.map((e) => e.text).join('\n'));
  return { js: join(outDir, 'harness.js'), css: join(outDir, 'harness.css'), ms: Date.now() - t0, missing };
}
