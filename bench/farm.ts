/**
 * `deno task bench farm`: a wind farm on real PostgreSQL (issue "A wind farm,
 * not a turbine"), each figure next to its goal, ratios measured in the
 * same run:
 *
 * - 100 turbines x one 1-second day (8,640,000 readings): the whole
 *   `deno task etl --date` process (against `deno task serve` on the same
 *   source) against the floor for the same rows, the shape of
 *   ../shared/bench/etl_vs_floor.sh grouped by turbine: psql `COPY TO` of the
 *   day's rows piped into a second psql's `COPY FROM` into a TEMP table, then
 *   the 10-minute aggregate per turbine (goal <= 1.5x); the etl process's
 *   peak RSS (goal <= 150 MB, and <= 1.5x a one-turbine 1-second day's run);
 * - a year of days x 100 turbines recorded in the target (partitions and
 *   partition_turbines written directly, some days incomplete; the source's
 *   per-day summary likewise): the whole `deno task status` process, and the
 *   status page's `GET /api/partitions` for the year from a running
 *   `deno task scheduler` (goal: under 1 s each).
 *
 * FARM_TURBINES (default 100) and FARM_RUNS (default 3) make a short run.
 */
import type { Db } from "../db/types.ts";
import { openMigrated } from "../migrations/open.ts";
import { seed } from "../api/seed.ts";
import { DECLARED_JOBS } from "../jobs/declarations/mod.ts";
import { type Job, resolveJobs } from "../jobs/core/job.ts";
import { fetchFingerprints } from "../jobs/core/source_client.ts";
import { addDays, utcDay } from "../jobs/core/days.ts";
import {
  alternate,
  dropDatabase,
  fmt,
  freePort,
  freshDatabase,
  measureProcess,
  ms,
  ROOT,
  startApiProcess,
  stats,
  time,
} from "./lib.ts";

const DAY = "2024-01-02";

const goal = (ratio: number, max: number, unit = "x") =>
  `${ratio.toFixed(2)}${unit} (goal <= ${max}${unit}: ${ratio <= max ? "met" : "NOT met"})`;

const name = (i: number) => `T${String(i).padStart(3, "0")}`;

export async function benchFarm(log: (line: string) => void): Promise<void> {
  const turbines = Number(Deno.env.get("FARM_TURBINES") ?? 100);
  const runs = Number(Deno.env.get("FARM_RUNS") ?? 3);
  await farmEtl(log, turbines, runs);
  await farmStatus(log, turbines);
}

/** One 1-second day of `n` turbines (values as the shared floor script makes them). */
async function seedFarmDay(source: Db, n: number): Promise<void> {
  // One statement per turbine: the source's per-day summary is kept by statement triggers.
  for (let i = 1; i <= n; i++) {
    await source.query(
      `INSERT INTO data (turbine, timestamp, wind_speed, power, ambient_temperature)
       SELECT $1, ts, 3 + 17 * random(), 100 + 400 * random(), 15 + 20 * random()
       FROM generate_series($2::timestamptz, $2::timestamptz + interval '1 day' - interval '1 second',
                            interval '1 second') AS ts`,
      [name(i), `${DAY}T00:00:00Z`],
    );
  }
  await source.exec("VACUUM ANALYZE data");
}

/** The floor for the same rows: psql COPY TO | psql COPY FROM a TEMP table + the aggregate per turbine. */
async function floor(sourceUrl: string, targetUrl: string): Promise<void> {
  const copyOut = `\\copy (select turbine, "timestamp", wind_speed, power from data ` +
    `where "timestamp" >= '${DAY}Z' and "timestamp" < timestamptz '${DAY}Z' + interval '1 day') ` +
    `to stdout csv`;
  const aggregate = "create temp table fo as select t, b, n, v from (select turbine t, " +
    "date_bin('10 minutes', ts, timestamptz '2000-01-01Z') b, avg(w) a1, min(w) a2, max(w) a3, " +
    "stddev_samp(w) a4, avg(p) a5, min(p) a6, max(p) a7, stddev_samp(p) a8 from st group by 1, 2) a " +
    "cross join lateral (values (1,a1),(2,a2),(3,a3),(4,a4),(5,a5),(6,a6),(7,a7),(8,a8)) x(n, v)";
  const script = `set -euo pipefail
psql "$SRC" -qAc "$COPY_OUT" |
  psql "$TGT" -q -v ON_ERROR_STOP=1 -c "create temp table st(turbine text, ts timestamptz, w float8, p float8)" \\
    -c "\\copy st from pstdin csv" -c "$AGGREGATE" >/dev/null`;
  const out = await new Deno.Command("bash", {
    args: ["-c", script],
    cwd: ROOT,
    env: {
      SRC: sourceUrl,
      TGT: targetUrl,
      COPY_OUT: copyOut,
      AGGREGATE: aggregate,
      PGOPTIONS: "-c client_min_messages=warning",
    },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    throw new Error(`the floor failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr)}`);
  }
}

async function farmEtl(log: (line: string) => void, n: number, runs: number): Promise<void> {
  const readings = n * 86_400;
  const dbs = ["source", "target", "floor", "one_source", "one_target"].map((d) =>
    `windbin_bench_farm_${d}`
  );
  const [sourceUrl, targetUrl, floorUrl, oneSourceUrl, oneTargetUrl] = await Promise.all(
    dbs.map((d) => freshDatabase(d)),
  );
  const source = await openMigrated("source", { url: sourceUrl, dataDir: "" });
  const oneSource = await openMigrated("source", { url: oneSourceUrl, dataDir: "" });
  for (const url of [targetUrl, oneTargetUrl]) {
    await (await openMigrated("target", { url, dataDir: "" })).close();
  }
  try {
    const seeded = await time(() => seedFarmDay(source, n));
    log(
      `\nseeded ${n} turbines x one 1-second day (${readings.toLocaleString("en")} readings) ` +
        `in ${ms(seeded)}`,
    );
    await seed(oneSource, { from: DAY, days: 1, everySeconds: 1 });
    await oneSource.exec("VACUUM ANALYZE data");
    const api = await startApiProcess(sourceUrl);
    const oneApi = await startApiProcess(oneSourceUrl);
    try {
      const env = (target: string, a: { url: string; token: string }) => ({
        TARGET_DATABASE_URL: target,
        SOURCE_API_URL: a.url,
        API_TOKEN: a.token,
        // A day of 100 turbines at 1 s is a ~390 MB body: more than the default minute per attempt
        // on a busy machine.
        ETL_TIMEOUT_MS: "600000",
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? "",
      });
      const farmEnv = env(targetUrl, api);
      const oneEnv = env(oneTargetUrl, oneApi);
      const etl = async (e: Record<string, string>, extra: string[] = []) => {
        const p = await measureProcess(
          ["deno", "task", "-q", "etl", "--date", DAY, ...extra],
          e,
        );
        if (p.code !== 0) throw new Error(`deno task etl --date ${DAY} failed: ${p.stderr}`);
        return p;
      };
      // The first run of each makes the month and the turbines' signals; then the phases.
      const first = await etl(farmEnv, ["--timings"]);
      await etl(oneEnv);
      log(`first run (makes the month partition and ${n * 8} signals): ${ms(first.ms)}`);
      const timed = await etl(farmEnv, ["--timings"]);
      log(`one run's phases (--timings): ${timed.stderr.trim().split("\n").at(-1)}`);

      const rss: number[] = [];
      const [f, e] = await alternate(
        runs,
        () => floor(sourceUrl, floorUrl),
        async () => {
          const p = await etl(farmEnv);
          if (p.peakRssMb !== null) rss.push(p.peakRssMb);
        },
      );
      log(
        `${n} turbines x one 1-second day, medians of ${runs} (alternated): whole \`deno task ` +
          `etl --date\` ${ms(e.median)} (min ${ms(e.min)}), floor ${ms(f.median)} ` +
          `(min ${ms(f.min)}): ${goal(e.median / f.median, 1.5)}`,
      );
      log(
        `  ${(readings / (e.median / 1000)).toLocaleString("en", { maximumFractionDigits: 0 })} ` +
          `readings/s through the whole process`,
      );
      const oneRss: number[] = [];
      for (let i = 0; i < runs; i++) {
        const p = await etl(oneEnv);
        if (p.peakRssMb !== null) oneRss.push(p.peakRssMb);
      }
      if (rss.length && oneRss.length) {
        const farm = stats(rss).median;
        const one = stats(oneRss).median;
        log(`peak RSS (GNU time), medians of ${runs}:`);
        log(`  ${n} turbines: ${goal(farm, 150, " MB")}`);
        log(`  one turbine (86,400 readings): ${one.toFixed(1)} MB`);
        log(`  ${n} turbines / one turbine: ${goal(farm / one, 1.5)}`);
      } else {
        log("peak RSS: not measured (no /usr/bin/time)");
      }
    } finally {
      await api.stop();
      await oneApi.stop();
    }
  } finally {
    await source.close();
    await oneSource.close();
    for (const d of dbs) await dropDatabase(d);
  }
}

/**
 * A year of days x `n` turbines recorded; `deno task status`, the page's
 * /api/partitions, the page with its turbine heatmap, and /api/turbines.
 */
async function farmStatus(log: (line: string) => void, n: number): Promise<void> {
  const sourceUrl = await freshDatabase("windbin_bench_farm_status_source");
  const targetUrl = await freshDatabase("windbin_bench_farm_status_target");
  const source = await openMigrated("source", { url: sourceUrl, dataDir: "" });
  const target = await openMigrated("target", { url: targetUrl, dataDir: "" });
  const last = addDays(utcDay(new Date()), -1);
  const first = addDays(last, -364);
  let api: Awaited<ReturnType<typeof startApiProcess>> | null = null;
  let scheduler: Deno.ChildProcess | null = null;
  try {
    // The source's per-day summary as 1-second readings of n turbines would leave it.
    await source.query(
      `INSERT INTO reading_days (turbine, day, readings, h_wind_speed, h_power, h_ambient_temperature)
       SELECT 'T' || lpad(t::text, 3, '0'), d::date, 86400,
              (random() * 9e18)::bigint, (random() * 9e18)::bigint, (random() * 9e18)::bigint
       FROM generate_series(1, $1::int) t, generate_series($2::date, $3::date, interval '1 day') d`,
      [n, first, last],
    );
    api = await startApiProcess(sourceUrl);
    const jobs = await resolveJobs(DECLARED_JOBS, { cron: "0 1 * * *" });
    const etl = jobs.find((j) => j.name === "etl")!;
    const daily = jobs.find((j) => j.name === "daily")!;
    if (etl.input.kind !== "api") throw new Error("etl is not an API job");
    const fp = await fetchFingerprints(fetch, {
      apiUrl: api.url,
      token: api.token,
      timeoutMs: 60_000,
      variables: etl.input.variables,
      from: first,
      to: last,
    });
    const days = [...fp].map(([day, f]) => ({ day, readings: f.readings, checksum: f.checksum }));
    const seeded = await time(() => recordYear(target, days, n, { etl, daily }));
    log(
      `\nrecorded ${days.length} days x ${n} turbines (partitions, runs, ` +
        `${(days.length * n).toLocaleString("en")} partition_turbines rows; every 7th day ` +
        `incomplete) in ${ms(seeded)}`,
    );
    const env = {
      TARGET_DATABASE_URL: targetUrl,
      SOURCE_API_URL: api.url,
      API_TOKEN: api.token,
      PARTITION_START: first,
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
    };
    const status = async () => {
      const p = await measureProcess(["deno", "task", "-q", "status"], env);
      if (p.code !== 0) throw new Error(`deno task status failed: ${p.stderr}`);
      return p.ms;
    };
    await status();
    const st: number[] = [];
    for (let i = 0; i < 5; i++) st.push(await status());
    const out = await new Deno.Command("deno", {
      args: ["task", "-q", "status"],
      cwd: ROOT,
      env: { NO_COLOR: "1", ...env },
      stdout: "piped",
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    log(`\`deno task status\`, ${days.length} days x 2 jobs, whole process: ${fmt(stats(st))}:`);
    log(`  ${goal(stats(st).median / 1000, 1, " s")}`);
    for (const l of text.split("\n").filter((l) => /^(etl|daily) /.test(l))) log(`  | ${l}`);

    const port = freePort();
    scheduler = new Deno.Command("deno", {
      args: ["task", "-q", "scheduler"],
      cwd: ROOT,
      env: { NO_COLOR: "1", ...env, RUNNER_PORT: String(port), WATCH_SECONDS: "3600" },
      stdout: "null",
      stderr: "null",
    }).spawn();
    const page = `http://127.0.0.1:${port}`;
    for (let i = 0;; i++) {
      try {
        const r = await fetch(`${page}/health`);
        await r.body?.cancel();
        if (r.ok) break;
      } catch { /* not up yet */ }
      if (i > 600) throw new Error("the scheduler's page did not come up");
      await new Promise((r) => setTimeout(r, 100));
    }
    const get = async (path: string) => {
      const t0 = performance.now();
      const r = await fetch(`${page}${path}`);
      const body = await r.text();
      if (!r.ok) throw new Error(`${path} answered ${r.status}: ${body.slice(0, 200)}`);
      return { ms: performance.now() - t0, bytes: body.length, body };
    };
    const range = `/api/partitions?from=${first}&to=${last}`;
    const cold = await get(range);
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) warm.push((await get(range)).ms);
    const counts = JSON.parse(cold.body).counts;
    log(
      `the page's GET ${range} from a running \`deno task scheduler\` ` +
        `(${(cold.bytes / 1e6).toFixed(1)} MB): first ${ms(cold.ms)} (asks the source's ` +
        `fingerprints), then ${fmt(stats(warm))}: ${goal(stats(warm).median / 1000, 1, " s")}`,
    );
    log(`  counts: ${JSON.stringify(counts)}`);
    const html: number[] = [];
    for (let i = 0; i < 5; i++) html.push((await get(`/?from=${first}&to=${last}`)).ms);
    const year = await get(`/?from=${first}&to=${last}`);
    const rects = (year.body.match(/<rect class="c-/g) ?? []).length;
    log(
      `  the page itself for the year (GET /?from&to; ${(year.bytes / 1e6).toFixed(2)} MB, ` +
        `a heatmap of ${n} turbines in ${rects} runs): ${fmt(stats(html))}: ` +
        `${goal(stats(html).median / 1000, 1, " s")}`,
    );
    const turbines: number[] = [];
    for (let i = 0; i < 5; i++) {
      turbines.push((await get(`/api/turbines?from=${first}&to=${last}`)).ms);
    }
    log(`  its heatmap's data (GET /api/turbines?from&to): ${fmt(stats(turbines))}`);
  } finally {
    if (scheduler) {
      scheduler.kill("SIGTERM");
      await scheduler.status;
    }
    await api?.stop();
    await target.close();
    await source.close();
    await dropDatabase("windbin_bench_farm_status_target");
    await dropDatabase("windbin_bench_farm_status_source");
  }
}

/**
 * Both jobs' partitions of every day as a backfill of n turbines leaves them
 * (succeeded with the current SQL, the source's fingerprint), every 7th etl
 * day incomplete (two turbines short), one run each, and the etl runs'
 * per-turbine counts.
 */
async function recordYear(
  target: Db,
  days: { day: string; readings: number; checksum: string }[],
  n: number,
  jobs: { etl: Job; daily: Job },
): Promise<void> {
  const short = (i: number) => i % 7 === 0;
  const json = JSON.stringify(days.map((d, i) => ({ ...d, i: i + 1, short: short(i + 1) })));
  await target.query(
    `INSERT INTO runs (id, job, day, trigger, runner, status, started_at, finished_at, rows_in, rows_out)
     SELECT d.i + j.base, j.job, d.day, 'backfill', 'bench:1', 'succeeded', now(), now(),
            CASE j.job WHEN 'etl' THEN d.readings END,
            CASE j.job WHEN 'etl' THEN 8 * 144 * $2::int ELSE $2::int END
     FROM json_to_recordset($1::text::json) AS d(day date, readings int, checksum text, i int, short boolean)
     CROSS JOIN (VALUES ('etl', 0), ('daily', 1000000)) AS j(job, base)`,
    [json, n],
  );
  await target.exec("SELECT setval('runs_id_seq', 2000000)");
  await target.query(
    `INSERT INTO partitions (job, day, status, attempts, run_id, success_run_id, sql_version,
                             sql_hash, rows_in, rows_out, source_readings, source_checksum,
                             built_from, incomplete, finished_at, succeeded_at, duration_ms, tx_ms)
     SELECT j.job, d.day, 'succeeded', 1, d.i + j.base, d.i + j.base,
            CASE j.job WHEN 'etl' THEN $2::int ELSE $4::int END,
            CASE j.job WHEN 'etl' THEN $3 ELSE $5 END,
            CASE j.job WHEN 'etl' THEN d.readings END,
            CASE j.job WHEN 'etl' THEN 8 * 144 * $6::int ELSE $6::int END,
            CASE j.job WHEN 'etl' THEN d.readings END,
            CASE j.job WHEN 'etl' THEN d.checksum END,
            CASE j.job WHEN 'daily' THEN jsonb_build_object('etl', d.i) END,
            CASE WHEN j.job = 'etl' AND d.short THEN jsonb_build_array(
              jsonb_build_object('turbine', 'T007', 'expected', 86400, 'received', 75600),
              jsonb_build_object('turbine', 'T042', 'expected', 86400, 'received', 0)) END,
            now(), now(), 20000, 3000
     FROM json_to_recordset($1::text::json) AS d(day date, readings int, checksum text, i int, short boolean)
     CROSS JOIN (VALUES ('etl', 0), ('daily', 1000000)) AS j(job, base)`,
    [
      json,
      jobs.etl.transform.version,
      jobs.etl.transform.hash,
      jobs.daily.transform.version,
      jobs.daily.transform.hash,
      n,
    ],
  );
  await target.query(
    `INSERT INTO partition_turbines (job, day, turbine, expected, received)
     SELECT 'etl', d.day, 'T' || lpad(t::text, 3, '0'), 86400,
            CASE WHEN d.short AND t = 7 THEN 75600 WHEN d.short AND t = 42 THEN 0 ELSE 86400 END
     FROM json_to_recordset($1::text::json) AS d(day date, readings int, checksum text, i int, short boolean)
     CROSS JOIN generate_series(1, $2::int) t`,
    [json, n],
  );
  await target.exec("ANALYZE");
}
