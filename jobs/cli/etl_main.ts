/** Edge of `deno task etl`: environment, database, signals, exit code. */
import { EXIT, HELP, parseCliArgs, runCli, UsageError } from "./etl.ts";
import { loadConfig } from "../../config/config.ts";
import { openRunner, reportFatal } from "../open_runner.ts";
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
  // One day of one API job on PostgreSQL: its request starts now, while the target opens
  // (early_fetch.ts).
  const input = DECLARED_JOBS.find((j) => j.name === args.job)?.input;
  const token = input?.kind === "api" && args.date &&
      (args.flags.allowPartial || isOver(args.date, new Date()))
    ? await resolveApiToken(cfg).catch(() => null)
    : null;
  const early = token && input?.kind === "api" && cfg.targetDatabaseUrl
    ? earlyFetch(fetch, {
      apiUrl: cfg.sourceApiUrl,
      token,
      day: args.date!,
      variables: input.variables,
    }, AbortSignal.any([stop.signal, AbortSignal.timeout(cfg.etlTimeoutMs)]))
    : null;
  // A plan is bounded by the jobs' first days (asked of the source: one small request);
  // --date runs its day whatever they are.
  const ctx = await openRunner("etl", cfg, { firstDays: !args.date }).catch((e) => {
    early?.close();
    throw e;
  });
  if (early) ctx.fetch = early.fetch;
  if (args.timings) {
    timings.mark("connect+schema");
    ctx.mark = timings.mark;
  }
  try {
    return await runCli(args, ctx, {
      out: (l) => console.log(l),
      err: (l) => console.error(l),
      progress: tty
        ? (l) => Deno.stderr.writeSync(encoder.encode(l === null ? "\r\x1b[2K" : `\r\x1b[2K${l}`))
        : undefined,
      signal: stop.signal,
    });
  } finally {
    early?.close();
    await ctx.db.close();
    for (const [name, fn] of Object.entries(handlers)) {
      Deno.removeSignalListener(name as Deno.Signal, fn);
    }
    if (args.timings) {
      timings.mark("close");
      console.error(timings.line());
    }
  }
}

try {
  Deno.exit(await main());
} catch (e) {
  Deno.exit(reportFatal("etl", e));
}
