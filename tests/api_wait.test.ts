/**
 * `deno task serve` started while its database is down waits instead of
 * exiting: one line per attempt, `/health` and every route 503 with
 * Retry-After meanwhile, and it serves once the database is up (a private
 * cluster, stopped and started by the test). SIGTERM ends the wait at once,
 * exit 0.
 */
import assert from "node:assert/strict";
import { TEST_DATABASE_URL } from "./helpers/databases.ts";
import { type Proc, spawnTask, until } from "./helpers/processes.ts";
import { NO_PRIVATE_CLUSTER, startPrivateCluster } from "./helpers/private_cluster.ts";
import { freePort } from "./helpers/ports.ts";

const TOKEN = "serve-wait-token-0123456789";

async function get(
  url: string,
  token?: string,
): Promise<{ status: number; body: string; retry: string | null }> {
  const r = await fetch(url, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(10_000),
  });
  return { status: r.status, body: await r.text(), retry: r.headers.get("retry-after") };
}

Deno.test({
  name:
    "[postgres] serve wait: started with its database down it waits (503 + Retry-After), then serves once it is up",
  ignore: !TEST_DATABASE_URL || NO_PRIVATE_CLUSTER,
  async fn() {
    const cluster = await startPrivateCluster();
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    await cluster.pause();
    const p = spawnTask("serve", [], {
      SOURCE_DATABASE_URL: cluster.url,
      API_TOKEN: TOKEN,
      PORT: String(port),
    });
    try {
      await p.waitFor(/^serve: waiting for the source database \(attempt 2,/, 30_000);
      const health = await get(`${base}/health`);
      assert.equal(health.status, 503);
      assert.equal(health.retry, "5");
      assert.deepEqual(JSON.parse(health.body), {
        status: "waiting",
        waiting_for: "the source database",
      });
      const data = await get(`${base}/data?date=2024-01-02&variables=power`, TOKEN);
      assert.equal(data.status, 503);
      assert.equal(data.retry, "5");
      assert.doesNotMatch(health.body + data.body, /127\.0\.0\.1|ECONNREFUSED|postgres/);

      await cluster.resume();
      await p.waitFor(/^windbin source API on http:\/\/localhost:\d+ \(database: /, 60_000);
      assert.ok(
        await until(async () => (await get(`${base}/health`)).status === 200, 30_000, 100),
        p.lines.slice(-10).join("\n"),
      );
      const day = await get(`${base}/data?date=2024-01-02&variables=power`, TOKEN);
      assert.equal(day.status, 200, day.body);
      assert.equal(day.body, "[]", "a fresh source, migrated by serve, has no readings");

      // One line per attempt, counting up, each naming the setting; no stack trace.
      const waits = p.lines.filter((l) => l.startsWith("serve: waiting for"));
      assert.ok(waits.length >= 2, p.lines.join("\n"));
      waits.forEach((l, i) => {
        assert.match(
          l,
          new RegExp(
            `^serve: waiting for the source database \\(attempt ${i + 1}, next in \\d+ s\\): ` +
              `.*ECONNREFUSED.*; check that it is running and that SOURCE_DATABASE_URL points at it$`,
          ),
        );
      });
      assert.doesNotMatch(p.lines.join("\n"), /^\s+at /m);
      const stopped = await p.stop("SIGTERM");
      assert.equal(stopped.code, 0, p.lines.slice(-10).join("\n"));
    } finally {
      await p.stop("SIGKILL");
      await cluster.stop();
    }
  },
});

/** `serve` against a database nothing listens for, once it says it waits (its first attempt). */
async function serveWaiting(): Promise<{ p: Proc; port: number }> {
  const port = freePort();
  const p = spawnTask("serve", [], {
    SOURCE_DATABASE_URL: `postgres://postgres@127.0.0.1:${freePort()}/nothing`,
    API_TOKEN: TOKEN,
    PORT: String(port),
  });
  try {
    await p.waitFor(/^serve: waiting for the source database \(attempt 1,/, 30_000);
  } catch (e) {
    await p.stop("SIGKILL");
    throw e;
  }
  return { p, port };
}

Deno.test("serve wait: SIGTERM while waiting for the database stops it at once, exit 0", async () => {
  const { p, port } = await serveWaiting();
  try {
    const health = await get(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 503);
    const stopped = await p.stop("SIGTERM");
    assert.equal(stopped.code, 0, p.lines.join("\n"));
    // Bounded generously: the wait's pause (1 s, then 2 s ...) must not hold the stop.
    assert.ok(stopped.ms < 5_000, `stopped in ${stopped.ms} ms`);
    assert.match(p.lines.join("\n"), /^shutting down$/m);
  } finally {
    await p.stop("SIGKILL");
  }
});

Deno.test("serve stop: one Ctrl-C delivered twice (terminal + `deno task`) still closes cleanly, exit 0", async () => {
  const { p } = await serveWaiting();
  try {
    // As a terminal does under `deno task`: the same SIGINT from both, back to back.
    p.child.kill("SIGINT");
    const stopped = await p.stop("SIGINT");
    assert.equal(stopped.code, 0, p.lines.join("\n"));
    assert.match(p.lines.join("\n"), /^shutting down$/m);
  } finally {
    await p.stop("SIGKILL");
  }
});
