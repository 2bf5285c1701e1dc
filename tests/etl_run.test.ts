/**
 * The partition run against a scripted source API over real HTTP, on real
 * PostgreSQL and on PGlite: success, idempotence, every failure path, claims.
 */
import assert from "node:assert/strict";
import { runPartition } from "../jobs/core/partition_run.ts";
import { testBackends } from "./helpers/databases.ts";
import { race, within } from "./helpers/streams.ts";
import { brokenAfter, csv, dayCsv, type FakeApi, status } from "./helpers/fake_api.ts";
import {
  DAY,
  dayRows,
  deadClaim,
  partition,
  runBench as setup,
  runsOf,
  succeedOnce,
} from "./helpers/runs.ts";

testBackends(
  "etl: a full 1-minute day gives 144 bins x 8 signals and a succeeded partition",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      s.api.answer(csv(dayCsv(DAY, 60)));
      const r = await runPartition(s.deps(), s.opts());
      assert.equal(r.status, "succeeded", JSON.stringify(r));
      assert.equal(r.status === "succeeded" && r.rowsIn, 1440);
      assert.equal(r.status === "succeeded" && r.rowsOut, 144 * 8);
      const rows = await dayRows(s.db);
      assert.equal(rows.length, 144 * 8);
      assert.deepEqual(rows[0].slice(0, 2), ["2024-01-02T00:00:00", "wind_speed_mean"]);
      assert.deepEqual(rows.at(-1)!.slice(0, 2), ["2024-01-02T23:50:00", "power_std"]);
      const p = await partition(s.db);
      assert.ok(p);
      assert.deepEqual(
        { ...p },
        {
          status: "succeeded",
          error: null,
          rows_in: 1440,
          rows_out: 1152,
          sql_version: s.etl.transform.version,
          sql_hash: s.etl.transform.hash,
          attempts: 1,
          failures: 0,
        },
      );
      const runs = await runsOf(s.db);
      assert.equal(runs.length, 1);
      assert.equal(runs[0].status, "succeeded");
      // The request asked for the day and the two variables, with the token.
      const req = s.api.requests[0];
      assert.equal(req.headers.get("authorization"), "Bearer secret-token");
      const u = new URL(req.url);
      assert.equal(u.searchParams.get("date"), DAY);
      assert.deepEqual(u.searchParams.getAll("variables"), ["wind_speed", "power"]);
    } finally {
      await s.close();
    }
  },
);

testBackends(
  "etl: running the same day twice gives identical rows, not doubled ones",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      const first = await succeedOnce(s);
      const second = await succeedOnce(s);
      assert.deepEqual(second, first);
      const [{ n }] = await s.db.query<{ n: number }>("SELECT count(*)::int AS n FROM data");
      assert.equal(n, 1152);
      assert.equal((await runsOf(s.db)).length, 2);
    } finally {
      await s.close();
    }
  },
);

testBackends(
  "etl: a failure after the delete rolls everything back and records failed",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      const before = await succeedOnce(s);
      s.api.answer(csv(dayCsv(DAY, 60, () => [1, 2])));
      const r = await runPartition(
        s.deps({
          afterDelete: async (tx) => {
            // The delete really happened inside the transaction...
            const [{ n }] = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM data");
            assert.equal(n, 0);
            throw new Error("injected failure after delete");
          },
        }),
        s.opts(),
      );
      assert.equal(r.status, "failed");
      // ...and was rolled back with the rest.
      assert.deepEqual(await dayRows(s.db), before);
      const p = await partition(s.db);
      assert.equal(p?.status, "failed");
      assert.match(p?.error ?? "", /injected failure after delete/);
      const runs = await runsOf(s.db);
      assert.equal(runs.at(-1)!.status, "failed");
      assert.match(runs.at(-1)!.error!, /injected failure after delete/);
    } finally {
      await s.close();
    }
  },
);

testBackends("etl: 503 twice then 200 succeeds after retries with backoff", async (_t, backend) => {
  const s = await setup(backend);
  try {
    const sleeps: number[] = [];
    s.api.answer(status(503), status(503), csv(dayCsv(DAY, 600)));
    const r = await runPartition(
      s.deps({ sleep: (ms) => (sleeps.push(ms), Promise.resolve()) }),
      s.opts({ backoffMs: 100 }),
    );
    assert.equal(r.status, "succeeded", JSON.stringify(r));
    assert.equal(r.status === "succeeded" && r.attempts, 3);
    assert.equal(s.api.requests.length, 3);
    // Exponential with full jitter (random() = 0.5 here): 0.5 * 100, 0.5 * 200.
    assert.deepEqual(sleeps, [50, 100]);
    assert.equal(s.logs.length, 2);
    assert.match(s.logs[0], /attempt 1\/3 failed: the source API answered 503/);
  } finally {
    await s.close();
  }
});

testBackends(
  "etl: API down fails after the configured attempts and keeps the previous data",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      const before = await succeedOnce(s);
      // A port that nothing listens on: take one and close it.
      const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (l.addr as Deno.NetAddr).port;
      l.close();
      const r = await runPartition(
        s.deps(),
        s.opts({ apiUrl: `http://127.0.0.1:${port}`, attempts: 4 }),
      );
      assert.equal(r.status, "failed");
      assert.match(r.status === "failed" ? r.error : "", /cannot reach the source API/);
      assert.match(r.status === "failed" ? r.error : "", /gave up after 4 attempts/);
      assert.equal(s.logs.length, 3);
      assert.deepEqual(await dayRows(s.db), before);
      assert.equal((await partition(s.db))?.status, "failed");
    } finally {
      await s.close();
    }
  },
);

testBackends(
  "etl: a wrong token fails at once, without retries, saying 401",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      s.api.answer(status(401, "unauthorized"));
      const r = await runPartition(s.deps(), s.opts());
      assert.equal(r.status, "failed");
      assert.match(r.status === "failed" ? r.error : "", /401.*Check API_TOKEN/s);
      assert.equal(s.api.requests.length, 1);
    } finally {
      await s.close();
    }
  },
);

testBackends("etl: a response that is too slow times out and is retried", async (_t, backend) => {
  const s = await setup(backend);
  try {
    let first = true;
    let gaveUp = false;
    s.api.answer(async (req) => {
      if (first) {
        first = false;
        // No answer until the runner gives up on this request (bounded, in case it never does).
        const aborted = new Promise<void>((ok) => req.signal.addEventListener("abort", () => ok()));
        gaveUp = !(await race(aborted, 30_000)).timedOut;
      }
      return csv(dayCsv(DAY, 600))(req);
    });
    const r = await runPartition(s.deps(), s.opts({ timeoutMs: 500 }));
    assert.equal(r.status, "succeeded", JSON.stringify(r));
    assert.ok(gaveUp, "the runner dropped the request that did not answer");
    assert.match(s.logs[0], /did not answer within 500 ms/);
  } finally {
    await s.close();
  }
});

const header = "timestamp,wind_speed,power\n";
const MALFORMED: [string, FakeApiAnswer, RegExp][] = [
  ["a wrong header", csv("time,ws,p\n2024-01-02T00:00:00Z,1,2\n"), /header "time,ws,p"/],
  ["not CSV at all", csv(`${header}<html>oops</html>\n`), /does not load/],
  ["text in a number", csv(`${header}2024-01-02T00:00:00Z,abc,2\n`), /does not load.*abc/],
  ["NaN in a number", csv(`${header}2024-01-02T00:00:00Z,NaN,2\n`), /NaN or infinite/],
  ["a timestamp outside the day", csv(`${header}2024-01-03T00:00:00Z,1,2\n`), /outside 2024-01-02/],
  [
    "duplicated timestamps",
    csv(`${header}2024-01-02T00:00:00Z,1,2\n2024-01-02T00:00:00Z,1,2\n`),
    /appear more than once/,
  ],
  [
    "a body cut off mid-line",
    csv(`${header}2024-01-02T00:00:00Z,1,2\n2024-01-02T00:01:00Z,1,23`),
    /truncated/,
  ],
  [
    "a connection broken mid-body",
    brokenAfter(`${header}2024-01-02T00:00:00Z,1,2\n`),
    /broke after/,
  ],
  [
    "HTML instead of CSV",
    () => new Response("<html></html>", { headers: { "content-type": "text/html" } }),
    /not text\/csv/,
  ],
];
type FakeApiAnswer = Parameters<FakeApi["answer"]>[0];

testBackends("etl: malformed responses fail the run and write nothing", async (t, backend) => {
  const s = await setup(backend);
  try {
    const before = await succeedOnce(s);
    for (const [what, answer, message] of MALFORMED) {
      await t.step(what, async () => {
        s.api.answer(answer);
        const r = await runPartition(s.deps(), s.opts({ attempts: 2 }));
        assert.equal(r.status, "failed", `${what}: ${JSON.stringify(r)}`);
        assert.match(r.status === "failed" ? r.error : "", message);
        assert.deepEqual(await dayRows(s.db), before);
        const p = await partition(s.db);
        assert.equal(p?.status, "failed");
        // What the target holds is still described by the last success.
        assert.equal(p?.rows_out, 1152);
      });
    }
  } finally {
    await s.close();
  }
});

testBackends(
  "etl: an empty day is recorded empty; over existing rows it needs --allow-empty",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      // A day never loaded before: empty is a success of its own kind.
      s.api.answer(csv(header));
      const first = await runPartition(s.deps(), s.opts({ day: "2024-01-05" }));
      assert.equal(first.status, "empty", JSON.stringify(first));
      assert.equal((await partition(s.db, "2024-01-05"))?.status, "empty");
      // Over good rows, a header-only answer (a lying source) replaces nothing...
      const before = await succeedOnce(s);
      s.api.answer(csv(header));
      const refused = await runPartition(s.deps(), s.opts());
      assert.equal(refused.status, "failed");
      assert.match(
        refused.status === "failed" ? refused.error : "",
        /no readings for etl 2024-01-02, but the target holds 1152 rows.*--allow-empty/,
      );
      assert.deepEqual(await dayRows(s.db), before);
      // ...unless the operator says the day really is empty now.
      const r = await runPartition(s.deps(), s.opts({ allowEmpty: true }));
      assert.equal(r.status, "empty");
      assert.deepEqual(await dayRows(s.db), []);
      const p = await partition(s.db);
      assert.equal(p?.status, "empty");
      assert.equal(p?.rows_in, 0);
      assert.equal(p?.rows_out, 0);
    } finally {
      await s.close();
    }
  },
);

testBackends(
  "etl: two runs of the same day at once: one runs, the other is busy",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      // The source holds its answer until one run has returned: the one that claimed the day
      // stays inside its claim while the other tries. Two claims would both wait: the bound fails.
      const oneDone = Promise.withResolvers<void>();
      s.api.answer(async (req) => {
        await oneDone.promise;
        return csv(dayCsv(DAY, 60))(req);
      });
      const runs = [
        runPartition(s.deps(), s.opts({ runner: "a" })),
        runPartition(s.deps(), s.opts({ runner: "b" })),
      ];
      const first = await within(Promise.race(runs), 30_000, "the first of two runs").finally(
        () => oneDone.resolve(),
      );
      assert.equal(first.status, "busy", JSON.stringify(first));
      const [a, b] = await Promise.all(runs);
      const statuses = [a.status, b.status].sort();
      assert.deepEqual(statuses, ["busy", "succeeded"]);
      const busy = a.status === "busy" ? a : b;
      assert.ok(busy.status === "busy" && ["a", "b"].includes(busy.holder.runner));
      assert.equal((await dayRows(s.db)).length, 1152);
      assert.equal((await runsOf(s.db)).length, 1);
    } finally {
      await s.close();
    }
  },
);

testBackends(
  "etl: a claim whose holder died expires, and the next run takes over",
  async (_t, backend) => {
    const s = await setup(backend);
    try {
      await deadClaim(s.db, 1);
      s.api.answer(csv(dayCsv(DAY, 600)));
      const blocked = await runPartition(s.deps(), s.opts());
      assert.equal(blocked.status, "busy");
      assert.ok(blocked.status === "busy" && blocked.holder.runner === "dead:1");
      // The lease runs out (set, not slept for).
      await s.db.query(
        "UPDATE partitions SET lease_until = now() - interval '1 second' WHERE day = $1::date",
        [DAY],
      );
      const r = await runPartition(s.deps(), s.opts());
      assert.equal(r.status, "succeeded", JSON.stringify(r));
      const runs = await runsOf(s.db);
      assert.equal(runs[0].status, "abandoned");
      assert.match(runs[0].error!, /abandoned: runner dead:1 stopped renewing its claim/);
      assert.equal(runs[1].status, "succeeded");
    } finally {
      await s.close();
    }
  },
);

Deno.test({
  name: "[postgres] etl: a run whose claim was taken over commits nothing and says so",
  ignore: !Deno.env.get("TEST_DATABASE_URL"),
  async fn() {
    const s = await setup("postgres");
    try {
      const before = await succeedOnce(s);
      // While the run extracts, another runner takes the partition over (as it
      // would once the lease ran out).
      s.api.answer(async (req) => {
        await s.db.query(
          `UPDATE partitions SET run_id = 999999, runner = 'thief:1',
             lease_until = now() + interval '1 minute' WHERE job = 'etl' AND day = $1::date`,
          [DAY],
        );
        return csv(dayCsv(DAY, 60, () => [1, 2]))(req);
      });
      const r = await runPartition(s.deps(), s.opts());
      assert.equal(r.status, "failed");
      assert.match(r.status === "failed" ? r.error : "", /lost its claim.*nothing was committed/);
      assert.deepEqual(await dayRows(s.db), before);
      const [p] = await s.db.query<{ status: string; runner: string }>(
        "SELECT status, runner FROM partitions WHERE job = 'etl' AND day = $1::date",
        [DAY],
      );
      // The partition is the thief's: the failed run did not overwrite its state.
      assert.deepEqual({ ...p }, { status: "running", runner: "thief:1" });
      const runs = await runsOf(s.db);
      assert.equal(runs.at(-1)!.status, "failed");
    } finally {
      await s.close();
    }
  },
});
