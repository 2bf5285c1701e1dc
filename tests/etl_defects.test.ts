/**
 * The defects fault tests found in the partition run, each reproduced:
 * lying sources, NUL bytes, masked errors, blocking "busy", an extract inside
 * the final transaction, signals, leaked tokens, timestamps, dead runs.
 */
import assert from "node:assert/strict";
import { runPartition } from "../jobs/core/partition_run.ts";
import { sweepAbandoned } from "../jobs/core/claim.ts";
import { TEST_DATABASE_URL, testBackends } from "./helpers/databases.ts";
import { copy, copyBody, dayCopy, dayReadings } from "./helpers/fake_api.ts";
import {
  DAY,
  dayRows,
  deadClaim,
  partition,
  runBench as setup,
  runsOf,
  succeedOnce,
} from "./helpers/runs.ts";
import { until } from "./helpers/processes.ts";
import { race } from "./helpers/streams.ts";
import type { Db } from "../db/types.ts";

const pgOnly = { ignore: !TEST_DATABASE_URL };

/** Whether `seconds` have passed, by the database's clock, since the day's claim was taken. */
async function leaseOutlived(db: Db, seconds: number): Promise<boolean> {
  const [p] = await db.query<{ over: boolean }>(
    `SELECT now() > started_at + make_interval(secs => $2) AS over
     FROM partitions WHERE job = 'etl' AND day = $1::date`,
    [DAY, seconds],
  );
  return p?.over === true;
}

testBackends(
  "defects: a day that shrinks by more than 10% is refused unless --allow-shrink",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      const before = await succeedOnce(s);
      // Half a day (a source that lost the afternoon): 720 of 1440 readings.
      s.api.answer(copy(dayCopy(DAY, 120)));
      const r = await runPartition(s.deps(), s.opts());
      assert.equal(r.status, "failed");
      assert.match(
        r.status === "failed" ? r.error : "",
        /720 readings .* 50% fewer than the 1440 .*--allow-shrink/,
      );
      assert.deepEqual(await dayRows(s.db), before);
      // 5% fewer is within ETL_MAX_SHRINK.
      s.api.answer(copy(copyBody(dayReadings(DAY, 60).slice(0, 1369))));
      const small = await runPartition(s.deps(), s.opts());
      assert.equal(small.status, "succeeded", JSON.stringify(small));
      s.api.answer(copy(dayCopy(DAY, 120)));
      const forced = await runPartition(s.deps(), s.opts({ allowShrink: true }));
      assert.equal(forced.status, "succeeded", JSON.stringify(forced));
      assert.equal(forced.status === "succeeded" && forced.rowsIn, 720);
    } finally {
      await s.close();
    }
  },
);

testBackends(
  "defects: a day that is not over is refused unless --allow-partial",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      s.api.answer(copy(dayCopy(DAY, 600)));
      const now = new Date(`${DAY}T13:00:00Z`);
      const r = await runPartition(s.deps(), s.opts({ now }));
      assert.equal(r.status, "refused");
      assert.equal(s.api.requests.length, 0);
      assert.equal(await partition(s.db), undefined);
      const ok = await runPartition(s.deps(), s.opts({ now, allowPartial: true }));
      assert.equal(ok.status, "succeeded", JSON.stringify(ok));
    } finally {
      await s.close();
    }
  },
);

testBackends(
  "defects: NUL bytes in what the source says are recorded, not a second failure",
  async (t, backend) => {
    const s = await setup(backend);
    try {
      await succeedOnce(s);
      for (
        const [what, answer, message] of [
          [
            "a NUL in a turbine name",
            copy(copyBody([{ turbine: "T\0x", at: "2024-01-03T00:00:00Z", values: [1, 2] }])),
            /outside 2024-01-02 .*turbine T\\0x/,
          ],
          [
            "a NUL in a 500 body",
            () => new Response("oops\0", { status: 500 }),
            /answered 500.*oops\\0/,
          ],
        ] as const
      ) {
        await t.step(what, async () => {
          s.api.answer(answer);
          const r = await runPartition(s.deps(), s.opts({ attempts: 1 }));
          assert.equal(r.status, "failed", JSON.stringify(r));
          assert.equal(r.status === "failed" && r.recordError, undefined);
          const p = await partition(s.db);
          assert.equal(p?.status, "failed");
          assert.match(p?.error ?? "", message);
          assert.equal((await runsOf(s.db)).at(-1)?.status, "failed");
        });
      }
    } finally {
      await s.close();
    }
  },
);

testBackends(
  "defects: when recording the failure fails too, both errors are reported",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      s.api.answer(copy(dayCopy(DAY, 600)));
      const r = await runPartition(
        s.deps({
          // The runs table disappears under the run: the final transaction fails,
          // and so does recording that failure.
          beforeFinal: () => s.db.exec("ALTER TABLE runs RENAME TO runs_gone"),
        }),
        s.opts(),
      );
      assert.equal(r.status, "failed");
      assert.ok(r.status === "failed");
      assert.match(r.error, /relation "runs" does not exist/);
      assert.match(
        r.recordError ?? "",
        /recording the failure failed too: .*relation "runs" does not exist/,
      );
    } finally {
      await s.close();
    }
  },
);

testBackends(
  "defects: an error body echoing the token is redacted before it is stored",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      s.api.answer((req) =>
        new Response(`bad request from ${req.headers.get("authorization")} (token=secret-token)`, {
          status: 400,
        })
      );
      const r = await runPartition(s.deps(), s.opts());
      assert.equal(r.status, "failed");
      const stored = (await partition(s.db))?.error ?? "";
      assert.match(stored, /answered 400/);
      assert.doesNotMatch(stored, /secret-token/);
      assert.doesNotMatch(r.status === "failed" ? r.error : "", /secret-token/);
      assert.match(stored, /\[redacted\]/);
    } finally {
      await s.close();
    }
  },
);

testBackends(
  "defects: finished_at is the end of the run, not the start of its transaction",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      s.api.answer(copy(dayCopy(DAY, 600)));
      const r = await runPartition(
        s.deps({ afterDelete: () => new Promise((ok) => setTimeout(ok, 400)) }),
        s.opts(),
      );
      assert.equal(r.status, "succeeded");
      const [run] = await s.db.query<{ secs: number; tx_ms: number }>(
        "SELECT extract(epoch FROM finished_at - started_at)::float8 AS secs, tx_ms FROM runs",
      );
      assert.ok(run.secs >= 0.4, `finished ${run.secs} s after start`);
      assert.ok(run.tx_ms >= 400, `transaction ${run.tx_ms} ms`);
    } finally {
      await s.close();
    }
  },
);

testBackends(
  "defects: a cancelled run rolls back, restores the state and records cancelled",
  async (t, backend) => {
    const s = await setup(backend);
    try {
      const before = await succeedOnce(s);
      await t.step("over a succeeded day: stays succeeded, rows intact", async () => {
        const stop = new AbortController();
        s.api.answer(async (req) => {
          stop.abort("SIGTERM");
          // Answer only once the run dropped the request (bounded, in case it never does).
          await race(
            new Promise<void>((ok) => req.signal.addEventListener("abort", () => ok())),
            10_000,
          );
          return copy(dayCopy(DAY, 60, () => [1, 2]))(req);
        });
        const r = await runPartition(s.deps(), s.opts({ signal: stop.signal }));
        assert.equal(r.status, "cancelled", JSON.stringify(r));
        assert.match(r.status === "cancelled" ? r.error : "", /cancelled \(SIGTERM\)/);
        assert.equal((await partition(s.db))?.status, "succeeded");
        assert.deepEqual(await dayRows(s.db), before);
        assert.equal((await runsOf(s.db)).at(-1)?.status, "cancelled");
      });
      await t.step("over a missing day: back to missing", async () => {
        const stop = new AbortController();
        stop.abort("SIGINT");
        s.api.answer(copy(dayCopy("2024-01-03", 600)));
        const r = await runPartition(s.deps(), s.opts({ day: "2024-01-03", signal: stop.signal }));
        assert.equal(r.status, "cancelled");
        assert.equal(await partition(s.db, "2024-01-03"), undefined);
      });
    } finally {
      await s.close();
    }
  },
);

testBackends(
  "defects: dead runs do not stay running: the sweep closes them",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      await deadClaim(s.db, 60);
      assert.equal(await sweepAbandoned(s.db), 0, "a live claim is left alone");
      await s.db.query("UPDATE partitions SET lease_until = now() - interval '1 second'");
      assert.equal(await sweepAbandoned(s.db), 1);
      const [run] = await runsOf(s.db);
      assert.equal(run.status, "abandoned");
      assert.match(run.error ?? "", /runner dead:1 stopped renewing its claim/);
      assert.equal((await partition(s.db))?.status, "failed");
    } finally {
      await s.close();
    }
  },
);

testBackends(
  "defects: the heartbeat renews a short lease through a slow extract",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      let busy: Awaited<ReturnType<typeof runPartition>> | null = null;
      let expired = false;
      s.api.answer(async (req) => {
        // Once the lease the claim was given (1 s) has run out by the database's clock, only
        // heartbeats can have kept the partition held: another runner must find it busy.
        expired = await until(() => leaseOutlived(s.db, 1.5), 15_000, 50);
        busy = await runPartition(s.deps(), s.opts({ runner: "other:2" }));
        return copy(dayCopy(DAY, 600))(req);
      });
      const r = await runPartition(s.deps(), s.opts({ leaseSeconds: 1 }));
      assert.equal(r.status, "succeeded", JSON.stringify(r));
      assert.ok(expired, "the first lease ran out during the extract");
      assert.equal(busy!.status, "busy", JSON.stringify(busy));
    } finally {
      await s.close();
    }
  },
);

Deno.test({
  name: "[postgres] defects: busy is answered at once while the holder is in its final transaction",
  ...pgOnly,
  async fn() {
    const s = await setup("postgres");
    try {
      s.api.answer(copy(dayCopy(DAY, 600)));
      const inFinal = Promise.withResolvers<void>();
      const release = Promise.withResolvers<void>();
      const holder = runPartition(
        s.deps({
          afterDelete: async () => {
            inFinal.resolve();
            await release.promise;
          },
        }),
        s.opts({ leaseSeconds: 1 }),
      );
      await inFinal.promise;
      const t0 = performance.now();
      const second = await runPartition(s.deps(), s.opts({ runner: "b" }));
      const waited = performance.now() - t0;
      assert.equal(second.status, "busy", JSON.stringify(second));
      assert.ok(waited < 1000, `busy after ${Math.round(waited)} ms`);
      // The holder's heartbeat (every 333 ms) must not block on its own row lock either: hold
      // the final transaction until its first lease (1 s) is over by the database's clock.
      assert.ok(await until(() => leaseOutlived(s.db, 1.2), 15_000, 50), "lease outlived");
      release.resolve();
      const r = await holder;
      assert.equal(r.status, "succeeded", JSON.stringify(r));
    } finally {
      await s.close();
    }
  },
});

Deno.test({
  name: "[postgres] defects: no transaction is open while the run waits for the source",
  ...pgOnly,
  async fn() {
    const s = await setup("postgres");
    try {
      let open = -1;
      s.api.answer(async (req) => {
        // Asked while the run extracts: a transaction opened before would show here.
        const [row] = await s.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
        );
        open = row.n;
        return copy(dayCopy(DAY, 60))(req);
      });
      const r = await runPartition(s.deps(), s.opts());
      assert.equal(r.status, "succeeded", JSON.stringify(r));
      assert.equal(open, 0);
    } finally {
      await s.close();
    }
  },
});
