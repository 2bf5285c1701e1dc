/**
 * runPlan's scheduling, with scripted runs (no database): a slot starts its
 * next partition when the current one reaches its final transaction, keeps
 * at most one run extracting and one finishing, finishes a job's wave before
 * the next job's, and stops on a thrown run or a signal.
 */
import assert from "node:assert/strict";
import { type RunHooks, runPlan } from "../jobs/core/run_plan.ts";
import type { PlanItem } from "../jobs/core/plan.ts";
import type { Job } from "../jobs/core/job.ts";
import type { RunResult } from "../jobs/core/partition_run.ts";

const job = (name: string) => ({ name }) as unknown as Job;
const items = (name: string, n: number): PlanItem[] =>
  Array.from({ length: n }, (_, i) => ({ job: job(name), day: `2024-01-0${i + 1}`, why: "test" }));

const ok: RunResult = {
  status: "succeeded",
  runId: 1,
  rowsIn: 1,
  rowsOut: 1,
  attempts: 1,
  phases: { claim: 0, extract: 0, transaction: 0 },
  ms: 0,
};

/** Runs whose extract and final phase end when the test says so. */
function scripted() {
  const log: string[] = [];
  const runs = new Map<string, { final: () => void; finish: () => void }>();
  const started = new Map<string, PromiseWithResolvers<void>>();
  const run = (item: PlanItem, hooks: RunHooks) => {
    const key = `${item.job.name} ${item.day}`;
    log.push(`start ${key}`);
    const done = Promise.withResolvers<RunResult>();
    runs.set(key, {
      final: () => {
        log.push(`final ${key}`);
        hooks.onFinal();
      },
      finish: () => {
        log.push(`end ${key}`);
        done.resolve(ok);
      },
    });
    started.get(key)?.resolve();
    return done.promise;
  };
  /** Resolves once the run of `key` has started. */
  const whenStarted = (key: string) => {
    if (runs.has(key)) return Promise.resolve();
    if (!started.has(key)) started.set(key, Promise.withResolvers());
    return started.get(key)!.promise;
  };
  return { log, runs, run, whenStarted };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

Deno.test("runPlan, concurrency 1: the next day's extract starts while the previous one commits", async () => {
  const s = scripted();
  const plan = runPlan(items("etl", 3), s.run, { concurrency: 1 });
  await s.whenStarted("etl 2024-01-01");
  await tick();
  assert.deepEqual(s.log, ["start etl 2024-01-01"], "one extract at a time");
  s.runs.get("etl 2024-01-01")!.final();
  await s.whenStarted("etl 2024-01-02");
  // Day 2 extracts while day 1 is still in its final transaction.
  s.runs.get("etl 2024-01-02")!.final();
  await tick();
  // Day 3 waits: day 1 is still finishing (one finishing run per slot).
  assert.ok(!s.log.includes("start etl 2024-01-03"), s.log.join(", "));
  s.runs.get("etl 2024-01-01")!.finish();
  await s.whenStarted("etl 2024-01-03");
  s.runs.get("etl 2024-01-03")!.final();
  s.runs.get("etl 2024-01-02")!.finish();
  s.runs.get("etl 2024-01-03")!.finish();
  const outcomes = await plan;
  assert.equal(outcomes.length, 3);
  assert.deepEqual(s.log, [
    "start etl 2024-01-01",
    "final etl 2024-01-01",
    "start etl 2024-01-02",
    "final etl 2024-01-02",
    "end etl 2024-01-01",
    "start etl 2024-01-03",
    "final etl 2024-01-03",
    "end etl 2024-01-02",
    "end etl 2024-01-03",
  ]);
});

Deno.test("runPlan: a job's runs all end before the next job's begin", async () => {
  const s = scripted();
  const plan = runPlan([...items("etl", 2), ...items("daily", 1)], s.run, { concurrency: 1 });
  await s.whenStarted("etl 2024-01-01");
  s.runs.get("etl 2024-01-01")!.final();
  await s.whenStarted("etl 2024-01-02");
  s.runs.get("etl 2024-01-02")!.final();
  s.runs.get("etl 2024-01-01")!.finish();
  await tick();
  assert.ok(!s.log.includes("start daily 2024-01-01"), "daily waits for etl 2024-01-02");
  s.runs.get("etl 2024-01-02")!.finish();
  await s.whenStarted("daily 2024-01-01");
  s.runs.get("daily 2024-01-01")!.final();
  s.runs.get("daily 2024-01-01")!.finish();
  assert.equal((await plan).length, 3);
});

Deno.test("runPlan: a run that throws stops the plan once the runs in flight end", async () => {
  const started: string[] = [];
  const plan = runPlan(items("etl", 4), (item, hooks) => {
    started.push(item.day);
    if (item.day === "2024-01-02") return Promise.reject(new Error("boom"));
    hooks.onFinal();
    return new Promise((r) => setTimeout(() => r(ok), 20));
  }, { concurrency: 1 });
  await assert.rejects(plan, /boom/);
  assert.deepEqual(started, ["2024-01-01", "2024-01-02"]);
});

Deno.test("runPlan: an aborted signal takes no new partitions", async () => {
  const stop = new AbortController();
  const started: string[] = [];
  const outcomes = await runPlan(items("etl", 4), (item, hooks) => {
    started.push(item.day);
    stop.abort("SIGTERM");
    hooks.onFinal();
    return Promise.resolve(ok);
  }, { concurrency: 2, signal: stop.signal });
  assert.deepEqual(started, ["2024-01-01"]);
  assert.equal(outcomes.length, 1);
});
