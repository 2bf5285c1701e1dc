/**
 * The status app on the real runner port when its database cannot serve: nothing
 * listens at the target's address (every route: 503 with Retry-After, never a 400 or
 * 500, never the address), and a read-only target on real PostgreSQL (runs refused
 * with 503 and nothing recorded; the page still reads).
 */
import assert from "node:assert/strict";
import { PostgresDb } from "../db/postgres.ts";
import type { Db } from "../db/types.ts";
import { migratedDb, TEST_DATABASE_URL } from "./helpers/databases.ts";
import { fixtureJobs, LATER } from "./helpers/runs.ts";
import { freePort } from "./helpers/ports.ts";
import type { Job } from "../jobs/core/job.ts";
import type { RunnerContext } from "../jobs/core/runner.ts";
import { runnerStatusSource } from "../jobs/core/status_port.ts";
import { Scheduler } from "../jobs/scheduler/scheduler.ts";
import { createStatusApp } from "../ui/app.tsx";
import { createMetrics } from "../ui/metrics.ts";
import { FIXTURE_CHART } from "./helpers/ui_source.ts";

const TOKEN = "ui-unavailable-token-0123456789";
const bearer = { Authorization: `Bearer ${TOKEN}` };

/** The tests' own jobs (tests/fixtures/jobs/), under names of this test. */
async function testJobs(): Promise<Job[]> {
  return (await fixtureJobs("2024-05-01")).map((j) => ({
    ...j,
    name: `t_${j.name}`,
    upstream: j.upstream.map((u) => `t_${u}`),
    views: [FIXTURE_CHART],
  }));
}

async function appOver(db: Db) {
  const ctx: RunnerContext = {
    db,
    jobs: await testJobs(),
    settings: {
      apiUrl: "http://127.0.0.1:9",
      token: "source-token-0123456789",
      retrySeconds: 0,
      timeoutMs: 2000,
      leaseSeconds: 30,
      maxShrink: 0.1,
      retryBaseSeconds: 60,
      retryMaxSeconds: 3600,
    },
    runner: "test:1",
    now: () => LATER,
    fetch: () => Promise.reject(new Error("no source in this test")),
    sleep: () => Promise.resolve(),
    random: () => 0.5,
    log: () => {},
  };
  const scheduler = new Scheduler(ctx, { concurrency: 1, maxAttempts: 1, log: () => {} });
  const app = createStatusApp({
    source: runnerStatusSource({
      ctx,
      reconcileAll: () => scheduler.reconcile("ui", { manual: true }),
    }),
    token: TOKEN,
    metrics: createMetrics(),
    now: ctx.now,
  });
  return { app, scheduler };
}

async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const orig = console.error;
  console.error = () => {};
  try {
    return await fn();
  } finally {
    console.error = orig;
  }
}

Deno.test("ui unavailable: nothing listens at the target: every route is a 503 with Retry-After", async () => {
  const port = freePort();
  const db = new PostgresDb(`postgres://windbin@127.0.0.1:${port}/nowhere`, {
    max: 2,
    maxStreams: 1,
  });
  const { app, scheduler } = await appOver(db);
  try {
    await quietly(async () => {
      // Logging in needs no database; the form's run then meets the same 503.
      const login = await app.request("http://status.test/login", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Sec-Fetch-Site": "same-origin",
        },
        body: new URLSearchParams({ token: TOKEN }),
      });
      assert.equal(login.status, 303);
      const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
      const form = { Cookie: cookie, "Sec-Fetch-Site": "same-origin" };
      const routes: [string, string, Record<string, string>][] = [
        ["GET", "/", {}],
        ["GET", "/?day=2024-05-02", {}],
        ["GET", "/api/runs", {}],
        ["GET", "/api/partitions", {}],
        ["GET", "/api/views/2024-05-02", {}],
        ["GET", "/health", {}],
        ["POST", "/api/partitions/t_etl/2024-05-02/run", bearer],
        ["POST", "/api/run-all", bearer],
        ["POST", "/run/t_etl/2024-05-02", form],
        ["POST", "/run-all", form],
      ];
      for (const [method, path, headers] of routes) {
        const r = await app.request(`http://status.test${path}`, { method, headers });
        const text = await r.text();
        assert.equal(r.status, 503, `${method} ${path}: ${text}`);
        assert.equal(r.headers.get("retry-after"), "5", `${method} ${path}`);
        assert.doesNotMatch(text, new RegExp(`${port}|ECONNREFUSED`), `${method} ${path}`);
      }
      // Logged in, /health says why.
      const health = await app.request("/health", { headers: bearer });
      assert.equal(health.status, 503);
      assert.match((await health.json()).message, new RegExp(`ECONNREFUSED.*${port}`));
    });
  } finally {
    await scheduler.stop();
    await db.close();
  }
});

Deno.test({
  name:
    "[postgres] ui unavailable: a read-only target: runs are 503 and nothing is recorded; the page reads",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const t = await migratedDb("postgres", "target");
    const name = new URL(t.url!).pathname.slice(1);
    await t.db.exec(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    const db = new PostgresDb(t.url!, { max: 2, maxStreams: 1 });
    const { app, scheduler } = await appOver(db);
    try {
      await quietly(async () => {
        for (const path of ["/api/partitions/t_etl/2024-05-02/run", "/api/run-all"]) {
          const r = await app.request(path, { method: "POST", headers: bearer });
          const body = await r.json();
          assert.equal(r.status, 503, `${path}: ${JSON.stringify(body)}`);
          assert.equal(r.headers.get("retry-after"), "5");
          assert.match(body.message, /read-only/);
        }
        assert.equal(scheduler.running, null, "no reconcile was started");
        for (const path of ["/", "/api/partitions", "/api/runs", "/health"]) {
          const r = await app.request(path);
          assert.equal(r.status, 200, path);
          await r.body?.cancel();
        }
      });
      const [n] = await t.db.query<{ n: number }>(
        "SELECT (SELECT count(*) FROM runs)::int + (SELECT count(*) FROM partitions)::int AS n",
      );
      assert.equal(n.n, 0);
    } finally {
      await scheduler.stop();
      await db.close();
      await t.close();
    }
  },
});
