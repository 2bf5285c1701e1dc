/**
 * The live job catalog: where each job's partitions start (the source's
 * first reading over real HTTP, PARTITION_START or the declaration
 * overriding it, a pure-SQL job where its upstream starts; when the source
 * cannot say, what it said last, else the earliest partition, never a
 * default date), and new, edited or broken SQL noticed on refresh without a
 * restart. `etl --missing`, `status` and the page use the same first days.
 */
import assert from "node:assert/strict";
import { testBackends } from "./helpers/databases.ts";
import { startFakeApi } from "./helpers/fake_api.ts";
import { fixtureJobs, liveCtx } from "./helpers/live_jobs.ts";
import { cli } from "./helpers/cli.ts";
import { migratedDb } from "./helpers/databases.ts";
import { describeFirstDay } from "../jobs/core/job.ts";
import { earliestFirstDay } from "../jobs/core/catalog.ts";
import { statusReport } from "../jobs/core/status.ts";
import { runnerStatusSource } from "../jobs/core/status_port.ts";

const NOW = () => new Date("2024-03-08T12:00:00Z");

/** A stand-in source whose /extent says `body` (or answers `status`). */
function extentApi() {
  const api = startFakeApi();
  const say = (body: unknown, status = 200) =>
    api.answer((req) =>
      new URL(req.url).pathname === "/extent"
        ? Response.json(body, { status })
        : new Response("not here", { status: 404 })
    );
  const extentCalls = () => api.requests.filter((r) => r.url.endsWith("/extent")).length;
  return { api, say, extentCalls };
}

const firstDays = (
  jobs: readonly { name: string; firstDay: string | null; firstDayFrom: string }[],
) => Object.fromEntries(jobs.map((j) => [j.name, `${j.firstDay} ${j.firstDayFrom}`]));

testBackends(
  "catalog: jobs start at the source's first reading; PARTITION_START and a declaration override it",
  async (_t, backend) => {
    const target = await migratedDb(backend, "target");
    const src = extentApi();
    const fixture = await fixtureJobs();
    try {
      const base = {
        db: target.db,
        apiUrl: src.api.url,
        token: "t",
        declarations: fixture.declarations,
        now: NOW,
      };
      // The first reading at 00:10 UTC on March 5th (an instant, any offset).
      src.say({ first: "2024-03-05T01:10:00+01:00", last: "2024-03-07T23:50:00Z" });
      const ctx = await liveCtx(base);
      assert.deepEqual(firstDays(ctx.jobs), {
        etl: "2024-03-05 source",
        daily: "2024-03-05 upstream",
      });
      assert.equal(describeFirstDay(ctx.jobs[0]), "2024-03-05 (the source's first reading)");
      assert.equal(src.api.requests.at(-1)?.headers.get("authorization"), "Bearer t");

      // PARTITION_START overrides, and the source is not even asked.
      const before = src.extentCalls();
      const pinned = await liveCtx({ ...base, partitionStart: "2024-03-01" });
      assert.deepEqual(firstDays(pinned.jobs), {
        etl: "2024-03-01 PARTITION_START",
        daily: "2024-03-01 PARTITION_START",
      });
      assert.equal(src.extentCalls(), before);

      // A declaration's own firstDay overrides both.
      const [etl, daily] = fixture.declarations;
      const own = await liveCtx({
        ...base,
        declarations: [etl, { ...daily, firstDay: "2024-03-06" }],
      });
      assert.deepEqual(firstDays(own.jobs), {
        etl: "2024-03-05 source",
        daily: "2024-03-06 declaration",
      });

      // A source without readings: no days at all, said so.
      src.say({ first: null, last: null });
      const empty = await liveCtx(base);
      assert.deepEqual(firstDays(empty.jobs), { etl: "null source", daily: "null unknown" });
      assert.equal(describeFirstDay(empty.jobs[0]), "none yet (the source has no readings)");
      const r = await cli(empty, ["--missing", "--job", "all", "--dry-run"]);
      assert.equal(r.code, 1);
      assert.match(r.err.join("\n"), /no first day is known for etl, daily.*PARTITION_START/);

      // The extent moves (older readings loaded): the next refresh says so.
      src.say({ first: "2024-03-05T00:10:00Z", last: null });
      await ctx.catalog.refresh();
      src.say({ first: "2024-03-02T00:00:00Z", last: null });
      const changed = await ctx.catalog.refresh();
      assert.deepEqual(changed.changes, [
        { job: "etl", what: "first_day", was: "2024-03-05", now: "2024-03-02" },
        { job: "daily", what: "first_day", was: "2024-03-05", now: "2024-03-02" },
      ]);
    } finally {
      await fixture.remove();
      await src.api.close();
      await target.close();
    }
  },
);

testBackends(
  "catalog: a source that cannot be reached: its last answer, else the earliest partition; never a default",
  async (_t, backend) => {
    const target = await migratedDb(backend, "target");
    const src = extentApi();
    const fixture = await fixtureJobs();
    try {
      const base = {
        db: target.db,
        apiUrl: src.api.url,
        token: "t",
        declarations: fixture.declarations,
        now: NOW,
      };
      src.say({ first: "2024-03-05T00:00:00Z", last: null });
      const ctx = await liveCtx(base);
      src.say({ error: "down" }, 503);
      const refreshed = await ctx.catalog.refresh();
      assert.deepEqual(firstDays(ctx.jobs), {
        etl: "2024-03-05 source",
        daily: "2024-03-05 upstream",
      });
      assert.match(
        refreshed.warnings.join("\n"),
        /answered 503 to \/extent.*said last \(2024-03-05\)/,
      );

      // A new process while the source is down, nothing recorded: no first day, said so.
      const blind = await liveCtx(base);
      assert.deepEqual(firstDays(blind.jobs), { etl: "null unknown", daily: "null unknown" });
      assert.match(blind.catalog.warnings.join("\n"), /answered 503.*earliest recorded partitions/);
      const r = await cli(blind, ["--missing", "--dry-run"]);
      assert.equal(r.code, 1);
      assert.match(r.err.join("\n"), /etl: note: .*503/);
      const status = await statusReport(target.db, {
        jobs: blind.jobs,
        from: earliestFirstDay(blind.jobs) ?? "2024-03-07",
        to: "2024-03-07",
      });
      assert.deepEqual(status.jobs.map((j) => j.partitions.length), [0, 0], "no made-up days");

      // With partitions recorded, the earliest one is where the job starts.
      await target.db.query(
        `INSERT INTO partitions (job, day, status) VALUES ('etl', '2024-03-04', 'failed'),
                ('etl', '2024-03-06', 'succeeded')`,
      );
      const known = await liveCtx(base);
      assert.deepEqual(firstDays(known.jobs), {
        etl: "2024-03-04 target",
        daily: "2024-03-04 upstream",
      });
      assert.match(known.catalog.warnings.join("\n"), /etl 2024-03-04/);
    } finally {
      await fixture.remove();
      await src.api.close();
      await target.close();
    }
  },
);

testBackends(
  "catalog: etl --missing, status and the page plan from the same first day",
  async (_t, backend) => {
    const target = await migratedDb(backend, "target");
    const src = extentApi();
    const fixture = await fixtureJobs();
    try {
      src.say({ first: "2024-03-05T00:00:00Z", last: "2024-03-07T23:59:00Z" });
      const ctx = await liveCtx({
        db: target.db,
        apiUrl: src.api.url,
        token: "t",
        declarations: fixture.declarations,
        now: NOW,
      });
      const r = await cli(ctx, ["--missing", "--job", "all", "--dry-run"]);
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.deepEqual(r.out.slice(1).map((l) => l.trim().split(/\s+/).slice(0, 2).join(" ")), [
        "etl 2024-03-05",
        "etl 2024-03-06",
        "etl 2024-03-07",
        "daily 2024-03-05",
        "daily 2024-03-06",
        "daily 2024-03-07",
      ]);
      const report = await statusReport(target.db, {
        jobs: ctx.jobs,
        from: earliestFirstDay(ctx.jobs)!,
        to: "2024-03-07",
      });
      assert.deepEqual(report.jobs.map((j) => [j.name, j.firstDay, j.counts.missing]), [
        ["etl", "2024-03-05", 3],
        ["daily", "2024-03-05", 0],
      ]);
      const page = runnerStatusSource({ ctx, reconcileAll: () => null });
      assert.deepEqual(page.jobs().map((j) => j.firstDay), ["2024-03-05", "2024-03-05"]);
      const views = await page.partitions({ from: "2024-03-01", to: "2024-03-07" });
      assert.deepEqual(views.map((v) => v.day).slice(0, 3), [
        "2024-03-05",
        "2024-03-06",
        "2024-03-07",
      ]);
    } finally {
      await fixture.remove();
      await src.api.close();
      await target.close();
    }
  },
);

Deno.test("catalog: new and edited SQL are noticed on refresh; unreadable SQL keeps the previous", async () => {
  const target = await migratedDb("pglite", "target");
  const fixture = await fixtureJobs();
  try {
    const ctx = await liveCtx({
      db: target.db,
      apiUrl: "http://127.0.0.1:9",
      token: "t",
      declarations: fixture.declarations,
      partitionStart: "2024-03-01",
      now: NOW,
    });
    const etl = () => ctx.jobs.find((j) => j.name === "etl")!.transform;
    assert.equal(etl().version, 1);
    assert.deepEqual((await ctx.catalog.refresh()).changes, [], "nothing changed");

    await fixture.addVersion("etl", 2);
    const added = await ctx.catalog.refresh();
    assert.deepEqual(added.changes.map((c) => [c.job, c.what]), [["etl", "sql"]]);
    assert.match(String(added.changes[0].now), /^aggregate_10min\.v2\.sql [0-9a-f]{8}$/);
    assert.equal(etl().version, 2);

    // The same version edited: another hash.
    const file = `${fixture.dir}/etl/aggregate_10min.v2.sql`;
    const hash = etl().hash;
    await Deno.writeTextFile(file, (await Deno.readTextFile(file)) + "\n-- edited\n");
    const edited = await ctx.catalog.refresh();
    assert.deepEqual(edited.changes.map((c) => [c.job, c.what]), [["etl", "sql"]]);
    assert.notEqual(etl().hash, hash);

    // Two files of one version: the previous SQL stays, and the warning says what to fix.
    const kept = etl().hash;
    await Deno.copyFile(file, `${fixture.dir}/etl/other.v2.sql`);
    const broken = await ctx.catalog.refresh();
    assert.deepEqual(broken.changes, []);
    assert.match(
      broken.warnings.join("\n"),
      /two transforms of version 2.*keep one.*previous SQL is kept/,
    );
    assert.equal(etl().hash, kept);
    await Deno.remove(`${fixture.dir}/etl/other.v2.sql`);
    assert.deepEqual((await ctx.catalog.refresh()).warnings, []);
  } finally {
    await fixture.remove();
    await target.close();
  }
});
