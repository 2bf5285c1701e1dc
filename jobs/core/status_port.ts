/**
 * The status page's port (port.ts) over the real runner: partition
 * states as `deno task status` derives them, recent runs, a day's chart, and
 * runs started from the page (one partition, or a reconcile of everything).
 */
import type { DayChart, StatusSource, TriggerResult } from "./port.ts";
import { readSqlFiles } from "../../sql/load.ts";
import { isDay } from "../../config/config.ts";
import { type RunnerContext, runOne } from "./runner.ts";
import { partitionStates, recentRuns, type SourceFingerprint } from "./states.ts";
import { isOver, yesterday } from "./days.ts";
import { sourceFingerprints } from "./source_client.ts";
import type { RunResult } from "./partition_run.ts";
import { makePlan } from "./plan.ts";
import { earliestFirstDay } from "./catalog.ts";

const SQL = await readSqlFiles({ bins: "ui/chart_bins.sql", daily: "ui/chart_daily.sql" });

export interface StatusSourceDeps {
  ctx: RunnerContext;
  /**
   * WATCH_SECONDS: the jobs' SQL, the source's extent and its fingerprints are
   * at most this old, like the scheduler's (the page shows the stale set it
   * acts on). Default 60 s.
   */
  watchMs?: number;
  /** Starts a reconcile of every job in the background (the scheduler's, when one runs). */
  reconcileAll: () => void;
  /** Every finished run started from the page (metrics, logs). */
  onRun?: (job: string, day: string, r: RunResult) => void;
}

export function runnerStatusSource(
  { ctx, reconcileAll, onRun, watchMs = 60_000 }: StatusSourceDeps,
): StatusSource {
  let cached: { at: number; key: string; fp: Awaited<ReturnType<typeof fetchFp>> } | null = null;
  const fetchFp = (from: string, to: string) =>
    sourceFingerprints(ctx, ctx.jobs, from, to, { err: () => {} });
  async function fingerprints(
    from: string,
    to: string,
  ): Promise<Map<string, Map<string, SourceFingerprint>> | undefined> {
    const key = `${from} ${to}`;
    if (!cached || cached.key !== key || performance.now() - cached.at > watchMs) {
      cached = { at: performance.now(), key, fp: await fetchFp(from, to) };
    }
    return cached.fp;
  }
  const range = (q: { from?: string; to?: string }) => {
    const to = q.to ?? yesterday(ctx.now());
    const from = q.from ?? earliestFirstDay(ctx.jobs) ?? to;
    return { from, to };
  };

  return {
    jobs: () =>
      ctx.jobs.map((j) => ({ name: j.name, firstDay: j.firstDay, upstream: [...j.upstream] })),

    async partitions(q) {
      await ctx.catalog?.refreshIfOlder(watchMs);
      const { from, to } = range(q);
      const jobs = q.job ? ctx.jobs.filter((j) => j.name === q.job) : ctx.jobs;
      return await partitionStates(
        ctx.db,
        { jobs, from, to, fingerprints: await fingerprints(from, to), now: ctx.now() },
      );
    },

    runs: (limit) => recentRuns(ctx.db, limit),

    async chart(day): Promise<DayChart> {
      const bins = await ctx.db.query<DayChart["bins"][number]>(SQL.bins, [day]);
      const [daily] = await ctx.db.query<NonNullable<DayChart["daily"]>>(SQL.daily, [day]);
      return { day, bins, daily: daily ?? null };
    },

    trigger(jobName, day): Promise<TriggerResult> {
      const job = ctx.jobs.find((j) => j.name === jobName);
      if (!job) return Promise.resolve({ kind: "bad", message: `unknown job "${jobName}"` });
      if (!isDay(day) || !isOver(day, ctx.now())) {
        return Promise.resolve({ kind: "bad", message: `${day} is not a day that is over (UTC)` });
      }
      const answered = Promise.withResolvers<TriggerResult>();
      runOne(
        { ...ctx, onClaimed: (runId) => answered.resolve({ kind: "started", runId }) },
        job,
        day,
        "ui",
      )
        .then((r) => {
          onRun?.(job.name, day, r);
          if (r.status === "busy") answered.resolve({ kind: "busy", runId: r.holder.runId });
          else if (r.status === "blocked" || r.status === "refused" || r.status === "skipped") {
            answered.resolve({ kind: "bad", message: r.reason });
          }
        })
        .catch((e) => answered.resolve({ kind: "bad", message: String(e?.message ?? e) }));
      return answered.promise;
    },

    async triggerAll() {
      const { from, to } = range({});
      const views = await partitionStates(ctx.db, { jobs: ctx.jobs, from, to, now: ctx.now() });
      const plan = makePlan(views, { jobs: ctx.jobs, select: {} });
      reconcileAll();
      return { planned: plan.items.length };
    },
  };
}
