/**
 * A `StatusSource` for tests of the status page, over a real (PGlite or PostgreSQL)
 * target database migrated with the real migrations: the page reads what is in
 * `partitions`, `runs`, `data` and `signal`, seeded with SQL, for the tests' own jobs
 * (`ingest`, `rollup`, with views of their own SQL; none of them a production job).
 * Runs and views are read by the runner port's own readers (status_port.ts). Its
 * `trigger()` claims the partition (a `running` row and a run), then "runs" it after a
 * short delay: writes synthetic 10-minute bins (for a job without upstream) and records
 * success. Call `settle()` before closing the database: it waits for those background runs.
 */
import type { Db } from "../../db/types.ts";
import type {
  DayView,
  PartitionState,
  PartitionView,
  RunEntry,
  RunQuery,
  StatusSource,
  TriggerAllResult,
  TriggerResult,
  TurbineCount,
  TurbineQuery,
  TurbineRuns,
  ViewDeclaration,
} from "../../jobs/core/port.ts";
import { readTurbineRuns, readView, runEntries } from "../../jobs/core/status_port.ts";
import { DEFAULT_MIN_COMPLETENESS } from "../../jobs/core/partition_run.ts";
import { yesterdayOf } from "../../ui/format.ts";
import { createMetrics, type Metrics, type RunObservation } from "../../ui/metrics.ts";
import { createStatusApp, type StatusAppOptions } from "../../ui/app.tsx";
import { PgliteDb } from "../../db/pglite.ts";
import { migrate } from "../../migrations/migrate.ts";
import type { Hono } from "hono";
import { resolveJobs } from "../../jobs/core/job.ts";
import { DECLARED_JOBS } from "../../jobs/declarations/mod.ts";
import { readSql } from "../../sql/load.ts";

export interface TestJob {
  name: string;
  firstDay: string | null;
  upstream: string[];
  sqlVersion: number;
  /** Views with their SQL text (as resolveJobs leaves them). */
  views?: ViewDeclaration[];
}

export interface UiSourceOptions {
  now?: () => Date;
  jobs?: TestJob[];
  /** How long a triggered run takes before it succeeds (ms). */
  runDelayMs?: number;
  /** Called when a triggered run finishes (e.g. `metrics.observeRun`). */
  onRunFinished?: (run: RunObservation) => void;
  /** triggerAll() answers as when a reconcile is already running. */
  reconcileRunning?: boolean;
}

export class TestStatusSource implements StatusSource {
  readonly #db: Db;
  readonly #now: () => Date;
  readonly #jobs: TestJob[];
  readonly #delay: number;
  readonly #onFinished?: (run: RunObservation) => void;
  readonly #pending = new Set<Promise<void>>();
  reconcileRunning: boolean;
  /** How many times trigger() was called and claimed a partition. */
  started = 0;

  constructor(db: Db, opts: UiSourceOptions = {}) {
    this.#db = db;
    this.#now = opts.now ?? (() => new Date());
    this.#jobs = opts.jobs ?? fixtureJobs();
    this.#delay = opts.runDelayMs ?? 300;
    this.#onFinished = opts.onRunFinished;
    this.reconcileRunning = opts.reconcileRunning ?? false;
  }

  jobs() {
    return this.#jobs.map(({ name, firstDay, upstream }) => ({
      name,
      firstDay,
      upstream: [...upstream],
    }));
  }

  async partitions(q: { job?: string; from: string; to: string }): Promise<PartitionView[]> {
    const to = q.to < yesterdayOf(this.#now()) ? q.to : yesterdayOf(this.#now());
    const out: PartitionView[] = [];
    for (const job of this.#jobs) {
      if (q.job !== undefined && q.job !== job.name) continue;
      if (job.firstDay === null) continue; // not known yet: no days
      const from = q.from && q.from > job.firstDay ? q.from : job.firstDay;
      const up = job.upstream[0] ?? null;
      const rows = await this.#db.query<{
        day: string;
        status: string | null;
        rows_in: number | null;
        rows_out: number | null;
        sql_version: number | null;
        error: string | null;
        attempts: number | null;
        duration_ms: number | null;
        finished_at: Date | null;
        stale_upstream: boolean | null;
        up_status: string | null;
        run_id: string | number | null;
        runner: string | null;
        incomplete: TurbineCount[] | null;
      }>(
        `SELECT to_char(d, 'YYYY-MM-DD') AS day, p.status, p.rows_in, p.rows_out, p.sql_version, p.error,
                p.attempts, p.finished_at, p.run_id, p.runner, p.incomplete,
                (extract(epoch FROM p.finished_at - p.started_at) * 1000)::float8 AS duration_ms,
                u.succeeded_at > p.succeeded_at AS stale_upstream, u.status AS up_status
         FROM generate_series($2::date, $3::date, interval '1 day') AS d
         LEFT JOIN partitions p ON p.job = $1 AND p.day = d::date
         LEFT JOIN partitions u ON u.job = $4 AND u.day = d::date
         ORDER BY d`,
        [job.name, from, to, up],
      );
      for (const r of rows) {
        let state: PartitionState;
        let reason: string | null = null;
        const upOk = up === null || r.up_status === "succeeded" || r.up_status === "empty";
        if (r.status === "running") {
          state = "running";
          reason = `run ${r.run_id} by ${r.runner}`;
        } else if (r.status === "failed") state = "failed";
        else if (r.status === "succeeded" || r.status === "empty") {
          if (r.sql_version !== job.sqlVersion) {
            state = "stale";
            reason = `sql: built with v${r.sql_version}, current v${job.sqlVersion}`;
          } else if (r.stale_upstream) {
            state = "stale";
            reason = `upstream: ${up} succeeded again after it`;
          } else if (r.incomplete) {
            state = "incomplete";
            reason = `incomplete: ${r.incomplete.map((t) => t.turbine).join(", ")}`;
          } else state = r.status === "empty" ? "empty" : "succeeded";
        } else if (!upOk) {
          state = "blocked";
          reason = `waits on ${up} ${r.day} (${r.up_status ?? "missing"})`;
        } else state = "missing";
        out.push({
          job: job.name,
          day: r.day,
          state,
          reason,
          rowsIn: r.rows_in,
          rowsOut: r.rows_out,
          sqlVersion: r.sql_version,
          incomplete: r.incomplete,
          durationMs: r.duration_ms === null ? null : Math.round(r.duration_ms),
          error: r.error,
          attempts: r.attempts ?? 0,
          finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
        });
      }
    }
    return out;
  }

  /** The page's own query (sql/ui/recent_runs.sql) over the runs table. */
  runs(q: RunQuery): Promise<RunEntry[]> {
    return runEntries(this.#db, q);
  }

  /** The declared views, read by the runner's own reader (status_port.ts). */
  async views(day: string, turbine: string | null): Promise<DayView[]> {
    const out: DayView[] = [];
    for (const job of this.#jobs) {
      for (const v of job.views ?? []) {
        out.push(await readView(this.#db, job.name, v, day, turbine));
      }
    }
    return out;
  }

  /** The runner's own reader; the jobs without upstream are the API-fed ones here. */
  turbineRuns(q: TurbineQuery): Promise<TurbineRuns> {
    const api = this.#jobs.filter((j) => j.upstream.length === 0).map((j) => j.name);
    return readTurbineRuns(this.#db, api, q, DEFAULT_MIN_COMPLETENESS);
  }

  async trigger(job: string, day: string): Promise<TriggerResult> {
    const j = this.#jobs.find((x) => x.name === job);
    if (!j) return { kind: "bad", message: `unknown job ${job}` };
    const claim = await this.#db.transaction(async (tx) => {
      const [cur] = await tx.query<{ status: string; run_id: string | number | null }>(
        `SELECT status, run_id FROM partitions WHERE job = $1 AND day = $2 FOR UPDATE`,
        [job, day],
      );
      if (cur?.status === "running") return { kind: "busy" as const, runId: Number(cur.run_id) };
      const [run] = await tx.query<{ id: string | number }>(
        `INSERT INTO runs (job, day, trigger, runner, status) VALUES ($1, $2, 'manual', 'test-runner', 'running')
         RETURNING id`,
        [job, day],
      );
      await tx.query(
        `INSERT INTO partitions (job, day, status, attempts, run_id, runner, started_at, finished_at)
         VALUES ($1, $2, 'running', 1, $3, 'test-runner', now(), NULL)
         ON CONFLICT (job, day) DO UPDATE SET status = 'running', attempts = partitions.attempts + 1,
           run_id = $3, runner = 'test-runner', started_at = now(), finished_at = NULL`,
        [job, day, run.id],
      );
      return { kind: "started" as const, runId: Number(run.id) };
    });
    if (claim.kind === "started") {
      this.started++;
      const p = this.#finish(j, day, claim.runId);
      this.#pending.add(p);
      p.finally(() => this.#pending.delete(p));
    }
    return claim;
  }

  async triggerAll(): Promise<TriggerAllResult> {
    const todo = (await this.partitions({ from: "0001-01-01", to: yesterdayOf(this.#now()) }))
      .filter((p) => p.state === "missing" || p.state === "failed" || p.state === "stale");
    if (todo.length === 0) return { kind: "nothing" };
    if (this.reconcileRunning) {
      return { kind: "busy", message: "a reconcile is already running: nothing new started" };
    }
    for (const p of todo) await this.trigger(p.job, p.day);
    return { kind: "started", partitions: todo.length };
  }

  /** Waits for every background run. */
  async settle(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
  }

  async #finish(job: TestJob, day: string, runId: number): Promise<void> {
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, this.#delay));
    const bins = job.upstream.length === 0 ? Array.from({ length: 144 }, (_, i) => i) : [];
    const rowsIn = job.upstream.length === 0 ? 1440 : 144 * 6;
    const rowsOut = job.upstream.length === 0 ? 144 * 8 : 1;
    await this.#db.transaction(async (tx) => {
      if (bins.length) await seedBins(tx, day, bins);
      await tx.query(
        `UPDATE partitions SET status = 'succeeded', rows_in = $3, rows_out = $4, sql_version = $5,
           sql_hash = 'test', error = NULL, finished_at = now(), succeeded_at = now()
         WHERE job = $1 AND day = $2 AND run_id = $6`,
        [job.name, day, rowsIn, rowsOut, job.sqlVersion, runId],
      );
      await tx.query(
        `UPDATE runs SET status = 'succeeded', finished_at = now(), rows_in = $2, rows_out = $3 WHERE id = $1`,
        [runId, rowsIn, rowsOut],
      );
    });
    this.#onFinished?.({
      job: job.name,
      status: "succeeded",
      durationMs: performance.now() - t0,
      rowsIn,
      rowsOut,
    });
  }
}

// ---- seeding -------------------------------------------------------------------

export interface SeedPartition {
  job: string;
  day: string;
  status: "running" | "succeeded" | "empty" | "failed";
  rowsIn?: number | null;
  rowsOut?: number | null;
  sqlVersion?: number | null;
  error?: string | null;
  attempts?: number;
  /** Duration of the run that finished it (ms, default 1234). */
  durationMs?: number;
  /** When it finished, as seconds before now (default 3600). */
  succeededAgoS?: number;
  /** host:pid of the runner (default seed-host:4242). */
  runner?: string;
}

/**
 * Writes partitions rows and one matching run each, in list order (run ids
 * follow it), in one statement whatever the count.
 */
export async function seedPartitions(
  db: Pick<Db, "query">,
  list: SeedPartition[],
  /** What "now" is for `succeededAgoS` (default: the database's clock). */
  at?: Date,
): Promise<void> {
  if (list.length === 0) return;
  const col = <T>(f: (p: SeedPartition) => T) => list.map(f);
  await db.query(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::int[], $5::int[], $6::int[],
                            $7::text[], $8::int[], $9::float8[], $10::float8[], $11::text[])
         WITH ORDINALITY AS t(job, day, status, rows_in, rows_out, sql_version, error, attempts,
                              ago, dur, runner, n)
     ), r AS (
       INSERT INTO runs (job, day, trigger, runner, status, started_at, finished_at, rows_in,
                         rows_out, sql_version, error)
       SELECT job, day, 'schedule', runner, status,
              coalesce($12::timestamptz, now()) - make_interval(secs => ago + dur),
              CASE WHEN status = 'running' THEN NULL
                   ELSE coalesce($12::timestamptz, now()) - make_interval(secs => ago) END,
              rows_in, rows_out, sql_version, error
       FROM input ORDER BY n
       RETURNING id, job, day, status, runner, started_at, finished_at
     )
     INSERT INTO partitions (job, day, status, attempts, failures, run_id, runner, started_at,
                             finished_at, error, sql_version, sql_hash, rows_in, rows_out,
                             succeeded_at, success_run_id, lease_until)
     SELECT r.job, r.day, r.status, i.attempts, CASE WHEN r.status = 'failed' THEN 1 ELSE 0 END,
            r.id, r.runner, r.started_at, r.finished_at, i.error,
            coalesce(i.sql_version, CASE WHEN r.status IN ('succeeded', 'empty') THEN 1 END),
            'seed', i.rows_in, i.rows_out,
            CASE WHEN r.status IN ('succeeded', 'empty') THEN r.finished_at END,
            CASE WHEN r.status IN ('succeeded', 'empty') THEN r.id END,
            CASE WHEN r.status = 'running' THEN now() + interval '1 hour' END
     FROM r JOIN input i ON i.job = r.job AND i.day = r.day`,
    [
      col((p) => p.job),
      col((p) => p.day),
      col((p) => p.status),
      col((p) => p.rowsIn ?? null),
      col((p) => p.rowsOut ?? null),
      col((p) => p.sqlVersion ?? null),
      col((p) => p.error ?? null),
      col((p) => p.attempts ?? 1),
      col((p) => p.succeededAgoS ?? 3600),
      col((p) => (p.durationMs ?? 1234) / 1000),
      col((p) => p.runner ?? "seed-host:4242"),
      at?.toISOString() ?? null,
    ],
  );
}

/** Writes synthetic 10-minute aggregates for the given bin indexes (0..143) of a day. */
export async function seedBins(db: Pick<Db, "query">, day: string, bins: number[]): Promise<void> {
  // `data` is partitioned by month: a run makes its month first, and so does this.
  await db.query("SELECT windbin_data_partition($1::date)", [day]);
  await db.query(
    `WITH b AS (
       SELECT i, $1::date + i * interval '10 minutes' AS t,
              greatest(0.5, 7.5 + 4 * sin(2 * pi() * i / 144 - 1.2) + 1.1 * sin(i * 0.7)) AS w
       FROM unnest($2::int[]) AS i
     ), v AS (
       SELECT t, w, least(2050, greatest(0, 2050 * power(greatest(w - 3, 0) / 9.0, 3))) AS p FROM b
     )
     INSERT INTO data (timestamp, signal_id, value)
     SELECT v.t, s.id, CASE s.name
         WHEN 'wind_speed_mean' THEN w WHEN 'wind_speed_min' THEN greatest(0, w - 1.6)
         WHEN 'wind_speed_max' THEN w + 2.2 WHEN 'wind_speed_std' THEN 0.8
         WHEN 'power_mean' THEN p WHEN 'power_min' THEN p * 0.72
         WHEN 'power_max' THEN least(2050, p * 1.2 + 15) ELSE 60 END
     FROM v CROSS JOIN signal s
     ON CONFLICT (signal_id, timestamp) DO UPDATE SET value = EXCLUDED.value`,
    [day, bins],
  );
}

// ---- the page tests' own jobs ------------------------------------------------------

/** A chart view of the seeded 10-minute signals (the test's own SQL). */
export const FIXTURE_CHART: ViewDeclaration = {
  kind: "chart",
  title: "10-minute mean over the min–max band",
  binMinutes: 10,
  series: [
    {
      column: "wind_mean",
      label: "Wind speed",
      unit: "m/s",
      digits: 1,
      band: { min: "wind_min", max: "wind_max" },
    },
    {
      column: "power_mean",
      label: "Power",
      unit: "kW",
      digits: 0,
      band: { min: "power_min", max: "power_max" },
    },
  ],
  sql: `SELECT to_char(d.timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS t,
               max(d.value) FILTER (WHERE s.name = 'wind_speed_mean') AS wind_mean,
               max(d.value) FILTER (WHERE s.name = 'wind_speed_min') AS wind_min,
               max(d.value) FILTER (WHERE s.name = 'wind_speed_max') AS wind_max,
               max(d.value) FILTER (WHERE s.name = 'power_mean') AS power_mean,
               max(d.value) FILTER (WHERE s.name = 'power_min') AS power_min,
               max(d.value) FILTER (WHERE s.name = 'power_max') AS power_max
        FROM data d JOIN signal s ON s.id = d.signal_id
        WHERE d.timestamp >= ($1::date)::timestamp AT TIME ZONE 'UTC'
          AND d.timestamp < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
        GROUP BY d.timestamp ORDER BY d.timestamp`,
};

/** Numbers of a day, computed from the seeded signals once `job` succeeded that day. */
export function fixtureNumbers(job: string): ViewDeclaration {
  return {
    kind: "numbers",
    title: "Day numbers",
    numbers: [
      { column: "energy_kwh", label: "energy", unit: "kWh", digits: 0 },
      { column: "availability_pct", label: "availability", unit: "%", digits: 1 },
    ],
    sql: `SELECT sum(d.value) FILTER (WHERE s.name = 'power_mean') / 6 AS energy_kwh,
                 count(DISTINCT d.timestamp) * 100.0 / 144 AS availability_pct
          FROM data d JOIN signal s ON s.id = d.signal_id
          WHERE d.timestamp >= ($1::date)::timestamp AT TIME ZONE 'UTC'
            AND d.timestamp < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
            AND EXISTS (SELECT 1 FROM partitions
                        WHERE job = '${job}' AND day = $1::date AND status = 'succeeded')
          HAVING count(*) > 0`,
  };
}

/** The page tests' jobs: `ingest` (no upstream, a chart) and `rollup` (after it, numbers). */
export function fixtureJobs(sqlVersion = 2): TestJob[] {
  return [
    { name: "ingest", firstDay: "2024-01-01", upstream: [], sqlVersion, views: [FIXTURE_CHART] },
    {
      name: "rollup",
      firstDay: "2024-01-01",
      upstream: ["ingest"],
      sqlVersion,
      views: [fixtureNumbers("rollup")],
    },
  ];
}

// ---- a whole fixture: database, source, metrics, app ------------------------------

/** "Now" of the fixture: yesterday is 2024-01-10, so each job has 10 days. */
export const FIXTURE_NOW = new Date("2024-01-11T08:00:00Z");
export const FIXTURE_TOKEN = "test-token-" + "0123456789abcdef";
/** Where the seeded errors and runners point: must never reach a visitor who is not logged in. */
export const FIXTURE_SECRETS = ["10.20.30.40", "worker-7.internal", "seed-host", ":4242"];

/** The seeded states, by job and day (what the page must show). */
export const FIXTURE_STATES: Record<string, Record<string, PartitionState>> = {
  ingest: {
    "2024-01-01": "succeeded",
    "2024-01-02": "succeeded",
    "2024-01-03": "empty",
    "2024-01-04": "failed",
    "2024-01-05": "running",
    "2024-01-06": "stale",
    "2024-01-07": "missing",
    "2024-01-08": "missing",
    "2024-01-09": "succeeded",
    "2024-01-10": "missing",
  },
  rollup: {
    "2024-01-01": "succeeded",
    "2024-01-02": "stale",
    "2024-01-03": "missing",
    "2024-01-04": "blocked",
    "2024-01-05": "blocked",
    "2024-01-06": "missing",
    "2024-01-07": "blocked",
    "2024-01-08": "blocked",
    "2024-01-09": "failed",
    "2024-01-10": "blocked",
  },
};

/** Bins seeded per day: a full day, a day with gaps, and the others. */
export const FIXTURE_BINS: Record<string, number> = {
  "2024-01-01": 144,
  "2024-01-02": 100,
  "2024-01-06": 144,
  "2024-01-09": 144,
};

export async function seedFixture(db: Pick<Db, "query">): Promise<void> {
  const ok = (job: string, day: string, extra: Partial<SeedPartition> = {}): SeedPartition => ({
    job,
    day,
    status: "succeeded",
    rowsIn: job === "ingest" ? 1440 : 864,
    rowsOut: job === "ingest" ? 1152 : 1,
    sqlVersion: 2,
    ...extra,
  });
  await seedPartitions(db, [
    ok("ingest", "2024-01-01", { durationMs: 512 }),
    ok("ingest", "2024-01-02", { rowsIn: 1000, rowsOut: 800, succeededAgoS: 600 }),
    ok("ingest", "2024-01-03", { status: "empty", rowsIn: 0, rowsOut: 0 }),
    {
      job: "ingest",
      day: "2024-01-04",
      status: "failed",
      attempts: 3,
      error: "the source API answered 503 Service Unavailable " +
        "(http://10.20.30.40:8000/data?date=2024-01-04) (gave up after 4 attempts)",
    },
    { job: "ingest", day: "2024-01-05", status: "running", runner: "worker-7.internal:4242" },
    ok("ingest", "2024-01-06", { sqlVersion: 1 }),
    ok("ingest", "2024-01-09", { durationMs: 75_300 }),
    ok("rollup", "2024-01-01"),
    ok("rollup", "2024-01-02", { succeededAgoS: 7200 }),
    { job: "rollup", day: "2024-01-09", status: "failed", error: "division by zero" },
  ]);
  for (const [day, n] of Object.entries(FIXTURE_BINS)) {
    const bins = n === 144
      ? Array.from({ length: 144 }, (_, i) => i)
      : Array.from({ length: 144 }, (_, i) => i).filter((i) => i < 40 || i >= 144 - (n - 40));
    await seedBins(db, day, bins);
  }
}

export interface UiFixture {
  db: Db;
  source: TestStatusSource;
  metrics: Metrics;
  app: Hono;
  close(): Promise<void>;
}

/** A migrated in-memory PGlite with the fixture seeded, and the status app over it. */
export async function uiFixture(
  opts: {
    runDelayMs?: number;
    refreshSeconds?: number;
    /** Another "now", data set and jobs (default: FIXTURE_NOW, seedFixture, fixtureJobs()). */
    now?: Date;
    seed?: (db: Db) => Promise<void>;
    jobs?: TestJob[];
    app?: Partial<StatusAppOptions>;
  } = {},
): Promise<UiFixture> {
  const now = opts.now ?? FIXTURE_NOW;
  const db = await PgliteDb.memory(await (template ??= PgliteDb.template()));
  try {
    await migrate(db, "target");
    await (opts.seed ?? seedFixture)(db);
    const metrics = createMetrics();
    const source = new TestStatusSource(db, {
      now: () => now,
      runDelayMs: opts.runDelayMs,
      onRunFinished: (r) => metrics.observeRun(r),
      jobs: opts.jobs ?? fixtureJobs(),
    });
    const app = createStatusApp({
      source,
      token: FIXTURE_TOKEN,
      now: () => now,
      metrics,
      refreshSeconds: opts.refreshSeconds,
      ...opts.app,
    });
    return {
      db,
      source,
      metrics,
      app: app as unknown as Hono,
      async close() {
        try {
          await source.settle();
        } finally {
          await db.close();
        }
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}

let template: Promise<Blob> | undefined;

// ---- the README's screenshot: the production jobs' views over three years -------------

export const SHOWCASE_NOW = new Date("2024-03-01T09:30:00Z");
export const SHOWCASE_FIRST_DAY = "2021-03-01";
const SHOWCASE_CHART_DAYS = ["2024-02-19", "2024-02-25", "2024-02-26"];

/**
 * The declared jobs (etl, daily) as the showcase's TestJobs: their real views, over three
 * years of history with a bit of everything.
 */
export async function showcaseJobs(): Promise<TestJob[]> {
  const jobs = await resolveJobs(DECLARED_JOBS, {
    partitionStart: SHOWCASE_FIRST_DAY,
    cron: "0 1 * * *",
  });
  return jobs.map((j) => ({
    name: j.name,
    firstDay: j.firstDay,
    upstream: [...j.upstream],
    sqlVersion: 2,
    views: [...j.views],
  }));
}

export async function seedShowcase(db: Pick<Db, "query">): Promise<void> {
  type Kind = "succeeded" | "empty" | "failed" | "running" | "stale" | "missing";
  const etl = (day: string): Kind => {
    if (day < "2021-06-01") return "empty"; // before the source had readings
    if (day >= "2024-02-27") return day === "2024-02-27" ? "running" : "missing";
    if (day >= "2022-07-04" && day <= "2022-07-08") return "missing";
    if (
      ["2021-08-10", "2022-11-02", "2022-11-03", "2023-06-14", "2024-02-08", "2024-02-09"]
        .includes(day)
    ) return "failed";
    if (day >= "2023-01-16" && day <= "2023-01-20") return "stale";
    return "succeeded";
  };
  const done: SeedPartition[] = [], empties: SeedPartition[] = [];
  const last = Temporal.PlainDate.from("2024-02-29");
  const days: string[] = [];
  for (
    let d = Temporal.PlainDate.from(SHOWCASE_FIRST_DAY);
    Temporal.PlainDate.compare(d, last) <= 0;
    d = d.add({ days: 1 })
  ) {
    days.push(d.toString());
  }
  for (const [i, day] of days.entries()) {
    const e = etl(day);
    // Run by the 01:00 UTC schedule of the next day.
    const ago = (SHOWCASE_NOW.getTime() - Date.parse(`${day}T00:00:00Z`)) / 1000 - 90_000 -
      (i % 50);
    const ms = 900 + ((i * 337) % 1400);
    if (e === "missing") continue;
    if (e === "empty") {
      // The first months were backfilled last (PARTITION_START moved back): nothing there.
      for (const job of ["etl", "daily"]) {
        empties.push({
          job,
          day,
          status: "empty",
          rowsIn: 0,
          rowsOut: 0,
          sqlVersion: 2,
          durationMs: 40,
          succeededAgoS: 3600 - i,
        });
      }
      continue;
    }
    if (e === "failed") {
      done.push({
        job: "etl",
        day,
        status: "failed",
        attempts: 4,
        durationMs: 61_000,
        succeededAgoS: ago,
        error:
          `the source API did not answer within 60000 ms (http://10.20.30.40:8000) (gave up after 4 attempts)`,
      });
    } else if (e === "running") {
      done.push({ job: "etl", day, status: "running", succeededAgoS: 0 });
    } else {
      done.push({
        job: "etl",
        day,
        status: "succeeded",
        rowsIn: 1440,
        rowsOut: 1152,
        sqlVersion: e === "stale" ? 1 : 2,
        durationMs: ms,
        succeededAgoS: ago,
      });
    }
    if ((e === "succeeded" || e === "stale") && day !== "2024-02-20" && day !== "2024-02-21") {
      done.push({
        job: "daily",
        day,
        status: day === "2024-02-02" ? "failed" : "succeeded",
        rowsIn: 864,
        rowsOut: 1,
        sqlVersion: 2,
        durationMs: 40 + (i % 7) * 9,
        error: day === "2024-02-02" ? "numeric field overflow" : null,
        succeededAgoS: ago - 60,
      });
    }
  }
  await seedPartitions(db, [...done, ...empties], SHOWCASE_NOW);
  // A farm of four turbines: the etl days of the last three months recorded their
  // completeness (T03 down for hours on the 19th of February, T02 a little short on some
  // days, T04 silent on the 6th); the chart days have every turbine's 10-minute data (but
  // T03's hours on the 19th), and the farm's daily numbers.
  await db.query("DELETE FROM signal WHERE turbine = 'default'");
  await db.query(
    `INSERT INTO signal (turbine, name)
     SELECT t, v || '_' || s FROM unnest($1::text[]) AS t,
       unnest(ARRAY['wind_speed', 'power']) AS v, unnest(ARRAY['mean', 'min', 'max', 'std']) AS s`,
    [SHOWCASE_TURBINES],
  );
  const short: Record<string, Record<string, number>> = {
    "2024-02-19": { T03: 1440 - 7 * 60 },
    "2024-01-12": { T02: 1431 },
    "2024-01-30": { T02: 1436 },
    "2024-02-06": { T04: 0 },
  };
  const recorded = done.filter((p) =>
    p.job === "etl" && p.day >= "2023-12-01" && p.status === "succeeded"
  ).map((p) => p.day);
  await db.query(
    `INSERT INTO partition_turbines (job, day, turbine, expected, received)
     SELECT 'etl', d::date, t, 1440, coalesce(($3::jsonb -> d ->> t)::int, 1440)
     FROM unnest($1::text[]) AS d, unnest($2::text[]) AS t`,
    [recorded, SHOWCASE_TURBINES, JSON.stringify(short)],
  );
  // The etl partitions of those days name the turbines below MIN_COMPLETENESS, as a run does.
  await db.query(
    `UPDATE partitions p SET incomplete = jsonb_build_array(jsonb_build_object(
       'turbine', t.turbine, 'expected', t.expected, 'received', t.received))
     FROM partition_turbines t
     WHERE p.job = 'etl' AND t.job = 'etl' AND t.day = p.day AND t.received < 0.99 * t.expected`,
  );
  const transform = await readSql("daily/daily_summary.v3.sql");
  for (const day of SHOWCASE_CHART_DAYS) {
    await seedBins(db, day, Array.from({ length: 144 }, (_, i) => i));
    // Each turbine its own wind: a few percent apart.
    await db.query(
      `UPDATE data d SET value = CASE WHEN s.name LIKE 'power%'
           THEN least(2050, d.value * (0.9 + 0.06 * right(s.turbine, 1)::int))
           ELSE d.value * (0.9 + 0.06 * right(s.turbine, 1)::int) END
       FROM signal s WHERE s.id = d.signal_id AND s.name <> 'wind_speed_std'
         AND d.timestamp >= $1::date AND d.timestamp < $1::date + 1`,
      [day],
    );
    if (day === "2024-02-19") {
      await db.query(
        `DELETE FROM data d USING signal s WHERE s.id = d.signal_id AND s.turbine = 'T03'
           AND d.timestamp >= '2024-02-19T09:00:00Z' AND d.timestamp < '2024-02-19T16:00:00Z'`,
      );
    }
    await db.query(transform, [day]);
  }
}

/** The showcase's farm. */
export const SHOWCASE_TURBINES = ["T01", "T02", "T03", "T04"];
