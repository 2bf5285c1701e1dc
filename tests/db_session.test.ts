/**
 * Db.session (one pinned connection), session settings, and error
 * classification (db/errors.ts), on both adapters.
 */
import assert from "node:assert/strict";
import { PgliteDb } from "../db/pglite.ts";
import { PostgresDb } from "../db/postgres.ts";
import { isConnectionError, sqlState } from "../db/errors.ts";
import type { Db } from "../db/types.ts";
import { freshDb, TEST_DATABASE_URL, testBackends } from "./helpers/databases.ts";
import { delay } from "./helpers/streams.ts";

const rows = (text: string) =>
  (async function* () {
    yield new TextEncoder().encode(text);
  })();

async function tempTables(db: Db): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_class WHERE relpersistence = 't' AND relname = 'staging'",
  );
  return n;
}

testBackends("a session keeps its TEMP table between autocommit COPY and a transaction", async (
  _t,
  backend,
) => {
  const { db, close } = await freshDb(backend);
  try {
    await db.exec("CREATE TABLE target (a int)");
    const n = await db.session(async (s) => {
      await s.exec("CREATE TEMP TABLE staging (a int)");
      await s.copyFrom("COPY staging FROM STDIN", rows("1\n2\n3\n"));
      // Plain queries of others in between.
      await Promise.all([db.query("SELECT 1"), db.query("SELECT 2")]);
      return await s.transaction(async (tx) => {
        await tx.exec("INSERT INTO target SELECT a FROM staging");
        return (await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM target"))[0].n;
      });
    });
    assert.equal(n, 3);
    // A failing transaction in a session rolls back and leaves the session usable.
    await db.session(async (s) => {
      await s.exec("CREATE TEMP TABLE staging (a int)");
      await assert.rejects(
        s.transaction(async (tx) => {
          await tx.exec("INSERT INTO target VALUES (4)");
          throw new Error("boom");
        }),
        /boom/,
      );
      assert.equal((await s.query<{ n: number }>("SELECT count(*)::int AS n FROM target"))[0].n, 3);
    });
    // The session's TEMP tables are gone once it ends (DISCARD TEMP), also after a throw.
    await assert.rejects(
      db.session(async (s) => {
        await s.exec("CREATE TEMP TABLE staging (a int)");
        throw new Error("fails");
      }),
      /fails/,
    );
    for (let i = 0; i < 3; i++) {
      assert.equal(await db.session(() => tempTables(db)), 0);
    }
  } finally {
    await close();
  }
});

Deno.test({
  name:
    "[postgres] a cancel reaches only the session's statement, and its connection is not pooled",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const { db, close } = await freshDb("postgres");
    const pidOf = async (q: Pick<Db, "query">) =>
      (await q.query<{ pid: number }>("SELECT pg_backend_pid() AS pid"))[0].pid;
    const alive = async (pid: number) =>
      (await db.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [pid])).length > 0;
    try {
      // A statement in flight is cancelled (57014); the session's caller sees it.
      let first = 0;
      const e = await db.session(async (s) => {
        first = await pidOf(s);
        const sleeping = s.query("SELECT pg_sleep(30)").then(() => null, (e) => e);
        await waitFor(async () =>
          (await db.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", [
            first,
          ])).length > 0
        );
        await s.cancel();
        return await sleeping;
      });
      assert.equal(sqlState(e), "57014", String(e));
      // A cancel sent while the session was idle, then the session ends normally: the cancel
      // was awaited, the connection closed; the pool's next statements run elsewhere, unharmed.
      let second = 0;
      await db.session(async (s) => {
        second = await pidOf(s);
        await s.cancel();
        await s.query("SELECT 1");
      });
      for (const pid of [first, second]) {
        await waitFor(async () => !(await alive(pid)));
      }
      const pids = await Promise.all(Array.from({ length: 20 }, () => pidOf(db)));
      assert.ok(!pids.includes(first) && !pids.includes(second), `reused: ${pids}`);
      // After the session ended, cancel() does nothing.
      let late: (() => Promise<void>) | null = null;
      await db.session((s) => {
        late = () => s.cancel();
        return Promise.resolve();
      });
      await late!();
      await Promise.all(Array.from({ length: 10 }, () => db.query("SELECT pg_sleep(0.01)")));
    } finally {
      await close();
    }
  },
});

/** Polls `ok` every 20 ms, up to 5 s. */
async function waitFor(ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await ok()) return;
    await delay(20);
  }
  throw new Error("condition not reached within 5 s");
}

Deno.test("[pglite] sessions exclude each other", async () => {
  const db = await PgliteDb.memory();
  try {
    const order: string[] = [];
    const one = db.session(async (s) => {
      order.push("1 start");
      await s.exec("CREATE TEMP TABLE staging (a int)");
      // Session two was asked for meanwhile: give it every chance to start (plain queries of
      // others may run between a session's statements; they yield to the event loop too).
      for (let i = 0; i < 20; i++) await db.query("SELECT 1");
      await s.query("SELECT count(*) FROM staging");
      order.push("1 end");
    });
    const two = db.session(async (s) => {
      order.push("2 start");
      await s.exec("CREATE TEMP TABLE staging (a int)");
      order.push("2 end");
    });
    await Promise.all([one, two]);
    assert.deepEqual(order, ["1 start", "1 end", "2 start", "2 end"]);
  } finally {
    await db.close();
  }
});

testBackends("session settings apply to every connection; errors carry SQLSTATE", async (
  _t,
  backend,
) => {
  const { db: plain, url, close } = await freshDb(backend);
  const settings = { lockTimeoutMs: 1500, statementTimeoutMs: 200, idleInTransactionTimeoutMs: 0 };
  const db = backend === "postgres"
    ? new PostgresDb(url!, settings)
    : await PgliteDb.memory(undefined, settings);
  try {
    const read = (d: Pick<Db, "query">) =>
      d.query<{ l: string; s: string }>(
        "SELECT current_setting('lock_timeout') AS l, current_setting('statement_timeout') AS s",
      );
    const seen = await Promise.all([
      read(db),
      db.transaction((tx) => read(tx)),
      db.session((s) => read(s)),
    ]);
    for (const [r] of seen) assert.deepEqual({ ...r }, { l: "1500ms", s: "200ms" });
    if (backend === "postgres") {
      // PGlite SETs them but has no timer to enforce statement_timeout (one WASM thread).
      const e = await db.query("SELECT pg_sleep(2)").then(() => null, (e) => e);
      assert.equal(sqlState(e), "57014", String(e));
      assert.equal(isConnectionError(e), false);
    }
    const dup = await db.query("SELECT 1/0").then(() => null, (e) => e);
    assert.equal(sqlState(dup), "22012");
  } finally {
    await db.close();
    if (db !== plain) await close();
  }
});

Deno.test("isConnectionError and sqlState classify errors", () => {
  const err = (props: Record<string, unknown>, message = "x") =>
    Object.assign(new Error(message), props);
  for (const code of ["08006", "08001", "57P01", "57P02", "57P03"]) {
    assert.ok(isConnectionError(err({ code })), code);
  }
  for (const code of ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND"]) {
    assert.ok(isConnectionError(err({ code })), code);
    assert.equal(sqlState(err({ code })), undefined, code);
  }
  assert.ok(isConnectionError(new Error("Connection terminated unexpectedly")));
  assert.ok(isConnectionError(new Error("write CONNECTION_ENDED 127.0.0.1:5432")));
  assert.ok(isConnectionError(new AggregateError([err({ code: "ECONNREFUSED" })])));
  assert.ok(!isConnectionError(err({ code: "22012" })));
  assert.ok(!isConnectionError(err({ code: "57014" })));
  assert.ok(!isConnectionError(new Error("division by zero")));
  assert.ok(!isConnectionError(null));
  assert.equal(sqlState(err({ code: "23505" })), "23505");
});
