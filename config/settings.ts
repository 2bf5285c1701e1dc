/**
 * The registry of every environment variable windbin reads: its name, its
 * default, what it means, which commands read it and how its value is
 * checked. Code reads the environment only through config.ts, which reads
 * only what this list gives the running command. The README's
 * "Configuration" table and deno.json's permission sets are checked
 * against it (tests/config_registry.test.ts); `deno task config-table`
 * prints the table.
 */
import { cronProblem } from "./cron.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The `deno task` commands (deno.json). */
export const COMMANDS = [
  "serve",
  "seed",
  "migrate",
  "etl",
  "status",
  "scheduler",
  "start",
] as const;
export type Command = (typeof COMMANDS)[number];

/** Who reads a variable: a command, or the Docker image's own scripts (docker/). */
export type Consumer = Command | "image";

export interface Config {
  apiToken?: string;
  sourceDatabaseUrl?: string;
  targetDatabaseUrl?: string;
  sourceApiUrl: string;
  /** Listen address of the servers. */
  host: string;
  port: number;
  runnerPort: number;
  dataDir: string;
  /** The demo of `start` and `serve`: how many days (up to yesterday) it seeds. */
  demoDays: number;
  /** The demo's turbines: 1 is the single series `default`, more a farm T01 .. Tn. */
  demoTurbines: number;
  /** Seconds after the first round (start) or the start (serve) that the demo's late hour arrives; 0: not late. */
  demoLateSeconds: number;
  /** Seed the demo data into an empty real source database too (the embedded one always is). */
  seedDemo: boolean;
  /** The longest range of days any route or command takes at once. */
  maxRangeDays: number;
  /** The status page is behind a reverse proxy whose X-Forwarded-* headers count. */
  trustProxy: boolean;
  /** Concurrent /data and /fingerprints streams; one more is answered 503 at once. */
  apiStreams: number;
  /** A /data client that reads nothing for this long is cut off and its query cancelled. */
  streamStallSeconds: number;
  /** First partition day of every job, YYYY-MM-DD; unset: where the source's readings start. */
  partitionStart?: string;
  /** How often the scheduler and the page re-read the jobs' SQL and the source's extent and act on changes. */
  watchSeconds: number;
  etlCron: string;
  /** How long an extract retries transient failures, seconds (0 = no retry). */
  etlRetrySeconds: number;
  /** Per-attempt timeout of the extract request. */
  etlTimeoutMs: number;
  /** How long a claim on a partition lives without a heartbeat. */
  leaseSeconds: number;
  /** Largest accepted drop in a day's readings against its last success, 0..1. */
  maxShrink: number;
  /** A turbine with fewer than this share of its expected readings makes its day incomplete, 0..1. */
  minCompleteness: number;
  /** Partitions the scheduler runs at once. */
  schedulerConcurrency: number;
  /** Automatic attempts of a failing partition before it waits for a person. */
  maxAttempts: number;
  /** First delay before an automatic retry; doubles per failure (capped at 64x). */
  retryDelaySeconds: number;
}

export interface Setting {
  name: string;
  /**
   * `windbin`: read by the commands through config.ts (and reported when set
   * for a command that does not read it); `image`: read only by the Docker
   * image's scripts; `driver`: read by node-postgres, not by windbin's code.
   */
  kind: "windbin" | "image" | "driver";
  /** As the README shows it. */
  default: string;
  meaning: string;
  usedBy: readonly Consumer[];
  /** The Config field it fills (windbin settings). */
  key?: keyof Config;
  /** Its value is never printed. */
  secret?: boolean;
  /** The names a permission set lists for it, when not just `name` (e.g. `PG*`). */
  permission?: readonly string[];
  /** Why a command that does not read it ignores it, when "it is read by …" says too little. */
  ignoredBy?: Partial<Record<Command, string>>;
  /** The value from the raw text (undefined: unset or empty); throws ConfigError naming the variable. */
  parse?: (raw: string | undefined, earlier: Partial<Config>) => unknown;
}

const ALL: readonly Command[] = COMMANDS;

/**
 * The demo's turbine count when DEMO_TURBINES is unset: a small farm.
 * LEAD: a farm needs the per-turbine `etl`/`daily` of the farm branch (tested
 * with it: each turbine's bins, `incomplete` days, the late hour rebuilt). On
 * a main without it, the production `etl` transform aggregates all of
 * staging and mixes the turbines into one series: set this to 1 there.
 */
export const DEFAULT_DEMO_TURBINES = 4;
const RUNNERS: readonly Command[] = ["etl", "scheduler", "start"];

/** In README order. */
export const SETTINGS: readonly Setting[] = [
  {
    name: "API_TOKEN",
    kind: "windbin",
    key: "apiToken",
    secret: true,
    default: "generated (embedded)",
    meaning:
      "bearer token of the source API, at least 16 characters, no spaces. Required with `SOURCE_DATABASE_URL`; on the embedded demo one is generated once into `DATA_DIR/api-token`",
    usedBy: ["serve", "etl", "status", "scheduler", "start"],
    parse: (raw) => raw === undefined ? undefined : token("API_TOKEN", raw),
  },
  {
    name: "SOURCE_DATABASE_URL",
    kind: "windbin",
    key: "sourceDatabaseUrl",
    secret: true,
    default: "embedded `DATA_DIR/source`",
    meaning: "`postgres://...` of the source database",
    usedBy: ["serve", "seed", "migrate", "start", "image"],
    parse: (raw) => raw === undefined ? undefined : databaseUrl("SOURCE_DATABASE_URL", raw),
  },
  {
    name: "TARGET_DATABASE_URL",
    kind: "windbin",
    key: "targetDatabaseUrl",
    secret: true,
    default: "embedded `DATA_DIR/target`",
    meaning: "`postgres://...` of the target database (aggregates, partitions, runs)",
    usedBy: ["migrate", "etl", "status", "scheduler", "start", "image"],
    parse: (raw, earlier) => {
      if (raw === undefined) return undefined;
      const url = databaseUrl("TARGET_DATABASE_URL", raw);
      if (url === earlier.sourceDatabaseUrl) {
        // Both schemas have a table "data": one database cannot hold both.
        throw new ConfigError(
          "SOURCE_DATABASE_URL and TARGET_DATABASE_URL name the same database: use two databases",
        );
      }
      return url;
    },
  },
  {
    name: "HOST",
    kind: "windbin",
    key: "host",
    default: "`127.0.0.1`",
    meaning:
      "the address the servers listen on (the API of `serve`, the status page of `scheduler` and `start`); `0.0.0.0` for every interface (the Docker image sets it)",
    usedBy: ["serve", "scheduler", "start", "image"],
    parse: (raw) => raw === undefined ? "127.0.0.1" : host("HOST", raw),
  },
  {
    name: "PORT",
    kind: "windbin",
    key: "port",
    default: "`8000`",
    meaning: "port of the source API (and of the runner's default `SOURCE_API_URL`)",
    usedBy: ["serve", "etl", "status", "scheduler", "start", "image"],
    parse: (raw) => int("PORT", raw, 8000, 1, 65535),
  },
  {
    name: "SOURCE_API_URL",
    kind: "windbin",
    key: "sourceApiUrl",
    default: "`http://127.0.0.1:$PORT`",
    meaning: "where the runner finds the source API (`start` serves its own and ignores this)",
    usedBy: ["etl", "status", "scheduler", "image"],
    ignoredBy: {
      start: "it serves its own source API and reaches it on 127.0.0.1:PORT",
    },
    parse: (raw, earlier) =>
      raw === undefined ? `http://127.0.0.1:${earlier.port}` : httpUrl("SOURCE_API_URL", raw),
  },
  {
    name: "RUNNER_PORT",
    kind: "windbin",
    key: "runnerPort",
    default: "`3000`",
    meaning: "port of the status page, its JSON API and `/metrics` (`0`: no page)",
    usedBy: ["scheduler", "start", "image"],
    parse: (raw) => int("RUNNER_PORT", raw, 3000, 0, 65535),
  },
  {
    name: "DATA_DIR",
    kind: "windbin",
    key: "dataDir",
    default: "`./.data`",
    meaning:
      "embedded databases, one directory per database, and the demo token; the tasks may write only under `./.data`",
    usedBy: ALL,
    parse: (raw) => raw ?? "./.data",
  },
  {
    name: "DEMO_DAYS",
    kind: "windbin",
    key: "demoDays",
    default: "`10`",
    meaning:
      "the demo of `start` (and of `serve`: its embedded source, or with `SEED_DEMO`): the days of 1-minute readings up to yesterday it seeds; days that have readings are left as they are",
    usedBy: ["serve", "start"],
    parse: (raw) => int("DEMO_DAYS", raw, 10, 1, 366),
  },
  {
    name: "DEMO_TURBINES",
    kind: "windbin",
    key: "demoTurbines",
    default: `\`${DEFAULT_DEMO_TURBINES}\``,
    meaning:
      "the demo's turbines: `1` is one series (turbine `default`); more are a farm `T01` .. `Tn`, each with its own wind and power, the last one down for 5 hours on the middle day (no readings), and one hour of `T01` arriving late (`DEMO_LATE_SECONDS`)",
    usedBy: ["serve", "start"],
    parse: (raw) => int("DEMO_TURBINES", raw, DEFAULT_DEMO_TURBINES, 1, 200),
  },
  {
    name: "DEMO_LATE_SECONDS",
    kind: "windbin",
    key: "demoLateSeconds",
    default: "`60`",
    meaning:
      "a farm demo's late hour (yesterday 14:00-15:00 of `T01`) is written this many seconds after `start`'s first round, or after `serve` starts listening, so that day is rebuilt once it arrives; `0`: not late (seeded with the rest)",
    usedBy: ["serve", "start"],
    parse: (raw) => int("DEMO_LATE_SECONDS", raw, 60, 0, 86400),
  },
  {
    name: "SEED_DEMO",
    kind: "windbin",
    key: "seedDemo",
    default: "`false`",
    meaning:
      "`true`: `serve` seeds the demo (`DEMO_*`) into its real source database too (the embedded one always gets it), unless that holds readings and none on the demo's days; docker-compose.yml sets it",
    usedBy: ["serve"],
    parse: (raw) => bool("SEED_DEMO", raw, false),
  },
  {
    name: "MAX_RANGE_DAYS",
    kind: "windbin",
    key: "maxRangeDays",
    default: "`3660`",
    meaning:
      "the longest range of days any route or command takes at once (`/data`, `/fingerprints`, the status page and its JSON, `status`, `etl` plans); longer asks get a `400` or exit `2` naming it",
    usedBy: ["serve", "start", "scheduler", "status", "etl"],
    parse: (raw) => int("MAX_RANGE_DAYS", raw, 3660, 1, 3660),
  },
  {
    name: "TRUST_PROXY",
    kind: "windbin",
    key: "trustProxy",
    default: "`false`",
    meaning:
      "`true`: the status page sits behind a reverse proxy whose `X-Forwarded-Host`/`-Proto`/`-For` it trusts (same-origin check, login throttling per client); otherwise only the connection itself counts",
    usedBy: ["scheduler", "start"],
    parse: (raw) => bool("TRUST_PROXY", raw, false),
  },
  {
    name: "API_STREAMS",
    kind: "windbin",
    key: "apiStreams",
    default: "`10`",
    meaning:
      "concurrent `/data` streams (and database stream connections); one more request is answered `503` with `Retry-After: 1` at once",
    usedBy: ["serve", "start"],
    parse: (raw) => int("API_STREAMS", raw, 10, 1, 1000),
  },
  {
    name: "STREAM_STALL_SECONDS",
    kind: "windbin",
    key: "streamStallSeconds",
    default: "`30`",
    meaning:
      "a `/data` client that reads nothing for this long is cut off (the transfer breaks) and its query is cancelled",
    usedBy: ["serve", "start"],
    parse: (raw) => int("STREAM_STALL_SECONDS", raw, 30, 1, 3600),
  },
  {
    name: "PARTITION_START",
    kind: "windbin",
    key: "partitionStart",
    default: "the source's first day",
    meaning:
      "the first partition day of every job, `0001-01-01` to `9999-12-30`; unset, each job starts on the first day the source has readings (`GET /extent`; a pure-SQL job where its upstream starts)",
    usedBy: ["etl", "status", "scheduler", "start"],
    parse: (raw) => raw === undefined ? undefined : day("PARTITION_START", raw),
  },
  {
    name: "WATCH_SECONDS",
    kind: "windbin",
    key: "watchSeconds",
    default: "`60`",
    meaning:
      "how often the scheduler, the status page and `start` re-read the jobs' SQL and the source's extent and fingerprints, and act on what changed (new SQL, upstream days rebuilt, source days changed)",
    usedBy: ["scheduler", "start"],
    parse: (raw) => int("WATCH_SECONDS", raw, 60, 1, 3600),
  },
  {
    name: "ETL_CRON",
    kind: "windbin",
    key: "etlCron",
    default: "`0 1 * * *`",
    meaning:
      "the scheduler's cron (5 fields, UTC) for every job without its own schedule; one that never fires is refused",
    usedBy: ["scheduler", "start"],
    parse: (raw) => raw === undefined ? "0 1 * * *" : cron("ETL_CRON", raw),
  },
  {
    name: "ETL_RETRY_SECONDS",
    kind: "windbin",
    key: "etlRetrySeconds",
    default: "`60`",
    meaning:
      "how long an extract retries a source that fails transiently (connection, timeout, 5xx, 429), waiting what a 503/429's `Retry-After` asks within it, else backing off (0 = no retry)",
    usedBy: RUNNERS,
    parse: (raw) => int("ETL_RETRY_SECONDS", raw, 60, 0, 86_400),
  },
  {
    name: "ETL_TIMEOUT_MS",
    kind: "windbin",
    key: "etlTimeoutMs",
    default: "`60000`",
    meaning:
      "timeout of one extract attempt, whole response body included (and of `status`'s request for source fingerprints)",
    usedBy: ["etl", "status", "scheduler", "start"],
    parse: (raw) => int("ETL_TIMEOUT_MS", raw, 60_000, 100, 3_600_000),
  },
  {
    name: "ETL_LEASE_SECONDS",
    kind: "windbin",
    key: "leaseSeconds",
    default: "`60`",
    meaning:
      "how long a claim on a partition lives without a heartbeat (the takeover bound after a runner dies)",
    usedBy: RUNNERS,
    parse: (raw) => int("ETL_LEASE_SECONDS", raw, 60, 5, 86_400),
  },
  {
    name: "ETL_MAX_SHRINK",
    kind: "windbin",
    key: "maxShrink",
    default: "`10`",
    meaning:
      "percent: a day whose readings drop more than this against its last success is refused (`--allow-shrink`)",
    usedBy: RUNNERS,
    parse: (raw) => int("ETL_MAX_SHRINK", raw, 10, 0, 100) / 100,
  },
  {
    name: "MIN_COMPLETENESS",
    kind: "windbin",
    key: "minCompleteness",
    default: "`0.99`",
    meaning:
      "0..1: a day where a turbine sent fewer than this share of the readings its cadence promises (`GET /turbines`: 86400 / cadence a day), or none at all, is recorded `incomplete`, naming the turbines",
    usedBy: RUNNERS,
    parse: (raw) => fraction("MIN_COMPLETENESS", raw, 0.99),
  },
  {
    name: "SCHEDULER_CONCURRENCY",
    kind: "windbin",
    key: "schedulerConcurrency",
    default: "`2`",
    meaning: "partitions a scheduler runs at once",
    usedBy: ["scheduler", "start"],
    parse: (raw) => int("SCHEDULER_CONCURRENCY", raw, 2, 1, 64),
  },
  {
    name: "MAX_ATTEMPTS",
    kind: "windbin",
    key: "maxAttempts",
    default: "`5`",
    meaning: "automatic attempts of a failing partition before it waits for a person",
    usedBy: ["scheduler", "start"],
    parse: (raw) => int("MAX_ATTEMPTS", raw, 5, 1, 1000),
  },
  {
    name: "RETRY_DELAY_SECONDS",
    kind: "windbin",
    key: "retryDelaySeconds",
    default: "`60`",
    meaning: "first delay before an automatic retry; doubles per failure (at most 64×)",
    usedBy: RUNNERS,
    parse: (raw) => int("RETRY_DELAY_SECONDS", raw, 60, 1, 86_400),
  },
  {
    name: "WAIT_FOR_DEPS",
    kind: "image",
    default: "unset (no wait)",
    meaning:
      "seconds the image's entrypoint waits for the databases and the source API named above before it starts the command; docker-compose.yml sets it",
    usedBy: ["image"],
  },
  {
    name: "HEALTHCHECK_URL",
    kind: "image",
    default: "the command's own `/health`",
    meaning: "what the image's `HEALTHCHECK` asks instead",
    usedBy: ["image"],
  },
  {
    name: "STATUS_UPSTREAM",
    kind: "image",
    default: "`scheduler:3000`",
    meaning:
      "docker-compose.yml's `status` service: the scheduler replicas' page it forwards its `PORT` to",
    usedBy: ["image"],
  },
  {
    name: "PG*",
    kind: "driver",
    permission: ["PG*"],
    default: "unset",
    meaning:
      "read by node-postgres for what a database URL leaves out (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, …)",
    usedBy: ALL,
  },
  {
    name: "USER",
    kind: "driver",
    default: "unset",
    meaning: "read by node-postgres: the database user when neither the URL nor `PGUSER` names one",
    usedBy: ALL,
  },
];

// ---------------------------------------------------------------- parsers

function int(name: string, raw: string | undefined, dflt: number, min: number, max: number) {
  if (raw === undefined) return dflt;
  const n = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return n;
}

/** A share from 0 to 1, written as a decimal (0.99) or an integer (0, 1). */
function fraction(name: string, raw: string | undefined, dflt: number): number {
  if (raw === undefined) return dflt;
  const v = raw.trim();
  const n = Number(v);
  if (!/^(?:0|1|0?\.\d+|1\.0*)$/.test(v) || !(n >= 0 && n <= 1)) {
    throw new ConfigError(`${name} must be a number from 0 to 1, e.g. 0.99 (got "${raw}")`);
  }
  return n;
}

function bool(name: string, raw: string | undefined, dflt: boolean): boolean {
  if (raw === undefined) return dflt;
  const v = raw.trim().toLowerCase();
  if (["true", "1", "yes"].includes(v)) return true;
  if (["false", "0", "no"].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}")`);
}

function parseUrl(name: string, raw: string, protocols: string[]): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // Never echoed: it may hold a password.
    throw new ConfigError(`${name} is not a valid URL; expected ${protocols[0]}//host:port/...`);
  }
  if (!protocols.includes(u.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => p + "//").join(" or ")}`);
  }
  return u;
}

function httpUrl(name: string, raw: string): string {
  parseUrl(name, raw, ["http:", "https:"]);
  return raw.replace(/\/+$/, "");
}

function databaseUrl(name: string, raw: string): string {
  parseUrl(name, raw, ["postgres:", "postgresql:"]);
  return raw.replace(/\/+$/, "");
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

/** PostgreSQL has no year 0, and the day after the last one must still be a date. */
export const FIRST_DAY = "0001-01-01";
export const LAST_DAY = "9999-12-30";

/** Why `s` is not a day windbin can partition, or null. */
export function dayProblem(s: string): string | null {
  return isDay(s) && s >= FIRST_DAY && s <= LAST_DAY
    ? null
    : `must be a real date written YYYY-MM-DD, from ${FIRST_DAY} to ${LAST_DAY} (got "${s}")`;
}

function day(name: string, raw: string): string {
  const problem = dayProblem(raw.trim());
  if (problem) throw new ConfigError(`${name} ${problem}`);
  return raw.trim();
}

function cron(name: string, raw: string): string {
  const expr = raw.trim();
  const problem = cronProblem(expr);
  if (problem) {
    throw new ConfigError(
      `${name} must be a 5-field cron expression in UTC that fires, e.g. "0 1 * * *" ` +
        `(got "${raw}": ${problem})`,
    );
  }
  return expr;
}

/** Why `t` cannot be an API token, or null. Never says what the token is. */
export function tokenProblem(t: string): string | null {
  if (!t.trim()) return "is blank";
  // deno-lint-ignore no-control-regex
  if (/[\s\u0000-\u001f\u007f-\uffff]/.test(t)) {
    return "may hold printable ASCII only, no spaces (it travels in an HTTP header)";
  }
  if (t.length < 16) return `is ${t.length} characters long; it needs at least 16`;
  return null;
}

function token(name: string, raw: string): string {
  const problem = tokenProblem(raw);
  if (problem) {
    throw new ConfigError(
      `${name} ${problem}: use a long random string, e.g. \`openssl rand -hex 24\``,
    );
  }
  return raw;
}

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function host(name: string, raw: string): string {
  const h = raw.trim();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  const ok = v4
    ? v4.slice(1).every((o) => Number(o) <= 255)
    : h.includes(":")
    ? canParse(`http://[${h}]/`)
    : HOSTNAME.test(h);
  if (!ok) {
    throw new ConfigError(
      `${name} must be an address to listen on: 127.0.0.1 (this machine only), 0.0.0.0 (every ` +
        `interface), an IPv6 address or a host name (got "${raw}")`,
    );
  }
  return h;
}

function canParse(url: string): boolean {
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}
