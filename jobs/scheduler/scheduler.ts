/**
 * The scheduler's core: a round (a reconcile) plans every partition that is
 * missing, stale (any reason) or failed within its retry budget, from each
 * job's first day on, upstream jobs first, oldest day first, and runs the
 * plan with bounded concurrency. A downstream partition whose upstream day
 * is rebuilt in the round runs after it in the same round.
 *
 * Start-up, cron ticks and the status page start rounds that take every day
 * up to yesterday (UTC) — they "release" the days. Between them, a round
 * every WATCH_SECONDS (`watchMs`) acts at once on what changed on days
 * already released: each round first re-reads the jobs' SQL and the
 * source's extent (catalog.ts), then compares against the source's per-day
 * fingerprints, so new or edited SQL, an upstream partition rebuilt by
 * anyone, and a source day that changed are rebuilt within WATCH_SECONDS.
 * A round with nothing to do reads the source's per-day summary only.
 *
 * One round runs at a time per process (a request while one runs is
 * answered "already running"). After a round with failures, the next one
 * is timed for the earliest retry that falls due; after a round that saw a
 * claim held elsewhere, for when that lease may run out.
 *
 * Nothing here is tied to Deno.cron or to a process: service.ts and the
 * *_main.ts edges wire it; tests drive reconcile() with an injected clock.
 */
import type { RunnerContext } from "../core/runner.ts";
import { runOne } from "../core/runner.ts";
import type { RunResult } from "../core/partition_run.ts";
import { runLogEntry } from "../core/run_log.ts";
import { makePlan, type SkipKind } from "../core/plan.ts";
import { partitionStates, type PartitionView } from "../core/states.ts";
import { sweepAbandoned } from "../core/claim.ts";
import { type Outcome, runPlan, summarize, type Summary } from "../core/run_plan.ts";
import { addDays, yesterday } from "../core/days.ts";
import { sourceFingerprints } from "../core/source_client.ts";
import { describeTargetError } from "../core/errors.ts";
import { safeText } from "../core/safe_text.ts";
import type { Job } from "../core/job.ts";
import { earliestFirstDay } from "../core/catalog.ts";

export interface SchedulerOptions {
  concurrency: number;
  maxAttempts: number;
  /** One JSON object per line: a run, a round, a change, a problem. Never secrets. */
  log: (entry: Record<string, unknown>) => void;
  /** Every finished run (metrics). */
  onRun?: (job: string, day: string, r: RunResult) => void;
  /** Every finished round, logged or not. */
  onRound?: (r: ReconcileReport) => void;
  /** Timer for the next round (injected in tests); returns a canceller. */
  setTimer?: (ms: number, fn: () => void) => () => void;
  /** A round this often (WATCH_SECONDS) acts on what changed; none when absent. */
  watchMs?: number;
  /**
   * A round plans and runs its days this many at a time, oldest first
   * (MAX_RANGE_DAYS, default 3,660), so that a history of any length is
   * handled in bounded memory.
   */
  windowDays?: number;
}

export interface ReconcileReport extends Summary {
  trigger: string;
  /** The newest day the round considered (null: no job has a known first day). */
  to: string | null;
  /** Failed partitions left for a person (MAX_ATTEMPTS spent). */
  exhausted: number;
  /** Failed partitions waiting for their retry time. */
  waiting: number;
  /** Partitions waiting on upstream partitions that did not succeed. */
  waitingOnUpstream: number;
  /** Partitions built by a newer version of their job than this runner has: left as they are. */
  newer: number;
  ms: number;
  error?: string;
}

/** Rounds that only act on change: they take no day newer than the last release. */
const WATCH_TRIGGERS = new Set(["watch", "retry"]);

const SKIP_COUNTS: Record<SkipKind, "exhausted" | "waiting" | "waitingOnUpstream" | null> = {
  exhausted: "exhausted",
  waiting: "waiting",
  blocked: "waitingOnUpstream",
  running: null,
};

export class Scheduler {
  readonly #ctx: RunnerContext;
  readonly #opts: SchedulerOptions;
  readonly #stop = new AbortController();
  #current: Promise<ReconcileReport> | null = null;
  #cancelNext: (() => void) | null = null;
  /** The newest day released by start-up, a tick or the page (null: none yet). */
  #released: string | null = null;
  /** Warnings and newer-version notes already logged (each is logged when it first appears). */
  #said = new Set<string>();

  constructor(ctx: RunnerContext, opts: SchedulerOptions) {
    this.#ctx = ctx;
    this.#opts = opts;
  }

  get stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  /** The round in progress, if any. */
  get running(): Promise<ReconcileReport> | null {
    return this.#current;
  }

  /**
   * Starts a round, or returns null when one is already running in this
   * process (the caller's tick is then covered by it) or the scheduler stops.
   */
  reconcile(trigger: string, opts: { manual?: boolean } = {}): Promise<ReconcileReport> | null {
    if (this.#current || this.stopping) {
      if (trigger !== "watch") {
        this.#opts.log({
          event: "reconcile_skipped",
          trigger,
          reason: this.stopping ? "stopping" : "a reconcile is running",
        });
      }
      return null;
    }
    this.#cancelNext?.();
    this.#cancelNext = null;
    const p = this.#round(trigger, !!opts.manual).finally(() => this.#current = null);
    this.#current = p;
    return p;
  }

  /** Takes no new partitions, cancels the runs in flight, waits for them to be recorded. */
  async stop(reason = "SIGTERM"): Promise<void> {
    this.#cancelNext?.();
    this.#stop.abort(reason);
    await this.#current?.catch(() => {});
  }

  /** `manual`: asked by a person (the status page): failed partitions run whatever their budget. */
  async #round(trigger: string, manual: boolean): Promise<ReconcileReport> {
    const ctx = this.#ctx;
    const started = performance.now();
    const now = ctx.now();
    if (!WATCH_TRIGGERS.has(trigger)) this.#released = yesterday(now);
    const to = this.#released ?? yesterday(now);
    const report: ReconcileReport = {
      trigger,
      to,
      ...summarize(0, []),
      exhausted: 0,
      waiting: 0,
      waitingOnUpstream: 0,
      newer: 0,
      ms: 0,
    };
    const next: { ms: number; trigger: string }[] = [];
    if (this.#opts.watchMs) next.push({ ms: this.#opts.watchMs, trigger: "watch" });
    const warnings: string[] = [];
    try {
      if (ctx.catalog) {
        const refreshed = await ctx.catalog.refresh();
        for (const c of refreshed.changes) this.#opts.log({ event: "job_changed", ...c });
        warnings.push(...refreshed.warnings);
      }
      const jobs = ctx.jobs;
      const from = earliestFirstDay(jobs);
      if (from === null || from > to) {
        report.to = from === null ? null : to;
      } else {
        await sweepAbandoned(ctx.db);
        const newer: string[] = [];
        const outcomes: Outcome[] = [];
        let planned = 0;
        let running = false;
        for (const [wFrom, wTo] of windows(from, to, this.#opts.windowDays ?? 3660)) {
          if (this.#stop.signal.aborted) break;
          const fingerprints = await sourceFingerprints(ctx, jobs, wFrom, wTo, {
            err: (l) => warnings.push(l),
          });
          const views = await partitionStates(ctx.db, {
            jobs,
            from: wFrom,
            to: wTo,
            fingerprints,
            now,
          });
          const plan = makePlan(views, {
            jobs,
            select: {},
            budget: manual ? undefined : { maxAttempts: this.#opts.maxAttempts },
          });
          for (const s of plan.skipped) {
            const counter = SKIP_COUNTS[s.kind];
            if (counter) report[counter]++;
          }
          report.newer += newerVersions(jobs, views, newer);
          running ||= views.some((v) => v.state === "running");
          planned += plan.items.length;
          outcomes.push(
            ...await runPlan(
              plan.items,
              (item, hooks) =>
                runOne(
                  ctx,
                  item.job,
                  item.day,
                  "schedule",
                  {},
                  this.#stop.signal,
                  item.runId,
                  hooks,
                ),
              {
                concurrency: this.#opts.concurrency,
                signal: this.#stop.signal,
                onResult: ({ item, result: r }) => {
                  this.#opts.onRun?.(item.job.name, item.day, r);
                  this.#opts.log(runLogEntry(item.job, item.day, "schedule", ctx.runner, r));
                },
              },
            ),
          );
        }
        this.#sayOnce("newer_version", newer);
        Object.assign(report, summarize(planned, outcomes));
        // The next round comes sooner when a retry falls due, and when a claim
        // held by another runner may have run out (that runner may have died):
        // the takeover bound is the lease plus a second.
        if (report.failed || report.waiting) {
          next.push({ ms: await this.#nextRetryDelay(jobs, from, to), trigger: "retry" });
        }
        if (report.busy || running) {
          next.push({ ms: ctx.settings.leaseSeconds * 1000 + 1000, trigger: "retry" });
        }
      }
    } catch (e) {
      // The target is down, say: log it and try again soon; never die of it.
      report.error = safeText(describeTargetError(e));
      next.push({ ms: 5_000, trigger: "retry" });
    }
    this.#sayOnce("warning", warnings);
    if (next.length) this.#schedule(next.reduce((a, b) => b.ms < a.ms ? b : a));
    report.ms = Math.round(performance.now() - started);
    // A watch round that found nothing to do says nothing (it runs every WATCH_SECONDS).
    if (trigger !== "watch" || report.planned || report.error) {
      this.#opts.log({ event: "reconcile", ...report });
    }
    this.#opts.onRound?.(report);
    return report;
  }

  /** Logs each line not logged by the previous round (so a lasting problem is said once). */
  #sayOnce(event: string, lines: readonly string[], extra: Record<string, unknown> = {}) {
    const now = new Set(lines.map((l) => `${event} ${l}`));
    for (const l of lines) {
      if (!this.#said.has(`${event} ${l}`)) {
        this.#opts.log({ event, ...extra, message: safeText(l) });
      }
    }
    for (const k of [...this.#said]) {
      if (k.startsWith(`${event} `) && !now.has(k)) this.#said.delete(k);
    }
    for (const k of now) this.#said.add(k);
  }

  /** The next round (replacing any planned one). */
  #schedule(next: { ms: number; trigger: string }) {
    if (this.stopping || !this.#opts.setTimer) return;
    this.#cancelNext?.();
    this.#cancelNext = this.#opts.setTimer(next.ms, () => {
      this.#cancelNext = null;
      this.reconcile(next.trigger);
    });
  }

  /** Until the earliest automatic retry falls due: at least 1 s, at most 1 h. */
  async #nextRetryDelay(jobs: readonly Job[], from: string, to: string): Promise<number> {
    const ctx = this.#ctx;
    let soonest = 3_600_000;
    for (const [wFrom, wTo] of windows(from, to, this.#opts.windowDays ?? 3660)) {
      const views = await partitionStates(ctx.db, { jobs, from: wFrom, to: wTo, now: ctx.now() });
      for (const v of views) {
        if (v.state !== "failed" || v.failures >= this.#opts.maxAttempts) continue;
        const ms = v.nextAttemptAt ? Date.parse(v.nextAttemptAt) - ctx.now().getTime() : 0;
        soonest = Math.min(soonest, Math.max(1_000, ms));
      }
    }
    return soonest;
  }
}

/** [from, to] cut into consecutive ranges of at most `days` days, oldest first. */
export function windows(from: string, to: string, days: number): [string, string][] {
  const out: [string, string][] = [];
  for (let f = from; f <= to;) {
    const end = addDays(f, days - 1);
    const t = end < to ? end : to;
    out.push([f, t]);
    f = addDays(t, 1);
  }
  return out;
}

/**
 * Partitions built by a newer version than this runner's transform are left
 * as they are: adds a line per job naming the versions to `lines`; returns
 * how many there are.
 */
function newerVersions(
  jobs: readonly Job[],
  views: readonly PartitionView[],
  lines: string[],
): number {
  let n = 0;
  for (const job of jobs) {
    const newer = views.filter((v) => v.job === job.name && v.newer);
    if (!newer.length) continue;
    n += newer.length;
    const versions = [...new Set(newer.map((v) => `v${v.sqlVersion}`))].sort().join(", ");
    lines.push(
      `${job.name}: ${newer.length} partition(s) built with ${versions}, newer than this ` +
        `runner's ${job.transform.file} (${job.transform.hash.slice(0, 8)}): left as they are`,
    );
  }
  return n;
}
