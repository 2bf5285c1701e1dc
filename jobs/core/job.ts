/**
 * What a job is: a declaration. The runner core (claim, run, record, plan,
 * status, schedule) reads only these fields and names no job.
 *
 * A job declares where its input comes from — the source API (its variables;
 * the core makes, loads and drops the staging table), or upstream jobs'
 * output already in the target — its versioned SQL
 * under `sql/<name>/` (`<anything>.v<N>.sql`, the highest N is current), and
 * the SQL that deletes exactly its own rows of a day.
 *
 * A job's first day is the declaration's `firstDay`, else PARTITION_START,
 * else where its data starts: the source's first reading (an API job) or its
 * upstream jobs' first day (a pure-SQL job); catalog.ts decides those.
 */
import { isDay } from "../../config/config.ts";
import { readSql } from "../../sql/load.ts";
import { currentTransform, defaultSqlDir, type Transform } from "./transform.ts";
import { type StagingSql, stagingSql } from "./staging.ts";

/**
 * Input pulled from the source API's `/data?date=D` (binary COPY) into a TEMP
 * staging table that the core makes from `variables` (see staging.ts).
 */
export interface ApiInput {
  kind: "api";
  /** The API variables requested, in the order of the staging columns after `timestamp`. */
  variables: readonly string[];
  /** The staging table's name, as the job's transform reads it (default `staging`). */
  staging?: string;
}
/** Input already in the target: the same day of the upstream jobs. */
export interface UpstreamInput {
  kind: "upstream";
}

/**
 * What the status page shows of one day of a job. The page draws whatever is
 * declared and names no job. A view's SQL file lives in the job's folder,
 * `sql/<job>/view_<name>.sql`, and takes the day as $1 (YYYY-MM-DD) and, when
 * it uses it, the turbine as $2 (text; NULL: the whole farm).
 */
export type ViewDeclaration = ChartView | NumbersView;

/**
 * A chart of the day: one panel per series, its values as a line, with an
 * optional min–max band behind it. The SQL returns one row per bin, ordered
 * by `t` (the bin's start, text `YYYY-MM-DDTHH:MM:SSZ`), and the series'
 * columns (float8, NULL where a bin has no value).
 */
export interface ChartView {
  kind: "chart";
  title: string;
  sql: string;
  /** Width of a bin: the line breaks where one is missing. */
  binMinutes: number;
  series: readonly ChartSeries[];
  /** How the farm's values are made from the turbines' (said under the farm's chart). */
  farm?: string;
}

export interface ChartSeries {
  /** Column drawn as the line. */
  column: string;
  label: string;
  unit: string;
  /** Decimals shown (default 1). */
  digits?: number;
  /** Columns of the band drawn behind the line. */
  band?: { min: string; max: string };
}

/** Labelled numbers of the day: the SQL returns at most one row (none: nothing built yet). */
export interface NumbersView {
  kind: "numbers";
  title: string;
  sql: string;
  numbers: readonly { column: string; label: string; unit: string; digits?: number }[];
  /** How the farm's values are made from the turbines' (said under the farm's numbers). */
  farm?: string;
}

export interface JobDeclaration {
  /** Lower-case name; its SQL lives in sql/<name>/. */
  name: string;
  /** Where its versioned transforms live, when not sql/<name>/ (tests' own jobs). */
  sqlDir?: URL;
  /** First partition day (default: PARTITION_START, else where its data starts). */
  firstDay?: string;
  /** 5-field cron in UTC (default: ETL_CRON). */
  schedule?: string;
  /** Jobs whose partition of the same day must have succeeded first. */
  upstream?: readonly string[];
  input: ApiInput | UpstreamInput;
  /** Deletes this job's rows of day $1, and nothing else (path under sql/, or a file: URL). */
  deleteDay: string;
  /**
   * What the final transaction needs to exist (a new turbine's signals),
   * made in a short transaction of its own before it (after the day's month
   * partition of `data`, which the core makes for every run):
   * one statement taking, if it uses it, the turbines the extract received
   * as $1 (text[]; empty for a pure-SQL job). Committed
   * first, so concurrent runs never wait on each other's new rows in their
   * final transactions. Path under sql/, or a file: URL.
   */
  prepareDay?: string;
  /** Whether the transform takes the day as $1 (a staging transform reads staging only). */
  transformTakesDay: boolean;
  /** What the status page shows of a day of this job (none: only its partitions). */
  views?: readonly ViewDeclaration[];
}

/** An API input resolved: its variables and the core's staging SQL for them. */
export interface ApiInputSql {
  kind: "api";
  variables: readonly string[];
  staging: StagingSql;
}

/** A declaration resolved against the configuration and the SQL files on disk. */
export interface Job {
  name: string;
  /** Null: not known (the source has no readings, or could not be reached and nothing is recorded). */
  firstDay: string | null;
  /** Where the first day comes from (status and logs say it: describeFirstDay). */
  firstDayFrom: FirstDayFrom;
  schedule: string;
  upstream: readonly string[];
  input: ApiInputSql | UpstreamInput;
  deleteDaySql: string;
  /** The declaration's prepareDay SQL (null: none). */
  prepareDaySql: string | null;
  /** The directory its versioned transforms are read from. */
  sqlDir: URL;
  transform: Transform;
  transformTakesDay: boolean;
  /** The declared views, each `sql` holding the file's text. */
  views: readonly ViewDeclaration[];
}

/**
 * declaration: its `firstDay`; PARTITION_START; source: the source's first
 * reading; upstream: its upstream jobs' first day; target: its earliest
 * recorded partition (the source could not say); unknown: none of these.
 */
export type FirstDayFrom =
  | "declaration"
  | "PARTITION_START"
  | "source"
  | "upstream"
  | "target"
  | "unknown";

/** "2024-01-01 (the source's first reading)" and the like. */
export function describeFirstDay(job: Pick<Job, "firstDay" | "firstDayFrom" | "upstream">): string {
  const from = {
    declaration: "its declaration",
    PARTITION_START: "PARTITION_START",
    source: "the source's first reading",
    upstream: `where ${job.upstream.join(", ")} start${job.upstream.length > 1 ? "" : "s"}`,
    target: "its earliest recorded partition; the source could not say",
    unknown: "unknown",
  }[job.firstDayFrom];
  return job.firstDay
    ? `${job.firstDay} (${from})`
    : job.firstDayFrom === "source"
    ? "none yet (the source has no readings)"
    : "not known (the source could not say, and no partition is recorded)";
}

export class JobError extends Error {
  override name = "JobError";
}

export interface JobDefaults {
  /** PARTITION_START: when set, every job without its own firstDay starts there. */
  partitionStart?: string;
  cron: string;
}

/** Resolves declarations, checking names, upstream references and cycles; returns them upstream first. */
export async function resolveJobs(
  declarations: readonly JobDeclaration[],
  defaults: JobDefaults,
): Promise<Job[]> {
  const byName = new Map<string, JobDeclaration>();
  for (const d of declarations) {
    if (!/^[a-z][a-z0-9_]*$/.test(d.name)) {
      throw new JobError(`job name "${d.name}" must be lower-case letters, digits and _`);
    }
    if (byName.has(d.name)) throw new JobError(`job "${d.name}" is declared twice`);
    if (d.firstDay !== undefined && !isDay(d.firstDay)) {
      throw new JobError(`job "${d.name}": firstDay must be YYYY-MM-DD (got "${d.firstDay}")`);
    }
    checkViews(d);
    byName.set(d.name, d);
  }
  const ordered: JobDeclaration[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (d: JobDeclaration, path: string[]) => {
    if (state.get(d.name) === "done") return;
    if (state.get(d.name) === "visiting") {
      throw new JobError(`jobs depend on each other in a cycle: ${[...path, d.name].join(" -> ")}`);
    }
    state.set(d.name, "visiting");
    for (const u of d.upstream ?? []) {
      const up = byName.get(u);
      if (!up) throw new JobError(`job "${d.name}" names an unknown upstream job "${u}"`);
      visit(up, [...path, d.name]);
    }
    state.set(d.name, "done");
    ordered.push(d);
  };
  for (const d of declarations) visit(d, []);
  return await Promise.all(ordered.map(async (d): Promise<Job> => {
    if (d.input.kind === "upstream" && !(d.upstream ?? []).length) {
      throw new JobError(`job "${d.name}" reads upstream jobs but declares none`);
    }
    const sqlDir = d.sqlDir ?? defaultSqlDir(d.name);
    const firstDay = d.firstDay ?? defaults.partitionStart ?? null;
    return {
      name: d.name,
      firstDay,
      // Filled in by the catalog (catalog.ts) when neither is set.
      firstDayFrom: d.firstDay ? "declaration" : firstDay ? "PARTITION_START" : "unknown",
      schedule: d.schedule ?? defaults.cron,
      upstream: d.upstream ?? [],
      input: d.input.kind === "api" ? apiInput(d.name, d.input) : d.input,
      deleteDaySql: await readSql(d.deleteDay),
      prepareDaySql: d.prepareDay ? await readSql(d.prepareDay) : null,
      sqlDir,
      transform: await currentTransform(d.name, sqlDir),
      transformTakesDay: d.transformTakesDay,
      views: await readViews(d),
    };
  }));
}

function apiInput(job: string, i: ApiInput): ApiInputSql {
  try {
    return {
      kind: "api",
      variables: [...i.variables],
      staging: stagingSql(i.staging ?? "staging", i.variables),
    };
  } catch (e) {
    throw new JobError(`job "${job}": its input: ${(e as Error).message}`);
  }
}

const VIEW_FILE = /^[a-z][a-z0-9_]*\/view_[a-z0-9_]+\.sql$/;
/** A tests' own job may keep its views beside its other SQL (a file: URL, as `deleteDay`). */
const VIEW_URL = /^file:\/\/\/[^?#]*\/view_[a-z0-9_]+\.sql$/;

function checkViews(d: JobDeclaration): void {
  for (const v of d.views ?? []) {
    if (!VIEW_FILE.test(v.sql) && !VIEW_URL.test(v.sql)) {
      throw new JobError(
        `job "${d.name}": view "${v.title}" must name an SQL file sql/<job>/view_<name>.sql ` +
          `(got "${v.sql}")`,
      );
    }
    if (v.kind === "chart" && !(v.binMinutes > 0)) {
      throw new JobError(`job "${d.name}": chart "${v.title}" needs binMinutes > 0`);
    }
  }
}

async function readViews(d: JobDeclaration): Promise<ViewDeclaration[]> {
  return await Promise.all((d.views ?? []).map(async (v) => ({ ...v, sql: await readSql(v.sql) })));
}

/** The named job, or an error listing the declared ones. */
export function findJob(jobs: readonly Job[], name: string): Job {
  const job = jobs.find((j) => j.name === name);
  if (!job) {
    throw new JobError(
      `no job named "${name}"; declared jobs: ${jobs.map((j) => j.name).join(", ")}`,
    );
  }
  return job;
}
