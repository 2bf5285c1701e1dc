/**
 * What the runner's entry points (etl, status, scheduler, start) share at
 * start-up: configuration, the live job catalog, the target database with
 * the runner's session settings, the API token; and how a fatal error is
 * reported. Long-running processes wait for a target that cannot be reached
 * yet (openRunnerWaiting) instead of exiting.
 */
import { type Command, type Config, ConfigError, loadConfig } from "../config/config.ts";
import { openMigrated } from "../migrations/open.ts";
import { DatabaseLockedError } from "../db/dir_lock.ts";
import { MigrationError } from "../migrations/migrate.ts";
import { isConnectionError, isRefusal, PrivilegeError } from "../db/errors.ts";
import type { Db } from "../db/types.ts";
import { waitForDatabase } from "../db/wait.ts";
import { readSql } from "../sql/load.ts";
import { type JobDeclaration, JobError, resolveJobs } from "./core/job.ts";
import { JobCatalog } from "./core/catalog.ts";
import { fetchExtent } from "./core/extent.ts";
import { cachedTurbines, fetchTurbines } from "./core/turbines.ts";
import { DECLARED_JOBS } from "./declarations/mod.ts";
import { resolveApiToken } from "./token.ts";
import { abortableSleep, type RunnerContext } from "./core/runner.ts";
import { describeTargetError, messageOf } from "./core/errors.ts";
import { safeText } from "./core/safe_text.ts";
import { checkRunnerPrivileges } from "./core/privileges.ts";
import { describeNotCapable } from "../config/permissions.ts";

const EARLIEST_PARTITIONS = await readSql("runner/earliest_partitions.sql");

/** How long a process reuses the source's answer to GET /turbines. */
const TURBINES_MAX_AGE_MS = 60_000;

/** Runner sessions never wait long on a lock, nor run a statement for ever. */
export const RUNNER_DB_SETTINGS = {
  lockTimeoutMs: 5_000,
  statementTimeoutMs: 15 * 60_000,
  idleInTransactionTimeoutMs: 5 * 60_000,
};

export type Runner = RunnerContext & { cfg: Config; catalog: JobCatalog };

export interface OpenRunnerOptions {
  /** `status` reads the target only; without a token it just cannot ask the source. */
  tokenOptional?: boolean;
  /** The declared jobs (default: jobs/declarations/mod.ts). */
  declarations?: readonly JobDeclaration[];
  /**
   * Whether the jobs' first days are needed now (default true): false skips
   * asking the source at start-up (`etl --date D` needs no first day).
   */
  firstDays?: boolean;
}

export interface WaitingOptions extends OpenRunnerOptions {
  /** Ends the wait (SIGINT/SIGTERM): openRunnerWaiting then resolves null. */
  signal: AbortSignal;
  /** Once per failed attempt to reach the target, with the next pause. */
  onRetry: (attempt: number, delayMs: number, message: string) => void;
}

export async function openRunner(
  command: Command,
  cfg: Config = loadConfig({ command }),
  opts: OpenRunnerOptions = {},
): Promise<Runner> {
  return (await open(command, cfg, opts, (o) => o()))!;
}

/**
 * openRunner for long-running processes: while the target database cannot be
 * reached or is starting up, waits and retries with backoff (1 s doubling
 * to 30 s); null when `signal` ends the wait. Other errors are thrown at once.
 */
export function openRunnerWaiting(
  command: Command,
  cfg: Config,
  opts: WaitingOptions,
): Promise<Runner | null> {
  return open(command, cfg, opts, (o) =>
    waitForDatabase(o, {
      signal: opts.signal,
      onRetry: (n, ms, e) => opts.onRetry(n, ms, safeText(describeTargetError(e))),
      dispose: (db) => db.close(),
    }));
}

async function open(
  command: Command,
  cfg: Config,
  opts: OpenRunnerOptions,
  connect: (open: () => Promise<Db>) => Promise<Db | null>,
): Promise<Runner | null> {
  const declarations = opts.declarations ?? DECLARED_JOBS;
  const defaults = {
    partitionStart: cfg.partitionStart,
    // Only the commands that register schedules read ETL_CRON (config/settings.ts).
    cron: "etlCron" in cfg ? cfg.etlCron : "",
  };
  // Declarations and SQL are checked before any connection: a mistake there is said at once.
  await resolveJobs(declarations, defaults).catch((e) => {
    throw e instanceof JobError ? e : new JobError(messageOf(e));
  });
  const token = await resolveApiToken(cfg).catch((e) => {
    if (opts.tokenOptional && e instanceof ConfigError) return "";
    throw e;
  });
  const db = await connect(() =>
    openMigrated("target", {
      url: cfg.targetDatabaseUrl,
      dataDir: cfg.dataDir,
      ...RUNNER_DB_SETTINGS,
    })
  );
  if (!db) return null;
  // A role that may not do what the command needs is said at once, in one line (exit 2).
  await checkRunnerPrivileges(db, command === "status" ? "read" : "write").catch(async (e) => {
    await db.close();
    throw e;
  });
  // Read when used: `status` runs no partition, so it reads none of the run settings.
  const settings = {
    apiUrl: cfg.sourceApiUrl,
    token,
    get retrySeconds() {
      return cfg.etlRetrySeconds;
    },
    timeoutMs: cfg.etlTimeoutMs,
    get leaseSeconds() {
      return cfg.leaseSeconds;
    },
    get maxShrink() {
      return cfg.maxShrink;
    },
    get minCompleteness() {
      return cfg.minCompleteness;
    },
    get retryBaseSeconds() {
      return cfg.retryDelaySeconds;
    },
    get retryMaxSeconds() {
      return cfg.retryDelaySeconds * 64;
    },
  };
  try {
    const catalog = await JobCatalog.open({
      askSource: opts.firstDays ?? true,
      declarations,
      defaults,
      extent: token
        ? () =>
          fetchExtent(fetch, {
            apiUrl: settings.apiUrl,
            token,
            // A first day must not wait for a whole extract's timeout.
            timeoutMs: Math.min(settings.timeoutMs, 10_000),
          })
        : undefined,
      noExtent: "no API token (API_TOKEN or DATA_DIR/api-token)",
      earliestPartitions: async () => {
        const rows = await db.query<{ job: string; day: string }>(EARLIEST_PARTITIONS);
        return new Map(rows.map((r) => [r.job, r.day]));
      },
    });
    const runner: Runner = {
      cfg,
      db,
      catalog,
      get jobs() {
        return catalog.jobs;
      },
      settings,
      runner: `${Deno.hostname()}:${Deno.pid}`,
      now: () => new Date(),
      fetch,
      sleep: abortableSleep,
      random: Math.random,
      log: (m) => console.error(`${command}: ${m}`),
      // Asked once per plan or run: a minute-old list serves every run that starts within it.
      turbines: token
        ? cachedTurbines(
          () =>
            fetchTurbines(runner.fetch, {
              apiUrl: settings.apiUrl,
              token,
              timeoutMs: Math.min(settings.timeoutMs, 10_000),
            }),
          TURBINES_MAX_AGE_MS,
        )
        : undefined,
    };
    return runner;
  } catch (e) {
    await db.close();
    throw e;
  }
}

/** Prints a fatal start-up or run error (no stack trace for known causes); returns the exit code. */
export function reportFatal(command: string, e: unknown): number {
  const { lines, code } = describeFatal(command, e);
  for (const l of lines) console.error(l);
  return code;
}

/** What reportFatal prints, and the exit code: 2 for what the user can fix, else 1. */
export function describeFatal(command: string, e: unknown): { lines: string[]; code: number } {
  if (
    e instanceof ConfigError || e instanceof DatabaseLockedError || e instanceof MigrationError ||
    e instanceof JobError || e instanceof PrivilegeError
  ) {
    return { lines: [`${command}: ${safeText(e.message)}`], code: 2 };
  }
  const denied = describeNotCapable(e);
  if (denied) return { lines: [`${command}: ${denied}`], code: 2 };
  if (isConnectionError(e)) {
    return { lines: [`${command}: ${safeText(describeTargetError(e))}`], code: 1 };
  }
  // A privilege the start-up check could not foresee: still one line, still set-up (exit 2).
  if (isRefusal(e)) {
    return { lines: [`${command}: ${safeText(describeTargetError(e))}`], code: 2 };
  }
  return {
    lines: [
      `${command}: unexpected error: ${safeText(messageOf(e))}`,
      ...(e instanceof Error && e.stack ? [safeText(e.stack)] : []),
    ],
    code: 1,
  };
}
