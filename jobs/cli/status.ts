/**
 * `deno task status`: its arguments and its report. Everything it needs is
 * passed in, so the command runs the same in its own process (status_main.ts)
 * and inside a running start or scheduler that holds the embedded target
 * (service/cli_ops.ts).
 */
import { parseArgs } from "node:util";
import { dayProblem, settingsHelp } from "../../config/config.ts";
import type { RunnerContext } from "../core/runner.ts";
import { selectJobs, UsageError } from "./etl.ts";
import { sourceFingerprints } from "../core/source_client.ts";
import { statusReport } from "../core/status.ts";
import { statusText } from "./status_text.ts";
import { addDays, dayCount, yesterday } from "../core/days.ts";
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
  --from, --to   the range, both days included
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
   * The longest range one request may cover (MAX_RANGE_DAYS), when the
   * command runs inside the page's process: a longer range given is refused
   * (exit 2), a longer default range is cut to its newest days, with a note.
   */
  maxRangeDays?: number;
}

/** The text's colours and width for the terminal (or not) that shows it. */
export function textOptions(t: CliTerminal): StatusIo["text"] {
  return { color: t.color, width: t.stdout ? Math.max(20, t.columns - 24) : 92 };
}

/** Prints the report; returns the exit code. */
export async function runStatus(
  args: StatusArgs,
  ctx: RunnerContext,
  io: StatusIo,
): Promise<number> {
  const jobs = selectJobs(ctx.jobs, args.job);
  const to = args.to ?? yesterday(ctx.now());
  let from = args.from ?? earliestFirstDay(jobs) ?? to;
  // Where the first days come from when the source cannot say (the same rule as the scheduler's).
  const notes: string[] = [...(ctx.catalog?.warnings ?? [])];
  const cap = io.maxRangeDays;
  if (cap && dayCount(from, to) > cap) {
    if (args.from) {
      io.err(
        `status: the range ${from} .. ${to} is ${dayCount(from, to)} days; the ` +
          `running process serves at most ${cap} days (MAX_RANGE_DAYS) per request: give a ` +
          `shorter --from/--to`,
      );
      return 2;
    }
    from = addDays(to, -(cap - 1));
    notes.push(`the newest ${cap} days (MAX_RANGE_DAYS); give --from/--to for older ones`);
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
