/**
 * `deno task bench scheduler`: one scheduler round with nothing to do over
 * 10 years of history (3,650 days of 1-minute readings, both jobs done), the
 * way a running scheduler does one every WATCH_SECONDS: re-read the jobs'
 * SQL and the source's extent, ask the source's per-day fingerprints, derive
 * every partition's state, plan nothing. Reported: the round's time, and the
 * rows of the source's `data` table it made the source read (from
 * pg_stat_user_tables), which should be none: only the per-day summary.
 *
 * The target's partitions are recorded as a backfill would leave them (each
 * day succeeded with the current SQL and the source's fingerprint of the
 * day); running 7,300 real partitions first would only make the bench long.
 */
import type { Db } from "../db/types.ts";
import { openMigrated } from "../migrations/open.ts";
import { seed } from "../api/seed.ts";
import { DECLARED_JOBS } from "../jobs/declarations/mod.ts";
import { JobCatalog } from "../jobs/core/catalog.ts";
import { fetchExtent } from "../jobs/core/extent.ts";
import { fetchFingerprints } from "../jobs/core/source_client.ts";
import { type ReconcileReport, Scheduler } from "../jobs/scheduler/scheduler.ts";
import type { RunnerContext } from "../jobs/core/runner.ts";
import { addDays, utcDay } from "../jobs/core/days.ts";
import { dropDatabase, fmt, freshDatabase, ms, startApiProcess, stats, time } from "./lib.ts";

const DAYS = 3650;
const ROUNDS = 7;

/** Rows of the source's tables read so far (sequential and index fetches). */
async function rowsRead(source: Db): Promise<Record<string, number>> {
  // Backends report their counters when idle, within a second; let them.
  await new Promise((r) => setTimeout(r, 1_500));
  await source.query("SELECT pg_stat_clear_snapshot()");
  const rows = await source.query<{ relname: string; n: number }>(
    `SELECT relname, (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::float8 AS n
     FROM pg_stat_user_tables WHERE relname IN ('data', 'reading_days')`,
  );
  return Object.fromEntries(rows.map((r) => [r.relname, r.n]));
}

export async function benchScheduler(log: (line: string) => void): Promise<void> {
  const sourceUrl = await freshDatabase("windbin_bench_sched_source");
  const targetUrl = await freshDatabase("windbin_bench_sched_target");
  const source = await openMigrated("source", { url: sourceUrl, dataDir: "" });
  const target = await openMigrated("target", { url: targetUrl, dataDir: "" });
  const api = await startApiProcess(sourceUrl);
  const last = addDays(utcDay(new Date()), -1);
  const first = addDays(last, -(DAYS - 1));
  try {
    const seeded = await time(async () => {
      const { rows } = await seed(source, { from: first, days: DAYS, everySeconds: 60 });
      await source.exec("VACUUM ANALYZE data");
      log(`seeded ${DAYS} days at 1 min: ${rows.toLocaleString("en")} readings`);
    });
    log(`(seeding took ${ms(seeded)})`);
    const settings = {
      apiUrl: api.url,
      token: api.token,
      retrySeconds: 0,
      timeoutMs: 60_000,
      leaseSeconds: 60,
      maxShrink: 0.1,
      retryBaseSeconds: 60,
      retryMaxSeconds: 3600,
    };
    const catalog = await JobCatalog.open({
      declarations: DECLARED_JOBS,
      defaults: { cron: "0 1 * * *" },
      extent: () => fetchExtent(fetch, settings),
      earliestPartitions: async () => {
        const rows = await target.query<{ job: string; day: string }>(
          "SELECT job, to_char(min(day), 'YYYY-MM-DD') AS day FROM partitions GROUP BY job",
        );
        return new Map(rows.map((r) => [r.job, r.day]));
      },
    });
    await recordDone(target, catalog, settings, first, last);
    const ctx: RunnerContext = {
      db: target,
      catalog,
      get jobs() {
        return catalog.jobs;
      },
      settings,
      runner: "bench:1",
      now: () => new Date(),
      fetch,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
      log: () => {},
    };
    const logs: Record<string, unknown>[] = [];
    const scheduler = new Scheduler(ctx, {
      concurrency: 2,
      maxAttempts: 5,
      log: (e) => logs.push(e),
    });
    const round = async (trigger: string): Promise<ReconcileReport> => {
      const r = await scheduler.reconcile(trigger);
      if (!r || r.error || r.planned) throw new Error(`not an idle round: ${JSON.stringify(r)}`);
      return r;
    };
    await round("startup");
    const times: number[] = [];
    const before = await rowsRead(source);
    for (let i = 0; i < ROUNDS; i++) times.push((await round("watch")).ms);
    const after = await rowsRead(source);
    const per = (t: string) =>
      Math.round(((after[t] ?? 0) - (before[t] ?? 0)) / ROUNDS).toLocaleString("en");
    const warnings = logs.filter((e) => e.event === "warning").map((e) => e.message);
    log(
      `idle scheduler round, ${DAYS} days x 2 jobs (${
        catalog.jobs.map((j) =>
          `${j.name} from ` +
          `${j.firstDay} (${j.firstDayFrom})`
        ).join(", ")
      }): ${fmt(stats(times))}`,
    );
    log(
      `source rows read per idle round: data ${per("data")}` +
        (after.reading_days !== undefined ? `, reading_days ${per("reading_days")}` : ""),
    );
    for (const w of new Set(warnings)) log(`  warning: ${w}`);
  } finally {
    await api.stop();
    await target.close();
    await source.close();
    await dropDatabase("windbin_bench_sched_target");
    await dropDatabase("windbin_bench_sched_source");
  }
}

/** Both jobs' partitions of every day, succeeded with the current SQL, as after a backfill. */
async function recordDone(
  target: Db,
  catalog: JobCatalog,
  s: { apiUrl: string; token: string; timeoutMs: number },
  first: string,
  last: string,
) {
  const [etl, daily] = catalog.jobs;
  if (etl.input.kind !== "api") throw new Error("the first declared job is not etl");
  const fp = await fetchFingerprints(fetch, {
    ...s,
    variables: etl.input.variables,
    from: first,
    to: last,
  });
  const days = [...fp].map(([day, f]) => ({ day, readings: f.readings, checksum: f.checksum }));
  await target.query(
    `INSERT INTO partitions (job, day, status, attempts, run_id, success_run_id, sql_version,
                             sql_hash, rows_in, rows_out, source_readings, source_checksum,
                             built_from, finished_at, succeeded_at)
     SELECT j.job, d.day, 'succeeded', 1, d.n + j.base, d.n + j.base,
            CASE j.job WHEN 'etl' THEN $2::int ELSE $4::int END,
            CASE j.job WHEN 'etl' THEN $3 ELSE $5 END,
            CASE j.job WHEN 'etl' THEN d.readings END, 1,
            CASE j.job WHEN 'etl' THEN d.readings END,
            CASE j.job WHEN 'etl' THEN d.checksum END,
            CASE j.job WHEN 'daily' THEN jsonb_build_object('etl', d.n) END, now(), now()
     FROM (SELECT (e->>'day')::date AS day, (e->>'readings')::int AS readings,
                  e->>'checksum' AS checksum, row_number() OVER () AS n
           FROM json_array_elements($1::text::json) e) d
     CROSS JOIN (VALUES ('etl', 0), ('daily', 1000000)) AS j(job, base)`,
    [
      JSON.stringify(days),
      etl.transform.version,
      etl.transform.hash,
      daily.transform.version,
      daily.transform.hash,
    ],
  );
}
