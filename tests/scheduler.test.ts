/**
 * The scheduler's reconcile with an injected clock, on both backends: a tick
 * runs yesterday, an outage is caught up, a failing day is retried with a
 * growing delay up to MAX_ATTEMPTS and then left to a person, a success
 * resets the budget, daily runs after etl in the same round.
 */
import assert from "node:assert/strict";
import { testBackends } from "./helpers/databases.ts";
import { type Bench, partition, runBench, runsOf, serveDays } from "./helpers/runs.ts";
import { cli } from "./helpers/cli.ts";
import { type ReconcileReport, Scheduler } from "../jobs/scheduler/scheduler.ts";
import { registerSchedules } from "../jobs/scheduler/schedules.ts";

function clocked(b: Bench, start: string) {
  let now = new Date(start);
  const logs: Record<string, unknown>[] = [];
  const ctx = b.ctx({ now: () => now });
  const scheduler = new Scheduler(ctx, {
    concurrency: 2,
    maxAttempts: 3,
    log: (e) => logs.push(e),
  });
  return {
    logs,
    scheduler,
    at(iso: string) {
      now = new Date(iso);
    },
    async round(trigger = "tick"): Promise<ReconcileReport> {
      const r = scheduler.reconcile(trigger);
      assert.ok(r, "a reconcile started");
      return await r;
    },
  };
}

const ran = (s: ReturnType<typeof clocked>, from: number) =>
  s.logs.slice(from).filter((e) => e.event === "run").map((e) => `${e.job} ${e.day} ${e.status}`);

testBackends(
  "scheduler: a tick runs yesterday, etl then daily; a 5-day outage is caught up at once",
  async (_t, backend) => {
    const b = await runBench(backend, "2024-01-02");
    try {
      serveDays(b, new Set());
      const s = clocked(b, "2024-01-03T01:00:00Z");
      const first = await s.round("startup");
      assert.deepEqual(ran(s, 0), ["etl 2024-01-02 succeeded", "daily 2024-01-02 succeeded"]);
      assert.equal(first.planned, 2);
      // Nothing more to do the same day.
      const n = s.logs.length;
      assert.equal((await s.round()).planned, 0);
      // Down for 5 days: the next round catches every missed day up, oldest first.
      s.at("2024-01-08T01:00:00Z");
      const n2 = s.logs.length;
      const catchUp = await s.round();
      assert.equal(catchUp.succeeded, 10);
      const order = ran(s, n2);
      const days = ["03", "04", "05", "06", "07"];
      assert.deepEqual(order.slice(0, 5).sort(), days.map((d) => `etl 2024-01-${d} succeeded`));
      assert.deepEqual(order.slice(5).sort(), days.map((d) => `daily 2024-01-${d} succeeded`));
      assert.ok(n < n2);
      const reconcile = s.logs.filter((e) => e.event === "reconcile").at(-1)!;
      assert.equal(reconcile.planned, 10);
      assert.equal(reconcile.failed, 0);
    } finally {
      await b.close();
    }
  },
);

testBackends(
  "scheduler: a failing day is retried with a growing delay up to MAX_ATTEMPTS; a success resets it",
  async (_t, backend) => {
    const b = await runBench(backend, "2024-01-02");
    try {
      const bad = new Set(["2024-01-02"]);
      serveDays(b, bad);
      const s = clocked(b, "2024-01-03T01:00:00Z");
      const tries = () => b.api.requests.filter((r) => r.url.includes("date=2024-01-02")).length;
      await s.round();
      assert.equal(tries(), 1);
      let p = await partition(b.db, "2024-01-02");
      assert.deepEqual([p?.status, p?.failures], ["failed", 1]);
      // Retry delay 60 s after the 1st failure: not yet at +30 s...
      s.at("2024-01-03T01:00:30Z");
      const waiting = await s.round();
      assert.equal(tries(), 1);
      assert.equal(waiting.waiting, 1);
      // ...but at +61 s; then 120 s after the 2nd failure.
      s.at("2024-01-03T01:01:01Z");
      await s.round();
      assert.equal(tries(), 2);
      s.at("2024-01-03T01:02:30Z");
      await s.round();
      assert.equal(tries(), 2, "the 2nd delay is longer (120 s)");
      s.at("2024-01-03T01:03:02Z");
      await s.round();
      assert.equal(tries(), 3);
      p = await partition(b.db, "2024-01-02");
      assert.deepEqual([p?.status, p?.failures], ["failed", 3]);
      // MAX_ATTEMPTS (3) spent: left failed, reported, not run again.
      s.at("2024-01-05T01:00:00Z");
      const left = await s.round();
      assert.equal(tries(), 3);
      assert.equal(left.exhausted, 1);
      // daily of that day is blocked, the others ran.
      const daily = await runsOf(b.db);
      assert.ok(!daily.some((r) => r.job === "daily" && r.day === "2024-01-02"));
      // A person re-runs it once the source is fixed: the budget starts again.
      bad.clear();
      const fixed = await cli(b.ctx({ now: () => new Date("2024-01-05T01:00:00Z") }), ["--failed"]);
      assert.equal(fixed.code, 0, fixed.err.join("\n"));
      p = await partition(b.db, "2024-01-02");
      assert.deepEqual([p?.status, p?.failures], ["succeeded", 0]);
      await s.round();
      const daily2 = await runsOf(b.db);
      assert.ok(
        daily2.some((r) => r.job === "daily" && r.day === "2024-01-02" && r.status === "succeeded"),
      );
    } finally {
      await b.close();
    }
  },
);

testBackends(
  "scheduler: a tick while a reconcile runs starts no second one",
  async (_t, backend) => {
    const b = await runBench(backend, "2024-01-02");
    try {
      serveDays(b, new Set());
      const s = clocked(b, "2024-01-04T01:00:00Z");
      const first = s.scheduler.reconcile("startup");
      assert.ok(first);
      assert.equal(s.scheduler.reconcile("cron:etl"), null);
      assert.equal(s.logs.at(-1)?.event, "reconcile_skipped");
      await first;
      assert.ok(s.scheduler.reconcile("cron:etl"));
      await s.scheduler.running;
    } finally {
      await b.close();
    }
  },
);

Deno.test("scheduler: registers one Deno.cron per declared job, backoffSchedule explicit", async () => {
  const b = await runBench("pglite");
  try {
    const seen: { name: string; schedule: string; backoff?: number[] }[] = [];
    const fake = (name: string, schedule: string, o: { backoffSchedule?: number[] }) => {
      seen.push({ name, schedule, backoff: o.backoffSchedule });
      return Promise.resolve();
    };
    const stop = new AbortController();
    const got = registerSchedules(fake, b.jobs, stop.signal, () => Promise.resolve());
    assert.deepEqual(got, { etl: "0 1 * * *", daily: "0 1 * * *" });
    assert.deepEqual(seen.map((s) => s.name), ["windbin etl", "windbin daily"]);
    assert.ok(seen.every((s) => s.backoff?.length));
  } finally {
    await b.close();
  }
});

testBackends(
  "scheduler: a watch round acts on days already taken (stale ones), a new day waits for its tick",
  async (_t, backend) => {
    const b = await runBench(backend, "2024-01-02");
    try {
      serveDays(b, new Set());
      const s = clocked(b, "2024-01-03T01:00:00Z");
      assert.equal((await s.round("startup")).succeeded, 2);
      // Past midnight, before the 01:00 tick: 2024-01-03 is over but not taken yet.
      s.at("2024-01-04T00:30:00Z");
      const watch = await s.round("watch");
      assert.equal(watch.planned, 0);
      assert.equal(watch.to, "2024-01-02");
      // A day already taken that turned stale is acted on at once, downstream in the same round.
      await b.db.query("UPDATE partitions SET sql_hash = 'edited' WHERE job = 'etl'");
      const n = s.logs.length;
      const acted = await s.round("watch");
      assert.deepEqual(ran(s, n), ["etl 2024-01-02 succeeded", "daily 2024-01-02 succeeded"]);
      assert.equal(acted.planned, 2);
      // The tick takes the new day.
      const tick = await s.round("cron:etl");
      assert.equal(tick.to, "2024-01-03");
      assert.equal(tick.succeeded, 2);
    } finally {
      await b.close();
    }
  },
);

testBackends(
  "scheduler: a long history is planned and run a window of days at a time, oldest window first",
  async (_t, backend) => {
    const b = await runBench(backend, "2024-01-02");
    try {
      serveDays(b, new Set());
      const logs: Record<string, unknown>[] = [];
      const states: { from: string; to: string }[] = [];
      const ctx = b.ctx({ now: () => new Date("2024-01-10T01:00:00Z") });
      // Every partition-state query of the round, to see the windows it used.
      const query = ctx.db.query.bind(ctx.db);
      ctx.db.query = ((sql: string, params?: readonly unknown[]) => {
        if (/FROM partitions/i.test(sql) && params?.length === 3) {
          states.push({ from: String(params[1]), to: String(params[2]) });
        }
        return query(sql, params);
      }) as typeof ctx.db.query;
      const scheduler = new Scheduler(ctx, {
        concurrency: 2,
        maxAttempts: 3,
        windowDays: 3,
        log: (e) => logs.push(e),
      });
      const report = await scheduler.reconcile("startup")!;
      // 2024-01-02 .. 2024-01-09: eight days of both jobs, in windows of three days.
      assert.equal(report.planned, 16);
      assert.equal(report.succeeded, 16);
      assert.deepEqual(states, [
        { from: "2024-01-02", to: "2024-01-04" },
        { from: "2024-01-05", to: "2024-01-07" },
        { from: "2024-01-08", to: "2024-01-09" },
      ]);
      const etlDays = logs.filter((e) => e.event === "run" && e.job === "etl").map((e) => e.day);
      assert.deepEqual(etlDays.slice(0, 3).sort(), ["2024-01-02", "2024-01-03", "2024-01-04"]);
      assert.deepEqual(etlDays.slice(-2).sort(), ["2024-01-08", "2024-01-09"]);
    } finally {
      await b.close();
    }
  },
);
