/**
 * Issue 6 (items 8, 9): clients that stop reading never starve others, a full
 * stream pool answers 503 at once, a database outage is a 503, and edge dates
 * are 400s. Over real HTTP, on both backends where it applies.
 */
import assert from "node:assert/strict";
import { seed } from "../api/seed.ts";
import { createApp } from "../api/app.ts";
import type { Db } from "../db/types.ts";
import { PostgresDb } from "../db/postgres.ts";
import { migrate } from "../migrations/migrate.ts";
import { migratedDb, testBackends } from "./helpers/databases.ts";
import { type ApiServer, startApi } from "./helpers/api_server.ts";
import { NO_PRIVATE_CLUSTER, startPrivateCluster } from "./helpers/private_cluster.ts";
import { delay, within } from "./helpers/streams.ts";
import { until } from "./helpers/processes.ts";

const DAY = "date=2024-01-01&variables=wind_speed,power,ambient_temperature";

/** The API over real HTTP; `arrived()` counts the /data requests handed to the app so far. */
function serve(
  db: Db,
  deps: { maxStreams?: number; stallMs?: number },
): Promise<ApiServer & { arrived(): number }> {
  const token = `t-${crypto.randomUUID()}`;
  const app = createApp({ db, token, maxRangeDays: 31, ...deps });
  let arrived = 0;
  const { promise, resolve } = Promise.withResolvers<ApiServer & { arrived(): number }>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) =>
      resolve({
        url: `http://127.0.0.1:${port}`,
        token,
        close: () => server.shutdown(),
        arrived: () => arrived,
      }),
  }, (req) => {
    if (new URL(req.url).pathname === "/data") arrived++;
    return app.fetch(req);
  });
  return promise;
}

const get = (api: ApiServer, query: string) =>
  fetch(`${api.url}/data?${query}`, {
    headers: { Authorization: `Bearer ${api.token}`, Accept: "text/csv" },
  });

/**
 * A client that sends a request, reads the status line, and then reads
 * nothing more (fetch() would not do: it buffers whole bodies by itself).
 */
async function stalledClient(api: ApiServer, query: string, waitForStatus = true) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(api.url).port) });
  await conn.write(new TextEncoder().encode(
    `GET /data?${query} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${api.token}\r\n` +
      `Accept: application/json\r\n\r\n`,
  ));
  const buf = new Uint8Array(1024);
  const n = waitForStatus ? await conn.read(buf) : 0;
  const status = new TextDecoder().decode(buf.subarray(0, n ?? 0)).split("\r\n")[0];
  return {
    status,
    conn,
    /** Reads the rest (bounded); true when the chunked body ended properly. */
    async completed(): Promise<boolean> {
      const big = new Uint8Array(1 << 20);
      let tail = "";
      for (let i = 0; i < 10_000; i++) {
        const m = await conn.read(big).catch(() => null);
        if (m === null) break;
        tail = (tail + new TextDecoder().decode(big.subarray(Math.max(0, m - 16), m))).slice(-16);
      }
      return tail.endsWith("0\r\n\r\n");
    },
  };
}

testBackends("date=0000-01-01 and date=9999-12-31 are 400s naming date", async (_t, backend) => {
  const { db, close } = await migratedDb(backend, "source");
  const api = await startApi(db);
  try {
    for (const date of ["0000-01-01", "9999-12-31"]) {
      const res = await get(api, `date=${date}&variables=power`);
      const body = await res.json();
      assert.equal(res.status, 400, `date=${date}: ${JSON.stringify(body)}`);
      assert.equal(body.parameter, "date");
    }
    const ok = await get(api, "date=9999-12-30&variables=power");
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  } finally {
    await api.close();
    await close();
  }
});

testBackends(
  "ten clients that stop reading: the eleventh gets 503 with Retry-After within a second",
  async (_t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    const api = await serve(db, { stallMs: 60_000 });
    const stuck: Deno.Conn[] = [];
    const release = () => stuck.splice(0).forEach((c) => c.close());
    try {
      await seed(db, { from: "2024-01-01", days: 1, everySeconds: 1 });
      // Ten requests whose bodies nobody reads (on PGlite all but one wait for the backend).
      // The first is read up to its status line; on PGlite the others wait for the backend.
      for (let i = 0; i < 10; i++) {
        const c = await stalledClient(api, DAY, i === 0);
        if (i === 0) assert.match(c.status, / 200 /);
        stuck.push(c.conn);
      }
      // Each of the ten takes its stream as soon as the app has it (before its first await).
      assert.ok(await until(() => Promise.resolve(api.arrived() === 10), 10_000, 10));
      const t0 = performance.now();
      const res = await within(get(api, DAY), 1_000, "the eleventh request");
      const ms = performance.now() - t0;
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("retry-after"), "1");
      assert.equal((await res.json()).error, "busy");
      assert.ok(ms < 1000, `${ms} ms`);
      release();
      // The pool empties again once they are gone.
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        const again = await get(api, "date=2024-01-01&variables=power");
        status = again.status;
        await again.body?.cancel();
        if (status !== 200) await delay(100);
      }
      assert.equal(status, 200);
    } finally {
      release();
      await api.close();
      await close();
    }
  },
);

testBackends("a client that stops reading is cut off, and others are served", async (_t, b) => {
  const { db, close } = await migratedDb(b, "source");
  const api = await serve(db, { maxStreams: 1, stallMs: 500 });
  try {
    await seed(db, { from: "2024-01-01", days: 1, everySeconds: 1 });
    const client = await stalledClient(api, DAY);
    try {
      assert.match(client.status, / 200 /);
      // It reads nothing more: the server must cut it off after ~500 ms, freeing the one stream
      // (until then another client is answered 503 at once).
      let other: Response | undefined;
      for (let i = 0; i < 100; i++) {
        other = await within(get(api, "date=2024-01-01&variables=power"), 5_000, "other");
        if (other.status === 200) break;
        assert.equal(other.status, 503);
        await other.body?.cancel();
        await delay(50);
      }
      assert.equal(other?.status, 200);
      assert.equal((await other.text()).split("\n").length, 86_402);
      // The stalled body was broken off, not completed.
      assert.equal(await client.completed(), false);
    } finally {
      client.conn.close();
    }
  } finally {
    await api.close();
    await close();
  }
});

Deno.test({
  name: "[postgres] a database outage makes /data a 503 with Retry-After and a JSON body",
  ignore: NO_PRIVATE_CLUSTER,
  async fn() {
    const cluster = await startPrivateCluster();
    const db = new PostgresDb(cluster.url, { max: 2, maxStreams: 2 });
    const api = await serve(db, {});
    try {
      await migrate(db, "source");
      const ok = await get(api, "date=2024-01-01&variables=power");
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
      await cluster.stop();
      const res = await get(api, "date=2024-01-01&variables=power");
      const body = await res.json();
      assert.equal(res.status, 503, JSON.stringify(body));
      assert.equal(body.error, "database_unavailable");
      assert.ok(res.headers.get("retry-after"));
    } finally {
      await api.close();
      await db.close();
      await cluster.stop();
    }
  },
});

testBackends("a path with /../ is never served from outside the docs", async (_t, backend) => {
  const { db, close } = await migratedDb(backend, "source");
  const api = await startApi(db);
  try {
    // fetch() normalises "/docs/../deno.json" away: send the raw bytes.
    const port = Number(new URL(api.url).port);
    for (const path of ["/docs/../deno.json", "/docs/%2e%2e/deno.json", "/docs/..%2fdeno.json"]) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await conn.write(
          new TextEncoder().encode(
            `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
          ),
        );
        let text = "";
        const buf = new Uint8Array(65536);
        for (let i = 0; i < 100; i++) {
          const n = await conn.read(buf);
          if (n === null) break;
          text += new TextDecoder().decode(buf.subarray(0, n));
        }
        assert.match(text, /^HTTP\/1\.1 (404|400)/, `${path}: ${text.slice(0, 200)}`);
        assert.doesNotMatch(text, /"imports"|"tasks"/, `${path} served deno.json`);
      } finally {
        conn.close();
      }
    }
  } finally {
    await api.close();
    await close();
  }
});
