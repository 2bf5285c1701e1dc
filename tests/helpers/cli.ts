/** Runs the etl CLI in-process with captured output. */
import { parseCliArgs, runCli } from "../../jobs/cli/etl.ts";
import type { RunnerContext } from "../../jobs/core/runner.ts";

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
}

export async function cli(
  ctx: RunnerContext,
  args: string[],
  signal?: AbortSignal,
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const parsed = parseCliArgs(args);
  if (!parsed) throw new Error("--help in a test");
  const code = await runCli(parsed, ctx, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    signal,
  });
  return { code, out, err };
}
