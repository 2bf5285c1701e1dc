/** The settings registry: defaults, validation (one message naming the variable), and reach. */
import assert from "node:assert/strict";
import {
  type Command,
  COMMANDS,
  ConfigError,
  isSet,
  loadConfig,
  unusedNotes,
  withValues,
} from "../config/config.ts";
import { DEFAULT_DEMO_TURBINES, SETTINGS } from "../config/settings.ts";
import { cronProblem } from "../config/cron.ts";
import { safeText } from "../jobs/core/safe_text.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name] || undefined;
const load = (vars: Record<string, string>, command?: Command, report?: (l: string) => void) =>
  loadConfig({ get: env(vars), command, report: report ?? (() => {}) });

Deno.test("config: defaults fit the embedded demo", () => {
  const c = load({});
  assert.equal(c.port, 8000);
  assert.equal(c.runnerPort, 3000);
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.dataDir, "./.data");
  assert.equal(c.sourceApiUrl, "http://127.0.0.1:8000");
  // Unset: each job starts where the source's readings do (GET /extent).
  assert.equal(c.partitionStart, undefined);
  assert.equal(c.watchSeconds, 60);
  assert.equal(c.etlCron, "0 1 * * *");
  assert.equal(c.sourceDatabaseUrl, undefined);
  assert.equal(c.apiToken, undefined);
  assert.equal(c.etlRetrySeconds, 60);
  assert.equal(c.apiStreams, 10);
  assert.equal(c.streamStallSeconds, 30);
  assert.equal(c.seedDemo, false);
  assert.equal(c.demoDays, 10);
  assert.equal(c.demoTurbines, DEFAULT_DEMO_TURBINES);
  assert.equal(c.demoLateSeconds, 60);
  assert.equal(load({ SEED_DEMO: "true" }).seedDemo, true);
});

Deno.test("config: SOURCE_API_URL follows PORT unless set", () => {
  assert.equal(load({ PORT: "9001" }).sourceApiUrl, "http://127.0.0.1:9001");
  assert.equal(
    load({ PORT: "9001", SOURCE_API_URL: "https://api.example/" }).sourceApiUrl,
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
    [{ ETL_RETRY_SECONDS: "-1" }, /^ETL_RETRY_SECONDS must be/],
    [{ ETL_TIMEOUT_MS: "10" }, /^ETL_TIMEOUT_MS must be/],
    [{ ETL_LEASE_SECONDS: "1" }, /^ETL_LEASE_SECONDS must be/],
    [{ DEMO_DAYS: "0" }, /^DEMO_DAYS must be a whole number from 1 to 366/],
    [{ DEMO_TURBINES: "0" }, /^DEMO_TURBINES must be a whole number from 1 to 200/],
    [{ DEMO_LATE_SECONDS: "-1" }, /^DEMO_LATE_SECONDS must be a whole number from 0 to 86400/],
    [{ PARTITION_START: "2024-02-30" }, /^PARTITION_START must be a real date/],
    [{ PARTITION_START: "0000-01-01" }, /^PARTITION_START must be a real date .* 0001-01-01 to/],
    [{ PARTITION_START: "9999-12-31" }, /^PARTITION_START .*9999-12-30/],
    [{ SEED_DEMO: "maybe" }, /^SEED_DEMO must be true or false/],
    [{ ETL_CRON: "daily" }, /^ETL_CRON must be a 5-field cron expression .*"daily": it needs 5/],
    [{ ETL_CRON: "99 99 * * *" }, /^ETL_CRON .*"99 99 \* \* \*": minute "99": 99 is not 0-59/],
    [{ ETL_CRON: "61 * * * *" }, /^ETL_CRON .*minute "61"/],
    [{ ETL_CRON: "0 24 * * *" }, /^ETL_CRON .*hour "24"/],
    [{ ETL_CRON: "* * 31 2 *" }, /^ETL_CRON .*"\* \* 31 2 \*": it never fires/],
    [{ ETL_CRON: "0 0 30 2 *" }, /^ETL_CRON .*never fires/],
    [{ ETL_CRON: "0 0 31 4,6,9,11 *" }, /^ETL_CRON .*never fires/],
    [{ ETL_CRON: "0 0 L * *" }, /^ETL_CRON .*day-of-month "L"/],
    [{ ETL_CRON: "0 0 * * 1#2" }, /^ETL_CRON .*day-of-week "1#2"/],
    [{ ETL_CRON: "5-1 * * * *" }, /^ETL_CRON .*runs backwards/],
    [{ ETL_CRON: "*/0 * * * *" }, /^ETL_CRON .*step/],
    [{ ETL_CRON: "0 0 * * * *" }, /^ETL_CRON .*it needs 5 fields/],
    [{ ETL_CRON: "@daily" }, /^ETL_CRON .*it needs 5 fields/],
    [{ API_TOKEN: "a" }, /^API_TOKEN is 1 characters long; it needs at least 16/],
    [{ API_TOKEN: "   " }, /^API_TOKEN is blank/],
    [{ API_TOKEN: "hunter2 hunter2 hunter2" }, /^API_TOKEN may hold printable ASCII only/],
    [{ HOST: "not a host" }, /^HOST must be an address to listen on/],
    [{ HOST: "300.1.1.1" }, /^HOST must be/],
    [{ SOURCE_API_URL: "ftp://x" }, /^SOURCE_API_URL must start with http:\/\/ or https:\/\//],
    [
      { TARGET_DATABASE_URL: "mysql://u:hunter2@h/db" },
      /^TARGET_DATABASE_URL must start with postgres/,
    ],
    [{ SOURCE_DATABASE_URL: "postgres://u:hunter2@[h/db" }, /^SOURCE_DATABASE_URL is not a/],
    [
      {
        SOURCE_DATABASE_URL: "postgres://u:hunter2@h/db",
        TARGET_DATABASE_URL: "postgres://u:hunter2@h/db",
      },
      /name the same database/,
    ],
  ];
  for (const [vars, message] of cases) {
    assert.throws(() => load(vars), (e: Error) => {
      assert.ok(e instanceof ConfigError, `${JSON.stringify(vars)}: ${e}`);
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /hunter2/);
      assert.doesNotMatch(e.message, /\n/, "one line");
      return true;
    });
  }
});

Deno.test("config: valid values are taken as given", () => {
  const c = load({
    ETL_CRON: "*/15 6-18/2 1,15 JAN-MAR mon-fri",
    PARTITION_START: "0001-01-01",
    API_TOKEN: "0123456789abcdef",
    HOST: "::",
  });
  assert.equal(c.etlCron, "*/15 6-18/2 1,15 JAN-MAR mon-fri");
  assert.equal(c.partitionStart, "0001-01-01");
  assert.equal(c.apiToken, "0123456789abcdef");
  assert.equal(c.host, "::");
  assert.equal(load({ PARTITION_START: "9999-12-30" }).partitionStart, "9999-12-30");
  assert.equal(load({ HOST: "0.0.0.0" }).host, "0.0.0.0");
  assert.equal(load({ HOST: "localhost" }).host, "localhost");
  // One that fires on the 31st only when the month has one, or on every Monday (OR, as cron).
  assert.equal(cronProblem("0 0 31 2 1"), null);
  assert.equal(cronProblem("0 0 29 2 *"), null);
  assert.equal(cronProblem("0 0 * * 7"), null);
});

Deno.test("config: what the cron check accepts, Deno.cron registers without a panic", async () => {
  // Deno.cron panics ("This is a bug in Deno") on a schedule that never fires and refuses
  // out-of-range fields: a child process registers every accepted expression.
  const accepted = [
    "0 1 * * *",
    "*/15 * * * *",
    "0 0 1-5/2 * *",
    "0 0 * JAN *",
    "0 0 * * MON",
    "0 0 * * 7",
    "0 0 31 2 1",
    "0 0 29 2 *",
    "59 23 31 12 *",
    "0,30 8-17 * * 1-5",
  ];
  for (const e of accepted) assert.equal(cronProblem(e), null, e);
  const code = `const ac = new AbortController();
    for (const [i, e] of ${
    JSON.stringify(accepted)
  }.entries()) Deno.cron("c" + i, e, { signal: ac.signal }, () => {});
    setTimeout(() => { ac.abort(); console.log("registered"); }, 200);`;
  const out = await new Deno.Command("deno", {
    args: ["eval", "--unstable-cron", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.match(text, /registered/);
});

Deno.test("config: a command reads its own settings only, and says which others are set", () => {
  const lines: string[] = [];
  const c = load(
    { API_STREAMS: "abc", ETL_CRON: "99 99 * * *", SEED_DEMO: "true", PORT: "8100" },
    "etl",
    (l) => lines.push(l),
  );
  // Not read, so not validated either: etl neither streams nor schedules.
  assert.deepEqual(lines, [
    "SEED_DEMO is set but `deno task etl` does not use it (it is read by serve)",
    "API_STREAMS is set but `deno task etl` does not use it (it is read by serve and start)",
    "ETL_CRON is set but `deno task etl` does not use it (it is read by scheduler and start)",
  ]);
  assert.equal(c.port, 8100);
  assert.equal(c.sourceApiUrl, "http://127.0.0.1:8100");
  assert.throws(
    () => c.apiStreams,
    /bug: `deno task etl` read API_STREAMS, which config\/settings.ts does not list for it/,
  );
  assert.ok(!("etlCron" in c));
  assert.deepEqual(
    unusedNotes("start", env({ SOURCE_API_URL: "http://elsewhere:8000" })),
    [
      "SOURCE_API_URL is set but `deno task start` ignores it: it serves its own source API " +
      "and reaches it on 127.0.0.1:PORT",
    ],
  );
  // Image and driver variables are nobody's business here.
  assert.deepEqual(unusedNotes("migrate", env({ WAIT_FOR_DEPS: "60", PGHOST: "x" })), []);
});

Deno.test("config: isSet and withValues keep the command's guard", () => {
  const c = load({ PARTITION_START: "2024-03-01" }, "start");
  assert.equal(isSet(c, "PARTITION_START"), true);
  assert.equal(isSet(load({}, "start"), "PARTITION_START"), false);
  const d = withValues(c, { sourceApiUrl: "http://127.0.0.1:1" });
  assert.equal(d.sourceApiUrl, "http://127.0.0.1:1");
  assert.equal(d.partitionStart, "2024-03-01");
  assert.equal(isSet(d, "PARTITION_START"), true);
  assert.throws(() => d.seedDemo, /bug: `deno task start` read SEED_DEMO/);
});

Deno.test("config: every command validates what it reads, and only that", () => {
  // An invalid value of each setting fails exactly the commands that read it.
  const invalid: Record<string, string> = {
    API_TOKEN: "short",
    SOURCE_DATABASE_URL: "mysql://x/y",
    TARGET_DATABASE_URL: "mysql://x/y",
    SOURCE_API_URL: "ftp://x",
    HOST: "a b",
    PORT: "0",
    RUNNER_PORT: "x",
    DATA_DIR: "",
    DEMO_DAYS: "0",
    DEMO_TURBINES: "201",
    DEMO_LATE_SECONDS: "soon",
    SEED_DEMO: "perhaps",
    MAX_RANGE_DAYS: "0",
    API_STREAMS: "0",
    STREAM_STALL_SECONDS: "0",
    PARTITION_START: "0000-01-01",
    ETL_CRON: "* * 31 2 *",
    ETL_RETRY_SECONDS: "x",
    ETL_TIMEOUT_MS: "0",
    ETL_LEASE_SECONDS: "0",
    ETL_MAX_SHRINK: "101",
    MIN_COMPLETENESS: "1.5",
    SCHEDULER_CONCURRENCY: "0",
    MAX_ATTEMPTS: "0",
    RETRY_DELAY_SECONDS: "0",
    TRUST_PROXY: "perhaps",
    WATCH_SECONDS: "0",
  };
  for (const s of SETTINGS.filter((s) => s.kind === "windbin")) {
    assert.ok(s.name in invalid, `a test value for ${s.name}`);
    if (invalid[s.name] === "") continue; // empty is unset
    for (const command of COMMANDS) {
      const reads = s.usedBy.includes(command);
      try {
        load({ [s.name]: invalid[s.name] }, command);
        assert.ok(!reads, `${command} accepted ${s.name}=${invalid[s.name]}`);
      } catch (e) {
        assert.ok(reads, `${command} refused ${s.name}, which it does not read: ${e}`);
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, new RegExp(s.name));
      }
    }
  }
});

Deno.test("safe text: the wrong-token hint reads whole, and secrets are still redacted", () => {
  const hint = "the source API answered 401 Unauthorized: " +
    '{"error":"unauthorized","message":"wrong token"}. ' +
    "Check that API_TOKEN is the token the source API was started with.";
  assert.equal(safeText(hint), hint);
  assert.equal(
    safeText("got Authorization: Bearer 0123456789abcdef0123 and API_TOKEN=0123456789abcdef"),
    "got Authorization: [redacted] and API_TOKEN=[redacted]",
  );
  assert.equal(safeText("postgres://u:hunter2@h/db"), "postgres://u:[redacted]@h/db");
  assert.equal(
    safeText(`echoed ${"s3cr3t-t0ken-value"}`, ["s3cr3t-t0ken-value"]),
    "echoed [redacted]",
  );
});
