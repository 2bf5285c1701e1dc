/**
 * `deno task status`: partitions at a glance. Gathering (status report) is
 * separate from printing (text or JSON) so tests and the status page can
 * use the same numbers.
 */
import type { Db } from "../../db/types.ts";
import type { FirstDayFrom, Job } from "./job.ts";
import type { TurbineCount } from "./completeness.ts";
import {
  type PartitionState,
  partitionStates,
  type PartitionView,
  recentRuns,
  type RunView,
  type SourceFingerprint,
} from "./states.ts";

export const STATES: readonly PartitionState[] = [
  "succeeded",
  "empty",
  "failed",
  "running",
  "missing",
  "blocked",
  "stale",
  "incomplete",
];

export interface JobStatus {
  name: string;
  /** Null: not known (see the notes). */
  firstDay: string | null;
  firstDayFrom: FirstDayFrom;
  /** The transform this runner has, e.g. "aggregate_10min.v1.sql". */
  sql: { file: string; version: number; hash: string };
  upstream: readonly string[];
  counts: Record<PartitionState, number>;
  stale: { sql: number; upstream: number; source: number };
  /** Partitions built by a newer version than `sql` (left as they are), per version. */
  newer: Record<string, number>;
  failed: { day: string; failures: number; error: string | null; nextAttemptAt: string | null }[];
  /** The incomplete days and their short turbines (below MIN_COMPLETENESS when run). */
  incomplete: { day: string; turbines: TurbineCount[] }[];
  partitions: PartitionView[];
}

export interface StatusReport {
  from: string;
  to: string;
  jobs: JobStatus[];
  runs: RunView[];
  /** Why stale-by-source was not checked, when it was not. */
  notes: string[];
}

export async function statusReport(
  db: Pick<Db, "query">,
  q: {
    jobs: readonly Job[];
    from: string;
    to: string;
    fingerprints?: ReadonlyMap<string, ReadonlyMap<string, SourceFingerprint>>;
    runs?: number;
    notes?: string[];
  },
): Promise<StatusReport> {
  const views = await partitionStates(db, q);
  const jobs = q.jobs.map((job): JobStatus => {
    const partitions = views.filter((v) => v.job === job.name);
    const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<PartitionState, number>;
    const stale = { sql: 0, upstream: 0, source: 0 };
    const newer: Record<string, number> = {};
    for (const p of partitions) {
      counts[p.state]++;
      if (p.staleReason) stale[p.staleReason]++;
      if (p.newer) newer[`v${p.sqlVersion}`] = (newer[`v${p.sqlVersion}`] ?? 0) + 1;
    }
    return {
      name: job.name,
      firstDay: job.firstDay,
      firstDayFrom: job.firstDayFrom,
      sql: { file: job.transform.file, version: job.transform.version, hash: job.transform.hash },
      newer,
      upstream: job.upstream,
      counts,
      stale,
      failed: partitions.filter((p) => p.state === "failed").map((p) => ({
        day: p.day,
        failures: p.failures,
        error: p.error,
        nextAttemptAt: p.nextAttemptAt,
      })),
      incomplete: partitions.filter((p) => p.state === "incomplete").map((p) => ({
        day: p.day,
        turbines: p.incomplete ?? [],
      })),
      partitions,
    };
  });
  const runs = await recentRuns(db, q.runs ?? 10, q.jobs.length === 1 ? q.jobs[0].name : undefined);
  return { from: q.from, to: q.to, jobs, runs, notes: q.notes ?? [] };
}
