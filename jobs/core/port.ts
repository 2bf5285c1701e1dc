/**
 * What the status page reads and triggers. The runner implements it
 * (status_port.ts); page tests use a double over a real database
 * (tests/helpers/ui_source.ts). The page names no job: jobs bring their own
 * views (job.ts, `views`), and the page draws whatever `views(day, turbine)`
 * returns.
 */

import type { PartitionState, PartitionView as RunnerPartitionView, RunView } from "./states.ts";

export type { PartitionState, RunView } from "./states.ts";
export type { ChartSeries, ChartView, NumbersView, ViewDeclaration } from "./job.ts";
export type { TurbineCount } from "./completeness.ts";

/** Every state, in the order the legend shows them. */
export const PARTITION_STATES: readonly PartitionState[] = [
  "succeeded",
  "incomplete",
  "empty",
  "running",
  "stale",
  "failed",
  "blocked",
  "missing",
];

/** Every outcome a run can have (runs.status). */
export const RUN_STATUSES: readonly RunView["status"][] = [
  "running",
  "succeeded",
  "empty",
  "failed",
  "cancelled",
  "abandoned",
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
  | "incomplete"
  | "durationMs"
  | "error"
  | "attempts"
  | "finishedAt"
>;

/** How much of what a turbine should have sent one day arrived (sql/ui/turbine_runs.sql). */
export const COMPLETENESS_CLASSES = ["complete", "short", "incomplete", "none", "unknown"] as const;
export type CompletenessClass = typeof COMPLETENESS_CLASSES[number];

/** Consecutive days of one turbine of an API-input job in one completeness class. */
export interface TurbineRun {
  job: string;
  turbine: string;
  class: CompletenessClass;
  /** First and last day of the run, inclusive. */
  from: string;
  to: string;
  days: number;
  /** Readings expected over the run (null: no cadence known) and received. */
  expected: number | null;
  received: number;
}

export interface TurbineQuery {
  from: string;
  to: string;
  day: string | null;
}

export interface TurbineRuns {
  /** Per job and turbine, in day order. */
  runs: TurbineRun[];
  /** One run of one day per job and turbine: the turbines of the query's `day`. */
  day: TurbineRun[];
}

export interface JobInfo {
  name: string;
  /** null: not known yet (the source has no readings, or could not say). */
  firstDay: string | null;
  upstream: string[];
}

export interface RunQuery {
  /** Entries returned (a folded group counts as one). */
  limit: number;
  job?: string;
  status?: RunView["status"];
  /** Fold consecutive `empty` runs into one entry (the page does; the JSON API does not). */
  foldEmpty?: boolean;
}

/** Consecutive runs that found nothing to load, shown as one line. */
export interface FoldedRuns {
  count: number;
  /** The run of them goes on past the window of runs read (the count is a lower bound). */
  more: boolean;
  jobs: string[];
  firstDay: string;
  lastDay: string;
  newestId: number;
  oldestId: number;
}

export type RunEntry = { kind: "run"; run: RunView } | { kind: "folded"; folded: FoldedRuns };

export interface SeriesPoint {
  /** ISO UTC bin start */
  t: string;
  value: number | null;
  min: number | null;
  max: number | null;
}

/** A job's view of one day, with its data (or why it could not be read). */
export type DayView =
  & {
    job: string;
    title: string;
    error: string | null;
    /** How the view makes the farm's values from the turbines' (job.ts, `farm`). */
    farm: string | null;
  }
  & (
    | {
      kind: "chart";
      binMinutes: number;
      series: {
        column: string;
        label: string;
        unit: string;
        digits: number;
        band: boolean;
        points: SeriesPoint[];
      }[];
    }
    | {
      kind: "numbers";
      /** null: the SQL returned no row (nothing built for that day). */
      values: {
        column: string;
        label: string;
        unit: string;
        digits: number;
        value: number | null;
      }[] | null;
    }
  );

export type TriggerResult =
  | { kind: "started"; runId: number }
  | { kind: "busy"; runId: number }
  /** Not runnable now (an upstream partition has not succeeded, the day is not over). */
  | { kind: "refused"; message: string }
  /** Not a partition of a declared job. */
  | { kind: "bad"; message: string };

export type TriggerAllResult =
  /** A reconcile started; it plans these partitions (missing, failed, stale). */
  | { kind: "started"; partitions: number }
  | { kind: "nothing" }
  /** Nothing new started: one is already running in this process. */
  | { kind: "busy"; message: string };

/**
 * The runner's database cannot serve the request now (unreachable, starting
 * up, read-only, out of connections, or refusing the runner's role): a 503
 * with Retry-After. `kind` is a short public description.
 */
export class UnavailableError extends Error {
  override name = "UnavailableError";
  constructor(readonly kind: string, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

export interface StatusSource {
  jobs(): JobInfo[];
  /** from/to inclusive (each job from its first day); the caller bounds the range. */
  partitions(q: { job?: string; from: string; to: string }): Promise<PartitionView[]>;
  /** The newest runs, newest first. */
  runs(q: RunQuery): Promise<RunEntry[]>;
  /**
   * Every declared view of every job, for one day, in job order: of one
   * turbine, or of the whole farm (`turbine` null).
   */
  views(day: string, turbine: string | null): Promise<DayView[]>;
  /**
   * The turbine x day completeness of the API-input jobs, from/to inclusive
   * (bounded by the caller), and the turbines of one `day` (null: none).
   */
  turbineRuns(q: TurbineQuery): Promise<TurbineRuns>;
  /** Starts a run in the background; resolves once it is claimed (started) or refused. */
  trigger(job: string, day: string): Promise<TriggerResult>;
  /** Starts a reconcile of everything missing, failed or stale in the background. */
  triggerAll(): Promise<TriggerAllResult>;
}

/** The commands a running runner runs for the CLI (`deno task etl`, `deno task status`). */
export const CLI_COMMANDS = ["etl", "status"] as const;
export type CliCommand = typeof CLI_COMMANDS[number];

/** The CLI's own terminal: the command formats its output for it, as it would locally. */
export interface CliTerminal {
  /** stdout is a terminal (status: the calendar's width, colours). */
  stdout: boolean;
  /** stderr is a terminal (etl: a live progress line). */
  stderr: boolean;
  /** Colours wanted (a terminal, NO_COLOR unset). */
  color: boolean;
  /** The terminal's width in columns. */
  columns: number;
}

/** One piece of a command's output: a line of stdout or stderr, or the progress line (null: erase it). */
export type CliEvent = { out: string } | { err: string } | { progress: string | null };

/**
 * Runs the CLI's commands inside the process that holds the embedded target
 * database, with the CLI's own arguments, so `etl` and `status` work while a
 * `start` or `scheduler` runs. The page's routes (bearer token only) call it.
 */
export interface CommandPort {
  /** Who answers: the command that runs this process (`start`, `scheduler`) and its pid. */
  readonly holder: { command: string; pid: number };
  /**
   * Runs `command` with `args` as the CLI would, its output as events; resolves
   * with the CLI's exit code. Aborting `signal` (reason "SIGINT" or "SIGTERM")
   * is the CLI's Ctrl-C: the runs in flight are cancelled, rolled back and recorded.
   */
  run(
    command: CliCommand,
    args: string[],
    terminal: CliTerminal,
    emit: (e: CliEvent) => void,
    signal: AbortSignal,
  ): Promise<number>;
}
