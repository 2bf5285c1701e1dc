/**
 * The scheduler's core: a reconcile plans every partition that is missing,
 * stale (any reason) or failed within its retry budget, from each job's
 * first day to yesterday (UTC), upstream jobs first, oldest day first, and
 * runs the plan with bounded concurrency. Cron ticks, start-up and the
 * status page all ask for a reconcile; one runs at a time per process (a
 * request while one runs is answered "already running"). After a round
 * with failures, a follow-up round is timed for the earliest retry that
 * falls due, so retries do not wait for the next tick.
 *
 * Nothing here is tied to Deno.cron or to a process: scheduler_main.ts is
 * the edge; tests drive reconcile() with an injected clock.
 */
import type { RunnerContext } from "../core/runner.ts";
import { runOne } from "../core/runner.ts";
import type { RunResult } from "../core/partition_run.ts";
import { makePlan } from "../core/plan.ts";
import { partitionStates } from "../core/states.ts";
import { sweepAbandoned } from "../core/claim.ts";
import { runPlan, summarize, type Summary } from "../core/run_plan.ts";
import { yesterday } from "../core/days.ts";
import { sourceFingerprints } from "../core/source_client.ts";
import { describeTargetError } from "../core/errors.ts";
import { safeText } from "../core/safe_text.ts";

export interface SchedulerOptions {
  concurrency: number;
  maxAttempts: number;
  /** One JSON object per line: a run, a reconcile, a problem. Never secrets. */
  log: (entry: Record<string, unknown>) => void;
  /** Every finished run (metrics). */
  onRun?: (job: string, day: string, r: RunResult) => void;
  /** Timer for follow-up rounds (injected in tests); returns a canceller. */
  setTimer?: (ms: number, fn: () => void) => () => void;
}

export interface ReconcileReport extends Summary {
  trigger: string;
  /** Failed partitions left for a person (MAX_ATTEMPTS spent). */
  exhausted: number;
  /** Failed partitions waiting for their retry time. */
  waiting: number;
  ms: number;
  error?: string;
}

export class Scheduler {
  readonly #ctx: RunnerContext;
  readonly #opts: SchedulerOptions;
  readonly #stop = new AbortController();
  #current: Promise<ReconcileReport> | null = null;
  #cancelFollowUp: (() => void) | null = null;

  constructor(ctx: RunnerContext, opts: SchedulerOptions) {
    this.#ctx = ctx;
    this.#opts = opts;
  }

  get stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  /** The reconcile in progress, if any. */
  get running(): Promise<ReconcileReport> | null {
    return this.#current;
  }

  /**
   * Starts a reconcile, or returns null when one is already running in this
   * process (the caller's tick is then covered by it) or the scheduler stops.
   */
  reconcile(trigger: string, opts: { manual?: boolean } = {}): Promise<ReconcileReport> | null {
    if (this.#current || this.stopping) {
      this.#opts.log({
        event: "reconcile_skipped",
        trigger,
        reason: this.stopping ? "stopping" : "a reconcile is running",
      });
      return null;
    }
    this.#cancelFollowUp?.();
    this.#cancelFollowUp = null;
    const p = this.#round(trigger, !!opts.manual).finally(() => this.#current = null);
    this.#current = p;
    return p;
  }

  /** Takes no new partitions, cancels the runs in flight, waits for them to be recorded. */
  async stop(reason = "SIGTERM"): Promise<void> {
    this.#cancelFollowUp?.();
    this.#stop.abort(reason);
    await this.#current?.catch(() => {});
  }

  /** `manual`: asked by a person (the status page): failed partitions run whatever their budget. */
  async #round(trigger: string, manual: boolean): Promise<ReconcileReport> {
    const ctx = this.#ctx;
    const started = performance.now();
    const now = ctx.now();
    const to = yesterday(now);
    const from = ctx.jobs.reduce((m, j) => j.firstDay < m ? j.firstDay : m, to);
    const report: ReconcileReport = {
      trigger,
      ...summarize(0, []),
      exhausted: 0,
      waiting: 0,
      ms: 0,
    };
    try {
      await sweepAbandoned(ctx.db);
      const fingerprints = await sourceFingerprints(ctx, ctx.jobs, from, to, {
        err: (l) => this.#opts.log({ event: "warning", message: safeText(l) }),
      });
      const views = await partitionStates(ctx.db, {
        jobs: ctx.jobs,
        from,
        to,
        fingerprints,
        now,
      });
      const plan = makePlan(views, {
        jobs: ctx.jobs,
        select: {},
        budget: manual ? undefined : { maxAttempts: this.#opts.maxAttempts },
      });
      for (const s of plan.skipped) {
        if (/MAX_ATTEMPTS/.test(s.why)) report.exhausted++;
        else if (/next automatic attempt/.test(s.why)) report.waiting++;
      }
      const outcomes = await runPlan(
        plan.items,
        (item) => runOne(ctx, item.job, item.day, "schedule", {}, this.#stop.signal, item.runId),
        {
          concurrency: this.#opts.concurrency,
          signal: this.#stop.signal,
          onResult: ({ item, result: r }) => {
            this.#opts.onRun?.(item.job.name, item.day, r);
            this.#opts.log({
              event: "run",
              job: item.job.name,
              day: item.day,
              trigger: "schedule",
              runner: ctx.runner,
              status: r.status,
              ...("runId" in r ? { run: r.runId } : {}),
              ...(r.status === "succeeded" || r.status === "empty"
                ? {
                  rows_in: r.rowsIn,
                  rows_out: r.rowsOut,
                  ms: r.ms,
                  claim_ms: r.phases.claim,
                  extract_ms: r.phases.extract,
                  tx_ms: r.phases.transaction,
                }
                : {}),
              ...("ms" in r && !("phases" in r) ? { ms: r.ms } : {}),
              ...("error" in r ? { error: r.error } : {}),
              ...("recordError" in r && r.recordError ? { record_error: r.recordError } : {}),
              ...("reason" in r ? { reason: r.reason } : {}),
              ...(r.status === "busy" ? { holder: r.holder.runner } : {}),
            });
          },
        },
      );
      Object.assign(report, summarize(plan.items.length, outcomes));
      // Another round when a retry falls due, and when a claim held by
      // another runner may have run out (that runner may have died): the
      // takeover bound is the lease plus a second.
      const delays: number[] = [];
      if (report.failed || report.waiting) delays.push(await this.#nextRetryDelay(from, to));
      if (report.busy || views.some((v) => v.state === "running")) {
        delays.push(ctx.settings.leaseSeconds * 1000 + 1000);
      }
      if (delays.length) this.#followUp(Math.min(...delays));
    } catch (e) {
      // The target is down, say: log it and try again soon; never die of it.
      report.error = safeText(describeTargetError(e));
      this.#followUp(5_000);
    }
    report.ms = Math.round(performance.now() - started);
    this.#opts.log({ event: "reconcile", ...report });
    return report;
  }

  /** A follow-up round in `delay` ms (replacing any planned one). */
  #followUp(delay: number) {
    if (this.stopping || !this.#opts.setTimer) return;
    this.#cancelFollowUp?.();
    this.#cancelFollowUp = this.#opts.setTimer(delay, () => {
      this.#cancelFollowUp = null;
      this.reconcile("retry");
    });
  }

  /** Until the earliest automatic retry falls due: at least 1 s, at most 1 h. */
  async #nextRetryDelay(from: string, to: string): Promise<number> {
    const ctx = this.#ctx;
    const views = await partitionStates(ctx.db, { jobs: ctx.jobs, from, to, now: ctx.now() });
    const next = views
      .filter((v) => v.state === "failed" && v.failures < this.#opts.maxAttempts)
      .map((v) => v.nextAttemptAt ? Date.parse(v.nextAttemptAt) - ctx.now().getTime() : 0);
    if (!next.length) return 3_600_000;
    return Math.min(3_600_000, Math.max(1_000, Math.min(...next)));
  }
}
