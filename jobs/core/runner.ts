/**
 * Everything a partition run needs, bound once per process: the CLI, the
 * scheduler and the status page all run partitions through `runOne`.
 */
import type { Db } from "../../db/types.ts";
import type { Job } from "./job.ts";
import { runPartition, type RunResult } from "./partition_run.ts";
import type { ExtractDeps } from "./extract.ts";
import type { JobCatalog } from "./catalog.ts";
import { readSql } from "../../sql/load.ts";

const BUILT_VERSION = await readSql("runner/built_version.sql");

export interface RunnerSettings {
  apiUrl: string;
  token: string;
  /** Retry budget of an extract, seconds (ETL_RETRY_SECONDS). */
  retrySeconds: number;
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

/**
 * Runs one partition, unless its rows were built by a newer version of the
 * job's transform than this runner has: a runner never rebuilds those (so
 * an old and a new runner side by side do not undo each other's work), and
 * says so. Plans leave them out already; this covers `etl --date`, `--force`
 * and the page's "run".
 */
export async function runOne(
  ctx: RunnerContext,
  job: Job,
  day: string,
  trigger: string,
  flags: RunFlags = {},
  signal?: AbortSignal,
  expectRunId?: number | null,
  hooks: { onFinal?: () => void } = {},
): Promise<RunResult> {
  const [built] = await ctx.db.query<{ sql_version: number | null; sql_hash: string | null }>(
    BUILT_VERSION,
    [job.name, day],
  );
  if (built?.sql_version && built.sql_version > job.transform.version) {
    return {
      status: "refused",
      reason: `built with v${built.sql_version} (${(built.sql_hash ?? "?").slice(0, 8)}), newer ` +
        `than this runner's ${job.transform.file}; a runner never rebuilds a newer version's ` +
        `partition: run it where v${built.sql_version} is, or add the SQL you want as ` +
        `v${built.sql_version + 1}`,
    };
  }
  const s = ctx.settings;
  return await runPartition({ ...ctx, ...hooks }, {
    job,
    day,
    trigger,
    runner: ctx.runner,
    apiUrl: s.apiUrl,
    token: s.token,
    retrySeconds: s.retrySeconds,
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
