/**
 * `deno task status`: its arguments and its report. Everything it needs is
 * passed in, so the command runs the same in its own process (status_main.ts)
 * and inside a running start or scheduler that holds the embedded target
 * (service/cli_ops.ts).
 */
import { parseArgs } from "node:util";
import { dayProblem, settingsHelp } from "../../config/config.ts";
import type { RunnerContext } from "../core/runner.ts";
import { DEFAULT_MAX_RANGE_DAYS, selectJobs, UsageError } from "./etl.ts";
import { sourceFingerprints } from "../core/source_client.ts";
import { statusReport } from "../core/status.ts";
import { statusText } from "./status_text.ts";
import { addDays, dayCount, splitHint, yesterday } from "../core/days.ts";
import { earliestFirstDay } from "../core/catalog.ts";
import type { CliTerminal } from "../core/port.ts";

export const STATUS_HELP = `Usage: deno task status [--job NAME|all] [--from A --to B] [--json]

Partitions at a glance, per job: counts by state (succeeded, empty, failed,
running, missing, blocked, stale with its reason: sql, upstream, source),
the failed days with their last error, a calendar strip (one cell per day),
and the last runs. The range defaults to each job's first day up to
yesterday (UTC). Stale-by-source asks the source API for its fingerprints
(one request per year of days); if it cannot be reached, a note says so.

While a \`deno task start\` or \`deno task scheduler\` holds the embedded target
database, status asks that process (its status page, RUNNER_PORT) instead.

  --job NAME     one job (default: all)
  --from, --to   the range, both days included, at most MAX_RANGE_DAYS (3660)
                 days; without --from the newest MAX_RANGE_DAYS days are shown
  --json         the same as JSON (every partition with its state)

${settingsHelp("status")}`;

export interface StatusArgs {
  job: string;
  from?: string;
  to?: string;
  json: boolean;
}

/** Parses the arguments (UsageError when wrong); null means --help was asked for. */
export function parseStatusArgs(args: string[]): StatusArgs | null {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        job: { type: "string", default: "all" },
        from: { type: "string" },
        to: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return null;
  for (const k of ["from", "to"] as const) {
    const problem = values[k] === undefined ? null : dayProblem(values[k]!);
    if (problem) throw new UsageError(`--${k} ${problem}`);
  }
  if (values.from && values.to && values.from > values.to) {
    throw new UsageError(`--from ${values.from} is after --to ${values.to}`);
  }
  return { job: values.job!, from: values.from, to: values.to, json: !!values.json };
}

export interface StatusIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Colours and width of the text: what the terminal that shows it can do. */
  text: { color: boolean; width: number };
  /**
   * MAX_RANGE_DAYS (default 3660), in its own process or inside the page's: a
   * longer range given is refused (exit 2), a longer default range (from the
   * jobs' first day) is cut to its newest days, with a note.
   */
  maxRangeDays?: number;
}

/** The text's colours and width for the terminal (or not) that shows it. */
export function textOptions(t: CliTerminal): StatusIo["text"] {
  return { color: t.color, width: t.stdout ? Math.max(20, t.columns - 24) : 92 };
}

/**
 * A --from range (to --to, or yesterday) longer than `cap`, in one line
 * naming the cap and how to split it; null when it fits. Needs no database.
 */
export function rangeProblem(args: StatusArgs, now: Date, cap: number): string | null {
  if (!args.from) return null;
  const to = args.to ?? yesterday(now);
  const n = dayCount(args.from, to);
  if (n <= cap) return null;
  return `status: the range ${args.from} .. ${to} is ${n} days; at most ${cap} days ` +
    `(MAX_RANGE_DAYS) at once: ask for parts, e.g. ${splitHint(args.from, to, cap)}`;
}

/** Prints the report; returns the exit code. */
export async function runStatus(
  args: StatusArgs,
  ctx: RunnerContext,
  io: StatusIo,
): Promise<number> {
  const jobs = selectJobs(ctx.jobs, args.job);
  const cap = io.maxRangeDays ?? DEFAULT_MAX_RANGE_DAYS;
  const tooLong = rangeProblem(args, ctx.now(), cap);
  if (tooLong) {
    io.err(tooLong);
    return 2;
  }
  const to = args.to ?? yesterday(ctx.now());
  const first = earliestFirstDay(jobs) ?? to;
  // Where the first days come from when the source cannot say (the same rule as the scheduler's).
  const notes: string[] = [...(ctx.catalog?.warnings ?? [])];
  // The default range (from the first day) shows the newest MAX_RANGE_DAYS days, as the page does.
  const newest = addDays(to, -(cap - 1));
  const from = args.from ?? (first < newest ? newest : first);
  if (!args.from && first < newest) {
    notes.push(
      `showing the newest ${cap} days (MAX_RANGE_DAYS) of the ${dayCount(first, to)} since ` +
        `${first}; --from and --to show older ones`,
    );
  }
  const fingerprints = ctx.settings.token
    ? await sourceFingerprints(ctx, jobs, from, to, { err: (l) => notes.push(l) })
    : (notes.push("no API token (API_TOKEN or DATA_DIR/api-token): stale by source not checked"),
      undefined);
  const report = await statusReport(ctx.db, { jobs, from, to, fingerprints, notes });
  if (args.json) io.out(JSON.stringify(report, null, 2));
  else for (const l of statusText(report, io.text)) io.out(l);
  return 0;
}
