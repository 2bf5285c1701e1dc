/**
 * The long-running runner: the scheduler, and the status page with its ops
 * API and metrics on RUNNER_PORT. `deno task scheduler` and `deno task start`
 * both run it; only their edges differ.
 */
import { Scheduler } from "../jobs/scheduler/scheduler.ts";
import { registerSchedules } from "../jobs/scheduler/schedules.ts";
import { runnerStatusSource } from "../jobs/core/status_port.ts";
import type { RunnerContext } from "../jobs/core/runner.ts";
import type { RunResult } from "../jobs/core/partition_run.ts";
import { createMetrics, type Metrics } from "../ui/metrics.ts";
import { createStatusApp } from "../ui/app.tsx";

export interface ServiceOptions {
  concurrency: number;
  maxAttempts: number;
  /** The status page's port (0: no page). */
  port: number;
  /** The token that allows running partitions from the page. */
  token: string;
  /** The longest day range the page and its API serve (MAX_RANGE_DAYS). */
  maxRangeDays: number;
  /** Trust a reverse proxy's X-Forwarded-* headers (TRUST_PROXY). */
  trustProxy: boolean;
  log: (entry: Record<string, unknown>) => void;
}

export interface Service {
  scheduler: Scheduler;
  metrics: Metrics;
  /** The status page's URL, when it listens. */
  url: string | null;
  schedules: Record<string, string>;
  /** Takes no new partitions, cancels the runs in flight, closes the page. */
  stop(reason: string): Promise<void>;
}

export function startService(ctx: RunnerContext, o: ServiceOptions): Service {
  const metrics = createMetrics();
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
    log: o.log,
    onRun: observe,
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
  const schedules = registerSchedules(Deno.cron, ctx.jobs, stopped.signal, (job) => {
    o.log({ event: "tick", job });
    return scheduler.reconcile(`cron:${job}`) ?? Promise.resolve();
  });
  let server: Deno.HttpServer | null = null;
  let url: string | null = null;
  if (o.port) {
    const source = runnerStatusSource({
      ctx,
      reconcileAll: () => scheduler.reconcile("ui", { manual: true }),
      onRun: observe,
      log: o.log,
    });
    const app = createStatusApp({
      source,
      token: o.token,
      metrics,
      maxRangeDays: o.maxRangeDays,
      trustProxy: o.trustProxy,
    });
    try {
      server = Deno.serve({ port: o.port, onListen: () => {} }, app.fetch);
      url = `http://localhost:${o.port}/`;
    } catch (e) {
      // A second runner on the same host: the page is the first one's; keep running.
      o.log({
        event: "warning",
        message: `status page not started on port ${o.port}: ${(e as Error).message} (RUNNER_PORT)`,
      });
    }
  }
  return {
    scheduler,
    metrics,
    url,
    schedules,
    async stop(reason) {
      stopped.abort(reason);
      for (const id of timers) clearTimeout(id);
      await scheduler.stop(reason);
      await server?.shutdown();
    },
  };
}
