-- Loads the demo telemetry written by `surfacer generate --out /demo` into the ClickHouse server.
-- The `demo-data` volume is mounted in the server at /var/lib/clickhouse/user_files/demo, so file() reads it
-- server-side (paths are relative to user_files_path). Idempotent: tables that exist are left as they are
-- (`docker compose down -v` starts over). Run by the `demo-load` job: clickhouse-client --multiquery < this file.
CREATE DATABASE IF NOT EXISTS demo;

CREATE TABLE IF NOT EXISTS demo.events
ENGINE = MergeTree
ORDER BY (session_id, ts)
AS SELECT * FROM file('demo/events.parquet', 'Parquet');

CREATE TABLE IF NOT EXISTS demo.backend_metrics
ENGINE = MergeTree
ORDER BY ts
AS SELECT ts, cpu FROM file('demo/backend_metrics.csv', 'CSVWithNames', 'ts DateTime(\'UTC\'), cpu Float64');
