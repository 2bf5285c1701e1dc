/**
 * ETL benchmarks on real PostgreSQL, each against a floor measured in the
 * same run on the same server:
 *
 * - one 1-second day (86,400 readings), in-process: API -> staging ->
 *   transform -> commit, against Postgres' own COPY TO of the day into COPY
 *   FROM of staging plus the same transform;
 * - the whole `deno task etl --date` process against whole `psql` processes
 *   doing the same (COPY TO piped into COPY FROM + the aggregate);
 * - a backfill of 30 one-second days at --concurrency 1 and 2 (whole
 *   processes) against the in-process floor for the same 30 days, with the
 *   backfill's peak RSS against a one-day run's;
 * - the source-fingerprint check over 365 days of 1-minute data (one request).
 */
import type { Db } from "../db/types.ts";
import { openMigrated } from "../migrations/open.ts";
import { seed } from "../api/seed.ts";
import { readSqlFiles } from "../sql/load.ts";
import { findJob, type Job, resolveJobs } from "../jobs/core/job.ts";
import { DECLARED_JOBS } from "../jobs/declarations/mod.ts";
import { runPartition } from "../jobs/core/partition_run.ts";
import { addDays } from "../jobs/core/days.ts";
import {
  alternate,
  dropDatabase,
  fmt,
  freshDatabase,
  measureProcess,
  ms,
  startApiProcess,
  stats,
  time,
} from "./lib.ts";

const SQL = await readSqlFiles({
  createStaging: "etl/create_staging.sql",
  copyStaging: "etl/copy_staging.sql",
  deleteDay: "etl/delete_day.sql",
});

const FIRST = "2024-01-01";
const SECOND_DAYS = Array.from({ length: 30 }, (_, i) => addDays(FIRST, i));
const DAY = "2024-01-02";
const YEAR_FROM = "2023-01-01";

const daySelect = (day: string) =>
  `SELECT to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS timestamp,
    wind_speed, power FROM data
    WHERE timestamp >= '${day}T00:00:00Z' AND timestamp < '${day}T00:00:00Z'::timestamptz + interval '1 day'
    ORDER BY data.timestamp`;

/** The floor: Postgres to Postgres with no API and no checks, on one session. */
function floor(source: Db, target: Db, etl: Job, day: string) {
  return target.session(async (s) => {
    await s.exec(SQL.createStaging);
    await s.transaction(async (tx) => {
      await tx.copyFrom(SQL.copyStaging, source.copyOut(daySelect(day), "csv"));
      await tx.query(SQL.deleteDay, [day]);
      await tx.query(etl.transform.sql);
    });
  });
}

export async function benchEtl(log: (line: string) => void): Promise<void> {
  const sourceUrl = await freshDatabase("windbin_bench_source");
  const targetUrl = await freshDatabase("windbin_bench_target");
  const source = await openMigrated("source", { url: sourceUrl, dataDir: "" });
  const target = await openMigrated("target", { url: targetUrl, dataDir: "" });
  const api = await startApiProcess(sourceUrl);
  try {
    const seeded = await time(async () => {
      await seed(source, { from: FIRST, days: SECOND_DAYS.length, everySeconds: 1 });
      await seed(source, { from: YEAR_FROM, days: 365, everySeconds: 60 });
      await source.exec("VACUUM ANALYZE data");
    });
    log(`seeded 30 days at 1 s (2,592,000 readings) and 365 days at 1 min in ${ms(seeded)}`);
    const jobs = await resolveJobs(DECLARED_JOBS, { partitionStart: FIRST, cron: "0 1 * * *" });
    const etl = findJob(jobs, "etl");
    const run = (day: string) =>
      runPartition({
        db: target,
        fetch,
        sleep: (t) => new Promise((r) => setTimeout(r, t)),
        random: Math.random,
        log,
      }, {
        job: etl,
        day,
        now: new Date(),
        trigger: "bench",
        runner: "bench",
        apiUrl: api.url,
        token: api.token,
        attempts: 1,
        timeoutMs: 60_000,
        leaseSeconds: 60,
        allowShrink: true,
        allowEmpty: true,
      }).then((r) => {
        if (r.status !== "succeeded") throw new Error(`bench run failed: ${JSON.stringify(r)}`);
        return r;
      });

    const n = 7;
    const [f1, e1] = await alternate(n, () => floor(source, target, etl, DAY), () => run(DAY));
    log(`1-second day (86,400 readings), in-process, ${n} runs each:`);
    log(`  floor (COPY TO -> COPY FROM + transform)  ${fmt(f1)}`);
    log(`  windbin partition run (API over HTTP)     ${fmt(e1)}`);
    log(`  ratio (median/median): ${(e1.median / f1.median).toFixed(2)}x the floor`);

    const env = {
      TARGET_DATABASE_URL: targetUrl,
      SOURCE_API_URL: api.url,
      API_TOKEN: api.token,
      PARTITION_START: FIRST,
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
    };
    await Deno.mkdir("bench/.out", { recursive: true });
    const floorScript = await Deno.makeTempFile({ dir: "bench/.out", suffix: ".sql" });
    await Deno.writeTextFile(
      floorScript,
      `${SQL.createStaging};\nBEGIN;\n\\copy staging (timestamp, wind_speed, power) FROM pstdin (FORMAT csv, HEADER true)\n` +
        `${SQL.deleteDay.replaceAll("$1", `'${DAY}'`)};\n${etl.transform.sql};\nCOMMIT;\n`,
    );
    const psqlFloor = [
      "bash",
      "-c",
      `psql "$SRC" -X -q -c "COPY (${
        daySelect(DAY).replaceAll('"', '\\"')
      }) TO STDOUT (FORMAT csv, HEADER true)" | ` +
      `psql "$TGT" -X -q -v ON_ERROR_STOP=1 -f ${floorScript} >/dev/null`,
    ];
    const procs: number[] = [];
    const floors: number[] = [];
    const rss1: number[] = [];
    for (let i = 0; i < 5; i++) {
      const f = await measureProcess(psqlFloor, { ...env, SRC: sourceUrl, TGT: targetUrl });
      if (f.code !== 0) throw new Error(`psql floor failed: ${f.stderr}`);
      floors.push(f.ms);
      const p = await measureProcess(["deno", "task", "-q", "etl", "--date", DAY], env);
      if (p.code !== 0) throw new Error(`deno task etl failed: ${p.stderr}`);
      procs.push(p.ms);
      if (p.peakRssMb !== null) rss1.push(p.peakRssMb);
    }
    await Deno.remove(floorScript);
    const [wf, we] = [stats(floors), stats(procs)];
    log(`whole processes, one 1-second day, 5 runs each:`);
    log(`  floor: psql COPY TO | psql COPY FROM + aggregate  ${fmt(wf)}`);
    log(`  deno task etl --date ${DAY}                       ${fmt(we)}`);
    log(`  ratio ${(we.median / wf.median).toFixed(2)}x (goal <= 1.5x)`);

    const [fb] = await alternate(1, async () => {
      for (const d of SECOND_DAYS) await floor(source, target, etl, d);
    }, () => Promise.resolve());
    const readings = SECOND_DAYS.length * 86_400;
    log(`backfill of 30 one-second days (${readings.toLocaleString("en")} readings):`);
    log(`  floor, one day after another, in-process   ${ms(fb.median)}`);
    const backfill: Record<number, number> = {};
    for (const c of [1, 2]) {
      const p = await measureProcess([
        "deno",
        "task",
        "-q",
        "etl",
        "--from",
        SECOND_DAYS[0],
        "--to",
        SECOND_DAYS.at(-1)!,
        "--force",
        "--concurrency",
        String(c),
      ], env);
      if (p.code !== 0) throw new Error(`backfill failed: ${p.stderr}`);
      backfill[c] = p.ms;
      const rss = p.peakRssMb === null || !rss1.length
        ? "n/a"
        : `${p.peakRssMb.toFixed(0)} MB, ${
          (p.peakRssMb / Math.max(...rss1)).toFixed(2)
        }x a one-day run`;
      log(
        `  --concurrency ${c}: ${ms(p.ms)}, ${(30_000 / p.ms).toFixed(1)} days/s, ` +
          `${Math.round(readings / (p.ms / 1000)).toLocaleString("en")} readings/s, ` +
          `${(p.ms / fb.median).toFixed(2)}x the floor; peak RSS ${rss}`,
      );
    }
    log(`  concurrency 2 / 1: ${(backfill[2] / backfill[1]).toFixed(2)}x the time`);

    const fp = await alternate(5, async () => {
      const r = await fetch(
        `${api.url}/fingerprints?start=${YEAR_FROM}&end=${
          addDays(YEAR_FROM, 364)
        }&variables=wind_speed,power`,
        { headers: { authorization: `Bearer ${api.token}` } },
      );
      if (!r.ok) throw new Error(`/fingerprints answered ${r.status}`);
      const days = await r.json() as unknown[];
      if (days.length !== 365) throw new Error(`/fingerprints gave ${days.length} days`);
    }, () => Promise.resolve());
    log(`source fingerprints of 365 days (525,600 readings), one request: ${fmt(fp[0])}`);
  } finally {
    await api.stop();
    await source.close();
    await target.close();
    await dropDatabase("windbin_bench_source");
    await dropDatabase("windbin_bench_target");
  }
}
