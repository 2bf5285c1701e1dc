/**
 * The status page on the real runner (jobs/core/status_port.ts), end to end in a
 * real Chromium: the grid shows the partitions as the runner derives them;
 * without a login nothing runs; logged in, "run" on a missing day runs the
 * real partition run and the cell turns succeeded; /metrics moves with it.
 */
import assert from "node:assert/strict";
import { type BackendName, BACKENDS, TEST_DATABASE_URL } from "./helpers/databases.ts";
import { CHROMIUM_SKIPPED, launchBrowser, serveApp } from "./helpers/browser.ts";
import { runBench, serveDays } from "./helpers/runs.ts";
import { cli } from "./helpers/cli.ts";
import { runnerStatusSource } from "../jobs/core/status_port.ts";
import { Scheduler } from "../jobs/scheduler/scheduler.ts";
import { createMetrics } from "../ui/metrics.ts";
import { createStatusApp } from "../ui/app.tsx";

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
    assert.equal((await cli(b.ctx(), ["--job", "all", "--date", "2024-05-29"])).code, 0);
    const ctx = b.ctx();
    const scheduler = new Scheduler(ctx, { concurrency: 1, maxAttempts: 3, log: () => {} });
    const metrics = createMetrics();
    const source = runnerStatusSource({
      ctx,
      reconcileAll: () => scheduler.reconcile("ui", { manual: true })?.catch(() => {}),
      onRun: (job, _day, r) =>
        metrics.observeRun({
          job,
          status: r.status,
          durationMs: "ms" in r ? r.ms : null,
          rowsIn: r.status === "succeeded" ? r.rowsIn : null,
          rowsOut: r.status === "succeeded" ? r.rowsOut : null,
        }),
    });
    const app = createStatusApp({
      source,
      token: TOKEN,
      metrics,
      now: ctx.now,
      refreshSeconds: 1,
    });
    const server = await serveApp(app.fetch);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/?day=2024-05-30`);
      const states = await page.attrsAll("#grid a.cell", ["data-job", "data-day", "data-state"]);
      assert.deepEqual(states, [
        ["etl", "2024-05-29", "succeeded"],
        ["etl", "2024-05-30", "missing"],
        ["etl", "2024-05-31", "missing"],
        ["daily", "2024-05-29", "succeeded"],
        ["daily", "2024-05-30", "blocked"],
        ["daily", "2024-05-31", "blocked"],
      ]);
      assert.equal(
        await page.count('button[data-run="etl/2024-05-30"]'),
        0,
        "no run button before login",
      );
      await page.fillAndSubmit("#login input[name=token]", TOKEN);
      await page.waitForUrl(/notice=logged-in/);
      await page.goto(`${server.url}/?day=2024-05-30`);
      await page.click('button[data-run="etl/2024-05-30"]');
      await page.waitForUrl(/notice=started/);
      await page.waitFor(
        `document.querySelector('${cell("etl", "2024-05-30")}[data-state=succeeded]')`,
        20_000,
      );
      const [p] = await b.db.query<{ status: string; trigger: string }>(
        "SELECT p.status, r.trigger FROM partitions p JOIN runs r ON r.id = p.run_id WHERE p.job = 'etl' AND p.day = '2024-05-30'",
      );
      assert.deepEqual({ ...p }, { status: "succeeded", trigger: "ui" });
      assert.equal(await page.count("#chart-power circle[data-bin]"), 144);
      const text = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(text, /windbin_rows_written_total\{job="etl"\} 1152/);
      assert.match(text, /windbin_partitions\{job="etl",state="succeeded"\} 2/);
    } finally {
      await browser.close();
      await server.close();
      await scheduler.stop();
    }
  } finally {
    await b.close();
  }
}
