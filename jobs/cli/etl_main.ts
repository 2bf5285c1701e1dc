/**
 * Edge of `deno task etl`: environment, database, signals, exit code. While
 * a running start or scheduler holds the embedded target, the command runs
 * in that process instead (remote.ts).
 */
import { EXIT, explicitRangeProblem, HELP, parseCliArgs, runCli, UsageError } from "./etl.ts";
import { loadConfig } from "../../config/config.ts";
import { openRunner, reportFatal, type Runner } from "../open_runner.ts";
import { heldBy, runRemote } from "./remote.ts";
import { progressLine, thisTerminal } from "./terminal.ts";
import { Timings } from "../core/timings.ts";
import { DECLARED_JOBS } from "../declarations/mod.ts";
import { resolveApiToken } from "../token.ts";
import { isOver } from "../core/days.ts";
import { earlyFetch } from "./early_fetch.ts";

// Process start and module loading end here (for --timings).
const timings = new Timings();
timings.mark("start+imports");

async function main(): Promise<number> {
  let args;
  try {
    args = parseCliArgs(Deno.args);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`etl: ${e.message}\n\n${HELP}`);
      return EXIT.usage;
    }
    throw e;
  }
  if (!args) {
    console.log(HELP);
    return EXIT.ok;
  }
  const cfg = loadConfig({ command: "etl" });
  // Refused before anything is opened (or asked of a running process): a range over MAX_RANGE_DAYS.
  const tooLong = explicitRangeProblem(args, new Date(), cfg.maxRangeDays);
  if (tooLong) {
    console.error(tooLong);
    return EXIT.usage;
  }
  // SIGINT/SIGTERM: stop taking partitions, cancel the ones in flight (rolled
  // back, claims released, recorded "cancelled"), exit 130/143.
  const stop = new AbortController();
  const onSignal = (name: "SIGINT" | "SIGTERM") => () => {
    if (!stop.signal.aborted) {
      console.error(`etl: ${name}: cancelling the runs in flight…`);
      stop.abort(name);
    }
  };
  const handlers = { SIGINT: onSignal("SIGINT"), SIGTERM: onSignal("SIGTERM") };
  for (const [name, fn] of Object.entries(handlers)) {
    Deno.addSignalListener(name as Deno.Signal, fn);
  }
  const terminal = thisTerminal();
  const io = {
    out: (l: string) => console.log(l),
    err: (l: string) => console.error(l),
    progress: terminal.stderr ? progressLine() : undefined,
    signal: stop.signal,
  };
  // One day of one API job on PostgreSQL: its request starts now, while the target opens
  // (early_fetch.ts).
  const input = DECLARED_JOBS.find((j) => j.name === args.job)?.input;
  const token = input?.kind === "api" && args.date && cfg.targetDatabaseUrl &&
      (args.flags.allowPartial || isOver(args.date, new Date()))
    ? await resolveApiToken(cfg).catch(() => null)
    : null;
  const early = token && input?.kind === "api"
    ? earlyFetch(fetch, {
      apiUrl: cfg.sourceApiUrl,
      token,
      day: args.date!,
      variables: input.variables,
    }, AbortSignal.any([stop.signal, AbortSignal.timeout(cfg.etlTimeoutMs)]))
    : null;
  try {
    let ctx: Runner;
    try {
      // A plan is bounded by the jobs' first days (asked of the source: one small request);
      // --date runs its day whatever they are.
      ctx = await openRunner("etl", cfg, { firstDays: !args.date });
    } catch (e) {
      early?.close();
      const holder = await heldBy(e, cfg);
      if (!holder) throw e;
      return await runRemote(holder, "etl", Deno.args, { ...io, terminal });
    }
    if (early) ctx.fetch = early.fetch;
    if (args.timings) {
      timings.mark("connect+schema");
      ctx.mark = timings.mark;
    }
    try {
      return await runCli(args, ctx, io, { maxRangeDays: cfg.maxRangeDays });
    } finally {
      early?.close();
      await ctx.db.close();
      if (args.timings) {
        timings.mark("close");
        console.error(timings.line());
      }
    }
  } finally {
    for (const [name, fn] of Object.entries(handlers)) {
      Deno.removeSignalListener(name as Deno.Signal, fn);
    }
  }
}

try {
  Deno.exit(await main());
} catch (e) {
  Deno.exit(reportFatal("etl", e));
}
