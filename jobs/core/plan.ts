/**
 * The plan: which partitions to run, and why. Pure: it reads the derived
 * states (states.ts) and decides; running the plan is backfill.ts's job.
 */
import type { Job } from "./job.ts";
import type { PartitionState, PartitionView } from "./states.ts";

export interface Selection {
  missing?: boolean;
  failed?: boolean;
  stale?: boolean;
  /** Everything in the range, succeeded ones included. */
  force?: boolean;
}

export interface PlanItem {
  job: Job;
  day: string;
  /** The state that put it in the plan, with its reason. */
  why: string;
  /** The partition's run id when planned: the claim checks nobody ran it since. */
  runId?: number | null;
}

/**
 * Why a partition the selection wanted is not in the plan: running (another
 * runner has it), exhausted (MAX_ATTEMPTS failures: waits for a person),
 * waiting (its next automatic attempt is not due), blocked (on upstream
 * partitions this plan does not run). Counted by kind, never by text.
 */
export type SkipKind = "running" | "exhausted" | "waiting" | "blocked";

export interface Skipped {
  job: string;
  day: string;
  kind: SkipKind;
  why: string;
}

export interface Plan {
  items: PlanItem[];
  skipped: Skipped[];
}

export interface PlanOptions {
  /** Jobs to plan, upstream first. */
  jobs: readonly Job[];
  select: Selection;
  /** The scheduler's retry budget: failed partitions past it, or not yet due, wait. */
  budget?: { maxAttempts: number };
}

/** What a partition in each state needs, given the selection (none chosen: all but force). */
function wanted(state: PartitionState, s: Selection): boolean {
  const any = s.missing || s.failed || s.stale;
  if (s.force) return true;
  switch (state) {
    case "missing":
      return !any || !!s.missing;
    case "failed":
      return !any || !!s.failed;
    case "stale":
      return !any || !!s.stale;
    case "blocked":
      // Blocked partitions are missing or failed ones waiting on upstream.
      return !any || !!s.missing || !!s.failed;
    default:
      return false;
  }
}

/**
 * Plans partitions of `views` (from partitionStates), upstream jobs first,
 * oldest day first. A blocked partition is planned when the upstream
 * partitions it waits on are planned before it; otherwise it is skipped
 * with its reason. A built partition whose upstream partition of the same
 * day is rebuilt by this plan is planned after it, whatever the selection
 * (it would be stale by upstream right after). Running partitions are
 * skipped (another runner has them), and so are partitions built by a newer
 * version of the job than this runner has.
 */
export function makePlan(views: readonly PartitionView[], opts: PlanOptions): Plan {
  const items: PlanItem[] = [];
  const skipped: Skipped[] = [];
  const planned = new Set<string>();
  const viewsByJob = new Map<string, PartitionView[]>();
  for (const v of views) {
    if (!viewsByJob.has(v.job)) viewsByJob.set(v.job, []);
    viewsByJob.get(v.job)!.push(v);
  }
  for (const job of opts.jobs) {
    for (const v of viewsByJob.get(job.name) ?? []) {
      if (v.state === "running") {
        if (opts.select.force) {
          skipped.push({ job: v.job, day: v.day, kind: "running", why: `running (${v.reason})` });
        }
        continue;
      }
      if (v.newer) continue;
      const upstreamFirst = job.upstream.find((u) => planned.has(`${u} ${v.day}`));
      if (
        upstreamFirst && !opts.select.force &&
        (v.state === "succeeded" || v.state === "empty" || v.state === "stale" ||
          v.state === "incomplete")
      ) {
        items.push({
          job,
          day: v.day,
          why: `${upstreamFirst} ${v.day} is rebuilt first in this plan`,
          runId: v.runId,
        });
        planned.add(`${v.job} ${v.day}`);
        continue;
      }
      if (!wanted(v.state, opts.select)) continue;
      if (v.state === "failed" && opts.budget) {
        if (v.failures >= opts.budget.maxAttempts) {
          skipped.push({
            job: v.job,
            day: v.day,
            kind: "exhausted",
            why: `failed ${v.failures} times (MAX_ATTEMPTS ${opts.budget.maxAttempts}); ` +
              `re-run it by hand: deno task etl --job ${v.job} --failed`,
          });
          continue;
        }
        if (!v.retryDue) {
          skipped.push({ job: v.job, day: v.day, kind: "waiting", why: `failed; ${v.reason}` });
          continue;
        }
      }
      // Blocked on upstream partitions that this plan runs first: planned after them.
      const blocked = v.state === "blocked";
      if (blocked && !job.upstream.some((u) => planned.has(`${u} ${v.day}`))) {
        skipped.push({ job: v.job, day: v.day, kind: "blocked", why: `blocked: ${v.reason}` });
        continue;
      }
      items.push({ job, day: v.day, why: describe(v, blocked), runId: v.runId });
      planned.add(`${v.job} ${v.day}`);
    }
  }
  return { items, skipped };
}

function describe(v: PartitionView, blocked: boolean): string {
  if (blocked) return `blocked until its upstream runs first in this plan (${v.reason})`;
  switch (v.state) {
    case "stale":
      return `stale, ${v.reason}`;
    case "failed":
      return `failed${v.error ? `: ${v.error.split("\n")[0].slice(0, 120)}` : ""}`;
    case "succeeded":
    case "empty":
    case "incomplete":
      return `${v.state} (forced)`;
    default:
      return v.state;
  }
}
