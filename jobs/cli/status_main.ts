/**
 * Edge of `deno task status`. While a running start or scheduler holds the
 * embedded target, the report is made in that process instead (remote.ts).
 */
import { loadConfig } from "../../config/config.ts";
import { openRunner, reportFatal, type Runner } from "../open_runner.ts";
import { UsageError } from "./etl.ts";
import { parseStatusArgs, rangeProblem, runStatus, STATUS_HELP, textOptions } from "./status.ts";
import { heldBy, runRemote } from "./remote.ts";
import { thisTerminal } from "./terminal.ts";

async function main(): Promise<number> {
  let args;
  try {
    args = parseStatusArgs(Deno.args);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`status: ${e.message}\n\n${STATUS_HELP}`);
      return 2;
    }
    throw e;
  }
  if (!args) {
    console.log(STATUS_HELP);
    return 0;
  }
  const cfg = loadConfig({ command: "status" });
  // A range asked for is capped before anything is opened (or asked of a running process).
  const tooLong = rangeProblem(args, new Date(), cfg.maxRangeDays);
  if (tooLong) {
    console.error(tooLong);
    return 2;
  }
  const terminal = thisTerminal();
  const io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) };
  let ctx: Runner;
  try {
    ctx = await openRunner("status", cfg, { tokenOptional: true });
  } catch (e) {
    const holder = await heldBy(e, cfg);
    if (!holder) throw e;
    return await runRemote(holder, "status", Deno.args, { ...io, terminal });
  }
  try {
    return await runStatus(args, ctx, {
      ...io,
      text: textOptions(terminal),
      maxRangeDays: cfg.maxRangeDays,
    });
  } finally {
    await ctx.db.close();
  }
}

try {
  Deno.exit(await main());
} catch (e) {
  Deno.exit(reportFatal("status", e));
}
