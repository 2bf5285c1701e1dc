import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../config/config.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("config: defaults fit the embedded demo", () => {
  const c = loadConfig(env({}));
  assert.equal(c.port, 8000);
  assert.equal(c.runnerPort, 3000);
  assert.equal(c.dataDir, "./.data");
  assert.equal(c.sourceApiUrl, "http://127.0.0.1:8000");
  // Unset: each job starts where the source's readings do (GET /extent).
  assert.equal(c.partitionStart, undefined);
  assert.equal(c.watchSeconds, 60);
  assert.equal(c.etlCron, "0 1 * * *");
  assert.equal(c.sourceDatabaseUrl, undefined);
  assert.equal(c.etlAttempts, 4);
  assert.equal(c.apiStreams, 10);
  assert.equal(c.streamStallSeconds, 30);
  assert.equal(c.seedDemo, false);
  assert.equal(loadConfig(env({ SEED_DEMO: "true" })).seedDemo, true);
});

Deno.test("config: SOURCE_API_URL follows PORT unless set", () => {
  assert.equal(loadConfig(env({ PORT: "9001" })).sourceApiUrl, "http://127.0.0.1:9001");
  assert.equal(
    loadConfig(env({ PORT: "9001", SOURCE_API_URL: "https://api.example/" })).sourceApiUrl,
    "https://api.example",
  );
});

Deno.test("config: every invalid value names its variable, and no secret is echoed", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: "eighty" }, /^PORT must be a whole number from 1 to 65535/],
    [{ PORT: "70000" }, /^PORT must be/],
    [{ RUNNER_PORT: "-1" }, /^RUNNER_PORT must be/],
    [{ API_STREAMS: "0" }, /^API_STREAMS must be/],
    [{ STREAM_STALL_SECONDS: "soon" }, /^STREAM_STALL_SECONDS must be/],
    [{ MAX_RANGE_DAYS: "-1" }, /^MAX_RANGE_DAYS must be/],
    [{ ETL_ATTEMPTS: "0" }, /^ETL_ATTEMPTS must be/],
    [{ ETL_TIMEOUT_MS: "10" }, /^ETL_TIMEOUT_MS must be/],
    [{ ETL_LEASE_SECONDS: "1" }, /^ETL_LEASE_SECONDS must be/],
    [{ PARTITION_START: "2024-02-30" }, /^PARTITION_START must be a date/],
    [{ SEED_DEMO: "maybe" }, /^SEED_DEMO must be true or false/],
    [{ ETL_CRON: "daily" }, /^ETL_CRON must be a 5-field cron expression/],
    [{ SOURCE_API_URL: "ftp://x" }, /^SOURCE_API_URL must start with http:\/\/ or https:\/\//],
    [
      { TARGET_DATABASE_URL: "mysql://u:hunter2@h/db" },
      /^TARGET_DATABASE_URL must start with postgres/,
    ],
    [
      {
        SOURCE_DATABASE_URL: "postgres://u:hunter2@h/db",
        TARGET_DATABASE_URL: "postgres://u:hunter2@h/db",
      },
      /name the same database/,
    ],
  ];
  for (const [vars, message] of cases) {
    assert.throws(() => loadConfig(env(vars)), (e: Error) => {
      assert.ok(e instanceof ConfigError, `${JSON.stringify(vars)}: ${e}`);
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /hunter2/);
      return true;
    });
  }
});
