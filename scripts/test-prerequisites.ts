/**
 * What `npm test` needs besides node_modules (run by `pretest`, and by .ci/run through it): Debian's chromium and
 * fonts-inter for the browser tests, Debian's clickhouse-server for the server-transport tests. Missing ones are
 * installed with apt-get when this runs as root; otherwise it stops at once with the exact command to run.
 * The decision is `plan()`, with the checks injected, so tests/pkg/test-prerequisites.test.ts can try every case
 * without touching the machine's packages.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

type Env = Record<string, string | undefined>;

/** Each Debian package, and how the tests find it (the same paths tests/browser and tests/support look at). */
export const PACKAGES: Array<{ name: string; paths: (env: Env) => Array<string | undefined> }> = [
  { name: 'chromium', paths: (env) => [env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'] },
  { name: 'fonts-inter', paths: () => ['/usr/share/fonts/opentype/inter'] },
  { name: 'clickhouse-server', paths: (env) => [env.CLICKHOUSE_SERVER_BIN, '/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/bin/clickhouse'] },
];

export type Plan =
  | { action: 'none' }
  | { action: 'install'; packages: string[]; commands: string[][] }
  | { action: 'stop'; packages: string[]; message: string };

export function plan(o: { exists: (path: string) => boolean; isRoot: boolean; hasApt: boolean; env: Env }): Plan {
  const missing = PACKAGES.filter((p) => !p.paths(o.env).some((path) => path && o.exists(path))).map((p) => p.name);
  if (missing.length === 0) return { action: 'none' };
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
  if (o.isRoot && o.hasApt) {
    return { action: 'install', packages: missing, commands: [['apt-get', 'update'], install] };
  }
  const command = `sudo apt-get update && sudo ${install.join(' ')}`;
  const message = o.hasApt
    ? `npm test needs ${missing.join(', ')} (Debian packages), and is not running as root to install them. Run:\n  ${command}\nthen npm test again.`
    : `npm test needs ${missing.join(', ')}; on Debian or Ubuntu: ${command} (elsewhere: install Chromium, the Inter font and ClickHouse server, and set CHROMIUM_PATH / CLICKHOUSE_SERVER_BIN).`;
  return { action: 'stop', packages: missing, message };
}

function main(): number {
  const p = plan({
    exists: existsSync,
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    hasApt: existsSync('/usr/bin/apt-get'),
    env: process.env,
  });
  if (p.action === 'none') return 0;
  if (p.action === 'stop') {
    console.error(p.message);
    return 1;
  }
  console.log(`installing what the tests need: ${p.packages.join(', ')}`);
  for (const [cmd, ...args] of p.commands) {
    execFileSync(cmd!, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  return 0;
}

if (require.main === module) process.exitCode = main();
