/**
 * `deno task etl`: run partitions from the command line. Everything it needs
 * is passed in, so tests run it in-process; etl_main.ts is the thin edge.
 */
import { parseArgs } from "node:util";
import type { Db } from "../db/types.ts";
import { isDay } from "../config.ts";
import { runPartition, type RunResult } from "./partition_run.ts";
import type { ExtractDeps } from "./extract.ts";
import type { Transform } from "./transform.ts";

export const EXIT = { ok: 0, failed: 1, usage: 2, busy: 3 } as const;

export const HELP = `Usage: deno task etl --date YYYY-MM-DD

Runs one partition (one UTC day) of the etl job: pulls the day from the source
API into staging, validates it, and replaces the day's 10-minute aggregates in
the target database in one transaction, recording the partition's state.

Options:
  --date YYYY-MM-DD   the UTC day to run
  --job NAME          the job (default: etl)
  -h, --help          this text

Exit codes: 0 succeeded, 1 failed (the error is printed; the day's previous
data is untouched), 2 bad usage or configuration, 3 the partition is being
run by another runner right now.

Configuration (environment): SOURCE_API_URL, API_TOKEN, TARGET_DATABASE_URL
(unset: embedded database under DATA_DIR), ETL_ATTEMPTS, ETL_TIMEOUT_MS,
ETL_LEASE_SECONDS. See README.md.`;

export interface CliDeps extends ExtractDeps {
  db: Db;
  transform: Transform;
  apiUrl: string;
  token: string;
  attempts: number;
  timeoutMs: number;
  leaseSeconds: number;
  runner: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

export class UsageError extends Error {
  override name = "UsageError";
}

export interface CliArgs {
  day: string;
  job: string;
}

/** Parses the arguments; null means --help was asked for. */
export function parseCliArgs(args: string[]): CliArgs | null {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        date: { type: "string" },
        job: { type: "string", default: "etl" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return null;
  if (!values.date) throw new UsageError("--date YYYY-MM-DD is required");
  if (!isDay(values.date)) {
    throw new UsageError(`--date must be a real date written YYYY-MM-DD (got "${values.date}")`);
  }
  if (!/^[a-z][a-z0-9_]*$/.test(values.job!)) {
    throw new UsageError(`--job must be a lower-case name (got "${values.job}")`);
  }
  return { day: values.date, job: values.job! };
}

export async function runCli(args: CliArgs, deps: CliDeps): Promise<number> {
  const result = await runPartition(deps, {
    job: args.job,
    day: args.day,
    trigger: "cli",
    runner: deps.runner,
    apiUrl: deps.apiUrl,
    token: deps.token,
    attempts: deps.attempts,
    timeoutMs: deps.timeoutMs,
    leaseSeconds: deps.leaseSeconds,
  });
  return report(args, deps, result);
}

function report(args: CliArgs, deps: CliDeps, r: RunResult): number {
  const what = `${args.job} ${args.day}`;
  switch (r.status) {
    case "succeeded": {
      const bins = r.rowsOut / 8;
      const retries = r.attempts > 1 ? `, after ${r.attempts} attempts` : "";
      deps.out(
        `${what} succeeded: ${r.rowsIn} readings -> ${r.rowsOut} rows` +
          ` (${bins} bins x 8 signals) in ${r.ms} ms${retries}` +
          ` [${deps.transform.file} ${deps.transform.hash.slice(0, 8)}, run ${r.runId}]`,
      );
      return EXIT.ok;
    }
    case "failed":
      deps.err(`${what} failed (run ${r.runId}, ${r.ms} ms): ${r.error}`);
      return EXIT.failed;
    case "busy":
      deps.err(
        `${what} is busy: run ${r.holder.runId} by ${r.holder.runner} holds it since ` +
          `${r.holder.startedAt} (lease until ${r.holder.leaseUntil}). Nothing was done; ` +
          `wait for it to finish (deno task status) and run again if needed.`,
      );
      return EXIT.busy;
  }
}
