/**
 * A busy source API: one stream allowed (API_STREAMS=1) and a slow client
 * holding it for a few seconds. The extract waits what the API's 503s ask
 * (Retry-After), within ETL_RETRY_SECONDS, so every day of a small backfill
 * succeeds. The real API over real HTTP, with real waits.
 */
import assert from "node:assert/strict";
import { seed } from "../api/seed.ts";
import { createApp } from "../api/app.ts";
import { migratedDb, testBackends } from "./helpers/databases.ts";
import { runBench } from "./helpers/runs.ts";
import { cli } from "./helpers/cli.ts";
import { abortableSleep } from "../jobs/core/runner.ts";

const HOLD_MS = 3000;

testBackends(
  "etl: with API_STREAMS=1 held by a slow client, every day of a backfill succeeds",
  async (_t, backend) => {
    const source = await migratedDb(backend, "source");
    const b = await runBench(backend);
    const token = `t-${crypto.randomUUID()}`;
    const app = createApp({ db: source.db, token, maxRangeDays: 31, maxStreams: 1 });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    const url = `http://127.0.0.1:${server.addr.port}`;
    let conn: Deno.Conn | null = null;
    try {
      await seed(source.db, { from: "2024-01-01", days: 3, everySeconds: 60 });
      await seed(source.db, { from: "2024-02-01", days: 2, everySeconds: 1 });
      // The slow client: asks for two 1-second days as JSON (~20 MB, more than the
      // sockets buffer), reads the status line, then nothing until it goes away.
      conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
      await conn.write(new TextEncoder().encode(
        `GET /data?start=2024-02-01&end=2024-02-02T23:59:59Z` +
          `&variables=wind_speed,power,ambient_temperature HTTP/1.1\r\nHost: x\r\n` +
          `Authorization: Bearer ${token}\r\nAccept: application/json\r\n\r\n`,
      ));
      const head = new Uint8Array(1024);
      const n = await conn.read(head);
      assert.match(new TextDecoder().decode(head.subarray(0, n ?? 0)), /^HTTP\/1.1 200/);
      // The one stream is taken: another request is refused at once.
      const probe = await fetch(`${url}/data?date=2024-01-01&variables=power`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await probe.body?.cancel();
      assert.equal(probe.status, 503, "the slow client holds the only stream");
      const held = conn;
      const release = setTimeout(() => held.close(), HOLD_MS);
      const logs: string[] = [];
      const t0 = performance.now();
      const r = await cli(
        b.ctx({
          settings: { ...b.ctx().settings, apiUrl: url, token, retrySeconds: 60 },
          sleep: abortableSleep,
          clock: () => performance.now(),
          log: (m) => logs.push(m),
        }),
        // --force: straight to /data (a plan that looks for stale days asks /fingerprints first).
        ["--from", "2024-01-01", "--to", "2024-01-03", "--force", "--concurrency", "1"],
      );
      clearTimeout(release);
      const waited = performance.now() - t0;
      assert.equal(r.code, 0, [...r.out, ...r.err, ...logs].join("\n"));
      assert.equal(r.out.filter((l) => / succeeded: 1440 readings/.test(l)).length, 3);
      // It really was busy: the first day was refused and waited out as the API asked.
      assert.ok(logs.some((l) => /answered 503.*as its Retry-After asks/.test(l)), logs.join("\n"));
      assert.ok(waited >= HOLD_MS - 500, `done after ${Math.round(waited)} ms`);
    } finally {
      try {
        conn?.close();
      } catch { /* closed by the timer */ }
      await server.shutdown();
      await b.close();
      await source.close();
    }
  },
);
