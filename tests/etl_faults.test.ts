/**
 * The partition run when its target database goes away, on a private
 * PostgreSQL cluster this test starts (never the machine's shared server):
 * the run's backend terminated in each phase, and the whole server
 * restarted (fast and immediate) mid-run. The process never crashes; the
 * run is recorded failed with the real cause (or, with the target gone,
 * both errors are returned); the previous rows stay; the next run succeeds.
 */
import assert from "node:assert/strict";
import { PostgresDb } from "../db/postgres.ts";
import { migrate } from "../migrations/migrate.ts";
import type { Db } from "../db/types.ts";
import { NO_PRIVATE_CLUSTER, startPrivateCluster } from "./helpers/private_cluster.ts";
import { copy, dayCopy, startFakeApi } from "./helpers/fake_api.ts";
import { DAY, dayRows, fixtureJobs, LATER, partition } from "./helpers/runs.ts";
import { type RunDeps, type RunOptions, runPartition } from "../jobs/core/partition_run.ts";
import { findJob } from "../jobs/core/job.ts";
import { RUNNER_DB_SETTINGS } from "../jobs/open_runner.ts";

const etl = findJob(await fixtureJobs(), "etl");

async function recordedError(db: Db, runId: number): Promise<string | null> {
  const [row] = await db.query<{ error: string | null }>(
    "SELECT error FROM runs WHERE id = $1",
    [runId],
  );
  return row?.error ?? null;
}

Deno.test({
  name: "[postgres] faults: the target lost in each phase of a run, and restarted mid-run",
  ignore: NO_PRIVATE_CLUSTER,
  async fn(t) {
    const cluster = await startPrivateCluster();
    const api = startFakeApi();
    const db: Db = new PostgresDb(cluster.url, RUNNER_DB_SETTINGS);
    try {
      await migrate(db, "target");
      const deps = (extra: Partial<RunDeps> = {}): RunDeps => ({
        db,
        fetch,
        sleep: () => Promise.resolve(),
        random: () => 0.5,
        log: () => {},
        ...extra,
      });
      const opts = (extra: Partial<RunOptions> = {}): RunOptions => ({
        job: etl,
        day: DAY,
        trigger: "cli",
        runner: "fault:1",
        apiUrl: api.url,
        token: "t",
        attempts: 1,
        timeoutMs: 10_000,
        leaseSeconds: 30,
        now: LATER,
        ...extra,
      });
      api.answer(copy(dayCopy(DAY, 60)));
      assert.equal((await runPartition(deps(), opts())).status, "succeeded");
      const before = await dayRows(db);
      const kill = () => cluster.terminateBackends("windbin");
      const cases: [string, Partial<RunDeps>, () => void][] = [
        ["claimed, before the extract", { onClaimed: () => void kill() }, () => {}],
        ["during the extract", {}, () =>
          api.answer(async (req) => {
            await kill();
            return copy(dayCopy(DAY, 60, () => [1, 2]))(req);
          })],
        ["staging loaded, before the final transaction", { beforeFinal: kill }, () => {}],
        ["inside the final transaction", { afterDelete: () => kill() }, () => {}],
      ];
      for (const [phase, extra, script] of cases) {
        await t.step(`backend terminated: ${phase}`, async () => {
          // Rows a failed run must not leave behind; after a claim-time kill the run may
          // still succeed (its later statements reconnect), so that case loads the same rows.
          api.answer(
            copy(phase.startsWith("claimed") ? dayCopy(DAY, 60) : dayCopy(DAY, 60, () => [1, 2])),
          );
          script();
          const r = await runPartition(deps(extra), opts());
          if (phase.startsWith("claimed")) {
            // The claim itself committed before the kill; what follows may or may not notice.
            assert.ok(["failed", "succeeded"].includes(r.status), JSON.stringify(r));
          } else {
            assert.equal(r.status, "failed", JSON.stringify(r));
            assert.ok(r.status === "failed");
            // The server's reason, not pg's generic "Client has encountered a connection
            // error and is not queryable" of a later statement on the dead connection.
            assert.match(
              r.error,
              /^lost or cannot open the connection to the target database: terminating connection due to administrator command\. Check .*TARGET_DATABASE_URL/,
            );
            assert.equal(r.recordError, undefined, "recorded once the pool reconnected");
            assert.equal((await partition(db))?.status, "failed");
            assert.equal(await recordedError(db, r.runId), r.error, "the run records it");
            assert.deepEqual(await dayRows(db), before, "previous rows intact");
          }
          api.answer(copy(dayCopy(DAY, 60)));
          const next = await runPartition(deps(), opts());
          assert.equal(next.status, "succeeded", JSON.stringify(next));
          assert.deepEqual(await dayRows(db), before);
        });
      }
      for (const mode of ["fast", "immediate"] as const) {
        await t.step(`server restart (${mode}) mid-run`, async () => {
          api.answer(async (req) => {
            await cluster.restart(mode);
            return copy(dayCopy(DAY, 60, () => [1, 2]))(req);
          });
          const r = await runPartition(deps(), opts());
          assert.equal(r.status, "failed", JSON.stringify(r));
          assert.ok(r.status === "failed");
          // What the server said when it went down (an immediate shutdown says it only as a
          // warning before the connection drops).
          assert.match(
            r.error,
            mode === "fast"
              ? /: terminating connection due to administrator command\./
              : /: terminating connection due to immediate shutdown command\./,
          );
          assert.equal(await recordedError(db, r.runId), r.error, "the run records it");
          assert.deepEqual(await dayRows(db), before);
          api.answer(copy(dayCopy(DAY, 60)));
          const next = await runPartition(deps(), opts());
          assert.equal(next.status, "succeeded", JSON.stringify(next));
          assert.deepEqual(await dayRows(db), before);
        });
      }
      await t.step(
        "server restarted inside the final transaction: the failure is recorded or both errors are returned",
        async () => {
          api.answer(copy(dayCopy(DAY, 60, () => [1, 2])));
          const r = await runPartition(
            deps({ afterDelete: () => cluster.restart("immediate") }),
            opts(),
          );
          assert.equal(r.status, "failed", JSON.stringify(r));
          assert.ok(r.status === "failed");
          const p = await partition(db);
          if (r.recordError) assert.match(r.recordError, /recording the failure failed too/);
          else assert.equal(p?.status, "failed");
          assert.deepEqual(await dayRows(db), before);
        },
      );
    } finally {
      await db.close();
      await api.close();
      await cluster.stop();
    }
  },
});
