/**
 * The status page on the real runner (jobs/core/status_port.ts), end to end in a
 * real Chromium, with the test's own jobs: `turbine` and `summary` run the tests'
 * fixture jobs' SQL (tests/fixtures/jobs/) under other names, with views of their
 * own, so nothing on the page can lean on a job's name. The grid shows the partitions as the runner derives them;
 * without a login nothing runs; logged in, "run" on a missing day runs the real
 * partition run, the cell turns succeeded, the run is logged like the scheduler's
 * own, the jobs' views show its data, and /metrics moves with it.
 */
import assert from "node:assert/strict";
import { type BackendName, BACKENDS, TEST_DATABASE_URL } from "./helpers/databases.ts";
import { CHROMIUM_SKIPPED, launchBrowser, serveApp } from "./helpers/browser.ts";
import { runBench, serveDays } from "./helpers/runs.ts";
import { runnerStatusSource } from "../jobs/core/status_port.ts";
import { runOne } from "../jobs/core/runner.ts";
import { findJob, type Job } from "../jobs/core/job.ts";
import { Scheduler } from "../jobs/scheduler/scheduler.ts";
import { createMetrics } from "../ui/metrics.ts";
import { createStatusApp } from "../ui/app.tsx";
import { FIXTURE_CHART, fixtureNumbers } from "./helpers/ui_source.ts";

const TOKEN = "ui-runner-token-0123456789";
const cell = (job: string, day: string) => `#grid a.cell[data-job="${job}"][data-day="${day}"]`;

for (const backend of BACKENDS) {
  Deno.test({
    name: `[${backend}] ui on the real runner: log in, run a missing day, the cell turns succeeded`,
    ignore: CHROMIUM_SKIPPED || (backend === "postgres" && !TEST_DATABASE_URL),
    fn: () => endToEnd(backend),
  });
}

async function endToEnd(backend: BackendName) {
  // Three days per job: 2024-05-29 .. 2024-05-31 (the bench's clock is 2024-06-01).
  const b = await runBench(backend, "2024-05-29");
  try {
    serveDays(b);
    const turbine: Job = { ...findJob(b.jobs, "etl"), name: "turbine", views: [FIXTURE_CHART] };
    const summary: Job = {
      ...findJob(b.jobs, "daily"),
      name: "summary",
      upstream: ["turbine"],
      views: [fixtureNumbers("summary")],
    };
    const ctx = b.ctx({ jobs: [turbine, summary] });
    for (const job of [turbine, summary]) {
      assert.equal((await runOne(ctx, job, "2024-05-29", "cli")).status, "succeeded");
    }
    const scheduler = new Scheduler(ctx, { concurrency: 1, maxAttempts: 3, log: () => {} });
    const metrics = createMetrics();
    const logged: Record<string, unknown>[] = [];
    const source = runnerStatusSource({
      ctx,
      reconcileAll: () => scheduler.reconcile("ui", { manual: true }),
      onRun: (job, _day, r) =>
        metrics.observeRun({
          job,
          status: r.status,
          durationMs: "ms" in r ? r.ms : null,
          rowsIn: r.status === "succeeded" ? r.rowsIn : null,
          rowsOut: r.status === "succeeded" ? r.rowsOut : null,
        }),
      log: (e) => logged.push(e),
    });
    const app = createStatusApp({
      source,
      token: TOKEN,
      metrics,
      now: ctx.now,
      refreshSeconds: 1,
    });
    // A day whose upstream partition has not succeeded is refused (409), and says why.
    const blocked = await app.request("/api/partitions/summary/2024-05-30/run", {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(blocked.status, 409);
    assert.match((await blocked.json()).message, /waits for turbine 2024-05-30 \(missing\)/);
    const server = await serveApp(app.fetch);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/?day=2024-05-30`);
      const states = await page.attrsAll("#grid a.cell", ["data-job", "data-day", "data-state"]);
      assert.deepEqual(states, [
        ["turbine", "2024-05-29", "succeeded"],
        ["turbine", "2024-05-30", "missing"],
        ["turbine", "2024-05-31", "missing"],
        ["summary", "2024-05-29", "succeeded"],
        ["summary", "2024-05-30", "blocked"],
        ["summary", "2024-05-31", "blocked"],
      ]);
      assert.equal(
        await page.count('button[data-run="turbine/2024-05-30"]'),
        0,
        "no run button before login",
      );
      await page.fillAndSubmit("#login input[name=token]", TOKEN);
      await page.waitForUrl(/notice=logged-in/);
      await page.goto(`${server.url}/?day=2024-05-30`);
      await page.click('button[data-run="turbine/2024-05-30"]');
      await page.waitForUrl(/notice=started/);
      await page.waitFor(
        `document.querySelector('${cell("turbine", "2024-05-30")}[data-state=succeeded]')`,
        20_000,
      );
      const [p] = await b.db.query<{ status: string; trigger: string; run_id: number }>(
        `SELECT p.status, r.trigger, r.id::int AS run_id FROM partitions p JOIN runs r ON r.id = p.run_id
         WHERE p.job = 'turbine' AND p.day = '2024-05-30'`,
      );
      assert.deepEqual({ status: p.status, trigger: p.trigger }, {
        status: "succeeded",
        trigger: "ui",
      });
      // Logged like the scheduler's runs: run id, status, rows, timings.
      const line = logged.find((e) => e.job === "turbine" && e.day === "2024-05-30");
      assert.ok(line, JSON.stringify(logged));
      assert.equal(line.event, "run");
      assert.equal(line.trigger, "ui");
      assert.equal(line.status, "succeeded");
      assert.equal(line.run, p.run_id);
      assert.equal(line.rows_out, 1152);
      assert.equal(typeof line.tx_ms, "number");
      // The job's chart view, under its own name.
      assert.equal(await page.count("#chart-turbine-power_mean circle[data-bin]"), 144);
      assert.equal(await page.count("#chart-turbine-wind_mean circle[data-bin]"), 144);
      await page.goto(`${server.url}/?day=2024-05-29`);
      assert.match(
        await page.text('[data-view="summary:numbers"] [data-value="availability_pct"]'),
        /^100\.0\s*%$/,
      );
      const text = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(text, /windbin_rows_written_total\{job="turbine"\} 1152/);
      assert.match(text, /windbin_partitions\{job="turbine",state="succeeded"\} 2/);
    } finally {
      await browser.close();
      await server.close();
      await scheduler.stop();
    }
  } finally {
    await b.close();
  }
}
