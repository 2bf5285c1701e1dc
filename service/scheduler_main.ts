/**
 * Edge of `deno task scheduler`: waits for the target database if it cannot
 * be reached yet (RUNNER_PORT answers 503 meanwhile), registers a Deno.cron
 * per declared job, runs a round at start-up (catching up whatever was
 * missed while it was down), on every tick and every WATCH_SECONDS (acting
 * on changed SQL, upstream and source days), logs one JSON line per run and
 * per round, and stops cleanly on SIGINT/SIGTERM (no new partitions; runs
 * in flight cancelled, rolled back and recorded; exit within 10 s).
 */
import { loadConfig, settingsHelp } from "../config/config.ts";
import { openRunnerWaiting, reportFatal } from "../jobs/open_runner.ts";
import { describeFirstDay } from "../jobs/core/job.ts";
import { type Handler, localAddress, pageUrl, startService, waitingHandler } from "./service.ts";
import { recordHolder } from "../db/holder.ts";
import { embeddedDir } from "../migrations/open.ts";

const STOP_GRACE_MS = 8_000;

function log(entry: Record<string, unknown>) {
  console.log(JSON.stringify({ ts: new Date().toISOString(), ...entry }));
}

async function main(): Promise<number> {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(`Usage: deno task scheduler

Runs every declared job on its schedule (Deno.cron, UTC; ETL_CRON, default
"0 1 * * *"). At start-up and on every tick it reconciles: every missing,
stale or failed partition (within MAX_ATTEMPTS, after its retry delay) from
the job's first day (PARTITION_START, else the source's first reading) to
yesterday is run, upstream jobs first, oldest first, SCHEDULER_CONCURRENCY
at a time. Every WATCH_SECONDS (60) it re-reads the jobs' SQL and acts at
once on what changed: new or edited SQL, upstream partitions rebuilt by
anyone, source days that changed. Any number of schedulers and etl
processes can share one real PostgreSQL target. Waits for a target that
cannot be reached yet. Serves the status page, its JSON API and /metrics on
HOST:RUNNER_PORT (127.0.0.1:3000; RUNNER_PORT=0 for none). Logs: one JSON
line per run and per round. Stops on SIGINT/SIGTERM.

${settingsHelp("scheduler")}`);
    return 0;
  }
  const cfg = loadConfig({
    command: "scheduler",
    report: (message) => log({ event: "warning", message }),
  });
  const stop = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => stop.abort(sig));
  }
  // One listener for the whole life: 503 while waiting, then the status page.
  let handler: Handler = waitingHandler("the target database");
  let server: Deno.HttpServer<Deno.NetAddr> | null = null;
  if (cfg.runnerPort) {
    try {
      server = Deno.serve(
        { port: cfg.runnerPort, hostname: cfg.host, onListen: () => {} },
        (req) => handler(req),
      );
    } catch (e) {
      // A second runner on the same host: the page is the first one's; keep running.
      log({
        event: "warning",
        message: `status page not started on ${cfg.host}:${cfg.runnerPort}: ${
          (e as Error).message
        } (HOST, RUNNER_PORT)`,
      });
    }
  }
  try {
    const ctx = await openRunnerWaiting("scheduler", cfg, {
      signal: stop.signal,
      onRetry: (attempt, ms, error) =>
        log({ event: "waiting", for: "target database", attempt, retry_in_ms: ms, error }),
    });
    if (!ctx) {
      log({ event: "stopped", signal: stop.signal.reason, graceful: true });
      return 0;
    }
    const service = startService(ctx, {
      concurrency: cfg.schedulerConcurrency,
      maxAttempts: cfg.maxAttempts,
      watchSeconds: cfg.watchSeconds,
      maxRangeDays: cfg.maxRangeDays,
      trustProxy: cfg.trustProxy,
      token: ctx.settings.token,
      cron: Deno.cron,
      log,
      cliFor: cfg.targetDatabaseUrl ? undefined : "scheduler",
    });
    handler = service.fetch;
    // An embedded target: `deno task etl` and `status` find this page and ask it (jobs/cli/remote.ts).
    const record = !cfg.targetDatabaseUrl && server
      ? await recordHolder(embeddedDir(cfg.dataDir, "target"), {
        command: "scheduler",
        page: localAddress(cfg.host, server.addr.port),
      }).catch((e) => {
        log({
          event: "warning",
          message: `cannot record this process beside the target database (${
            (e as Error).message
          }): \`deno task etl\` and \`status\` will be refused while it runs`,
        });
        return null;
      })
      : null;
    log({
      event: "start",
      runner: ctx.runner,
      target: ctx.db.label,
      schedules: service.schedules,
      first_days: Object.fromEntries(ctx.jobs.map((j) => [j.name, describeFirstDay(j)])),
      status_page: server ? pageUrl(cfg.host, cfg.runnerPort) : null,
      concurrency: cfg.schedulerConcurrency,
      max_attempts: cfg.maxAttempts,
      lease_seconds: cfg.leaseSeconds,
      watch_seconds: cfg.watchSeconds,
    });
    if (!stop.signal.aborted) service.scheduler.reconcile("startup");
    if (!stop.signal.aborted) {
      await new Promise((r) => stop.signal.addEventListener("abort", r, { once: true }));
    }
    const signal = stop.signal.reason;
    log({ event: "stopping", signal });
    const graceful = await Promise.race([
      service.stop(signal).then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), STOP_GRACE_MS)),
    ]);
    await record?.remove();
    await Promise.race([ctx.db.close(), new Promise((r) => setTimeout(r, 1_500))]);
    log({ event: "stopped", signal, graceful });
    return 0;
  } finally {
    await server?.shutdown();
  }
}

try {
  Deno.exit(await main());
} catch (e) {
  Deno.exit(reportFatal("scheduler", e));
}
