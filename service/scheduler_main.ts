/**
 * Edge of `deno task scheduler`: registers a Deno.cron per declared job,
 * reconciles at start-up (catching up whatever was missed while it was
 * down) and on every tick, logs one JSON line per run and per reconcile,
 * and stops cleanly on SIGINT/SIGTERM (no new partitions; runs in flight
 * cancelled, rolled back and recorded; exit within 10 s).
 */
import { openRunner, reportFatal } from "../jobs/open_runner.ts";
import { startService } from "./service.ts";

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
the job's first day (PARTITION_START) to yesterday is run, upstream jobs
first, oldest first, SCHEDULER_CONCURRENCY at a time. Any number of
schedulers and etl processes can share one real PostgreSQL target.
Serves the status page, its JSON API and /metrics on RUNNER_PORT (3000;
0 for none). Logs: one JSON line per run and per reconcile. Stops on
SIGINT/SIGTERM.`);
    return 0;
  }
  const ctx = await openRunner("scheduler");
  const service = startService(ctx, {
    concurrency: ctx.cfg.schedulerConcurrency,
    maxAttempts: ctx.cfg.maxAttempts,
    port: ctx.cfg.runnerPort,
    token: ctx.settings.token,
    maxRangeDays: ctx.cfg.maxRangeDays,
    trustProxy: ctx.cfg.trustProxy,
    log,
  });
  const done = Promise.withResolvers<string>();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => done.resolve(sig));
  }
  log({
    event: "start",
    runner: ctx.runner,
    target: ctx.db.label,
    schedules: service.schedules,
    status_page: service.url,
    concurrency: ctx.cfg.schedulerConcurrency,
    max_attempts: ctx.cfg.maxAttempts,
    lease_seconds: ctx.cfg.leaseSeconds,
  });
  service.scheduler.reconcile("startup");
  const signal = await done.promise;
  log({ event: "stopping", signal });
  const graceful = await Promise.race([
    service.stop(signal).then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), STOP_GRACE_MS)),
  ]);
  await Promise.race([ctx.db.close(), new Promise((r) => setTimeout(r, 1_500))]);
  log({ event: "stopped", signal, graceful });
  return 0;
}

try {
  Deno.exit(await main());
} catch (e) {
  Deno.exit(reportFatal("scheduler", e));
}
