/**
 * Schedulers as real processes against real PostgreSQL: several share the
 * work without running a day twice; a runner killed in its final transaction
 * is taken over within the lease; SIGTERM stops a run cleanly; a real
 * Deno.cron tick fires.
 */
import assert from "node:assert/strict";
import pg from "pg";
import { migratedDb, TEST_DATABASE_URL } from "./helpers/databases.ts";
import { startApi } from "./helpers/api_server.ts";
import { seed } from "../api/seed.ts";
import { type Proc, spawnTask, until } from "./helpers/processes.ts";
import { addDays, utcDay } from "../jobs/core/days.ts";
import { NO_PRIVATE_CLUSTER, startPrivateCluster } from "./helpers/private_cluster.ts";
import { startFakeApi } from "./helpers/fake_api.ts";
import { PostgresDb } from "../db/postgres.ts";
import { DECLARED_JOBS } from "../jobs/declarations/mod.ts";

const pgOnly = { ignore: !TEST_DATABASE_URL };
const YESTERDAY = addDays(utcDay(new Date()), -1);

async function stack(days: number) {
  const source = await migratedDb("postgres", "source");
  const target = await migratedDb("postgres", "target");
  const first = addDays(YESTERDAY, -(days - 1));
  await seed(source.db, { from: first, days, everySeconds: 60 });
  const api = await startApi(source.db);
  const env = (extra: Record<string, string> = {}) => ({
    TARGET_DATABASE_URL: target.url!,
    SOURCE_API_URL: api.url,
    API_TOKEN: api.token,
    PARTITION_START: first,
    ETL_LEASE_SECONDS: "5",
    RUNNER_PORT: "0",
    ...extra,
  });
  return {
    source,
    target,
    api,
    first,
    env,
    async count(sql: string, params: unknown[] = []): Promise<number> {
      const [{ n }] = await target.db.query<{ n: number }>(sql, params);
      return n;
    },
    async close() {
      await api.close();
      await target.close();
      await source.close();
    },
  };
}

Deno.test({
  name: "[postgres] scheduler processes: 4 schedulers on 20 days run every partition exactly once",
  ...pgOnly,
  async fn() {
    const s = await stack(20);
    // The processes run the real declarations: every declared job, 20 days each.
    const partitions = 20 * DECLARED_JOBS.length;
    const procs: Proc[] = [];
    try {
      for (let i = 0; i < 4; i++) procs.push(spawnTask("scheduler", [], s.env()));
      const done = await until(
        async () =>
          await s.count(
            "SELECT count(*)::int AS n FROM partitions WHERE status IN ('succeeded', 'empty')",
          ) === partitions,
        90_000,
        250,
      );
      assert.ok(done, `all ${partitions} partitions done within 90 s`);
      const stops = await Promise.all(procs.map((p) => p.stop("SIGTERM")));
      for (const st of stops) {
        assert.equal(st.code, 0);
        assert.ok(st.ms < 10_000, `stopped in ${st.ms} ms`);
      }
      // Exactly one successful run per partition, and no two runs of a day overlapping.
      const twice = await s.target.db.query(
        `SELECT r.id::int, r.job, r.day::text, r.runner, r.status, r.started_at::text, p.built_from::text
         FROM runs r JOIN partitions p USING (job, day)
         WHERE (r.job, r.day) IN (SELECT job, day FROM runs WHERE status = 'succeeded' GROUP BY 1, 2 HAVING count(*) > 1)
         ORDER BY r.id`,
      );
      assert.deepEqual([...twice], [], "no partition succeeded twice");
      assert.equal(
        await s.count("SELECT count(*)::int AS n FROM runs WHERE status = 'succeeded'"),
        partitions,
      );
      const overlapping = await s.target.db.query(
        `SELECT a.id::int AS a, b.id::int AS b, a.job, a.day::text, a.status AS a_status,
                b.status AS b_status, a.runner AS a_runner, b.runner AS b_runner, b.error
         FROM runs a JOIN runs b
         ON a.job = b.job AND a.day = b.day AND a.id < b.id
         AND a.started_at < coalesce(b.finished_at, 'infinity') AND b.started_at < coalesce(a.finished_at, 'infinity')`,
      );
      assert.deepEqual([...overlapping], [], "no two runs of one day overlap");
      assert.equal(await s.count("SELECT count(*)::int AS n FROM data"), 20 * 144 * 8);
      assert.equal(await s.count("SELECT count(*)::int AS n FROM daily"), 20);
      const all = procs.flatMap((p) => p.lines).join("\n");
      assert.doesNotMatch(all, /deadlock|duplicate key|unique/i);
      const runLines = procs.flatMap((p) => p.lines).filter((l) => l.includes('"event":"run"'));
      const ran = runLines.map((l) => JSON.parse(l)).filter((e) => e.status === "succeeded");
      assert.equal(
        ran.length,
        partitions,
        "one successful run per partition across the 4 processes",
      );
      assert.ok(new Set(ran.map((e) => e.runner)).size >= 2, "the work was shared");
      assert.ok(runLines.every((l) => !l.includes(s.api.token)), "no token in the logs");
    } finally {
      await Promise.all(procs.map((p) => p.stop("SIGKILL")));
      await s.close();
    }
  },
});

/** Holds a lock that makes a run's final transaction wait at its DELETE. */
async function blockFinalTransactions(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("BEGIN");
  await client.query("LOCK TABLE data IN SHARE MODE");
  return {
    async release() {
      await client.query("COMMIT").catch(() => {});
      await client.end();
    },
  };
}

async function waitingOnLock(s: Awaited<ReturnType<typeof stack>>): Promise<boolean> {
  return await s.count(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%DELETE FROM data%'`,
  ) > 0;
}

/** Runs the stack's day once with a scheduler, then marks etl's SQL changed so it is re-run. */
async function doneThenStale(s: Awaited<ReturnType<typeof stack>>) {
  const first = spawnTask("scheduler", [], s.env());
  try {
    // Every declared job's partition of the day, so that none is left running at the stop.
    const done = "SELECT count(*)::int AS n FROM partitions WHERE status IN ('succeeded', 'empty')";
    assert.ok(await until(async () => await s.count(done) === DECLARED_JOBS.length, 60_000));
  } finally {
    await first.stop("SIGTERM");
  }
  await s.target.db.query("UPDATE partitions SET sql_hash = 'old' WHERE job = 'etl'");
}

Deno.test({
  name:
    "[postgres] scheduler processes: a runner SIGKILLed before its commit is taken over within the lease; rows intact throughout",
  ...pgOnly,
  async fn() {
    const s = await stack(1);
    const procs: Proc[] = [];
    let lock: Awaited<ReturnType<typeof blockFinalTransactions>> | null = null;
    try {
      // The day is done once; then its SQL "changes" (stale), so a scheduler re-runs it.
      await doneThenStale(s);
      const rows = await s.count("SELECT count(*)::int AS n FROM data");
      assert.equal(rows, 144 * 8);
      lock = await blockFinalTransactions(s.target.url!);
      const victim = spawnTask("scheduler", [], s.env());
      procs.push(victim);
      assert.ok(
        await until(() => waitingOnLock(s), 30_000, 50),
        "the victim reached its final transaction",
      );
      const other = spawnTask("scheduler", [], s.env());
      procs.push(other);
      await other.waitFor(/"event":"reconcile"/, 30_000);
      const killedAt = performance.now();
      victim.child.kill("SIGKILL");
      await victim.status;
      await lock.release();
      lock = null;
      let min = Infinity;
      const taken = await until(
        async () => {
          min = Math.min(min, await s.count("SELECT count(*)::int AS n FROM data"));
          return await s.count(
            "SELECT count(*)::int AS n FROM partitions WHERE job = 'etl' AND status = 'succeeded' AND sql_hash <> 'old'",
          ) === 1;
        },
        30_000,
        50,
      );
      const bound = Math.round(performance.now() - killedAt);
      assert.ok(taken, "another runner completed the day");
      assert.equal(min, 144 * 8, "the day kept its previous rows the whole time");
      assert.equal(await s.count("SELECT count(*)::int AS n FROM data"), 144 * 8);
      assert.ok(bound < 5_000 + 5_000, `taken over ${bound} ms after the kill (lease 5 s)`);
      console.log(`takeover after SIGKILL: ${bound} ms (lease 5 s)`);
      assert.equal(
        await s.count("SELECT count(*)::int AS n FROM runs WHERE status = 'abandoned'"),
        1,
        "the dead run is closed as abandoned",
      );
    } finally {
      await lock?.release();
      await Promise.all(procs.map((p) => p.stop("SIGKILL")));
      await s.close();
    }
  },
});

Deno.test({
  name:
    "[postgres] scheduler processes: SIGTERM during a run exits within 10 s, claim released, rows intact",
  ...pgOnly,
  async fn() {
    const s = await stack(1);
    const procs: Proc[] = [];
    let lock: Awaited<ReturnType<typeof blockFinalTransactions>> | null = null;
    try {
      await doneThenStale(s);
      lock = await blockFinalTransactions(s.target.url!);
      const p = spawnTask("scheduler", [], s.env({ ETL_LEASE_SECONDS: "60" }));
      procs.push(p);
      assert.ok(await until(() => waitingOnLock(s), 30_000, 50));
      const stopped = await p.stop("SIGTERM");
      assert.equal(stopped.code, 0, p.lines.join("\n"));
      assert.ok(stopped.ms < 10_000, `exited ${stopped.ms} ms after SIGTERM`);
      await lock.release();
      lock = null;
      assert.equal(
        await s.count("SELECT count(*)::int AS n FROM partitions WHERE status = 'running'"),
        0,
      );
      assert.equal(
        await s.count("SELECT count(*)::int AS n FROM runs WHERE status = 'cancelled'"),
        1,
      );
      assert.equal(
        await s.count(
          "SELECT count(*)::int AS n FROM partitions WHERE job = 'etl' AND sql_hash = 'old' AND status = 'succeeded'",
        ),
        1,
      );
      assert.equal(await s.count("SELECT count(*)::int AS n FROM data"), 144 * 8);
    } finally {
      await lock?.release();
      await Promise.all(procs.map((p) => p.stop("SIGKILL")));
      await s.close();
    }
  },
});

Deno.test({
  name:
    "[postgres] etl process: SIGTERM in the final transaction exits 143, run cancelled, rows intact",
  ...pgOnly,
  async fn() {
    const s = await stack(1);
    let lock: Awaited<ReturnType<typeof blockFinalTransactions>> | null = null;
    const procs: Proc[] = [];
    try {
      const first = spawnTask("etl", ["--date", s.first], s.env());
      procs.push(first);
      assert.equal((await first.status).code, 0, first.lines.join("\n"));
      lock = await blockFinalTransactions(s.target.url!);
      const p = spawnTask("etl", ["--date", s.first], s.env());
      procs.push(p);
      assert.ok(await until(() => waitingOnLock(s), 30_000, 50));
      const stopped = await p.stop("SIGTERM");
      assert.equal(stopped.code, 143, p.lines.join("\n"));
      assert.ok(stopped.ms < 10_000);
      assert.match(p.lines.join("\n"), /cancelled \(run \d+, \d+ ms\): cancelled \(SIGTERM\)/);
      await lock.release();
      lock = null;
      assert.equal(
        await s.count("SELECT count(*)::int AS n FROM partitions WHERE status = 'succeeded'"),
        1,
      );
      assert.equal(
        await s.count("SELECT count(*)::int AS n FROM runs WHERE status = 'cancelled'"),
        1,
      );
      assert.equal(await s.count("SELECT count(*)::int AS n FROM data"), 144 * 8);
    } finally {
      await lock?.release();
      await Promise.all(procs.map((p) => p.stop("SIGKILL")));
      await s.close();
    }
  },
});

Deno.test({
  name:
    "[postgres] scheduler processes: the target restarted mid-run: the run fails cleanly, the scheduler lives on and completes the day",
  ignore: !TEST_DATABASE_URL || NO_PRIVATE_CLUSTER,
  async fn() {
    const s = await stack(1);
    const cluster = await startPrivateCluster();
    // A proxy in front of the real API that restarts the target while the first extract runs.
    const proxy = startFakeApi();
    let restarts = 0;
    proxy.answer(async (req) => {
      const u = new URL(req.url);
      if (u.pathname === "/data" && restarts === 0) {
        restarts++;
        await cluster.restart("immediate");
      }
      return await fetch(`${s.api.url}${u.pathname}${u.search}`, { headers: req.headers });
    });
    const p = spawnTask("scheduler", [], {
      ...s.env({ SOURCE_API_URL: proxy.url, RETRY_DELAY_SECONDS: "1" }),
      TARGET_DATABASE_URL: cluster.url,
    });
    const target = new PostgresDb(cluster.url);
    const count = async (sql: string) => {
      try {
        const [{ n }] = await target.query<{ n: number }>(sql);
        return n;
      } catch {
        return -1;
      }
    };
    try {
      const done = await until(
        async () => await count("SELECT count(*)::int AS n FROM daily") === 1,
        60_000,
        250,
      );
      assert.ok(done, p.lines.join("\n"));
      assert.equal(restarts, 1);
      assert.equal(await count("SELECT count(*)::int AS n FROM data"), 144 * 8);
      assert.equal(
        await count("SELECT count(*)::int AS n FROM runs WHERE job = 'etl' AND status = 'failed'"),
        1,
        "the interrupted run was recorded failed",
      );
      assert.equal(
        await count(
          "SELECT count(*)::int AS n FROM runs WHERE job = 'etl' AND status = 'succeeded'",
        ),
        1,
      );
      const stopped = await p.stop("SIGTERM");
      assert.equal(stopped.code, 0, "the scheduler lived through the restart and stopped cleanly");
      assert.doesNotMatch(p.lines.join("\n"), /Uncaught|unexpected error/);
    } finally {
      await p.stop("SIGKILL");
      await target.close();
      await proxy.close();
      await cluster.stop();
      await s.close();
    }
  },
});

Deno.test({
  name: "[postgres] scheduler processes: the registered Deno.cron schedule really ticks",
  ...pgOnly,
  async fn() {
    const s = await stack(1);
    const p = spawnTask("scheduler", [], s.env({ ETL_CRON: "* * * * *" }));
    try {
      const start = JSON.parse(await p.waitFor(/"event":"start"/, 30_000));
      // Every declared job, whatever they are, on ETL_CRON.
      assert.equal(start.schedules.etl, "* * * * *");
      assert.ok(Object.values(start.schedules).every((c) => c === "* * * * *"), start.schedules);
      const tick = JSON.parse(await p.waitFor(/"event":"tick"/, 75_000));
      assert.ok(tick.job in start.schedules, tick.job);
      // The tick reaches the reconcile: it runs one, or skips it while the start-up one runs.
      await p.waitFor(/"event":"reconcile(_skipped)?","trigger":"cron:/, 30_000);
    } finally {
      await p.stop("SIGTERM");
      await s.close();
    }
  },
});
