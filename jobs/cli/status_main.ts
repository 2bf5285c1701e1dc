/** Edge of `deno task status`. */
import { parseArgs } from "node:util";
import { dayProblem, loadConfig, settingsHelp } from "../../config/config.ts";
import { openRunner, reportFatal } from "../open_runner.ts";
import { selectJobs } from "./etl.ts";
import { sourceFingerprints } from "../core/source_client.ts";
import { statusReport } from "../core/status.ts";
import { statusText } from "./status_text.ts";
import { addDays, dayCount, splitHint, yesterday } from "../core/days.ts";
import { earliestFirstDay } from "../core/catalog.ts";

const HELP = `Usage: deno task status [--job NAME|all] [--from A --to B] [--json]

Partitions at a glance, per job: counts by state (succeeded, empty, failed,
running, missing, blocked, stale with its reason: sql, upstream, source),
the failed days with their last error, a calendar strip (one cell per day),
and the last runs. The range defaults to each job's first day up to
yesterday (UTC). Stale-by-source asks the source API for its fingerprints
(one request per year of days); if it cannot be reached, a note says so.

  --job NAME     one job (default: all)
  --from, --to   the range, both days included, at most MAX_RANGE_DAYS (3660)
                 days; without --from the newest MAX_RANGE_DAYS days are shown
  --json         the same as JSON (every partition with its state)

${settingsHelp("status")}`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
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
    console.error(`status: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  for (const k of ["from", "to"] as const) {
    const problem = values[k] === undefined ? null : dayProblem(values[k]!);
    if (problem) {
      console.error(`status: --${k} ${problem}`);
      return 2;
    }
  }
  if (values.from && values.to && values.from > values.to) {
    console.error(`status: --from ${values.from} is after --to ${values.to}`);
    return 2;
  }
  const cfg = loadConfig({ command: "status" });
  // A range asked for is capped before anything is opened: a longer one is refused at once.
  if (values.from) {
    const to = values.to ?? yesterday(new Date());
    const n = dayCount(values.from, to);
    if (n > cfg.maxRangeDays) {
      console.error(
        `status: the range ${values.from} .. ${to} is ${n} days; at most ${cfg.maxRangeDays} ` +
          `days (MAX_RANGE_DAYS) at once: ask for parts, e.g. ` +
          splitHint(values.from, to, cfg.maxRangeDays),
      );
      return 2;
    }
  }
  const ctx = await openRunner("status", cfg, { tokenOptional: true });
  try {
    const jobs = selectJobs(ctx.jobs, values.job!);
    const to = values.to ?? yesterday(ctx.now());
    const first = earliestFirstDay(jobs) ?? to;
    // Where the first days come from when the source cannot say (the same rule as the scheduler's).
    const notes: string[] = [...ctx.catalog.warnings];
    // The default range (from the first day) shows the newest MAX_RANGE_DAYS days, as the page does.
    const newest = addDays(to, -(cfg.maxRangeDays - 1));
    const from = values.from ?? (first < newest ? newest : first);
    if (!values.from && first < newest) {
      notes.push(
        `showing the newest ${cfg.maxRangeDays} days (MAX_RANGE_DAYS) of the ` +
          `${dayCount(first, to)} since ${first}; --from and --to show older ones`,
      );
    }
    const fingerprints = ctx.settings.token
      ? await sourceFingerprints(ctx, jobs, from, to, { err: (l) => notes.push(l) })
      : (notes.push("no API token (API_TOKEN or DATA_DIR/api-token): stale by source not checked"),
        undefined);
    const report = await statusReport(ctx.db, {
      jobs,
      from,
      to,
      fingerprints,
      notes,
    });
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      const tty = Deno.stdout.isTerminal();
      const width = tty ? Math.max(20, Deno.consoleSize().columns - 24) : 92;
      for (const l of statusText(report, { color: tty && !Deno.noColor, width })) console.log(l);
    }
    return 0;
  } finally {
    await ctx.db.close();
  }
}

try {
  Deno.exit(await main());
} catch (e) {
  Deno.exit(reportFatal("status", e));
}
