/**
 * A scheduler started while its target database is down waits instead of
 * exiting: it logs each attempt, answers /health with 503 meanwhile, and
 * runs once the database is up (a private cluster, stopped and started by
 * the test). SIGTERM ends the wait at once. And the waiting helper itself:
 * only "cannot reach it yet" is waited out.
 */
import assert from "node:assert/strict";
import { migratedDb, TEST_DATABASE_URL } from "./helpers/databases.ts";
import { startApi } from "./helpers/api_server.ts";
import { spawnTask, until } from "./helpers/processes.ts";
import { NO_PRIVATE_CLUSTER, startPrivateCluster } from "./helpers/private_cluster.ts";
import { freePort } from "./helpers/ports.ts";
import { seed } from "../api/seed.ts";
import { addDays, utcDay } from "../jobs/core/days.ts";
import { PostgresDb } from "../db/postgres.ts";
import { isTransientOpenError, waitForDatabase } from "../db/wait.ts";

const withCluster = { ignore: !TEST_DATABASE_URL || NO_PRIVATE_CLUSTER };
const FIRST = addDays(utcDay(new Date()), -2);

Deno.test({
  name:
    "[postgres] scheduler wait: started with its target down it waits (503 on /health), and runs once the database is up",
  ...withCluster,
  async fn() {
    const source = await migratedDb("postgres", "source");
    await seed(source.db, { from: FIRST, days: 2, everySeconds: 600 });
    const api = await startApi(source.db);
    const cluster = await startPrivateCluster();
    const port = freePort();
    let target: PostgresDb | null = null;
    const p = await (async () => {
      await cluster.pause();
      return spawnTask("scheduler", [], {
        TARGET_DATABASE_URL: cluster.url,
        SOURCE_API_URL: api.url,
        API_TOKEN: api.token,
        PARTITION_START: FIRST,
        RUNNER_PORT: String(port),
      });
    })();
    try {
      await p.waitFor(/"event":"waiting".*"attempt":2/, 30_000);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(health.status, 503);
      assert.deepEqual(await health.json(), {
        status: "waiting",
        waiting_for: "the target database",
      });
      const page = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(page.status, 503);
      assert.ok(page.headers.get("retry-after"));
      await page.body?.cancel();

      await cluster.resume();
      await p.waitFor(/"event":"start"/, 60_000);
      target = new PostgresDb(cluster.url);
      const done = await until(
        async () => {
          const [{ n }] = await target!.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM partitions WHERE status IN ('succeeded', 'empty')",
          );
          return n === 4;
        },
        60_000,
        200,
      );
      assert.ok(done, p.lines.slice(-20).join("\n"));
      const ok = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(ok.status, 200);
      await ok.body?.cancel();

      // One line per attempt, attempts counting up, each naming the setting; no stack trace.
      const waits = p.lines.filter((l) => l.includes('"event":"waiting"')).map((l) =>
        JSON.parse(l)
      );
      assert.ok(waits.length >= 2);
      assert.deepEqual(waits.map((w) => w.attempt), waits.map((_, i) => i + 1));
      assert.ok(waits.every((w) => /TARGET_DATABASE_URL/.test(w.error)), JSON.stringify(waits[0]));
      assert.doesNotMatch(p.lines.join("\n"), /^\s+at /m);
      const stopped = await p.stop("SIGTERM");
      assert.equal(stopped.code, 0, p.lines.slice(-10).join("\n"));
    } finally {
      await p.stop("SIGKILL");
      await target?.close();
      await cluster.stop();
      await api.close();
      await source.close();
    }
  },
});

Deno.test({
  name: "scheduler wait: SIGTERM while waiting for the target stops it at once, exit 0",
  async fn() {
    // Nothing listens on this port: the target cannot be reached.
    const p = spawnTask("scheduler", [], {
      TARGET_DATABASE_URL: `postgres://postgres@127.0.0.1:${freePort()}/nothing`,
      SOURCE_API_URL: "http://127.0.0.1:9",
      API_TOKEN: "a-token-for-a-source-never-asked",
      RUNNER_PORT: "0",
    });
    try {
      await p.waitFor(/"event":"waiting"/, 30_000);
      const stopped = await p.stop("SIGTERM");
      assert.equal(stopped.code, 0, p.lines.join("\n"));
      assert.ok(stopped.ms < 5_000, `stopped in ${stopped.ms} ms`);
      assert.match(p.lines.join("\n"), /"event":"stopped"/);
    } finally {
      await p.stop("SIGKILL");
    }
  },
});

Deno.test("wait: only a database that cannot be reached yet is waited for", async () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
    code: "ECONNREFUSED",
  });
  const starting = Object.assign(new Error("the database system is starting up"), {
    code: "57P03",
  });
  assert.ok(isTransientOpenError(refused));
  assert.ok(isTransientOpenError(starting));
  const badPassword = Object.assign(new Error("password authentication failed"), {
    code: "28P01",
  });
  assert.ok(!isTransientOpenError(badPassword));

  // Two refusals, then it opens: three attempts, two retries reported with growing pauses.
  const seen: [number, number][] = [];
  let calls = 0;
  const opened = await waitForDatabase(
    () => ++calls < 3 ? Promise.reject(refused) : Promise.resolve("db"),
    { firstDelayMs: 1, onRetry: (n, ms) => seen.push([n, ms]) },
  );
  assert.equal(opened, "db");
  assert.deepEqual(seen, [[1, 1], [2, 2]]);

  // Anything else is thrown at once.
  calls = 0;
  await assert.rejects(
    waitForDatabase(() => (calls++, Promise.reject(badPassword)), { firstDelayMs: 1 }),
    /password authentication failed/,
  );
  assert.equal(calls, 1);

  // A stop during a pause ends the wait with null; what an attempt still opens is released.
  const stop = new AbortController();
  const waiting = waitForDatabase(() => Promise.reject(refused), {
    firstDelayMs: 60_000,
    signal: stop.signal,
    onRetry: () => stop.abort(),
  });
  assert.equal(await waiting, null);
  const late = Promise.withResolvers<string>();
  const stop2 = new AbortController();
  const disposed: string[] = [];
  const w2 = waitForDatabase(() => late.promise, {
    signal: stop2.signal,
    dispose: (v) => void disposed.push(v),
  });
  stop2.abort();
  assert.equal(await w2, null);
  late.resolve("late db");
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(disposed, ["late db"]);
});
