/**
 * What the status page reads and triggers. The runner implements it; tests use
 * a PGlite-backed double (tests/helpers/ui_source.ts). The page names no job.
 */

import type { PartitionState, PartitionView as RunnerPartitionView, RunView } from "./states.ts";

export type { PartitionState, RunView } from "./states.ts";

/** Every state, in the order the legend shows them. */
export const PARTITION_STATES: readonly PartitionState[] = [
  "succeeded",
  "empty",
  "running",
  "stale",
  "failed",
  "blocked",
  "missing",
];

/** What the page shows of a partition: the runner's view (states.ts), these fields. */
export type PartitionView = Pick<
  RunnerPartitionView,
  | "job"
  | "day"
  | "state"
  | "reason"
  | "rowsIn"
  | "rowsOut"
  | "sqlVersion"
  | "durationMs"
  | "error"
  | "attempts"
  | "finishedAt"
>;

export interface ChartBin {
  t: string /* ISO UTC bin start */;
  wind_speed_mean: number | null;
  wind_speed_min: number | null;
  wind_speed_max: number | null;
  power_mean: number | null;
  power_min: number | null;
  power_max: number | null;
}

export interface DayChart {
  day: string;
  /** 10-minute bins, ordered; null where a stat is NULL */
  bins: ChartBin[];
  daily: {
    energy_kwh: number;
    mean_wind_speed: number | null;
    max_power: number | null;
    availability: number;
  } | null;
}

export type TriggerResult =
  | { kind: "started"; runId: number }
  | { kind: "busy"; runId: number }
  | { kind: "bad"; message: string };

export interface StatusSource {
  /** firstDay null: not known yet (the source has no readings, or could not say). */
  jobs(): { name: string; firstDay: string | null; upstream: string[] }[];
  /** from/to inclusive, default from each job's first day to yesterday (UTC) */
  partitions(q: { job?: string; from?: string; to?: string }): Promise<PartitionView[]>;
  runs(limit: number): Promise<RunView[]>;
  chart(day: string): Promise<DayChart>;
  /** Starts a run in the background; resolves once it is claimed (started) or refused. */
  trigger(job: string, day: string): Promise<TriggerResult>;
  /** Runs everything missing/failed/stale in the background; resolves with how many partitions were planned. */
  triggerAll(): Promise<{ planned: number }>;
}
