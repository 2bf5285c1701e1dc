/**
 * Edge of `deno task etl`: environment, database, signals, exit code. While
 * a running start or scheduler holds the embedded target, the command runs
 * in that process instead (remote.ts).
 */
import { EXIT, HELP, parseCliArgs, runCli, UsageError } from "./etl.ts";
import { loadConfig } from "../../config/config.ts";
import { openRunner, reportFatal, type Runner } from "../open_runner.ts";
import { heldBy, runRemote } from "./remote.ts";
import { progressLine, thisTerminal } from "./terminal.ts";

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
  try {
    let ctx: Runner;
    try {
      // A plan is bounded by the jobs' first days (asked of the source: one small request);
      // --date runs its day whatever they are.
      ctx = await openRunner("etl", cfg, { firstDays: !args.date });
    } catch (e) {
      const holder = await heldBy(e, cfg);
      if (!holder) throw e;
      return await runRemote(holder, "etl", Deno.args, { ...io, terminal });
    }
    try {
      return await runCli(args, ctx, io);
    } finally {
      await ctx.db.close();
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
