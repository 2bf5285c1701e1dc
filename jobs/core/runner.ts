/**
 * Everything a partition run needs, bound once per process: the CLI, the
 * scheduler and the status page all run partitions through `runOne`.
 */
import type { Db } from "../../db/types.ts";
import type { Job } from "./job.ts";
import { runPartition, type RunResult } from "./partition_run.ts";
import type { ExtractDeps } from "./extract.ts";
import type { JobCatalog } from "./catalog.ts";

export interface RunnerSettings {
  apiUrl: string;
  token: string;
  attempts: number;
  timeoutMs: number;
  leaseSeconds: number;
  /** 0..1 */
  maxShrink: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  backoffMs?: number;
}

export interface RunnerContext extends ExtractDeps {
  db: Db;
  /** The jobs, upstream first (with a catalog: as of its last refresh). */
  readonly jobs: readonly Job[];
  /** The live catalog behind `jobs`, when there is one: rounds and the page refresh it. */
  catalog?: JobCatalog;
  settings: RunnerSettings;
  /** host:pid */
  runner: string;
  now: () => Date;
  /** Called once a run has claimed its partition. */
  onClaimed?: (runId: number) => void;
}

export interface RunFlags {
  allowPartial?: boolean;
  allowEmpty?: boolean;
  allowShrink?: boolean;
}

export function runOne(
  ctx: RunnerContext,
  job: Job,
  day: string,
  trigger: string,
  flags: RunFlags = {},
  signal?: AbortSignal,
  expectRunId?: number | null,
): Promise<RunResult> {
  const s = ctx.settings;
  return runPartition(ctx, {
    job,
    day,
    trigger,
    runner: ctx.runner,
    apiUrl: s.apiUrl,
    token: s.token,
    attempts: s.attempts,
    timeoutMs: s.timeoutMs,
    leaseSeconds: s.leaseSeconds,
    backoffMs: s.backoffMs,
    maxShrink: s.maxShrink,
    retryBaseSeconds: s.retryBaseSeconds,
    retryMaxSeconds: s.retryMaxSeconds,
    now: ctx.now(),
    signal,
    expectRunId,
    ...flags,
  });
}

/** sleep(ms) that ends early when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
