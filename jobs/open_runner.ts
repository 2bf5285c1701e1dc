/**
 * What the runner's entry points (etl, status, scheduler) share at start-up:
 * configuration, the declared jobs, the target database with the runner's
 * session settings, the API token; and how a fatal error is reported.
 */
import { type Config, ConfigError, loadConfig } from "../config/config.ts";
import { openMigrated } from "../migrations/open.ts";
import { DatabaseLockedError } from "../db/dir_lock.ts";
import { MigrationError } from "../migrations/migrate.ts";
import { isConnectionError } from "../db/errors.ts";
import { JobError, resolveJobs } from "./core/job.ts";
import { DECLARED_JOBS } from "./declarations/mod.ts";
import { resolveApiToken } from "./token.ts";
import { abortableSleep, type RunnerContext } from "./core/runner.ts";
import { describeTargetError, messageOf } from "./core/errors.ts";
import { safeText } from "./core/safe_text.ts";
import { describeNotCapable } from "../config/permissions.ts";

/** Runner sessions never wait long on a lock, nor run a statement for ever. */
export const RUNNER_DB_SETTINGS = {
  lockTimeoutMs: 5_000,
  statementTimeoutMs: 15 * 60_000,
  idleInTransactionTimeoutMs: 5 * 60_000,
};

export async function openRunner(
  command: string,
  cfg: Config = loadConfig(),
  opts: { tokenOptional?: boolean } = {},
): Promise<RunnerContext & { cfg: Config }> {
  const jobs = await resolveJobs(DECLARED_JOBS, {
    partitionStart: cfg.partitionStart,
    cron: cfg.etlCron,
  });
  // `status` reads the target only; without a token it just cannot ask the source.
  const token = await resolveApiToken(cfg).catch((e) => {
    if (opts.tokenOptional && e instanceof ConfigError) return "";
    throw e;
  });
  const db = await openMigrated("target", {
    url: cfg.targetDatabaseUrl,
    dataDir: cfg.dataDir,
    ...RUNNER_DB_SETTINGS,
  });
  return {
    cfg,
    db,
    jobs,
    settings: {
      apiUrl: cfg.sourceApiUrl,
      token,
      attempts: cfg.etlAttempts,
      timeoutMs: cfg.etlTimeoutMs,
      leaseSeconds: cfg.leaseSeconds,
      maxShrink: cfg.maxShrink,
      retryBaseSeconds: cfg.retryDelaySeconds,
      retryMaxSeconds: cfg.retryDelaySeconds * 64,
    },
    runner: `${Deno.hostname()}:${Deno.pid}`,
    now: () => new Date(),
    fetch,
    sleep: abortableSleep,
    random: Math.random,
    log: (m) => console.error(`${command}: ${m}`),
  };
}

/** Prints a fatal start-up or run error (no stack trace for known causes); returns the exit code. */
export function reportFatal(command: string, e: unknown): number {
  if (
    e instanceof ConfigError || e instanceof DatabaseLockedError || e instanceof MigrationError ||
    e instanceof JobError
  ) {
    console.error(`${command}: ${safeText(e.message)}`);
    return 2;
  }
  const denied = describeNotCapable(e);
  if (denied) {
    console.error(`${command}: ${denied}`);
    return 2;
  }
  if (isConnectionError(e)) {
    console.error(`${command}: ${safeText(describeTargetError(e))}`);
    return 1;
  }
  console.error(`${command}: unexpected error: ${safeText(messageOf(e))}`);
  if (e instanceof Error && e.stack) console.error(safeText(e.stack));
  return 1;
}
