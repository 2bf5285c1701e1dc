/**
 * Configuration from environment variables, validated once at start-up.
 * Every error names the variable; no value of a secret is ever printed.
 */

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type EnvGet = (name: string) => string | undefined;

/** Deno.env.get, where a variable this command is not allowed to read counts as unset. */
export const denoEnv: EnvGet = (name) => {
  try {
    return Deno.env.get(name) || undefined;
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) return undefined;
    throw e;
  }
};

export interface Config {
  apiToken?: string;
  sourceApiUrl: string;
  sourceDatabaseUrl?: string;
  targetDatabaseUrl?: string;
  /** First partition day of every job, YYYY-MM-DD; unset: where the source's readings start. */
  partitionStart?: string;
  etlCron: string;
  port: number;
  runnerPort: number;
  dataDir: string;
  maxRangeDays: number;
  /** Concurrent /data and /fingerprints streams; one more is answered 503 at once. */
  apiStreams: number;
  /** A /data client that reads nothing for this long is cut off and its query cancelled. */
  streamStallSeconds: number;
  /** Extract attempts per run (1 = no retry). */
  etlAttempts: number;
  /** Per-attempt timeout of the extract request. */
  etlTimeoutMs: number;
  /** How long a claim on a partition lives without a heartbeat. */
  leaseSeconds: number;
  /** Seed the demo data into an empty real source database too (the embedded one always is). */
  seedDemo: boolean;
  /** Largest accepted drop in a day's readings against its last success, 0..1. */
  maxShrink: number;
  /** Automatic attempts of a failing partition before it waits for a person. */
  maxAttempts: number;
  /** First delay before an automatic retry; doubles per failure (capped at 64x). */
  retryDelaySeconds: number;
  /** Partitions the scheduler runs at once. */
  schedulerConcurrency: number;
  /** `deno task start`: how many demo days (up to yesterday) it seeds. */
  demoDays: number;
  /** How often the scheduler and the page re-read the jobs' SQL and the source's extent and act on changes. */
  watchSeconds: number;
}

export function loadConfig(get: EnvGet = denoEnv): Config {
  const port = int(get, "PORT", 8000, 1, 65535);
  const sourceDatabaseUrl = optionalUrl(get, "SOURCE_DATABASE_URL");
  const targetDatabaseUrl = optionalUrl(get, "TARGET_DATABASE_URL");
  if (sourceDatabaseUrl && sourceDatabaseUrl === targetDatabaseUrl) {
    // Both schemas have a table "data": one database cannot hold both.
    throw new ConfigError(
      "SOURCE_DATABASE_URL and TARGET_DATABASE_URL name the same database: use two databases",
    );
  }
  return {
    apiToken: get("API_TOKEN"),
    sourceApiUrl: url(get, "SOURCE_API_URL", `http://127.0.0.1:${port}`, ["http:", "https:"]),
    sourceDatabaseUrl,
    targetDatabaseUrl,
    partitionStart: optionalDay(get, "PARTITION_START"),
    etlCron: cron(get, "ETL_CRON", "0 1 * * *"),
    port,
    runnerPort: int(get, "RUNNER_PORT", 3000, 0, 65535),
    dataDir: get("DATA_DIR") ?? "./.data",
    maxRangeDays: int(get, "MAX_RANGE_DAYS", 31, 1, 3660),
    apiStreams: int(get, "API_STREAMS", 10, 1, 1000),
    streamStallSeconds: int(get, "STREAM_STALL_SECONDS", 30, 1, 3600),
    etlAttempts: int(get, "ETL_ATTEMPTS", 4, 1, 100),
    etlTimeoutMs: int(get, "ETL_TIMEOUT_MS", 60_000, 100, 3_600_000),
    leaseSeconds: int(get, "ETL_LEASE_SECONDS", 60, 5, 86_400),
    seedDemo: bool(get, "SEED_DEMO", false),
    maxShrink: int(get, "ETL_MAX_SHRINK", 10, 0, 100) / 100,
    maxAttempts: int(get, "MAX_ATTEMPTS", 5, 1, 1000),
    retryDelaySeconds: int(get, "RETRY_DELAY_SECONDS", 60, 1, 86_400),
    schedulerConcurrency: int(get, "SCHEDULER_CONCURRENCY", 2, 1, 64),
    demoDays: int(get, "DEMO_DAYS", 10, 1, 366),
    watchSeconds: int(get, "WATCH_SECONDS", 60, 1, 3600),
  };
}

function int(get: EnvGet, name: string, dflt: number, min: number, max: number): number {
  const raw = get(name);
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return n;
}

function bool(get: EnvGet, name: string, dflt: boolean): boolean {
  const raw = get(name)?.trim().toLowerCase();
  if (raw === undefined) return dflt;
  if (["true", "1", "yes"].includes(raw)) return true;
  if (["false", "0", "no"].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false (got "${get(name)}")`);
}

function url(get: EnvGet, name: string, dflt: string, protocols: string[]): string {
  const raw = get(name) ?? dflt;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(u.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => p + "//").join(" or ")}`);
  }
  return raw.replace(/\/+$/, "");
}

function optionalUrl(get: EnvGet, name: string): string | undefined {
  const raw = get(name);
  if (raw === undefined) return undefined;
  // Parsed only to reject typos early; never echoed, it may hold a password.
  return url(get, name, raw, ["postgres:", "postgresql:"]);
}

function optionalDay(get: EnvGet, name: string): string | undefined {
  const raw = get(name);
  if (raw === undefined) return undefined;
  if (!isDay(raw)) throw new ConfigError(`${name} must be a date YYYY-MM-DD (got "${raw}")`);
  return raw;
}

/** True for a real calendar date written YYYY-MM-DD. */
export function isDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  try {
    Temporal.PlainDate.from(s, { overflow: "reject" });
    return true;
  } catch {
    return false;
  }
}

function cron(get: EnvGet, name: string, dflt: string): string {
  const raw = (get(name) ?? dflt).trim();
  if (raw.split(/\s+/).length !== 5) {
    throw new ConfigError(`${name} must be a 5-field cron expression in UTC, e.g. "0 1 * * *"`);
  }
  return raw;
}
