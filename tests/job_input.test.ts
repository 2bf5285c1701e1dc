/**
 * An API job is its variables, its transform and its delete: the core makes,
 * loads and drops the staging table (jobs/core/staging.ts). A job with one
 * variable and a staging table of its own name runs end to end over several
 * turbines; bad declarations are refused naming the job.
 */
import assert from "node:assert/strict";
import { runPartition } from "../jobs/core/partition_run.ts";
import { type JobDeclaration, JobError, resolveJobs } from "../jobs/core/job.ts";
import { stagingSql } from "../jobs/core/staging.ts";
import { testBackends } from "./helpers/databases.ts";
import { copy, copyBody, dayReadings } from "./helpers/fake_api.ts";
import { DAY, runBench } from "./helpers/runs.ts";
import { FIXTURE_JOBS } from "./fixtures/jobs/mod.ts";

const here = (path: string) => new URL(`./fixtures/jobs/peak/${path}`, import.meta.url);

/** The whole declaration of an API job: no staging SQL anywhere. */
const PEAK: JobDeclaration = {
  name: "peak",
  sqlDir: here(""),
  input: { kind: "api", variables: ["wind_speed"], staging: "readings" },
  deleteDay: here("delete_day.sql").href,
  transformTakesDay: true,
};

testBackends("job input: variables and a staging name are all an API job declares", async (
  _t,
  backend,
) => {
  const b = await runBench(backend, "2024-01-01", [...FIXTURE_JOBS, PEAK]);
  try {
    // Its table would come from a migration of its own.
    await b.db.exec(
      `CREATE TABLE wind_peak (day date, turbine text, max_wind_speed float8, readings int,
         PRIMARY KEY (day, turbine))`,
    );
    const peak = b.jobs.find((j) => j.name === "peak")!;
    const farm = ["T01", "T02"].flatMap((turbine, i) =>
      dayReadings(DAY, 600, (s) => [s / 1000 + i, null]).map((r) => ({
        turbine,
        at: r.at,
        values: [r.values[0]],
      }))
    );
    for (let run = 0; run < 2; run++) {
      b.api.answer(copy(copyBody(farm)));
      const r = await runPartition(b.deps(), b.opts({ job: peak }));
      assert.equal(r.status, "succeeded", JSON.stringify(r));
      assert.equal(r.status === "succeeded" && r.rowsIn, 288);
    }
    const rows = await b.db.query<{ turbine: string; max_wind_speed: number; readings: number }>(
      "SELECT turbine, max_wind_speed, readings FROM wind_peak ORDER BY turbine",
    );
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { turbine: "T01", max_wind_speed: 85.8, readings: 144 },
      { turbine: "T02", max_wind_speed: 86.8, readings: 144 },
    ]);
    // It asked for its one variable; its staging table went with the run's session.
    const url = new URL(b.api.requests.at(-1)!.url);
    assert.deepEqual(url.searchParams.getAll("variables"), ["wind_speed"]);
    const [{ n }] = await b.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'readings'",
    );
    assert.equal(n, 0);
  } finally {
    await b.close();
  }
});

Deno.test("job input: the staging SQL is made from the variables, and bad names are refused", async () => {
  const s = stagingSql("readings", ["wind_speed", "power"]);
  assert.equal(
    s.create,
    `CREATE TEMPORARY TABLE "readings" (turbine text COLLATE "C", timestamp timestamptz, ` +
      `"wind_speed" float8, "power" float8)`,
  );
  assert.equal(
    s.copy,
    `COPY "readings" ("turbine", "timestamp", "wind_speed", "power") FROM STDIN (FORMAT binary)`,
  );
  for (
    const [variables, staging, message] of [
      [["wind speed"], undefined, /"wind speed" is not a plain lower-case SQL identifier/],
      [["power", "power"], undefined, /named twice/],
      [["timestamp"], undefined, /"timestamp" is a staging column already/],
      [[], undefined, /at least one variable/],
      [["power"], "staging; drop table data", /not a plain lower-case SQL identifier/],
    ] as const
  ) {
    await assert.rejects(
      resolveJobs([{ ...PEAK, input: { kind: "api", variables, staging } }], {
        partitionStart: "2024-01-01",
        cron: "0 1 * * *",
      }),
      (e) =>
        e instanceof JobError && /^job "peak": its input: /.test(e.message) &&
        message.test(e.message),
    );
  }
});
