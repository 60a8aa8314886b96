/**
 * A throwaway ClickHouse server for transport tests: config, users and data in a fresh temp folder, loopback
 * only, on free ports; killed on stop() and when the test process exits.
 *
 * Works with Debian's clickhouse-server 18.16 (`/usr/sbin/clickhouse-server`, config root `<yandex>`) and with
 * upstream builds (`/usr/bin/clickhouse server`, which still accept `<yandex>`). Override the binary with
 * CLICKHOUSE_SERVER_BIN.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export interface ClickHouseServer {
  url: string;
  user: string;
  password: string;
  /** The temp folder holding config, data and logs (removed by stop()). */
  dir: string;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'ClickHouse server binary not found (looked for /usr/sbin/clickhouse-server, /usr/bin/clickhouse-server, ' +
  '/usr/bin/clickhouse). Install it: `apt-get update && apt-get install -y clickhouse-server` ' +
  '(or set CLICKHOUSE_SERVER_BIN).';

/** The command that starts a server with a config file. Throws (does not skip) when none is installed. */
function serverCommand(): { bin: string; args: (configFile: string) => string[] } {
  const plain = (configFile: string) => [`--config-file=${configFile}`];
  const multi = (configFile: string) => ['server', `--config-file=${configFile}`];
  const fromEnv = process.env.CLICKHOUSE_SERVER_BIN;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CLICKHOUSE_SERVER_BIN=${fromEnv} does not exist. ${INSTALL_HINT}`);
    return { bin: fromEnv, args: basename(fromEnv) === 'clickhouse' ? multi : plain };
  }
  for (const bin of ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server']) {
    if (existsSync(bin)) return { bin, args: plain };
  }
  if (existsSync('/usr/bin/clickhouse')) return { bin: '/usr/bin/clickhouse', args: multi };
  throw new Error(INSTALL_HINT);
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function configXml(dir: string, httpPort: number, tcpPort: number): string {
  // No interserver_http_port / mysql_port / https / secure tcp: only the two ports we picked are opened.
  return `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>information</level>
    <log>${dir}/log/clickhouse-server.log</log>
    <errorlog>${dir}/log/clickhouse-server.err.log</errorlog>
    <size>10M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <listen_host>::1</listen_host>
  <listen_try>1</listen_try>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>50</max_concurrent_queries>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mark_cache_size>67108864</mark_cache_size>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
`;
}

function usersXml(user: string, password: string): string {
  const loopback = '<networks><ip>127.0.0.1</ip><ip>::1</ip></networks>';
  return `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>2000000000</max_memory_usage>
      <load_balancing>random</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      ${loopback}
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <${user}>
      <password>${xmlEscape(password)}</password>
      ${loopback}
      <profile>default</profile>
      <quota>default</quota>
    </${user}>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
`;
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pingOk(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return r.ok && (await r.text()).startsWith('Ok');
  } catch {
    return false;
  }
}

// Servers still running when the process exits (a test forgot stop(), or jest tore the worker down).
const running = new Map<ChildProcess, string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [child, dir] of running) {
      try {
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // already gone
      }
    }
  });
}

export async function startClickHouseServer(opts: { readyTimeoutMs?: number } = {}): Promise<ClickHouseServer> {
  const cmd = serverCommand(); // throws with the install hint before anything is created or spawned
  const dir = mkdtempSync(join(tmpdir(), 'surfacer-ch-'));
  const configFile = join(dir, 'config.xml');
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas', 'log']) mkdirSync(join(dir, sub), { recursive: true });

  const user = 'surfacer';
  const password = `pw-${Math.random().toString(36).slice(2, 10)}`;
  const httpPort = await freePort();
  let tcpPort = await freePort();
  while (tcpPort === httpPort) tcpPort = await freePort();
  writeFileSync(configFile, configXml(dir, httpPort, tcpPort));
  writeFileSync(join(dir, 'users.xml'), usersXml(user, password));

  const url = `http://127.0.0.1:${httpPort}`;
  let stderr = '';
  const child = spawn(cmd.bin, cmd.args(configFile), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-8000);
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((r) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      r();
    }),
  );
  let spawnError: Error | undefined;
  child.once('error', (e) => {
    spawnError = e;
  });
  installExitHook();
  running.set(child, dir);

  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20000);
  for (;;) {
    if (spawnError || exited) {
      const why = spawnError ? spawnError.message : `exited with ${exited?.code ?? exited?.signal}`;
      const logs = [stderr.trim(), tail(join(dir, 'log', 'clickhouse-server.err.log'))].filter(Boolean).join('\n');
      await stop();
      throw new Error(`ClickHouse server (${cmd.bin}) failed to start: ${why}\n${logs}`);
    }
    if (await pingOk(url)) break;
    if (Date.now() > deadline) {
      const logs = [stderr.trim(), tail(join(dir, 'log', 'clickhouse-server.err.log'))].filter(Boolean).join('\n');
      await stop();
      throw new Error(`ClickHouse server (${cmd.bin}) did not answer ${url}/ping within ${opts.readyTimeoutMs ?? 20000} ms\n${logs}`);
    }
    await sleep(50);
  }
  return { url, user, password, dir, stop };
}
