/**
 * Backfills and the two declared jobs, in-process through the CLI's own
 * code, against a scripted source over real HTTP, on both backends.
 */
import assert from "node:assert/strict";
import { TEST_DATABASE_URL, testBackends } from "./helpers/databases.ts";
import { type Bench, partition, runBench, runsOf, serveDays } from "./helpers/runs.ts";
import { runPlan } from "../jobs/core/run_plan.ts";
import { runPartition } from "../jobs/core/partition_run.ts";
import { cli } from "./helpers/cli.ts";
import { partitionStates } from "../jobs/core/states.ts";
import { daysBetween } from "../jobs/core/days.ts";

const FROM = "2024-01-01";
const TO = "2024-01-10";

/** The days asked of /data since request number `from`. */
function dataDays(b: Bench, from: number): string[] {
  return b.api.requests.slice(from).map((q) => new URL(q.url))
    .filter((u) => u.pathname === "/data").map((u) => u.searchParams.get("date")!);
}

async function count(b: Bench, sql: string): Promise<number> {
  const [{ n }] = await b.db.query<{ n: number }>(sql);
  return n;
}

testBackends(
  "backfill: 10 days succeed; --missing reruns exactly the deleted ones; --dry-run writes nothing",
  async (t, backend) => {
    const b = await runBench(backend);
    try {
      serveDays(b);
      await t.step("a 10-day range", async () => {
        const r = await cli(b.ctx(), ["--from", FROM, "--to", TO]);
        assert.equal(r.code, 0, r.err.join("\n"));
        assert.equal(r.out.filter((l) => / succeeded: /.test(l)).length, 10);
        assert.match(
          r.out.at(-1)!,
          /^summary: 10 planned: 10 succeeded, 0 empty, 0 failed; 1,440 readings/,
        );
        assert.equal(await count(b, "SELECT count(*)::int AS n FROM data"), 10 * 144 * 8);
      });
      await t.step("a range already done runs nothing", async () => {
        const r = await cli(b.ctx(), ["--from", FROM, "--to", TO]);
        assert.equal(r.code, 0);
        assert.match(r.out.join("\n"), /nothing to run/);
      });
      await t.step("--dry-run plans the 3 deleted days and writes nothing", async () => {
        await b.db.query(
          "DELETE FROM partitions WHERE day IN ('2024-01-03', '2024-01-05', '2024-01-09')",
        );
        const runs = (await runsOf(b.db)).length;
        const r = await cli(b.ctx(), ["--missing", "--to", TO, "--dry-run"]);
        assert.equal(r.code, 0);
        assert.deepEqual(
          r.out.filter((l) => l.startsWith("  etl")).map((l) => l.trim().split(/\s+/)[1]),
          ["2024-01-03", "2024-01-05", "2024-01-09"],
        );
        assert.equal((await runsOf(b.db)).length, runs);
        assert.equal(await count(b, "SELECT count(*)::int AS n FROM partitions"), 7);
      });
      await t.step("--missing runs exactly those 3", async () => {
        const before = b.api.requests.length;
        const r = await cli(b.ctx(), ["--missing", "--to", TO]);
        assert.equal(r.code, 0, r.err.join("\n"));
        const days = dataDays(b, before);
        assert.deepEqual(days.sort(), ["2024-01-03", "2024-01-05", "2024-01-09"]);
      });
    } finally {
      await b.close();
    }
  },
);

testBackends(
  "backfill: one failing day exits 1; --failed reruns it; --concurrency is honoured",
  async (_t, backend) => {
    const b = await runBench(backend);
    try {
      serveDays(b, new Set(["2024-01-04"]));
      const r = await cli(b.ctx(), ["--from", FROM, "--to", "2024-01-06", "--concurrency", "3"]);
      assert.equal(r.code, 1);
      assert.match(r.err.join("\n"), /etl 2024-01-04 failed .*answered 400/);
      assert.match(r.out.at(-1)!, /5 succeeded, 0 empty, 1 failed/);
      assert.equal((await partition(b.db, "2024-01-04"))?.status, "failed");
      serveDays(b);
      const again = await cli(b.ctx(), ["--failed", "--to", "2024-01-06"]);
      assert.equal(again.code, 0, again.err.join("\n"));
      assert.equal(again.out.filter((l) => / succeeded: /.test(l)).length, 1);
      assert.equal((await partition(b.db, "2024-01-04"))?.status, "succeeded");
    } finally {
      await b.close();
    }
  },
);

testBackends(
  "jobs: daily runs only after etl; re-running etl makes it stale (upstream); --stale rebuilds it",
  async (t, backend) => {
    const b = await runBench(backend);
    try {
      serveDays(b);
      await t.step("daily alone is blocked while etl has not run", async () => {
        const r = await cli(b.ctx(), ["--job", "daily", "--date", "2024-01-02"]);
        assert.equal(r.code, 1);
        assert.match(
          r.err.join("\n"),
          /daily 2024-01-02 blocked: waits for etl 2024-01-02 \(missing\)/,
        );
        assert.equal(await partition(b.db, "2024-01-02", "daily"), undefined);
      });
      await t.step("--job all runs etl, then daily, per day", async () => {
        const r = await cli(b.ctx(), ["--job", "all", "--from", FROM, "--to", "2024-01-03"]);
        assert.equal(r.code, 0, r.err.join("\n"));
        const runs = await runsOf(b.db);
        const firstDaily = runs.findIndex((x) => x.job === "daily");
        assert.ok(firstDaily > 0, "etl ran, then daily");
        assert.ok(
          runs.slice(firstDaily).every((x) => x.job === "daily"),
          "every etl run came first",
        );
        assert.equal(await count(b, "SELECT count(*)::int AS n FROM daily"), 3);
      });
      const etlRows = () => b.db.query("SELECT * FROM data ORDER BY signal_id, timestamp");
      const dailyRows = () => b.db.query("SELECT * FROM daily ORDER BY day");
      await t.step(
        "re-running etl changes no daily row and makes daily stale by upstream",
        async () => {
          const daily = await dailyRows();
          const r = await cli(b.ctx(), ["--date", "2024-01-02"]);
          assert.equal(r.code, 0);
          assert.deepEqual(await dailyRows(), daily);
          const views = await partitionStates(b.db, {
            jobs: [b.daily],
            from: FROM,
            to: "2024-01-03",
          });
          assert.deepEqual(views.map((v) => [v.day, v.state, v.staleReason]), [
            ["2024-01-01", "succeeded", null],
            ["2024-01-02", "stale", "upstream"],
            ["2024-01-03", "succeeded", null],
          ]);
          assert.match(views[1].reason!, /upstream: etl 2024-01-02 was rebuilt/);
        },
      );
      await t.step(
        "--stale --job daily rebuilds exactly that day, and no etl row changes",
        async () => {
          const etl = await etlRows();
          const r = await cli(b.ctx(), ["--job", "daily", "--stale", "--to", "2024-01-03"]);
          assert.equal(r.code, 0, r.err.join("\n"));
          assert.deepEqual(
            r.out.filter((l) => / succeeded: /.test(l)).map((l) => l.split(" ")[1]),
            ["2024-01-02"],
          );
          assert.deepEqual(await etlRows(), etl);
          const views = await partitionStates(b.db, {
            jobs: [b.daily],
            from: FROM,
            to: "2024-01-03",
          });
          assert.deepEqual(views.map((v) => v.state), ["succeeded", "succeeded", "succeeded"]);
        },
      );
    } finally {
      await b.close();
    }
  },
);

testBackends(
  "jobs: new SQL (v2) makes every day stale by sql; --stale rebuilds them and nothing else",
  async (_t, backend) => {
    const b = await runBench(backend);
    try {
      serveDays(b);
      assert.equal((await cli(b.ctx(), ["--from", FROM, "--to", "2024-01-04"])).code, 0);
      // As if sql/etl/aggregate_10min.v2.sql had been added.
      const v2 = {
        ...b.etl,
        transform: {
          ...b.etl.transform,
          version: 2,
          file: "aggregate_10min.v2.sql",
          hash: "f".repeat(64),
        },
      };
      const jobs = b.jobs.map((j) => j.name === "etl" ? v2 : j);
      const views = await partitionStates(b.db, { jobs: [v2], from: FROM, to: "2024-01-05" });
      assert.deepEqual(views.map((v) => v.state), ["stale", "stale", "stale", "stale", "missing"]);
      assert.match(views[0].reason!, /^sql: built with v1 .* current is aggregate_10min\.v2\.sql/);
      const before = b.api.requests.length;
      const r = await cli(b.ctx({ jobs }), ["--stale", "--to", "2024-01-05"]);
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.equal(dataDays(b, before).length, 4, "the missing day is not part of --stale");
      const [{ v }] = await b.db.query<{ v: number }>(
        "SELECT min(sql_version)::int AS v FROM partitions WHERE job = 'etl'",
      );
      assert.equal(v, 2);
    } finally {
      await b.close();
    }
  },
);

Deno.test({
  name: "[postgres] backfill, concurrency 1: the next day's extract runs while a day commits",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const b = await runBench("postgres");
    try {
      serveDays(b);
      const asked = (day: string) =>
        b.api.requests.some((r) => new URL(r.url).searchParams.get("date") === day);
      let overlapped = false;
      const days = ["2024-01-01", "2024-01-02", "2024-01-03"];
      const outcomes = await runPlan(
        days.map((day) => ({ job: b.etl, day, why: "test" })),
        (item, hooks) =>
          runPartition(
            b.deps({
              ...hooks,
              // Day 1 holds its final transaction open until day 2's extract asks
              // the source (bounded: without the overlap it never would).
              afterDelete: async () => {
                if (item.day !== days[0]) return;
                for (let i = 0; i < 250 && !asked(days[1]); i++) {
                  await new Promise((r) => setTimeout(r, 20));
                }
                overlapped = asked(days[1]);
              },
            }),
            b.opts({ day: item.day }),
          ),
        { concurrency: 1 },
      );
      assert.ok(overlapped, "day 2 was asked for while day 1 was in its final transaction");
      assert.deepEqual(outcomes.map((o) => o.result.status), [
        "succeeded",
        "succeeded",
        "succeeded",
      ]);
      assert.equal(await count(b, "SELECT count(*)::int AS n FROM data"), 3 * 144 * 8);
      const runs = await runsOf(b.db);
      assert.deepEqual(runs.map((r) => r.status), ["succeeded", "succeeded", "succeeded"]);
    } finally {
      await b.close();
    }
  },
});

Deno.test("plan: days of a range, oldest first, upstream first", () => {
  assert.deepEqual(daysBetween("2024-02-27", "2024-03-01"), [
    "2024-02-27",
    "2024-02-28",
    "2024-02-29",
    "2024-03-01",
  ]);
  assert.deepEqual(daysBetween("2024-01-02", "2024-01-01"), []);
});
