/**
 * `npm test` on a fresh machine (scripts/test-prerequisites.ts, run by pretest): installs Debian's chromium,
 * fonts-inter and clickhouse-server when missing and root, else stops with the exact command. The machine's packages
 * are not uninstalled here: the checks are injected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { plan } from '../../scripts/test-prerequisites';

const ROOT = join(__dirname, '..', '..');
const machine = (installed: string[]) => (path: string) => installed.includes(path);
const ALL = ['/usr/bin/chromium', '/usr/share/fonts/opentype/inter', '/usr/sbin/clickhouse-server'];

describe('what npm test installs first', () => {
  it('nothing when everything is there', () => {
    expect(plan({ exists: machine(ALL), isRoot: false, hasApt: true, env: {} })).toEqual({ action: 'none' });
  });

  it('a fresh machine as root: apt-get update, then install the three', () => {
    expect(plan({ exists: machine([]), isRoot: true, hasApt: true, env: {} })).toEqual({
      action: 'install',
      packages: ['chromium', 'fonts-inter', 'clickhouse-server'],
      commands: [
        ['apt-get', 'update'],
        ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium', 'fonts-inter', 'clickhouse-server'],
      ],
    });
  });

  it('only what is missing', () => {
    const p = plan({ exists: machine(['/usr/bin/chromium', '/usr/share/fonts/opentype/inter']), isRoot: true, hasApt: true, env: {} });
    expect(p).toMatchObject({ action: 'install', packages: ['clickhouse-server'] });
  });

  it('not root: stops with the exact command to run', () => {
    const p = plan({ exists: machine(['/usr/share/fonts/opentype/inter']), isRoot: false, hasApt: true, env: {} });
    expect(p.action).toBe('stop');
    expect(p).toMatchObject({ packages: ['chromium', 'clickhouse-server'] });
    expect((p as { message: string }).message).toContain('sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium clickhouse-server');
  });

  it('CHROMIUM_PATH and CLICKHOUSE_SERVER_BIN count, as the tests use them', () => {
    const env = { CHROMIUM_PATH: '/opt/chrome/chrome', CLICKHOUSE_SERVER_BIN: '/opt/ch/clickhouse' };
    const p = plan({ exists: machine(['/opt/chrome/chrome', '/opt/ch/clickhouse', '/usr/share/fonts/opentype/inter']), isRoot: false, hasApt: false, env });
    expect(p).toEqual({ action: 'none' });
  });

  it('npm test runs it first, and .ci/run goes through npm test', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.pretest).toMatch(/^tsx scripts\/test-prerequisites\.ts && /);
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^npm test$/m);
    expect(ci).not.toMatch(/apt-get/);
  });
});
