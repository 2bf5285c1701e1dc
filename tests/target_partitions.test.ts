/**
 * The target's `data` partitioned by month (migration 0005): the migration
 * from the table as it was keeps every row; a run makes its month in a
 * short transaction of its own, and two runners making the same new month
 * do not collide; a day's delete-then-insert touches its month's partition
 * only; a backfill crosses a month boundary; a month detached for retention
 * is never written into again.
 */
import assert from "node:assert/strict";
import { migrate, migrationsDir } from "../migrations/migrate.ts";
import {
  freshDb,
  migratedDb,
  tempDir,
  TEST_DATABASE_URL,
  testBackends,
} from "./helpers/databases.ts";
import { runBench, serveDays } from "./helpers/runs.ts";
import { cli } from "./helpers/cli.ts";
import { runPartition } from "../jobs/core/partition_run.ts";
import { PostgresDb } from "../db/postgres.ts";
import { within } from "./helpers/streams.ts";
import type { Queryable } from "../db/types.ts";
import { DECLARED_JOBS } from "../jobs/declarations/mod.ts";

/** The month partitions of `data` and their rows, in name order. */
async function months(db: Queryable): Promise<[string, number][]> {
  const rows = await db.query<{ name: string; n: number }>(
    `SELECT c.relname AS name, (SELECT count(*) FROM data d WHERE d.tableoid = c.oid)::int AS n
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'data'::regclass ORDER BY 1`,
  );
  return rows.map((r) => [r.name, r.n]);
}

testBackends("data by month: the migration from the table as it was keeps every row", async (
  _t,
  backend,
) => {
  const { db, close } = await freshDb(backend);
  try {
    // The target as it was before 0005.
    const dir = await tempDir("target_0004_");
    for await (const e of Deno.readDir(migrationsDir("target"))) {
      if (/^000[1-4]_/.test(e.name)) {
        await Deno.copyFile(new URL(e.name, migrationsDir("target")), `${dir}/${e.name}`);
      }
    }
    await migrate(db, "target", new URL(`file://${dir}/`));
    await Deno.remove(dir, { recursive: true });
    // Three months of bins, a NULL value, the last instant of a month and the first of the next.
    await db.exec(`
      INSERT INTO data (timestamp, signal_id, value)
      SELECT ts, s, CASE WHEN s = 4 AND ts = '2024-02-10 10:00Z' THEN NULL
                         ELSE extract(epoch FROM ts) / 1e6 + s END
      FROM generate_series('2024-01-31 00:00Z'::timestamptz, '2024-03-01 00:00Z', '10 minutes') ts,
           generate_series(1, 8) s;
      INSERT INTO daily (day, energy_kwh, mean_wind_speed, max_power, availability, bins)
      VALUES ('2024-02-01', 100.5, 7.25, 2000, 0.5, 72), ('2024-02-02', NULL, 3, NULL, 0, 10);
    `);
    const before = await db.query(
      "SELECT timestamp::text, signal_id, value FROM data ORDER BY signal_id, timestamp",
    );
    assert.equal(before.length, (30 * 144 + 1) * 8);

    assert.deepEqual(await migrate(db, "target"), ["0005_turbines_month_partitions.sql"]);
    const after = await db.query(
      "SELECT timestamp::text, signal_id, value FROM data ORDER BY signal_id, timestamp",
    );
    assert.deepEqual(after, before, "every row, value for value");
    assert.deepEqual(await months(db), [
      ["data_202401", 144 * 8],
      ["data_202402", 29 * 144 * 8],
      ["data_202403", 8],
    ]);
    const [{ kind }] = await db.query<{ kind: string }>(
      "SELECT relkind::text AS kind FROM pg_class WHERE oid = 'data'::regclass",
    );
    assert.equal(kind, "p", "data is a partitioned table");
    assert.deepEqual(
      await db.query("SELECT to_regclass('data_unpartitioned') IS NULL AS gone"),
      [{ gone: true }],
    );
    // The existing signals and daily rows belong to the one turbine, farm totals follow.
    assert.deepEqual(
      await db.query(
        "SELECT DISTINCT turbine FROM signal UNION SELECT DISTINCT turbine FROM daily",
      ),
      [{ turbine: "default" }],
    );
    assert.deepEqual(
      await db.query(
        "SELECT day::text, energy_kwh, availability, turbines FROM daily_farm ORDER BY day",
      ),
      [
        { day: "2024-02-01", energy_kwh: 100.5, availability: 0.5, turbines: 1 },
        { day: "2024-02-02", energy_kwh: null, availability: 0, turbines: 1 },
      ],
    );
  } finally {
    await close();
  }
});

testBackends("data by month: a backfill across a month boundary makes each month once", async (
  _t,
  backend,
) => {
  const b = await runBench(backend, "2024-01-30");
  try {
    serveDays(b);
    const r = await cli(b.ctx(), ["--job", "all", "--from", "2024-01-30", "--to", "2024-02-02"]);
    assert.equal(r.code, 0, [...r.out, ...r.err].join("\n"));
    assert.deepEqual(await months(b.db), [["data_202401", 2 * 1152], ["data_202402", 2 * 1152]]);
    const daily = await b.db.query<{ day: string }>("SELECT day::text FROM daily ORDER BY day");
    assert.deepEqual(daily.map((d) => d.day), [
      "2024-01-30",
      "2024-01-31",
      "2024-02-01",
      "2024-02-02",
    ]);
    // Again, forced: the months are there; nothing new is made, nothing doubles.
    const again = await cli(b.ctx(), ["--from", "2024-01-30", "--to", "2024-02-02", "--force"]);
    assert.equal(again.code, 0, again.err.join("\n"));
    assert.deepEqual(await months(b.db), [["data_202401", 2 * 1152], ["data_202402", 2 * 1152]]);
  } finally {
    await b.close();
  }
});

testBackends("data by month: a month detached for retention is not written into again", async (
  _t,
  backend,
) => {
  const b = await runBench(backend, "2024-01-31");
  try {
    serveDays(b);
    const r = await cli(b.ctx(), ["--from", "2024-01-31", "--to", "2024-02-01"]);
    assert.equal(r.code, 0, r.err.join("\n"));
    await b.db.exec("ALTER TABLE data DETACH PARTITION data_202401");
    assert.deepEqual(await months(b.db), [["data_202402", 1152]]);
    const refused = await runPartition(b.deps(), b.opts({ day: "2024-01-31" }));
    assert.equal(refused.status, "failed");
    assert.match(
      "error" in refused ? refused.error : "",
      /table public\.data_202401 exists but is not a partition of data \(a month detached for retention\?\): attach it again/,
    );
    const [{ n }] = await b.db.query<{ n: number }>("SELECT count(*)::int AS n FROM data_202401");
    assert.equal(n, 1152, "the detached month keeps its rows");
    // The other month runs as ever; attached again, January does too.
    assert.equal((await runPartition(b.deps(), b.opts({ day: "2024-02-01" }))).status, "succeeded");
    await b.db.exec(
      `ALTER TABLE data ATTACH PARTITION data_202401
         FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00')`,
    );
    assert.equal((await runPartition(b.deps(), b.opts({ day: "2024-01-31" }))).status, "succeeded");
    assert.deepEqual(await months(b.db), [["data_202401", 1152], ["data_202402", 1152]]);
  } finally {
    await b.close();
  }
});

Deno.test({
  name: "[postgres] data by month: two runners making the same new month do not collide",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const t = await migratedDb("postgres", "target");
    const other = new PostgresDb(t.url!, { max: 1, maxStreams: 1 });
    try {
      // Runner A makes March and has not committed; runner B asks for March meanwhile.
      let second: Promise<{ p: string }[]> | null = null;
      await t.db.transaction(async (tx) => {
        assert.deepEqual(
          await tx.query("SELECT windbin_data_partition('2024-03-05') AS p"),
          [{ p: "data_202403" }],
        );
        second = other.query<{ p: string }>("SELECT windbin_data_partition('2024-03-20') AS p");
        second.catch(() => {});
        // B waits for A (the advisory lock), rather than making the table a second time.
        await within(
          (async () => {
            for (;;) {
              const [w] = await t.db.query<{ n: number }>(
                `SELECT count(*)::int AS n FROM pg_locks
                 WHERE locktype = 'advisory' AND NOT granted AND database = (
                   SELECT oid FROM pg_database WHERE datname = current_database())`,
              );
              if (w.n === 1) return;
              await new Promise((r) => setTimeout(r, 20));
            }
          })(),
          10_000,
          "the second runner waiting for the first",
        );
      });
      assert.deepEqual(await second!, [{ p: "data_202403" }]);
      assert.deepEqual(await months(t.db), [["data_202403", 0]]);

      // And two real runs of two days of a new month, at once.
      const b = await runBench("postgres", "2024-04-01");
      try {
        serveDays(b);
        const runs = await Promise.all(
          ["2024-04-10", "2024-04-11"].map((day) => runPartition(b.deps(), b.opts({ day }))),
        );
        assert.deepEqual(runs.map((r) => r.status), ["succeeded", "succeeded"]);
        assert.deepEqual(await months(b.db), [["data_202404", 2 * 1152]]);
      } finally {
        await b.close();
      }
    } finally {
      await other.close();
      await t.close();
    }
  },
});

Deno.test({
  name: "[postgres] data by month: a day's delete-then-insert touches its month's partition only",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    // The production jobs: their delete, transform and daily read are what must stay in a month.
    const b = await runBench("postgres", "2024-01-31", DECLARED_JOBS);
    // The runner's own lock timeout: touching a locked partition fails in 2 s, never hangs.
    const runnerDb = new PostgresDb(b.url!, { lockTimeoutMs: 2_000 });
    const holder = new PostgresDb(b.url!, { max: 1, maxStreams: 1 });
    try {
      serveDays(b);
      const r = await cli(b.ctx(), ["--job", "all", "--from", "2024-01-31", "--to", "2024-02-01"]);
      assert.equal(r.code, 0, r.err.join("\n"));
      const january = await b.db.query("SELECT * FROM data_202401 ORDER BY signal_id, timestamp");
      await holder.transaction(async (tx) => {
        // Another session holds January whole: nothing may even read it meanwhile.
        await tx.exec("LOCK TABLE data_202401 IN ACCESS EXCLUSIVE MODE");
        // The control: a statement over every month waits for that lock, and gives up.
        await assert.rejects(
          runnerDb.query("SELECT count(*) FROM data"),
          (e: Error & { code?: string }) => e.code === "55P03",
        );
        const deps = { ...b.deps(), db: runnerDb };
        const etl = await runPartition(deps, b.opts({ day: "2024-02-01" }));
        assert.equal(etl.status, "succeeded", JSON.stringify(etl));
        const daily = await runPartition(deps, b.opts({ job: b.daily, day: "2024-02-01" }));
        assert.equal(daily.status, "succeeded", JSON.stringify(daily));
      });
      assert.deepEqual(
        await b.db.query("SELECT * FROM data_202401 ORDER BY signal_id, timestamp"),
        january,
      );
    } finally {
      await holder.close();
      await runnerDb.close();
      await b.close();
    }
  },
});

Deno.test({
  name:
    "[postgres] data by month: a runner's role with only its grants (no CREATE, not the owner) makes a new month",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const b = await runBench("postgres", "2024-05-01", DECLARED_JOBS);
    const admin = new PostgresDb(TEST_DATABASE_URL!, { max: 1, maxStreams: 1 });
    const role = `windbin_test_runner_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
    let runner: PostgresDb | null = null;
    try {
      await admin.exec(`CREATE ROLE ${role} LOGIN`);
      // What README "Privileges" asks of a runner's role, and nothing more.
      await b.db.exec(`
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
      const u = new URL(b.url!);
      u.username = role;
      runner = new PostgresDb(u.toString(), { lockTimeoutMs: 5_000 });
      // The control: the role itself can neither make a table nor attach one.
      await assert.rejects(
        runner.exec("CREATE TABLE data_209901 (LIKE data)"),
        /permission denied/,
      );
      serveDays(b);
      const r = await runPartition({ ...b.deps(), db: runner }, b.opts({ day: "2024-05-10" }));
      assert.equal(r.status, "succeeded", JSON.stringify(r));
      assert.deepEqual(await months(b.db), [["data_202405", 1152]]);
    } finally {
      await runner?.close();
      await b.close();
      await admin.exec(`DROP ROLE IF EXISTS ${role}`);
      await admin.close();
    }
  },
});
