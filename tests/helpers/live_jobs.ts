/**
 * Job fixtures for the live-catalog tests: the tests' own etl and daily jobs
 * (tests/fixtures/jobs) with their transforms copied into a temporary
 * directory (under ./.data/tests), so a test can add or edit a version while
 * a scheduler runs, without touching sql/; and a runner context whose jobs
 * come from a live catalog over them.
 */
import { pathToFileURL } from "node:url";
import { tempDir } from "./databases.ts";
import type { Db } from "../../db/types.ts";
import type { JobDeclaration } from "../../jobs/core/job.ts";
import { type CatalogDeps, JobCatalog } from "../../jobs/core/catalog.ts";
import { fetchExtent } from "../../jobs/core/extent.ts";
import type { RunnerContext } from "../../jobs/core/runner.ts";
import { FIXTURE_DAILY, FIXTURE_ETL } from "../fixtures/jobs/mod.ts";

const FIXTURES = new URL("../fixtures/jobs/", import.meta.url);

async function copy(from: URL, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isFile) await Deno.copyFile(new URL(e.name, from), `${to}/${e.name}`);
  }
}

export interface FixtureJobs {
  dir: string;
  declarations: JobDeclaration[];
  /**
   * Writes `<job>/<name>.v<version>.sql`: the v1 transform's text under a
   * comment saying so (the same numbers, another version and hash).
   */
  addVersion(job: "etl" | "daily", version: number): Promise<void>;
  remove(): Promise<void>;
}

/** etl and daily, their SQL in a fresh temporary directory. */
export async function fixtureJobs(): Promise<FixtureJobs> {
  const dir = await tempDir("sql-");
  for (const job of ["etl", "daily"]) await copy(new URL(`${job}/`, FIXTURES), `${dir}/${job}`);
  const at = (job: string) => pathToFileURL(`${dir}/${job}/`);
  const v1 = async (job: string) => {
    for await (const e of Deno.readDir(`${dir}/${job}`)) {
      if (e.name.endsWith(".v1.sql")) return e.name;
    }
    throw new Error(`no v1 transform of ${job} in ${dir}`);
  };
  return {
    dir,
    declarations: [
      { ...FIXTURE_ETL, sqlDir: at("etl"), deleteDay: new URL("delete_day.sql", at("etl")).href },
      {
        ...FIXTURE_DAILY,
        sqlDir: at("daily"),
        deleteDay: new URL("delete_day.sql", at("daily")).href,
      },
    ],
    async addVersion(job, version) {
      const file = await v1(job);
      const text = await Deno.readTextFile(`${dir}/${job}/${file}`);
      const name = file.replace(/\.v1\.sql$/, `.v${version}.sql`);
      // Written whole, then renamed: a reader never sees half a file.
      await Deno.writeTextFile(`${dir}/${job}/.${name}.tmp`, `-- v${version} (test)\n${text}`);
      await Deno.rename(`${dir}/${job}/.${name}.tmp`, `${dir}/${job}/${name}`);
    },
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}

export interface LiveCtxOptions {
  db: Db;
  apiUrl: string;
  token: string;
  declarations: readonly JobDeclaration[];
  /** PARTITION_START (default unset: the source's extent decides). */
  partitionStart?: string;
  runner?: string;
  /** The clock (default: the real one). */
  now?: () => Date;
  /** Replaces GET /extent (e.g. a source that cannot be reached). */
  extent?: CatalogDeps["extent"];
  log?: (line: string) => void;
}

/** A runner context over a live catalog, the way openRunner builds one. */
export async function liveCtx(o: LiveCtxOptions): Promise<RunnerContext & { catalog: JobCatalog }> {
  const catalog = await JobCatalog.open({
    declarations: o.declarations,
    defaults: { partitionStart: o.partitionStart, cron: "0 1 * * *" },
    extent: o.extent ??
      (() => fetchExtent(fetch, { apiUrl: o.apiUrl, token: o.token, timeoutMs: 5_000 })),
    earliestPartitions: async () => {
      const rows = await o.db.query<{ job: string; day: string }>(
        "SELECT job, to_char(min(day), 'YYYY-MM-DD') AS day FROM partitions GROUP BY job",
      );
      return new Map(rows.map((r) => [r.job, r.day]));
    },
  });
  return {
    db: o.db,
    catalog,
    get jobs() {
      return catalog.jobs;
    },
    settings: {
      apiUrl: o.apiUrl,
      token: o.token,
      retrySeconds: 2,
      timeoutMs: 10_000,
      leaseSeconds: 30,
      maxShrink: 0.1,
      retryBaseSeconds: 60,
      retryMaxSeconds: 3600,
    },
    runner: o.runner ?? "test:live",
    now: o.now ?? (() => new Date()),
    fetch,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    random: Math.random,
    log: o.log ?? (() => {}),
  };
}
