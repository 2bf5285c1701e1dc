/**
 * The long-running runner: the scheduler (a round at start-up, on every cron
 * tick, and every WATCH_SECONDS to act on what changed), and the status page
 * with its ops API and metrics. `deno task scheduler` and `deno task start`
 * both run it; their *_main.ts edges listen on RUNNER_PORT, register the
 * crons and answer 503 while the database is still being waited for. On an
 * embedded target (which no other process can open) the page also runs the
 * CLI's `etl` and `status` for it (cli_ops.ts).
 */
import { type ReconcileReport, Scheduler } from "../jobs/scheduler/scheduler.ts";
import { type Cron, registerSchedules } from "../jobs/scheduler/schedules.ts";
import { runnerStatusSource } from "../jobs/core/status_port.ts";
import type { RunnerContext } from "../jobs/core/runner.ts";
import type { RunResult } from "../jobs/core/partition_run.ts";
import { createMetrics, type Metrics } from "../ui/metrics.ts";
import { createStatusApp } from "../ui/app.tsx";
import { cliOps } from "./cli_ops.ts";

export type { Handler } from "../api/waiting.ts";
/** What RUNNER_PORT answers while the process waits for its database (503, Retry-After). */
export { waitingHandler } from "../api/waiting.ts";
import type { Handler } from "../api/waiting.ts";

export interface ServiceOptions {
  concurrency: number;
  maxAttempts: number;
  /** WATCH_SECONDS: a round this often acts on changed SQL, upstream or source days. */
  watchSeconds: number;
  /** The longest day range the page and its API serve (MAX_RANGE_DAYS). */
  maxRangeDays: number;
  /** Trust a reverse proxy's X-Forwarded-* headers (TRUST_PROXY). */
  trustProxy: boolean;
  /** The token that allows running partitions from the page. */
  token: string;
  log: (entry: Record<string, unknown>) => void;
  /** Deno.cron (a stand-in in tests). */
  cron: Cron;
  /** Metrics shared with other parts of the process (start's source API); default: new ones. */
  metrics?: Metrics;
  /** Every finished round of the scheduler. */
  onRound?: (r: ReconcileReport) => void;
  /**
   * The embedded target is held here: run the CLI's commands for it
   * (/api/cli), naming this command (`start`, `scheduler`).
   */
  cliFor?: string;
}

export interface Service {
  scheduler: Scheduler;
  metrics: Metrics;
  /** The status page, its JSON API, /health and /metrics. */
  fetch: Handler;
  schedules: Record<string, string>;
  /** Takes no new partitions, cancels the runs in flight. */
  stop(reason: string): Promise<void>;
}

export function startService(ctx: RunnerContext, o: ServiceOptions): Service {
  const metrics = o.metrics ?? createMetrics();
  const observe = (job: string, _day: string, r: RunResult) =>
    metrics.observeRun({
      job,
      status: r.status,
      durationMs: "ms" in r ? r.ms : null,
      rowsIn: r.status === "succeeded" || r.status === "empty" ? r.rowsIn : null,
      rowsOut: r.status === "succeeded" || r.status === "empty" ? r.rowsOut : null,
    });
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const scheduler = new Scheduler(ctx, {
    concurrency: o.concurrency,
    maxAttempts: o.maxAttempts,
    watchMs: o.watchSeconds * 1000,
    windowDays: o.maxRangeDays,
    log: o.log,
    onRun: observe,
    onRound: o.onRound,
    setTimer: (ms, fn) => {
      const id = setTimeout(() => {
        timers.delete(id);
        fn();
      }, ms);
      timers.add(id);
      return () => {
        clearTimeout(id);
        timers.delete(id);
      };
    },
  });
  const stopped = new AbortController();
  const schedules = registerSchedules(o.cron, ctx.jobs, stopped.signal, (job) => {
    o.log({ event: "tick", job });
    return scheduler.reconcile(`cron:${job}`) ?? Promise.resolve();
  });
  const source = runnerStatusSource({
    ctx,
    watchMs: o.watchSeconds * 1000,
    reconcileAll: () => scheduler.reconcile("ui", { manual: true }),
    onRun: observe,
    log: o.log,
  });
  const commands = o.cliFor
    ? cliOps(ctx, { command: o.cliFor, maxRangeDays: o.maxRangeDays, log: o.log })
    : undefined;
  const app = createStatusApp({
    source,
    token: o.token,
    metrics,
    maxRangeDays: o.maxRangeDays,
    trustProxy: o.trustProxy,
    commands,
  });
  return {
    scheduler,
    metrics,
    fetch: app.fetch,
    schedules,
    async stop(reason) {
      stopped.abort(reason);
      for (const id of timers) clearTimeout(id);
      await Promise.all([scheduler.stop(reason), commands?.stop()]);
    },
  };
}

/** Where a browser on this machine finds a server listening on `host`. */
export function pageUrl(host: string, port: number): string {
  const h = host === "0.0.0.0" ? "localhost" : host === "::" ? "[::1]" : host;
  return `http://${h.includes(":") && !h.startsWith("[") ? `[${h}]` : h}:${port}/`;
}

/** host:port where a client on this machine reaches a server listening on `host` (for holder.ts). */
export function localAddress(host: string, port: number): string {
  const h = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return h.includes(":") ? `[${h}]:${port}` : `${h}:${port}`;
}
