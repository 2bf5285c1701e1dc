/** Streaming a large range: clients that leave early, slow readers, parallel readers. */
import assert from "node:assert/strict";
import { seed } from "../api/seed.ts";
import type { Db } from "../db/types.ts";
import { migratedDb, testBackends } from "./helpers/databases.ts";
import { type ApiServer, startApi } from "./helpers/api_server.ts";

// One day at 1 second: 86,400 rows, several MB per format, far beyond socket buffers.
const DAY = "date=2024-01-01&variables=wind_speed,power,ambient_temperature";

function headers(api: ApiServer, accept = "application/json") {
  return { Authorization: `Bearer ${api.token}`, Accept: accept };
}

/** Counts lines in a body without keeping it. */
async function countLines(body: ReadableStream<Uint8Array>, pauseMs = 0): Promise<number> {
  let n = 0;
  for await (const chunk of body) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return n;
}

async function activeCopies(db: Db): Promise<number> {
  if (db.kind !== "postgres") return 0;
  const [{ n }] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND state = 'active' AND query LIKE 'COPY%'`,
  );
  return n;
}

async function assertServerWorks(api: ApiServer) {
  const res = await fetch(
    `${api.url}/data?start=2024-01-01T12:00:00Z&end=2024-01-01T12:00:09Z&variables=power`,
    {
      headers: headers(api),
      signal: AbortSignal.timeout(10_000),
    },
  );
  assert.equal(res.status, 200);
  assert.equal((await res.json()).length, 10);
  const health = await fetch(`${api.url}/health`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(health.status, 200, await health.text());
}

testBackends(
  "large ranges stream; clients that abort do not break the server",
  async (t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    const api = await startApi(db);
    try {
      await seed(db, { from: "2024-01-01", days: 1, everySeconds: 1 });

      for (const accept of ["application/json", "text/csv", "application/x-ndjson"]) {
        await t.step({
          name: `a client that aborts mid-stream (${accept})`,
          fn: async () => {
            const ctrl = new AbortController();
            const res = await fetch(`${api.url}/data?${DAY}`, {
              headers: headers(api, accept),
              signal: ctrl.signal,
            });
            assert.equal(res.status, 200);
            const reader = res.body!.getReader();
            const first = await reader.read();
            assert.ok(first.value && first.value.length > 0);
            ctrl.abort();
            await reader.cancel().catch(() => {});
            await assertServerWorks(api);
            // The query itself was cancelled, not left running (postgres: visible in pg_stat_activity).
            const deadline = Date.now() + 5000;
            while (await activeCopies(db) > 0 && Date.now() < deadline) {
              await new Promise((r) => setTimeout(r, 50));
            }
            assert.equal(await activeCopies(db), 0, "no COPY left running");
          },
        });
      }

      await t.step("a slow reader gets every row, and the next query answers", async () => {
        const res = await fetch(`${api.url}/data?${DAY}`, { headers: headers(api, "text/csv") });
        assert.equal(await countLines(res.body!, 2), 86_401);
        await assertServerWorks(api);
      });

      await t.step("three readers at once each get the whole day", async () => {
        const counts = await Promise.all(
          ["text/csv", "application/x-ndjson", "application/json"].map(async (accept) => {
            const res = await fetch(`${api.url}/data?${DAY}`, { headers: headers(api, accept) });
            if (accept !== "application/json") return await countLines(res.body!);
            const rows = await res.json();
            return rows.length;
          }),
        );
        assert.deepEqual(counts, [86_401, 86_400, 86_400]);
        await assertServerWorks(api);
      });
    } finally {
      await api.close();
      await close();
    }
  },
);
