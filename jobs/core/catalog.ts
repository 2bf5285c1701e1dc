/**
 * The live job catalog: the declared jobs resolved against their SQL files
 * and the source's extent, re-read on every refresh (the scheduler and the
 * page refresh it every WATCH_SECONDS), so a new or edited transform, and a
 * source whose readings now start elsewhere, are noticed without a restart.
 *
 * A job's first day: its declaration's `firstDay`, else PARTITION_START,
 * else where its data starts — the source's first reading (GET /extent) for
 * an API job, the latest first day of its upstream jobs for a pure-SQL job.
 * When the source cannot say, the last extent it gave is used, else the
 * earliest partition the target records for the job; never a made-up date.
 * A refresh that cannot read the SQL keeps the previous jobs and says why.
 */
import { type Job, type JobDeclaration, type JobDefaults, JobError, resolveJobs } from "./job.ts";
import type { Extent } from "./extent.ts";
import { messageOf } from "./errors.ts";

export interface CatalogDeps {
  declarations: readonly JobDeclaration[];
  /**
   * False: open() does not ask the source (first days stay unknown until the
   * first refresh), for a command that needs no first day. Default true.
   */
  askSource?: boolean;
  defaults: JobDefaults;
  /** The source's extent; throws when the source cannot say. Absent: no way to ask. */
  extent?: () => Promise<Extent>;
  /** Why `extent` is absent (e.g. no API token), for the warning. */
  noExtent?: string;
  /** The earliest recorded partition day per job (used when the source cannot say). */
  earliestPartitions: () => Promise<ReadonlyMap<string, string>>;
}

/** What a refresh changed: a job's transform (file and hash) or its first day. */
export interface CatalogChange {
  job: string;
  what: "sql" | "first_day";
  was: string | null;
  now: string | null;
}

export interface RefreshReport {
  changes: CatalogChange[];
  /** What this refresh could not learn, and what it used instead (one line each). */
  warnings: string[];
}

export class JobCatalog {
  readonly #deps: CatalogDeps;
  #jobs: readonly Job[] = [];
  /** The last extent the source gave (used while it cannot be reached). */
  #extent: Extent | null = null;
  #warnings: string[] = [];
  #refreshedAt = -Infinity;
  #refreshing: Promise<RefreshReport> | null = null;

  private constructor(deps: CatalogDeps) {
    this.#deps = deps;
  }

  /** Resolves the jobs; a declaration or SQL file that cannot be read is a JobError here. */
  static async open(deps: CatalogDeps): Promise<JobCatalog> {
    const c = new JobCatalog(deps);
    try {
      await c.#refresh(true, deps.askSource ?? true);
    } catch (e) {
      throw e instanceof JobError ? e : new JobError(messageOf(e));
    }
    return c;
  }

  /** The jobs as last resolved, upstream first. */
  get jobs(): readonly Job[] {
    return this.#jobs;
  }

  /** The warnings of the last refresh (status prints them as notes). */
  get warnings(): readonly string[] {
    return this.#warnings;
  }

  /** Refreshes unless the last refresh is younger than `ms`. */
  async refreshIfOlder(ms: number): Promise<void> {
    if (performance.now() - this.#refreshedAt >= ms) await this.refresh();
  }

  /** Re-reads every job's SQL and the source's extent (one refresh at a time; callers share it). */
  refresh(): Promise<RefreshReport> {
    this.#refreshing ??= this.#refresh(false, true).finally(() => this.#refreshing = null);
    return this.#refreshing;
  }

  async #refresh(first: boolean, askSource: boolean): Promise<RefreshReport> {
    const warnings: string[] = [];
    let jobs: Job[];
    try {
      jobs = await resolveJobs(this.#deps.declarations, this.#deps.defaults);
    } catch (e) {
      if (first) throw e;
      warnings.push(`the jobs' SQL was not reloaded (${messageOf(e)}); the previous SQL is kept`);
      jobs = this.#jobs.map((j) => ({ ...j }));
    }
    const needsExtent = askSource &&
      jobs.some((j) =>
        j.input.kind === "api" && (j.firstDayFrom === "unknown" || j.firstDayFrom === "source" ||
          j.firstDayFrom === "target")
      );
    let extent: Extent | null = null;
    let why: string | null = null;
    if (needsExtent) {
      if (!this.#deps.extent) why = this.#deps.noExtent ?? "the source cannot be asked";
      else {
        try {
          extent = this.#extent = await this.#deps.extent();
        } catch (e) {
          why = messageOf(e);
        }
      }
      if (why && this.#extent) {
        extent = this.#extent;
        warnings.push(
          `where the source's readings start is not known now (${why}); using what it said ` +
            `last (${extent.first ?? "no readings"})`,
        );
      }
    }
    const earliest = needsExtent && !extent
      ? await this.#deps.earliestPartitions().catch(() => new Map<string, string>())
      : new Map<string, string>();
    const resolved = resolveFirstDays(jobs, extent, earliest);
    if (needsExtent && !extent) {
      const used = resolved.filter((j) =>
        j.firstDayFrom === "target" || j.firstDayFrom === "unknown"
      )
        .map((j) => `${j.name} ${j.firstDay ?? "none"}`);
      warnings.push(
        `where the source's readings start is not known (${why}); first days are the earliest ` +
          `recorded partitions (${used.join(", ")})`,
      );
    }
    const changes = first ? [] : diff(this.#jobs, resolved);
    this.#jobs = resolved;
    this.#warnings = warnings;
    this.#refreshedAt = performance.now();
    return { changes, warnings };
  }
}

/**
 * Fills in the first day of every job that has none of its own (no
 * declaration `firstDay`, no PARTITION_START), upstream first: an API job
 * where the source's readings start; a pure-SQL job at the latest first day
 * of its upstream jobs; without an extent, the job's earliest partition.
 */
export function resolveFirstDays(
  jobs: readonly Job[],
  extent: Extent | null,
  earliest: ReadonlyMap<string, string>,
): Job[] {
  const byName = new Map<string, Job>();
  return jobs.map((job) => {
    let j: Job = job;
    if (job.firstDayFrom !== "declaration" && job.firstDayFrom !== "PARTITION_START") {
      const ups = job.upstream.map((u) => byName.get(u)?.firstDay ?? null);
      if (job.input.kind === "api" && extent) {
        j = { ...job, firstDay: extent.first, firstDayFrom: "source" };
      } else if (job.input.kind !== "api" && ups.length && ups.every((d) => d !== null)) {
        const latest = (ups as string[]).reduce((a, b) => a > b ? a : b);
        j = { ...job, firstDay: latest, firstDayFrom: "upstream" };
      } else {
        const day = earliest.get(job.name) ?? null;
        j = { ...job, firstDay: day, firstDayFrom: day ? "target" : "unknown" };
      }
    }
    byName.set(j.name, j);
    return j;
  });
}

function diff(before: readonly Job[], after: readonly Job[]): CatalogChange[] {
  const changes: CatalogChange[] = [];
  const was = new Map(before.map((j) => [j.name, j]));
  for (const j of after) {
    const b = was.get(j.name);
    if (!b) continue;
    if (b.transform.hash !== j.transform.hash || b.transform.file !== j.transform.file) {
      changes.push({
        job: j.name,
        what: "sql",
        was: `${b.transform.file} ${b.transform.hash.slice(0, 8)}`,
        now: `${j.transform.file} ${j.transform.hash.slice(0, 8)}`,
      });
    }
    if (b.firstDay !== j.firstDay) {
      changes.push({ job: j.name, what: "first_day", was: b.firstDay, now: j.firstDay });
    }
  }
  return changes;
}

/** The earliest first day among `jobs` (null when none is known). */
export function earliestFirstDay(jobs: readonly Job[]): string | null {
  let min: string | null = null;
  for (const j of jobs) if (j.firstDay && (min === null || j.firstDay < min)) min = j.firstDay;
  return min;
}
