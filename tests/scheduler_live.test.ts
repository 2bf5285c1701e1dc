/**
 * A running scheduler acts on what changed within WATCH_SECONDS, without a
 * restart (real PostgreSQL, the real source API over HTTP, the job fixtures'
 * SQL in a temporary directory): a new transform version rebuilds every day
 * with it, and each downstream day in the same round; an etl day re-run from
 * the CLI gets its daily day rebuilt; a changed source reading gets its day
 * rebuilt. Two schedulers on one target, one with v1 and one with v2: no day
 * is built more than once per version change, and the v1 one says why it
 * leaves the v2 days alone.
 */
import assert from "node:assert/strict";
import { migratedDb, TEST_DATABASE_URL } from "./helpers/databases.ts";
import { startApi } from "./helpers/api_server.ts";
import { until } from "./helpers/processes.ts";
import { cli } from "./helpers/cli.ts";
import { type FixtureJobs, fixtureJobs, liveCtx } from "./helpers/live_jobs.ts";
import { seed } from "../api/seed.ts";
import { addDays, utcDay } from "../jobs/core/days.ts";
import { type Service, startService } from "../service/service.ts";
import type { ReconcileReport } from "../jobs/scheduler/scheduler.ts";
import type { Db } from "../db/types.ts";
import { PostgresDb } from "../db/postgres.ts";
import { statusReport } from "../jobs/core/status.ts";
import { earliestFirstDay } from "../jobs/core/catalog.ts";

const pgOnly = { ignore: !TEST_DATABASE_URL };
const DAYS = 4;
const FIRST = addDays(utcDay(new Date()), -DAYS);
const BOUND_MS = 60_000;

async function sources() {
  const source = await migratedDb("postgres", "source");
  const target = await migratedDb("postgres", "target");
  // 10-minute readings: small days, the behaviour is the same.
  await seed(source.db, { from: FIRST, days: DAYS, everySeconds: 600 });
  const api = await startApi(source.db);
  return {
    source,
    target,
    api,
    async close() {
      await api.close();
      await target.close();
      await source.close();
    },
  };
}

type Sources = Awaited<ReturnType<typeof sources>>;

/** A scheduler service (no listener, no cron: rounds at start-up and every WATCH_SECONDS = 2). */
async function scheduler(s: Sources, fixture: FixtureJobs, runner: string, db: Db = s.target.db) {
  const ctx = await liveCtx({
    db,
    apiUrl: s.api.url,
    token: s.api.token,
    declarations: fixture.declarations,
    partitionStart: FIRST,
    runner,
  });
  const logs: Record<string, unknown>[] = [];
  const rounds: ReconcileReport[] = [];
  const service: Service = startService(ctx, {
    concurrency: 2,
    maxAttempts: 3,
    watchSeconds: 2,
    maxRangeDays: 3660,
    trustProxy: false,
    token: "unused-here",
    cron: () => Promise.resolve(),
    log: (e) => logs.push(e),
    onRound: (r) => rounds.push(r),
  });
  const startup = await service.scheduler.reconcile("startup");
  assert.ok(startup && !startup.error, JSON.stringify(startup));
  return {
    ctx,
    logs,
    rounds,
    service,
    /** Waits until `n` more rounds have finished. */
    async rounds_(n: number) {
      const target = rounds.length + n;
      assert.ok(await until(() => Promise.resolve(rounds.length >= target), BOUND_MS, 50));
    },
    stop: () => service.stop("test"),
  };
}

interface Part {
  job: string;
  day: string;
  sql_version: number;
  success_run_id: number;
  built_from_etl: number | null;
}

async function parts(db: Db): Promise<Part[]> {
  return await db.query<Part>(
    `SELECT job, to_char(day, 'YYYY-MM-DD') AS day, sql_version, success_run_id::int,
            (built_from->>'etl')::int AS built_from_etl
     FROM partitions ORDER BY job, day`,
  );
}

async function successes(db: Db, sinceRun = 0) {
  return await db.query<{ job: string; day: string; sql_version: number; runner: string }>(
    `SELECT job, to_char(day, 'YYYY-MM-DD') AS day, sql_version, runner FROM runs
     WHERE status IN ('succeeded', 'empty') AND id > $1 ORDER BY id`,
    [sinceRun],
  );
}

async function lastRunId(db: Db): Promise<number> {
  const [{ id }] = await db.query<{ id: number }>(
    "SELECT coalesce(max(id), 0)::int AS id FROM runs",
  );
  return id;
}

/** Every daily day built from its etl day's current success. */
async function dailyCurrent(db: Db): Promise<boolean> {
  const p = await parts(db);
  const etl = new Map(p.filter((x) => x.job === "etl").map((x) => [x.day, x.success_run_id]));
  const daily = p.filter((x) => x.job === "daily");
  return daily.length === DAYS && daily.every((d) => d.built_from_etl === etl.get(d.day));
}

const count = (rows: { job: string; day: string }[], job: string) =>
  rows.filter((r) => r.job === job).length;

Deno.test({
  name:
    "[postgres] scheduler live: v2 SQL, a CLI re-run and a source change are acted on within WATCH_SECONDS",
  ...pgOnly,
  async fn(t) {
    const s = await sources();
    const fixture = await fixtureJobs();
    const a = await scheduler(s, fixture, "live:A");
    try {
      const db = s.target.db;
      assert.equal(count(await successes(db), "etl"), DAYS);
      assert.equal(count(await successes(db), "daily"), DAYS);
      assert.ok(await dailyCurrent(db));

      await t.step(
        "a v2 transform: every day rebuilt with v2, daily after it, no restart",
        async () => {
          const before = await lastRunId(db);
          await fixture.addVersion("etl", 2);
          const done = await until(
            async () => {
              const p = await parts(db);
              return p.filter((x) => x.job === "etl" && x.sql_version === 2).length === DAYS &&
                await dailyCurrent(db);
            },
            BOUND_MS,
            200,
          );
          assert.ok(done, JSON.stringify(await parts(db)));
          const runs = await successes(db, before);
          assert.equal(count(runs, "etl"), DAYS, "each etl day built once with v2");
          assert.ok(runs.filter((r) => r.job === "etl").every((r) => r.sql_version === 2));
          assert.equal(count(runs, "daily"), DAYS, "each daily day built once after it");
          assert.ok(a.logs.some((e) => e.event === "job_changed" && e.what === "sql"));
          // In one round: etl's days, then the daily days they feed.
          assert.ok(
            a.rounds.some((r) => r.trigger === "watch" && r.succeeded === 2 * DAYS),
            JSON.stringify(a.rounds.filter((r) => r.planned)),
          );
        },
      );

      await t.step("an etl day re-run from the CLI: that day's daily rebuilt", async () => {
        const day = addDays(FIRST, 1);
        const before = await lastRunId(db);
        const r = await cli(a.ctx, ["--date", day]);
        assert.equal(r.code, 0, r.err.join("\n"));
        const [etlRun] = (await parts(db)).filter((p) => p.job === "etl" && p.day === day);
        assert.ok(etlRun.success_run_id > before);
        assert.ok(await until(() => dailyCurrent(db), BOUND_MS, 200));
        const runs = await successes(db, before);
        assert.deepEqual(runs.map((r) => `${r.job} ${r.day}`), [`etl ${day}`, `daily ${day}`]);
      });

      await t.step("one source reading changed: that day rebuilt, and its daily", async () => {
        const day = addDays(FIRST, 2);
        const before = await lastRunId(db);
        const n = a.rounds.length;
        await s.source.db.query(
          `UPDATE data SET power = power + 0.5 WHERE timestamp = $1::timestamptz`,
          [`${day}T12:00:00Z`],
        );
        assert.ok(
          await until(async () => (await successes(db, before)).length === 2, BOUND_MS, 200),
          JSON.stringify(await successes(db, before)),
        );
        assert.ok(await until(() => dailyCurrent(db), BOUND_MS, 200));
        const runs = await successes(db, before);
        assert.deepEqual(runs.map((r) => `${r.job} ${r.day}`), [`etl ${day}`, `daily ${day}`]);
        assert.ok(a.rounds.slice(n).some((r) => r.planned === 2 && r.succeeded === 2), "one round");
      });

      await t.step("nothing changed: rounds run nothing", async () => {
        const before = await lastRunId(db);
        const n = a.rounds.length;
        await a.rounds_(3);
        assert.equal(await lastRunId(db), before);
        assert.ok(a.rounds.slice(n).every((r) => r.planned === 0 && !r.error));
      });

      await t.step("the page shows the stale set the scheduler acts on: none", async () => {
        const report = await statusReport(db, {
          jobs: a.ctx.jobs,
          from: earliestFirstDay(a.ctx.jobs)!,
          to: addDays(utcDay(new Date()), -1),
        });
        for (const j of report.jobs) assert.equal(j.counts.stale, 0, j.name);
      });
    } finally {
      await a.stop();
      await fixture.remove();
      await s.close();
    }
  },
});

Deno.test({
  name:
    "[postgres] scheduler live: a v1 and a v2 scheduler on one target build each day once per version",
  ...pgOnly,
  async fn() {
    const s = await sources();
    const v1 = await fixtureJobs();
    const v2 = await fixtureJobs();
    await v2.addVersion("etl", 2);
    const dbB = new PostgresDb(s.target.url!);
    const a = await scheduler(s, v1, "old:A");
    let b: Awaited<ReturnType<typeof scheduler>> | null = null;
    try {
      const db = s.target.db;
      assert.equal(count(await successes(db), "etl"), DAYS);
      const before = await lastRunId(db);
      // The new version starts beside the old one (a rolling deploy).
      b = await scheduler(s, v2, "new:B", dbB);
      assert.ok(
        await until(
          async () => {
            const p = await parts(db);
            return p.filter((x) => x.job === "etl" && x.sql_version === 2).length === DAYS &&
              await dailyCurrent(db);
          },
          BOUND_MS,
          200,
        ),
      );
      // Both go on watching for a while: nothing flips back.
      await a.rounds_(3);
      await b.rounds_(3);
      const runs = await successes(db, before);
      const etlRuns = runs.filter((r) => r.job === "etl");
      assert.equal(etlRuns.length, DAYS, JSON.stringify(runs));
      assert.ok(etlRuns.every((r) => r.sql_version === 2 && r.runner === "new:B"));
      assert.equal(new Set(etlRuns.map((r) => r.day)).size, DAYS, "each etl day once");
      const dailyRuns = runs.filter((r) => r.job === "daily");
      assert.equal(dailyRuns.length, DAYS, JSON.stringify(dailyRuns));
      assert.equal(new Set(dailyRuns.map((r) => r.day)).size, DAYS, "each daily day once");
      // The old runner says why it leaves them: the version it would need.
      const said = a.logs.find((e) => e.event === "newer_version");
      assert.ok(said, JSON.stringify(a.logs.slice(-10)));
      assert.match(String(said.message), /built with v2, newer than this runner's .*\.v1\.sql/);
      const old = await statusReport(db, {
        jobs: a.ctx.jobs,
        from: FIRST,
        to: addDays(FIRST, DAYS - 1),
      });
      const etl = old.jobs.find((j) => j.name === "etl")!;
      assert.deepEqual(etl.newer, { v2: DAYS });
      assert.equal(etl.counts.stale, 0);
      assert.ok(a.rounds.slice(-3).every((r) => r.newer === DAYS && r.planned === 0));
      // Asked by hand, the old runner refuses too, and says what to do.
      const last = await lastRunId(db);
      const byHand = await cli(a.ctx, ["--date", FIRST]);
      assert.equal(byHand.code, 2);
      assert.match(
        byHand.err.join("\n"),
        /refused: built with v2 .* newer than this runner's .*\.v1\.sql.*add the SQL you want as v3/,
      );
      assert.equal(await lastRunId(db), last, "nothing ran");
    } finally {
      await b?.stop();
      await a.stop();
      await dbB.close();
      await v1.remove();
      await v2.remove();
      await s.close();
    }
  },
});
