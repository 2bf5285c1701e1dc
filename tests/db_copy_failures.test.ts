/**
 * COPY TO streams that fail or are left early, on real PostgreSQL: the stream
 * clients must come back usable, and the server must stop working for nobody.
 */
import assert from "node:assert/strict";
import { PostgresDb } from "../db/postgres.ts";
import { TEST_DATABASE_URL } from "./helpers/databases.ts";
import { within } from "./helpers/streams.ts";

const ignore = !TEST_DATABASE_URL;

/** The whole stream as text; a hang fails the test instead of stalling it. */
function all(it: AsyncIterable<Uint8Array>): Promise<string> {
  return within(
    (async () => {
      let out = "";
      for await (const chunk of it) out += new TextDecoder().decode(chunk);
      return out;
    })(),
    5000,
    "the COPY stream",
  );
}

Deno.test({
  name: "[postgres] COPYs failing before they begin never use up the stream clients",
  ignore,
  async fn() {
    const db = new PostgresDb(TEST_DATABASE_URL!, { maxStreams: 2 });
    try {
      // More failures than stream clients: a client lost per failure would hang the last ones.
      for (let i = 0; i < 5; i++) {
        await assert.rejects(all(db.copyOut("SELECT (1 / 0)::text", "lines")), /division by zero/);
        await assert.rejects(
          all(db.copyOut("SELECT x FROM no_such_table", "lines")),
          /no_such_table/,
        );
      }
      assert.equal(await all(db.copyOut("SELECT 'fine'", "lines")), "fine\n");
    } finally {
      await db.close();
    }
  },
});

Deno.test({
  name: "[postgres] a COPY failing mid-way reports the error, and the client works afterwards",
  ignore,
  async fn() {
    const db = new PostgresDb(TEST_DATABASE_URL!, { maxStreams: 1 });
    try {
      const failing = `SELECT CASE WHEN g < 50000 THEN g::text ELSE (1 / (g - g))::text END
        FROM generate_series(1, 60000) g`;
      await assert.rejects(all(db.copyOut(failing, "lines")), /division by zero/);
      assert.equal(await all(db.copyOut("SELECT 'after'", "lines")), "after\n");
    } finally {
      await db.close();
    }
  },
});

Deno.test({
  name:
    "[postgres] leaving a COPY early stops the server's work at once, and the client works afterwards",
  ignore,
  async fn() {
    const db = new PostgresDb(TEST_DATABASE_URL!, { maxStreams: 1 });
    const marker = `windbin_slow_${crypto.randomUUID().slice(0, 8)}`;
    try {
      // Blocks at once (200 KB of whole rows: the server flushes its send buffer as
      // it fills), then a tail the server takes 5 s to compute.
      const slow = `SELECT repeat('x', 1000) FROM generate_series(1, 200)
        UNION ALL SELECT pg_sleep(5)::text || '${marker}'`;
      const t0 = performance.now();
      for await (const _ of db.copyOut(slow, "lines")) break;
      const ms = performance.now() - t0;
      assert.ok(ms < 2000, `leaving took ${ms.toFixed(0)} ms`);
      // The server process is no longer running it.
      let running = 1;
      for (let i = 0; i < 20 && running; i++) {
        const [r] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid() AND state = 'active'`,
          [marker],
        );
        running = r.n;
        if (running) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(running, 0, "the slow COPY still runs on the server");
      assert.equal(await all(db.copyOut("SELECT 'after'", "lines")), "after\n");
    } finally {
      await db.close();
    }
  },
});

Deno.test({
  name: "[postgres] a COPY FROM on a session whose backend was terminated fails, never hangs",
  ignore,
  async fn() {
    const db = new PostgresDb(TEST_DATABASE_URL!);
    try {
      // One chunk larger than the stream's buffer: the write asks to wait for 'drain',
      // which a failed COPY never sends.
      const big = new TextEncoder().encode("1\n".repeat(100_000));
      const e = await within(
        db.session(async (s) => {
          await s.exec("CREATE TEMP TABLE staging (a int)");
          const [{ pid }] = await s.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
          await db.query("SELECT pg_terminate_backend($1)", [pid]);
          for (let i = 0; i < 100; i++) {
            const alive = await db.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [pid]);
            if (!alive.length) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          await s.copyFrom(
            "COPY staging FROM STDIN",
            (async function* () {
              yield big;
            })(),
          );
        }).then(() => null, (e) => e),
        5000,
        "the COPY FROM",
      );
      assert.match(String(e), /terminat|connection/i);
      assert.deepEqual(await db.query<{ one: number }>("SELECT 1 AS one"), [{ one: 1 }]);
    } finally {
      await db.close();
    }
  },
});
