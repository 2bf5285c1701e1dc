/**
 * ETL benchmark on real PostgreSQL: one day at 1-second frequency (86,400
 * readings) API -> staging -> transform -> commit, against the floor measured
 * in the same run on the same Postgres: the day's rows streamed by Postgres'
 * own COPY TO STDOUT from the source straight into COPY FROM STDIN of an empty
 * staging table, plus the same transform, in one transaction. Also a 1-minute
 * day, the whole `deno task etl` process (time and peak RSS), and a 10-day
 * 1-second backfill run one partition after another.
 */
import type { Db } from "../db/types.ts";
import { openMigrated } from "../db/open.ts";
import { seed } from "../api/seed.ts";
import { readSqlFiles } from "../sql/load.ts";
import { currentTransform, type Transform } from "../jobs/transform.ts";
import { runPartition } from "../jobs/partition_run.ts";
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

const SECOND_DAYS = Array.from(
  { length: 10 },
  (_, i) => `2024-01-${String(i + 1).padStart(2, "0")}`,
);
const MINUTE_DAY = "2024-02-01";
const DAY = "2024-01-02";

/** The floor: Postgres to Postgres with no API and no checks, in one transaction. */
function floor(source: Db, target: Db, transform: Transform, day: string) {
  const select =
    `SELECT to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS timestamp,
    wind_speed, power FROM data
    WHERE timestamp >= '${day}T00:00:00Z' AND timestamp < '${day}T00:00:00Z'::timestamptz + interval '1 day'
    ORDER BY data.timestamp`;
  return target.transaction(async (tx) => {
    await tx.exec(SQL.createStaging);
    await tx.copyFrom(SQL.copyStaging, source.copyOut(select, "csv"));
    // The delete keeps repeated runs comparable (the ETL deletes too); on an empty day it is cheap.
    await tx.query(SQL.deleteDay, [day]);
    await tx.query(transform.sql);
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
      await seed(source, { from: SECOND_DAYS[0], days: SECOND_DAYS.length, everySeconds: 1 });
      await seed(source, { from: MINUTE_DAY, days: 1, everySeconds: 60 });
      await source.exec("VACUUM ANALYZE data");
    });
    log(`seeded 10 days at 1 s (864,000 readings) and one at 1 min in ${ms(seeded)}`);
    const transform = await currentTransform("etl");
    const run = (day: string) =>
      runPartition({
        db: target,
        transform,
        fetch,
        sleep: (t) => new Promise((r) => setTimeout(r, t)),
        random: Math.random,
        log,
      }, {
        job: "etl",
        day,
        trigger: "bench",
        runner: "bench",
        apiUrl: api.url,
        token: api.token,
        attempts: 1,
        timeoutMs: 60_000,
        leaseSeconds: 60,
      }).then((r) => {
        if (r.status !== "succeeded") throw new Error(`bench run failed: ${JSON.stringify(r)}`);
        return r;
      });

    const n = 7;
    const [f1, e1] = await alternate(
      n,
      () => floor(source, target, transform, DAY),
      () => run(DAY),
    );
    log(`1-second day (86,400 readings), in-process, ${n} runs each:`);
    log(`  floor (COPY TO -> COPY FROM + transform)  ${fmt(f1)}`);
    log(`  windbin partition run (API over HTTP)     ${fmt(e1)}`);
    log(
      `  ratio (median/median): ${(e1.median / f1.median).toFixed(2)}x the floor (target <= 1.5x)`,
    );

    const [fm, em] = await alternate(
      n,
      () => floor(source, target, transform, MINUTE_DAY),
      () => run(MINUTE_DAY),
    );
    log(`1-minute day (1,440 readings), in-process:`);
    log(`  floor ${fmt(fm)}; windbin ${fmt(em)}; ratio ${(em.median / fm.median).toFixed(2)}x`);

    const env = {
      TARGET_DATABASE_URL: targetUrl,
      SOURCE_API_URL: api.url,
      API_TOKEN: api.token,
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
    };
    const procs = [];
    for (let i = 0; i < 5; i++) {
      const p = await measureProcess(["deno", "task", "-q", "etl", "--date", DAY], env);
      if (p.code !== 0) throw new Error(`deno task etl failed: ${p.stderr}`);
      procs.push(p);
    }
    const wall = stats(procs.map((p) => p.ms));
    const rss = procs.map((p) => p.peakRssMb).filter((x): x is number => x !== null);
    log(`whole process \`deno task etl --date ${DAY}\` (1-second day), 5 runs:`);
    log(`  ${fmt(wall)} (target <= 350 ms; the reference Python pipeline: ~3 s)`);
    log(
      `  peak RSS ${
        rss.length ? `${Math.max(...rss).toFixed(0)} MB (max of runs)` : "n/a (no /usr/bin/time)"
      }` +
        ` (the reference: 143 MB)`,
    );

    const [fb, eb] = await alternate(
      2,
      async () => {
        for (const d of SECOND_DAYS) await floor(source, target, transform, d);
      },
      async () => {
        for (const d of SECOND_DAYS) await run(d);
      },
    );
    log(`10-day 1-second backfill, one partition after another (864,000 readings):`);
    log(`  floor ${fmt(fb)}; windbin ${fmt(eb)}; ratio ${(eb.median / fb.median).toFixed(2)}x`);
    log(`  (the reference needs ~30 s)`);
  } finally {
    await api.stop();
    await source.close();
    await target.close();
    await dropDatabase("windbin_bench_source");
    await dropDatabase("windbin_bench_target");
  }
}
