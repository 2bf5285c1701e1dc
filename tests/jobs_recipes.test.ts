/**
 * The README's two recipes, followed in a temporary copy of the jobs' SQL:
 * "add a v2" (the next version of etl's transform) and "declare a job" (an
 * hourly job: hourly means of etl's bins, pure SQL downstream of it). The
 * runner core takes both without a change: etl is rebuilt with the new
 * version, the new job runs after etl, and each job's rows stay its own. On
 * both backends, next to whatever jobs the repository declares.
 */
import assert from "node:assert/strict";
import type { JobDeclaration } from "../jobs/core/job.ts";
import { DECLARED_JOBS } from "../jobs/declarations/mod.ts";
import { partitionStates } from "../jobs/core/states.ts";
import { tempDir, testBackends } from "./helpers/databases.ts";
import { runBench, runsOf, serveDays } from "./helpers/runs.ts";
import { cli } from "./helpers/cli.ts";

const DAYS = ["2024-01-01", "2024-01-02"];

/** The new job's name and table: not one the repository declares. */
const JOB = "recipe_hourly";

/** What the new job's migration would hold. */
const HOURLY_TABLE = `CREATE TABLE recipe_hourly (
  hour timestamptz PRIMARY KEY,
  wind_speed_mean float8,
  power_mean float8
)`;

const HOURLY_TRANSFORM =
  `-- recipe_hourly v1: the mean of etl's 10-minute means per UTC hour of day $1.
WITH means AS (
  SELECT date_trunc('hour', d.timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
    avg(d.value) FILTER (WHERE s.name = 'wind_speed_mean') AS wind_speed_mean,
    avg(d.value) FILTER (WHERE s.name = 'power_mean') AS power_mean
  FROM data d JOIN signal s ON s.id = d.signal_id
  WHERE s.name IN ('wind_speed_mean', 'power_mean')
    AND d.timestamp >= ($1::date)::timestamp AT TIME ZONE 'UTC'
    AND d.timestamp < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
  GROUP BY 1
),
inserted AS (
  INSERT INTO recipe_hourly (hour, wind_speed_mean, power_mean)
  SELECT hour, wind_speed_mean, power_mean FROM means
  RETURNING 1
)
SELECT count(*)::int AS rows_out FROM inserted
`;

const HOURLY_DELETE = `DELETE FROM recipe_hourly
WHERE hour >= ($1::date)::timestamp AT TIME ZONE 'UTC'
  AND hour < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'`;

/** A copy of sql/<job>/'s versioned transforms under `dir`. */
async function copyTransforms(job: string, dir: string): Promise<URL> {
  const from = new URL(`../sql/${job}/`, import.meta.url);
  const to = new URL(`file://${dir}/${job}/`);
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (/\.v\d+\.sql$/.test(e.name)) {
      await Deno.copyFile(new URL(e.name, from), new URL(e.name, to));
    }
  }
  return to;
}

testBackends(
  "recipes: a v2 transform and a third job, in a copy of sql/, run with no core change",
  async (t, backend) => {
    const dir = await tempDir("recipes_");
    // The production declarations, each reading its transforms from the copy.
    const copies = new Map<string, URL>();
    for (const d of DECLARED_JOBS) copies.set(d.name, await copyTransforms(d.name, dir));
    // The next version of etl's transform, as a new file beside the others.
    const etlDir = copies.get("etl")!;
    const versions = [...Deno.readDirSync(etlDir)]
      .map((e) => /^(.+)\.v(\d+)\.sql$/.exec(e.name))
      .filter((m) => m !== null)
      .sort((a, b) => Number(b[2]) - Number(a[2]));
    assert.ok(versions.length, "etl has a versioned transform");
    const [current, base, n] = versions[0];
    const next = Number(n) + 1;
    const nextName = `${base}.v${next}.sql`;
    await Deno.writeTextFile(
      new URL(nextName, etlDir),
      `-- v${next}: as v${n} (a new version is a new file; the old one stays for history)\n` +
        await Deno.readTextFile(new URL(current, etlDir)),
    );
    const hourlyDir = new URL(`file://${dir}/${JOB}/`);
    await Deno.mkdir(hourlyDir);
    await Deno.writeTextFile(new URL("hourly_means.v1.sql", hourlyDir), HOURLY_TRANSFORM);
    await Deno.writeTextFile(new URL("delete_day.sql", hourlyDir), HOURLY_DELETE);
    const hourly: JobDeclaration = {
      name: JOB,
      sqlDir: hourlyDir,
      upstream: ["etl"],
      input: { kind: "upstream" },
      deleteDay: new URL("delete_day.sql", hourlyDir).href,
      transformTakesDay: true,
    };
    const declarations = [
      ...DECLARED_JOBS.map((d) => ({ ...d, sqlDir: copies.get(d.name)! })),
      hourly,
    ];
    const b = await runBench(backend, DAYS[0], declarations);
    try {
      await b.db.exec(HOURLY_TABLE);
      serveDays(b);
      await t.step("the jobs resolve, upstream first, with etl at its new version", () => {
        const names = b.jobs.map((j) => j.name);
        assert.ok(names.indexOf("etl") < names.indexOf(JOB), names.join(","));
        assert.equal(b.etl.transform.version, next);
        assert.equal(b.etl.transform.file, nextName);
      });
      await t.step(
        "--job all runs every job, etl first; the new job holds 24 hours a day",
        async () => {
          const r = await cli(b.ctx(), ["--job", "all", "--from", DAYS[0], "--to", DAYS[1]]);
          assert.equal(r.code, 0, [...r.out, ...r.err].join("\n"));
          const runs = await runsOf(b.db);
          for (const day of DAYS) {
            const ofDay = runs.filter((x) => x.day === day && x.status === "succeeded");
            const at = (job: string) => ofDay.findIndex((x) => x.job === job);
            assert.ok(at("etl") >= 0 && at("etl") < at(JOB), JSON.stringify(ofDay));
          }
          const [{ n, bad }] = await b.db.query<{ n: number; bad: number }>(
            `WITH expected AS (
             SELECT date_trunc('hour', d.timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
               avg(d.value) AS power_mean
             FROM data d JOIN signal s ON s.id = d.signal_id
             WHERE s.name = 'power_mean' GROUP BY 1
           )
           SELECT count(*)::int AS n,
             count(*) FILTER (
               WHERE h.hour IS NULL OR e.hour IS NULL
                 OR abs(h.power_mean - e.power_mean) > 1e-9 * greatest(1, abs(e.power_mean))
             )::int AS bad
           FROM recipe_hourly h FULL JOIN expected e ON e.hour = h.hour`,
          );
          assert.deepEqual({ n, bad }, { n: 48, bad: 0 });
          const [{ v }] = await b.db.query<{ v: number }>(
            "SELECT min(sql_version)::int AS v FROM partitions WHERE job = 'etl'",
          );
          assert.equal(v, next);
        },
      );
      await t.step("re-running the new job touches only its own rows", async () => {
        const others = () =>
          b.db.query(
            "SELECT (SELECT count(*) FROM data)::int AS data, (SELECT count(*) FROM daily)::int AS daily",
          );
        const before = await others();
        const r = await cli(b.ctx(), ["--job", JOB, "--date", DAYS[1]]);
        assert.equal(r.code, 0, r.err.join("\n"));
        assert.deepEqual(await others(), before);
        const views = await partitionStates(b.db, {
          jobs: b.jobs,
          from: DAYS[0],
          to: DAYS[1],
        });
        assert.deepEqual(
          views.filter((v) => v.state !== "succeeded").map((v) => `${v.job} ${v.day} ${v.state}`),
          [],
        );
      });
    } finally {
      await b.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
