/**
 * The partition run against a scripted source API over real HTTP, on real
 * PostgreSQL and on PGlite: success, idempotence, every failure path, claims.
 */
import assert from "node:assert/strict";
import { runPartition } from "../jobs/core/partition_run.ts";
import { testBackends } from "./helpers/databases.ts";
import { race, within } from "./helpers/streams.ts";
import {
  brokenAfter,
  concatBytes,
  copy,
  COPY_HEADER,
  COPY_TRAILER,
  copyBody,
  dayCopy,
  type FakeApi,
  float8Field,
  instantField,
  status,
  textField,
  tuple,
} from "./helpers/fake_api.ts";
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
      s.api.answer(copy(dayCopy(DAY, 60)));
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
      s.api.answer(copy(dayCopy(DAY, 60, () => [1, 2])));
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
    s.api.answer(status(503), status(503), copy(dayCopy(DAY, 600)));
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
    assert.match(s.logs[0], /attempt 1 failed: the source API answered 503/);
  } finally {
    await s.close();
  }
});

testBackends(
  "etl: a 503 or 429 with Retry-After is waited out as asked, within ETL_RETRY_SECONDS",
  async (t, backend) => {
    const s = await setup(backend);
    try {
      const busy = (code: number, after: string) => () =>
        new Response("busy", { status: code, headers: { "retry-after": after } });
      const sleeps = s.sleeps;
      const deps = () => s.deps();
      await t.step("waits what the server asks, then succeeds", async () => {
        sleeps.length = 0;
        s.api.answer(busy(503, "3"), busy(429, "1"), copy(dayCopy(DAY, 600)));
        const r = await runPartition(deps(), s.opts({ attempts: undefined, retrySeconds: 60 }));
        assert.equal(r.status, "succeeded", JSON.stringify(r));
        assert.equal(r.status === "succeeded" && r.attempts, 3);
        // random() = 0.5: the asked delay plus half of its tenth as jitter.
        assert.deepEqual(sleeps, [3150, 1050]);
        assert.match(s.logs.at(-1)!, /retrying in 1050 ms \(as its Retry-After asks\)/);
      });
      await t.step("asked for more than the budget has left: gives up at once", async () => {
        sleeps.length = 0;
        const before = s.api.requests.length;
        s.api.answer(busy(503, "120"));
        const r = await runPartition(deps(), s.opts({ attempts: undefined, retrySeconds: 60 }));
        assert.equal(r.status, "failed");
        assert.match(
          r.status === "failed" ? r.error : "",
          /answered 503.*gave up after 1 attempt: the source API asks to wait 120 s, more than the [\d.]+ s left of ETL_RETRY_SECONDS = 60/,
        );
        assert.equal(s.api.requests.length - before, 1);
        assert.deepEqual(sleeps, []);
      });
      await t.step("without Retry-After: backoff until the budget is spent", async () => {
        sleeps.length = 0;
        s.api.answer(status(503));
        const r = await runPartition(
          deps(),
          s.opts({ attempts: undefined, retrySeconds: 5, backoffMs: 1000 }),
        );
        assert.equal(r.status, "failed");
        assert.match(
          r.status === "failed" ? r.error : "",
          /gave up after 5 attempts in [\d.]+ s \(ETL_RETRY_SECONDS = 5\)/,
        );
        // 0.5 x 1, 2, 4 s, then what is left of the 5 s.
        assert.deepEqual(sleeps.slice(0, 3), [500, 1000, 2000]);
        assert.ok(sleeps.reduce((a, b) => a + b, 0) <= 5000, `slept ${sleeps}`);
      });
      await t.step("ETL_RETRY_SECONDS = 0: no retry", async () => {
        const before = s.api.requests.length;
        s.api.answer(busy(503, "1"));
        const r = await runPartition(deps(), s.opts({ attempts: undefined, retrySeconds: 0 }));
        assert.equal(r.status, "failed");
        assert.equal(s.api.requests.length - before, 1);
      });
    } finally {
      await s.close();
    }
  },
);

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
      const error = r.status === "failed" ? r.error : "";
      // The hint reads whole: the redaction of secrets does not eat it.
      assert.match(
        error,
        /401.*Check that API_TOKEN is the token the source API was started with/s,
      );
      assert.doesNotMatch(error, /redacted/);
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
      return copy(dayCopy(DAY, 600))(req);
    });
    const r = await runPartition(s.deps(), s.opts({ timeoutMs: 500 }));
    assert.equal(r.status, "succeeded", JSON.stringify(r));
    assert.ok(gaveUp, "the runner dropped the request that did not answer");
    assert.match(s.logs[0], /did not answer within 500 ms/);
  } finally {
    await s.close();
  }
});

type FakeApiAnswer = Parameters<FakeApi["answer"]>[0];
const csv = (text: string): FakeApiAnswer => () =>
  new Response(text, { headers: { "content-type": "text/csv; charset=utf-8" } });
const ok = (at: string, w: number | null = 1, p: number | null = 2) => tuple(row(at, w, p));
const row = (at: string, w: number | null, p: number | null, turbine = "default") => [
  textField(turbine),
  instantField(at),
  float8Field(w),
  float8Field(p),
];
const body = (...tuples: Uint8Array[]) => concatBytes([COPY_HEADER, ...tuples, COPY_TRAILER]);
const T0 = "2024-01-02T00:00:00Z";
const T1 = "2024-01-02T00:01:00Z";
const MALFORMED: [string, FakeApiAnswer, RegExp][] = [
  [
    "not binary COPY at all",
    copy(new TextEncoder().encode("timestamp,wind_speed,power\n2024-01-02T00:00:00Z,1,2\n")),
    /malformed at byte 0: not PostgreSQL's binary COPY format/,
  ],
  ["a row of too few fields", copy(body(tuple(row(T0, 1, 2).slice(0, 3)))), /3 fields, expected 4/],
  [
    "a value of the wrong size",
    copy(body(tuple([...row(T0, 1, 2).slice(0, 3), new Uint8Array(4)]))),
    /malformed at byte 56: a power field of 4 bytes, expected 8/,
  ],
  [
    "NaN in a number",
    copy(body(ok(T0, NaN, 2))),
    /NaN or infinite values, e.g. at 2024-01-02T00:00:00Z/,
  ],
  ["Infinity in a number", copy(body(ok(T0, 1, -Infinity))), /NaN or infinite/],
  ["a timestamp outside the day", copy(body(ok("2024-01-03T00:00:00Z"))), /outside 2024-01-02/],
  [
    "a timestamp just before the day",
    copy(body(ok("2024-01-01T23:59:59.999999Z"))),
    /1 readings outside 2024-01-02 \(UTC\), e.g. at 2024-01-01T23:59:59.999999Z/,
  ],
  [
    "a reading without a timestamp",
    copy(body(tuple([textField("default"), null, float8Field(1), float8Field(2)]))),
    /without a timestamp/,
  ],
  [
    "duplicated timestamps",
    copy(body(ok(T0), ok(T0), ok(T1), ok(T1))),
    /2 extra readings for timestamps that appear more than once, e.g. 2024-01-02T00:00:00Z/,
  ],
  ["timestamps out of order", copy(body(ok(T1), ok(T0))), /out of order.*2024-01-02T00:00:00Z/],
  [
    "turbines out of order",
    copy(body(tuple(row(T0, 1, 2, "b")), tuple(row(T0, 1, 2, "a")))),
    /out of order.*turbine a after b/,
  ],
  [
    "a body cut off mid-row",
    copy(body(ok(T0), ok(T1)).slice(0, -7)),
    /without the binary COPY trailer.*truncated/,
  ],
  [
    "a body without its trailer",
    copy(body(ok(T0), ok(T1)).slice(0, -2)),
    /without the binary COPY trailer/,
  ],
  [
    "bytes after the trailer",
    copy(concatBytes([body(ok(T0)), ok(T1)])),
    /bytes after the end-of-data trailer/,
  ],
  [
    "a connection broken mid-body",
    brokenAfter(concatBytes([COPY_HEADER, ok(T0)])),
    /broke after/,
  ],
  [
    "CSV instead of binary COPY",
    csv("timestamp,wind_speed,power\n"),
    /answered with text\/csv.*not application\/x-pgcopy/,
  ],
];

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
      s.api.answer(copy(copyBody([])));
      const first = await runPartition(s.deps(), s.opts({ day: "2024-01-05" }));
      assert.equal(first.status, "empty", JSON.stringify(first));
      assert.equal((await partition(s.db, "2024-01-05"))?.status, "empty");
      // Over good rows, a header-only answer (a lying source) replaces nothing...
      const before = await succeedOnce(s);
      s.api.answer(copy(copyBody([])));
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
        return copy(dayCopy(DAY, 60))(req);
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
      s.api.answer(copy(dayCopy(DAY, 600)));
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
        return copy(dayCopy(DAY, 60, () => [1, 2]))(req);
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
