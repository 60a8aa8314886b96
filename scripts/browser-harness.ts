/**
 * Starts the browser harness by hand: the real engine on a fresh synthetic embedded store, behind a stand-in for
 * Grafana's server (plugin proxy + plugin settings), serving the built plugin (dist/: run `npm run build`, or
 * `npm run dev` to rebuild on change) as Grafana loads it.
 *
 *   npx tsx scripts/browser-harness.ts [--port 3001] [--events 60000] [--role Admin|Editor|Viewer] [--rebundle]
 *
 * Prints the URL; Ctrl-C stops it.
 */
import { startHarness } from '../tests/browser/server';
import type { Role } from '../tests/browser/grafana-proxy';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const h = await startHarness({
    port: arg('port') ? Number(arg('port')) : 3001,
    events: arg('events') ? Number(arg('events')) : undefined,
    role: (arg('role') as Role | undefined) ?? 'Admin',
    onProgress: (m) => process.stderr.write(`${m}\n`),
    rebundleOnLoad: process.argv.includes('--rebundle'),
  });
  const base = `${h.url}/a/surfacer-opportunities-app`;
  process.stdout.write(
    [
      `Harness: ${h.url}`,
      `  Investigate    ${base}/investigate`,
      `  Opportunities  ${base}/opportunities`,
      `  Templates      ${base}/templates`,
      `  Configuration  ${h.url}/plugins/surfacer-opportunities-app`,
      `  Panel          ${h.url}/panel?kpi=payment_conversion`,
      `Engine (direct, token required): ${h.engineUrl}`,
      '',
    ].join('\n')
  );
  const stop = async () => {
    await h.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
