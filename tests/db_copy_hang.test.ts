/**
 * A COPY TO read slowly, then another query on the same (only) stream
 * connection. postgres.js 3.4.9 hung here (it left the socket paused when the
 * last rows and CopyDone arrived under backpressure); the pg adapter must not.
 *
 * The last row is larger than a stream's high-water mark and the reader is
 * slow, so the server has written CopyDone behind it before we read the tail.
 */
import assert from "node:assert/strict";
import { PostgresDb } from "../db/postgres.ts";
import { TEST_DATABASE_URL } from "./helpers/databases.ts";
import { collect, delay, race } from "./helpers/streams.ts";

const ITERATIONS = 5;
// How long the small COPY after the big one may take before we call it hung:
// it answers in a few ms when the connection is healthy.
const HANG_MS = 300;
// 20,000 short lines, then one line of 200,000 bytes (> the 64 KiB high-water mark).
const BIG_TAIL = `SELECT CASE WHEN g < 20000 THEN g::text ELSE repeat('x', 200000) END
  FROM generate_series(1, 20000) g`;
const BIG_TAIL_BYTES = [...Array(19999)].reduce((n, _, i) => n + String(i + 1).length + 1, 0) +
  200_001;

/** Reads the stream slowly: a consumer (an HTTP client, say) slower than the database. */
async function slowRead(db: PostgresDb): Promise<number> {
  let bytes = 0;
  for await (const chunk of db.copyOut(BIG_TAIL, "lines")) {
    bytes += chunk.length;
    await delay(2);
  }
  return bytes;
}

interface Outcome {
  hung: boolean;
  closeMs: number;
}

/** One slow COPY, then a small COPY on the same (only) stream client. */
async function scenario(): Promise<Outcome> {
  const db = new PostgresDb(TEST_DATABASE_URL!, { maxStreams: 1 });
  let next: ReturnType<AsyncIterator<Uint8Array>["next"]> | undefined;
  let it: AsyncIterator<Uint8Array> | undefined;
  let closed = false;
  try {
    assert.equal(await slowRead(db), BIG_TAIL_BYTES);
    it = db.copyOut("SELECT 'after'", "lines")[Symbol.asyncIterator]();
    next = it.next();
    const r = await race(next, HANG_MS);
    if (!r.timedOut) {
      assert.equal(new TextDecoder().decode(r.value.value), "after\n");
      assert.equal((await it.next()).done, true);
      it = undefined;
    }
    const t0 = performance.now();
    closed = true;
    await db.close();
    return { hung: r.timedOut, closeMs: performance.now() - t0 };
  } finally {
    if (!closed) await db.close();
    // A hung copy answers once close() resumes the socket; let the generator finish.
    if (it) {
      await next?.catch(() => {});
      await it.return?.();
    }
  }
}

Deno.test({
  name: "[postgres] COPY TO under a slow reader never hangs the next query",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    for (let i = 0; i < ITERATIONS; i++) {
      const { hung } = await scenario();
      assert.equal(hung, false, `iteration ${i + 1} hung`);
    }
  },
});

Deno.test({
  name: "[postgres] one stream client serves many slow COPYs in a row",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const db = new PostgresDb(TEST_DATABASE_URL!, { maxStreams: 1 });
    try {
      for (let i = 0; i < 4; i++) assert.equal(await slowRead(db), BIG_TAIL_BYTES);
      const r = await race(collect(db.copyOut("SELECT 'last'", "lines")), HANG_MS * 10);
      assert.ok(!r.timedOut, "the stream after slow COPYs hung");
      assert.equal(new TextDecoder().decode(r.value.bytes), "last\n");
    } finally {
      await db.close();
    }
  },
});
