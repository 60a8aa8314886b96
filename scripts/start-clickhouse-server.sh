#!/usr/bin/env bash
# Start a throwaway ClickHouse server (same setup as the transport tests: temp folder, loopback, free ports),
# print its URL and credentials, and keep it running until Ctrl-C. Needs: apt-get install -y clickhouse-server
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx tsx -e '
import { startClickHouseServer } from "./tests/support/clickhouse-server";
startClickHouseServer().then((s) => {
  console.log(`url=${s.url} user=${s.user} password=${s.password} dir=${s.dir}`);
  console.log(`try: curl "${s.url}/?user=${s.user}&password=${s.password}" --data-binary "SELECT version()"`);
  const stop = () => { void s.stop().then(() => process.exit(0)); };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  setInterval(() => {}, 1 << 30);
}, (e: Error) => { console.error(e.message); process.exit(1); });
'
