/** Edge of `deno task etl`: environment, database, signals, exit code. */
import { EXIT, explicitRangeProblem, HELP, parseCliArgs, runCli, UsageError } from "./etl.ts";
import { loadConfig } from "../../config/config.ts";
import { openRunner, reportFatal } from "../open_runner.ts";

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
  // Refused before anything is opened: a range over MAX_RANGE_DAYS.
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
  const tty = Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  // A plan is bounded by the jobs' first days (asked of the source: one small request);
  // --date runs its day whatever they are.
  const ctx = await openRunner("etl", cfg, { firstDays: !args.date });
  try {
    return await runCli(args, ctx, {
      out: (l) => console.log(l),
      err: (l) => console.error(l),
      progress: tty
        ? (l) => Deno.stderr.writeSync(encoder.encode(l === null ? "\r\x1b[2K" : `\r\x1b[2K${l}`))
        : undefined,
      signal: stop.signal,
    }, { maxRangeDays: cfg.maxRangeDays });
  } finally {
    await ctx.db.close();
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
