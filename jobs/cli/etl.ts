/**
 * `deno task etl`: run one partition, or plan and run a backfill. Everything
 * it needs is passed in, so tests run it in-process; etl_main.ts is the edge.
 */
import { parseArgs } from "node:util";
import { dayProblem, settingsHelp } from "../../config/config.ts";
import type { Job } from "../core/job.ts";
import { findJob } from "../core/job.ts";
import { type RunFlags, type RunnerContext, runOne } from "../core/runner.ts";
import type { RunResult } from "../core/partition_run.ts";
import { makePlan, type Plan, type PlanItem, type Selection } from "../core/plan.ts";
import { partitionStates } from "../core/states.ts";
import { type Outcome, runPlan, summarize, type Summary } from "../core/run_plan.ts";
import { dayCount, isOver, splitHint, utcDay, yesterday } from "../core/days.ts";
import { sourceFingerprints } from "../core/source_client.ts";
import { sweepAbandoned } from "../core/claim.ts";
import { earliestFirstDay } from "../core/catalog.ts";
import { describeIncomplete } from "../core/completeness.ts";

export const EXIT = { ok: 0, failed: 1, usage: 2, busy: 3, sigint: 130, sigterm: 143 } as const;

export const HELP =
  `Usage: deno task etl [--job NAME|all] (--date D | --from A --to B | --missing | --failed | --stale) [options]

Runs partitions (one job, one UTC day each). A run pulls the day from the
source API into staging (jobs with an API input), then in ONE short
transaction replaces the job's rows of that day and records the partition.

What to run:
  --date YYYY-MM-DD    one day, whatever its state
  --from A --to B      a range, both days included (at most MAX_RANGE_DAYS, 3660);
                       without a selection below, every day in it that is
                       missing, failed or stale
  --missing            missing days (from the job's first day, or --from)
  --failed             failed days (re-runs them whatever their retry budget)
  --stale              stale days: built with other SQL, from an older upstream
                       run, or from source data that changed since
  --force              every day in the range, succeeded ones included
  --job NAME           the job (default: etl); "all" runs every job, upstream
                       jobs first

How:
  --concurrency N      partitions at once (default 2)
  --dry-run            print the plan (which days, and why) and write nothing
  --allow-partial      also run days that are not over yet (today, UTC)
  --allow-empty        let a day with 0 readings replace rows a previous run wrote
  --allow-shrink       let a day shrink by more than ETL_MAX_SHRINK percent
  --timings            print how long each phase of the run took (stderr; one
                       day at a time gives clean figures)
  -h, --help           this text

Output: --date ends with the day's result line. A range prints one line per
partition (on a terminal a live progress line instead, with failures printed
as they happen), then a summary.

Exit codes: 0 every planned partition succeeded (or was empty), 1 one or more
failed or were blocked (the day's previous data is untouched), 2 bad usage or
configuration (or a day that is not over, without --allow-partial, or a plan
longer than MAX_RANGE_DAYS), 3 a
partition was being run by another runner, 130/143 stopped by SIGINT/SIGTERM
(runs in flight rolled back, claims released).

While a \`deno task start\` or \`deno task scheduler\` holds the embedded target
database, etl asks that process to run the command (its status page,
RUNNER_PORT, with the API token): the same output and exit codes; Ctrl-C
cancels the runs it started there.

${settingsHelp("etl")}`;

export class UsageError extends Error {
  override name = "UsageError";
}

export interface CliArgs {
  job: string;
  date?: string;
  from?: string;
  to?: string;
  select: Selection;
  concurrency: number;
  dryRun: boolean;
  /** Print the phases' times at the end (stderr). */
  timings: boolean;
  flags: RunFlags;
}

/** Parses the arguments; null means --help was asked for. */
export function parseCliArgs(args: string[]): CliArgs | null {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        date: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        job: { type: "string", default: "etl" },
        missing: { type: "boolean" },
        failed: { type: "boolean" },
        stale: { type: "boolean" },
        force: { type: "boolean" },
        concurrency: { type: "string", default: "2" },
        "dry-run": { type: "boolean" },
        "allow-partial": { type: "boolean" },
        "allow-empty": { type: "boolean" },
        "allow-shrink": { type: "boolean" },
        timings: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return null;
  for (const k of ["date", "from", "to"] as const) {
    const problem = values[k] === undefined ? null : dayProblem(values[k]!);
    if (problem) throw new UsageError(`--${k} ${problem}`);
  }
  const select: Selection = {
    missing: values.missing,
    failed: values.failed,
    stale: values.stale,
    force: values.force,
  };
  const selecting = values.missing || values.failed || values.stale;
  if (values.date && (values.from || values.to)) {
    throw new UsageError("--date runs one day; use --from/--to for a range, not both");
  }
  if (values.date && (selecting || values.force)) {
    throw new UsageError(
      "--date runs that day whatever its state; --missing/--failed/--stale/--force go with a range",
    );
  }
  if (!values.date && !values.from && !values.to && !selecting) {
    throw new UsageError(
      "say what to run: --date D, --from A --to B, or --missing / --failed / --stale",
    );
  }
  if (values.from && values.to && values.from > values.to) {
    throw new UsageError(`--from ${values.from} is after --to ${values.to}`);
  }
  if (values.force && !values.from && !values.to) {
    throw new UsageError("--force re-runs a range: give --from and --to");
  }
  if (!/^[a-z][a-z0-9_]*$/.test(values.job!)) {
    throw new UsageError(`--job must be a job name or "all" (got "${values.job}")`);
  }
  const concurrency = Number(values.concurrency);
  if (!/^\d+$/.test(values.concurrency!) || concurrency < 1 || concurrency > 64) {
    throw new UsageError(
      `--concurrency must be a whole number from 1 to 64 (got "${values.concurrency}")`,
    );
  }
  return {
    job: values.job!,
    date: values.date,
    from: values.from,
    to: values.to,
    select,
    concurrency,
    dryRun: !!values["dry-run"],
    timings: !!values.timings,
    flags: {
      allowPartial: values["allow-partial"],
      allowEmpty: values["allow-empty"],
      allowShrink: values["allow-shrink"],
    },
  };
}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** A terminal: a live progress line instead of one line per partition. */
  progress?: (line: string | null) => void;
  /** Aborted by SIGINT/SIGTERM; `reason` is the signal name. */
  signal?: AbortSignal;
}

/** Which jobs `--job` names, upstream first. */
export function selectJobs(jobs: readonly Job[], name: string): Job[] {
  return name === "all" ? [...jobs] : [findJob(jobs, name)];
}

/** MAX_RANGE_DAYS when none is given (config/settings.ts). */
export const DEFAULT_MAX_RANGE_DAYS = 3660;

/**
 * The range a --from plan takes (its end cut at the newest day that is over),
 * refused when longer than `maxRangeDays`: known without a database, so
 * etl_main.ts asks before it opens one. Null: nothing to say (also for plans
 * from the jobs' first days, checked once those are known).
 */
export function explicitRangeProblem(
  args: CliArgs,
  now: Date,
  maxRangeDays = DEFAULT_MAX_RANGE_DAYS,
): string | null {
  if (args.date || !args.from) return null;
  const last = args.flags.allowPartial ? utcDay(now) : yesterday(now);
  const to = args.to && args.to < last ? args.to : last;
  const n = dayCount(args.from, to);
  if (n <= maxRangeDays) return null;
  return `etl: the range ${args.from} .. ${to} is ${n} days; at most ${maxRangeDays} days ` +
    `(MAX_RANGE_DAYS) per command: run it in parts with the same options, ` +
    splitHint(args.from, to, maxRangeDays);
}

export interface CliLimits {
  /**
   * MAX_RANGE_DAYS: the longest plan a command takes, in its own process or
   * inside the page's (service/cli_ops.ts); a longer one is refused (exit 2).
   */
  maxRangeDays?: number;
}

export async function runCli(
  args: CliArgs,
  ctx: RunnerContext,
  io: CliIo,
  limits: CliLimits = {},
): Promise<number> {
  const jobs = selectJobs(ctx.jobs, args.job);
  const now = ctx.now();
  const cap = limits.maxRangeDays ?? DEFAULT_MAX_RANGE_DAYS;
  const tooLong = explicitRangeProblem(args, now, cap);
  if (tooLong) {
    io.err(tooLong);
    return EXIT.usage;
  }
  if (args.date) {
    if (!args.flags.allowPartial && !isOver(args.date, now)) {
      io.err(
        `etl: ${args.date} is not over yet (today is ${utcDay(now)} UTC): its data may still ` +
          `be arriving. Run it tomorrow, or pass --allow-partial to load what is there now.`,
      );
      return EXIT.usage;
    }
    const items: PlanItem[] = jobs.map((job) => ({ job, day: args.date!, why: "asked for" }));
    if (args.dryRun) return printPlan({ items, skipped: [] }, io);
    return await execute(items, args, ctx, io, false);
  }
  const last = args.flags.allowPartial ? utcDay(now) : yesterday(now);
  let to = args.to ?? last;
  if (to > last) {
    io.err(
      `etl: days after ${last} are not over yet (UTC): planning up to ${last} ` +
        `(--allow-partial to include today)`,
    );
    to = last;
  }
  // Each job's first day: PARTITION_START, or where the source's readings start (catalog.ts).
  for (const w of args.from ? [] : ctx.catalog?.warnings ?? []) io.err(`etl: note: ${w}`);
  const from = args.from ?? earliestFirstDay(jobs);
  if (from === null) {
    io.err(
      `etl: no first day is known for ${jobs.map((j) => j.name).join(", ")}: the source has ` +
        `no readings, or could not be asked (SOURCE_API_URL, API_TOKEN) and no partition is ` +
        `recorded. Give --from, or set PARTITION_START.`,
    );
    return EXIT.failed;
  }
  if (!args.from && dayCount(from, to) > cap) {
    const whose = jobs.filter((j) => j.firstDay === from).map((j) => j.name).join(", ");
    io.err(
      `etl: the plan from ${from} (the first day of ${whose}) to ${to} is ` +
        `${dayCount(from, to)} days; at most ${cap} days (MAX_RANGE_DAYS) per command: run it ` +
        `in parts with the same options, ${splitHint(from, to, cap)}`,
    );
    return EXIT.usage;
  }
  if (!args.dryRun) await sweepAbandoned(ctx.db);
  // Only a plan that looks for stale days needs the source's fingerprints
  // (on 1-second data they cost the source a scan of the whole range).
  const sel = args.select;
  const wantsStale = !sel.force && (sel.stale || !(sel.missing || sel.failed));
  const fingerprints = wantsStale ? await sourceFingerprints(ctx, jobs, from, to, io) : undefined;
  const views = await partitionStates(ctx.db, { jobs, from, to, fingerprints, now });
  const plan = makePlan(views, { jobs, select: args.select });
  if (args.dryRun) return printPlan(plan, io);
  for (const s of plan.skipped) io.err(`${s.job} ${s.day} skipped: ${s.why}`);
  if (!plan.items.length) {
    io.out(`nothing to run: every partition from ${from} to ${to} is up to date for the selection`);
    return plan.skipped.length ? EXIT.failed : EXIT.ok;
  }
  return await execute(plan.items, args, ctx, io, true);
}

function printPlan(plan: Plan, io: CliIo): number {
  io.out(`plan: ${plan.items.length} partition(s); --dry-run: nothing is run or written`);
  for (const i of plan.items) io.out(`  ${i.job.name} ${i.day}  ${i.why}`);
  for (const s of plan.skipped) io.out(`  ${s.job} ${s.day}  skipped: ${s.why}`);
  return EXIT.ok;
}

async function execute(
  items: PlanItem[],
  args: CliArgs,
  ctx: RunnerContext,
  io: CliIo,
  backfill: boolean,
): Promise<number> {
  const trigger = backfill ? "backfill" : "cli";
  const started = performance.now();
  let done = 0;
  let failed = 0;
  let readings = 0;
  const tick = () => {
    if (!io.progress) return;
    const secs = (performance.now() - started) / 1000;
    const rate = secs > 0 ? Math.round(readings / secs) : 0;
    const eta = done ? Math.round((secs / done) * (items.length - done)) : null;
    io.progress(
      `${done}/${items.length} done, ${failed} failed, ${rate.toLocaleString("en")} readings/s` +
        (eta !== null ? `, ETA ${eta} s` : ""),
    );
  };
  tick();
  const outcomes = await runPlan(
    items,
    (item, hooks) =>
      runOne(ctx, item.job, item.day, trigger, args.flags, io.signal, item.runId, hooks),
    {
      concurrency: args.concurrency,
      signal: io.signal,
      onResult: (o) => {
        done++;
        const r = o.result;
        if (r.status === "succeeded" || r.status === "empty") readings += r.rowsIn ?? 0;
        const bad = r.status !== "succeeded" && r.status !== "empty" && r.status !== "skipped";
        if (bad) failed++;
        // A terminal's progress line stands for a backfill's successes; one day
        // (--date) always ends with its result line.
        if (!io.progress || bad || !backfill) {
          io.progress?.(null);
          report(o, io);
        }
        if (done < items.length) tick();
      },
    },
  );
  io.progress?.(null);
  const summary = summarize(items.length, outcomes);
  if (backfill || items.length > 1) io.out(summaryLine(summary, performance.now() - started));
  if (io.signal?.aborted) {
    const notRun = items.length - outcomes.length;
    if (notRun) io.err(`stopped by ${io.signal.reason}: ${notRun} planned partition(s) not run`);
    return io.signal.reason === "SIGTERM" ? EXIT.sigterm : EXIT.sigint;
  }
  if (summary.failed || summary.blocked || summary.cancelled) return EXIT.failed;
  if (summary.refused) return EXIT.usage;
  if (summary.busy) return EXIT.busy;
  return EXIT.ok;
}

export function summaryLine(s: Summary, ms: number): string {
  const secs = ms / 1000;
  const parts = [
    `${s.succeeded} succeeded`,
    `${s.empty} empty`,
    `${s.failed} failed`,
    ...(s.busy ? [`${s.busy} busy`] : []),
    ...(s.skipped ? [`${s.skipped} run by another runner meanwhile`] : []),
    ...(s.blocked ? [`${s.blocked} blocked`] : []),
    ...(s.cancelled ? [`${s.cancelled} cancelled`] : []),
    ...(s.refused ? [`${s.refused} refused`] : []),
    ...(s.ran < s.planned ? [`${s.planned - s.ran} not run`] : []),
  ];
  const rate = secs > 0 ? Math.round(s.readings / secs) : 0;
  return `summary: ${s.planned} planned: ${parts.join(", ")}; ` +
    `${s.readings.toLocaleString("en")} readings -> ${s.rowsOut.toLocaleString("en")} rows in ` +
    `${secs.toFixed(1)} s (${rate.toLocaleString("en")} readings/s)`;
}

/** One line (two if recording the failure failed too) about a partition's outcome. */
export function describeResult(job: Job, day: string, r: RunResult): string[] {
  const what = `${job.name} ${day}`;
  const sql = `${job.transform.file} ${job.transform.hash.slice(0, 8)}`;
  switch (r.status) {
    case "succeeded":
    case "empty": {
      const rows = r.rowsIn === null
        ? `${r.rowsOut} row${r.rowsOut === 1 ? "" : "s"}`
        : `${r.rowsIn} readings -> ${r.rowsOut} rows`;
      const retries = r.attempts > 1 ? `, after ${r.attempts} extract attempts` : "";
      const empty = r.status === "empty" ? " (no data for this day)" : "";
      const short = r.incomplete?.length
        ? `; incomplete (below MIN_COMPLETENESS): ${describeIncomplete(r.incomplete)}`
        : "";
      return [
        `${what} ${r.status}: ${rows}${empty} in ${r.ms} ms ` +
        `(final transaction ${r.phases.transaction} ms${retries}) [${sql}, run ${r.runId}]${short}`,
      ];
    }
    case "failed":
    case "cancelled":
      return [
        `${what} ${r.status} (run ${r.runId}, ${r.ms} ms): ${r.error}`,
        ...(r.recordError ? [`${what}: ${r.recordError}`] : []),
      ];
    case "busy":
      return [
        `${what} is busy: run ${r.holder.runId} by ${r.holder.runner} holds it since ` +
        `${r.holder.startedAt} (lease until ${r.holder.leaseUntil}). Nothing was done. If that ` +
        `runner is alive, wait for it (deno task status); if it died, its claim expires when ` +
        `the lease runs out and the day can be run again then.`,
      ];
    case "blocked":
      return [
        `${what} blocked: ${r.reason}; nothing was done (run the upstream job first, or --job all)`,
      ];
    case "refused":
      return [`${what} refused: ${r.reason}`];
    case "skipped":
      return [`${what} skipped: ${r.reason}`];
  }
}

function report(o: Outcome, io: CliIo) {
  const r = o.result;
  const ok = r.status === "succeeded" || r.status === "empty" || r.status === "skipped";
  for (const line of describeResult(o.item.job, o.item.day, r)) (ok ? io.out : io.err)(line);
}
