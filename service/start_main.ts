/**
 * `deno task start`: the whole of windbin in one process on the embedded
 * default — the source API with demo data, the scheduler and the status
 * page. (An embedded database can be opened by one process only, hence one
 * process.) The demo data (api/demo.ts) is the DEMO_DAYS (10) days up to
 * yesterday of DEMO_TURBINES (4) turbines, and the jobs start where those
 * readings start (the source's extent), so the partitions fill in at once. A
 * farm's late hour is written DEMO_LATE_SECONDS after the first round, and
 * the scheduler's next watch round rebuilds that day. A database given by URL that cannot be
 * reached yet is waited for (RUNNER_PORT answers 503 meanwhile). Ctrl-C
 * stops it cleanly; a second start finds the partitions still done.
 *
 * The status page listens on HOST (127.0.0.1); the source API is this
 * process's own plumbing and stays on 127.0.0.1. A token the user supplied
 * is never printed; a generated one is shown once, on a terminal.
 */
import { Hono } from "hono";
import { loadConfig, settingsHelp, withValues } from "../config/config.ts";
import { startupProblem } from "../config/permissions.ts";
import { openMigrated } from "../migrations/open.ts";
import type { Db } from "../db/types.ts";
import { waitForDatabase } from "../db/wait.ts";
import { createApp } from "../api/app.ts";
import { describeFatal } from "../api/fatal.ts";
import {
  type DemoPlan,
  demoPlan,
  describeSeeded,
  describeWindow,
  seedDemo,
  writeLateHour,
  yesterdayUtc,
} from "../api/demo.ts";
import { demoToken } from "../config/token_file.ts";
import { openRunnerWaiting } from "../jobs/open_runner.ts";
import { type Handler, localAddress, pageUrl, startService, waitingHandler } from "./service.ts";
import { type HolderRecord, recordHolder } from "../db/holder.ts";
import { embeddedDir } from "../migrations/open.ts";
import { createMetrics } from "../ui/metrics.ts";
import { messageOf } from "../jobs/core/errors.ts";
import { safeText } from "../jobs/core/safe_text.ts";

const API_HOST = "127.0.0.1";
const STOP_GRACE_MS = 8_000;

function log(entry: Record<string, unknown>) {
  console.log(JSON.stringify({ ts: new Date().toISOString(), ...entry }));
}

async function main(): Promise<number> {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(`Usage: deno task start

The whole of windbin in one process: the source API with DEMO_DAYS (10) days
of demo data up to yesterday from DEMO_TURBINES (4) turbines, the scheduler,
and the status page on HOST:RUNNER_PORT (127.0.0.1:3000). Partitions start
where the source's readings start (PARTITION_START overrides). Ctrl-C stops
it. README: Quick start.

${settingsHelp("start")}`);
    return 0;
  }
  const env = loadConfig({ command: "start" });
  const plan = demoPlan({
    yesterday: yesterdayUtc(),
    days: env.demoDays,
    turbines: env.demoTurbines,
    lateSeconds: env.demoLateSeconds,
  });
  const cfg = withValues(env, { sourceApiUrl: `http://${API_HOST}:${env.port}` });
  const stop = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => stop.abort(sig));
  }
  const waiting = (what: string) => (attempt: number, ms: number, error: unknown) =>
    log({
      event: "waiting",
      for: what,
      attempt,
      retry_in_ms: ms,
      error: safeText(messageOf(error)),
    });
  // One listener for the page's whole life: 503 while waiting, then the page.
  let handler: Handler = waitingHandler("the databases");
  let page: Deno.HttpServer<Deno.NetAddr> | null = null;
  try {
    if (cfg.runnerPort) {
      page = Deno.serve(
        { port: cfg.runnerPort, hostname: cfg.host, onListen: () => {} },
        (req) => handler(req),
      );
    }
  } catch (e) {
    log({
      event: "warning",
      message: `status page not started on ${cfg.host}:${cfg.runnerPort}: ${
        messageOf(e)
      } (HOST, RUNNER_PORT)`,
    });
  }
  let api: Deno.HttpServer<Deno.NetAddr> | null = null;
  let source: Db | null = null;
  // Beside each embedded database this process holds: where it answers (db/holder.ts), so
  // `deno task etl`/`status` ask it, and `deno task serve` points at its API.
  const records: { remove(): Promise<void> }[] = [];
  const record = async (role: "source" | "target", what: Omit<HolderRecord, "pid" | "since">) => {
    try {
      records.push(await recordHolder(embeddedDir(cfg.dataDir, role), what));
    } catch (e) {
      log({
        event: "warning",
        message: `cannot record this process beside the ${role} database: ${messageOf(e)}`,
      });
    }
  };
  const pageAddress = page ? localAddress(cfg.host, page.addr.port) : undefined;
  try {
    source = await waitForDatabase(
      () =>
        openMigrated("source", {
          url: cfg.sourceDatabaseUrl,
          dataDir: cfg.dataDir,
          maxStreams: cfg.apiStreams,
        }),
      { signal: stop.signal, onRetry: waiting("source database"), dispose: (db) => db.close() },
    );
    if (!source) return 0;
    const { token, shown } = await startToken(cfg.apiToken, cfg.dataDir);
    const lateDue = await seedTheDemo(source, plan);
    // The source API first: the jobs' first day is where its readings start (GET /extent).
    const metrics = createMetrics();
    const app = new Hono();
    app.use(metrics.middleware());
    app.route(
      "/",
      createApp({
        db: source,
        token,
        maxRangeDays: cfg.maxRangeDays,
        maxStreams: cfg.apiStreams,
        stallMs: cfg.streamStallSeconds * 1000,
      }),
    );
    api = Deno.serve({ port: cfg.port, hostname: API_HOST, onListen: () => {} }, app.fetch);
    const apiAddress = localAddress(API_HOST, api.addr.port);
    if (!cfg.sourceDatabaseUrl) {
      await record("source", { command: "start", page: pageAddress, api: apiAddress });
    }
    const ctx = await openRunnerWaiting("start", withValues(cfg, { apiToken: token }), {
      signal: stop.signal,
      onRetry: (attempt, ms, error) =>
        log({ event: "waiting", for: "target database", attempt, retry_in_ms: ms, error }),
    });
    if (!ctx) return 0;
    try {
      const service = startService(ctx, {
        concurrency: cfg.schedulerConcurrency,
        maxAttempts: cfg.maxAttempts,
        watchSeconds: cfg.watchSeconds,
        maxRangeDays: cfg.maxRangeDays,
        trustProxy: cfg.trustProxy,
        token,
        cron: Deno.cron,
        metrics,
        log,
        cliFor: cfg.targetDatabaseUrl ? undefined : "start",
      });
      handler = service.fetch;
      if (!cfg.targetDatabaseUrl && pageAddress) {
        await record("target", { command: "start", page: pageAddress, api: apiAddress });
      }
      console.log(
        `windbin is running (${plan.days} demo days from ${plan.from}; Ctrl-C stops it)`,
      );
      console.log(
        `  status page: ${page ? pageUrl(cfg.host, cfg.runnerPort) : "(not started, see above)"}` +
          `   log in with the token`,
      );
      console.log(`  source API:  http://${API_HOST}:${cfg.port}/docs`);
      console.log(`  token:       ${shown}`);
      console.log(`  try:         deno task status; deno task etl --date ${exampleDay(plan)}`);
      const late = lateDue && !stop.signal.aborted
        ? lateHourAfter(source, plan, env.demoLateSeconds)
        : null;
      if (!stop.signal.aborted) {
        const round = service.scheduler.reconcile("startup");
        late?.after(round ?? Promise.resolve());
      }
      if (!stop.signal.aborted) {
        await new Promise((r) => stop.signal.addEventListener("abort", r, { once: true }));
      }
      await late?.cancel();
      const signal = stop.signal.reason;
      log({ event: "stopping", signal });
      const graceful = await Promise.race([
        service.stop(signal).then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), STOP_GRACE_MS)),
      ]);
      log({ event: "stopped", signal, graceful });
    } finally {
      await ctx.db.close();
    }
  } finally {
    for (const r of records) await r.remove();
    await page?.shutdown();
    await api?.shutdown();
    await source?.close();
  }
  return 0;
}

/** The token, and what the banner says about it. */
async function startToken(supplied: string | undefined, dataDir: string) {
  if (supplied) return { token: supplied, shown: "yours, from API_TOKEN (not shown)" };
  const demo = await demoToken(dataDir);
  // Shown once, to the person at the terminal; never into a log file.
  const shown = demo.created && Deno.stdout.isTerminal()
    ? `${demo.token}   (generated into ${demo.path}; shown only this once)`
    : `in ${demo.path} (cat ${demo.path})`;
  return { token: demo.token, shown };
}

/** A demo day that is complete from the start: the one before the last (which has the late hour). */
function exampleDay(plan: DemoPlan): string {
  return plan.days > 1
    ? Temporal.PlainDate.from(plan.to).subtract({ days: 1 }).toString()
    : plan.to;
}

/** Seeds the demo (api/demo.ts); true when its late hour is still to come. */
async function seedTheDemo(db: Db, plan: DemoPlan): Promise<boolean> {
  const t0 = performance.now();
  const seeded = await seedDemo(db, plan);
  for (const line of describeSeeded(plan, seeded, performance.now() - t0)) console.log(line);
  return seeded.lateDue;
}

/**
 * The demo's late hour: written `seconds` after the first round ends (after(round)),
 * so that day is built without it first. A failure is logged, never fatal.
 */
function lateHourAfter(db: Db, plan: DemoPlan, seconds: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> | undefined;
  let cancelled = false;
  const write = () => {
    writing = writeLateHour(db, plan).then(
      (rows) =>
        log({
          event: "late_readings",
          turbine: plan.late!.turbine,
          window: describeWindow(plan.late!),
          rows,
        }),
      (e) =>
        log({
          event: "warning",
          message: `the demo's late readings were not written: ${safeText(messageOf(e))}`,
        }),
    );
  };
  return {
    after(round: Promise<unknown>) {
      // A round reports its failures itself; only its end matters here.
      round.catch(() => {}).then(() => {
        if (!cancelled) timer = setTimeout(write, seconds * 1000);
      });
    },
    async cancel() {
      cancelled = true;
      clearTimeout(timer);
      await writing;
    },
  };
}

try {
  Deno.exit(await main());
} catch (e) {
  const problem = startupProblem(e);
  console.error(`start: ${problem ? problem.message : describeFatal(e).replace(/^error: /, "")}`);
  Deno.exit(problem ? problem.code : 1);
}
