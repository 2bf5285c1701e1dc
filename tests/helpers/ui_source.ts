/**
 * A `StatusSource` for tests of the status page, over a real (PGlite or PostgreSQL)
 * target database migrated with the real migrations: the page reads what is in
 * `partitions`, `runs`, `data` and `signal`, seeded with SQL. Its `trigger()` claims the
 * partition (a `running` row and a run), then "runs" it after a short delay: writes
 * synthetic 10-minute bins (for a job without upstream) and records success.
 * Call `settle()` before closing the database: it waits for those background runs.
 */
import type { Db } from "../../db/types.ts";
import type {
  ChartBin,
  DayChart,
  PartitionState,
  PartitionView,
  RunView,
  StatusSource,
  TriggerResult,
} from "../../jobs/core/port.ts";
import { yesterdayOf } from "../../ui/format.ts";
import { createMetrics, type Metrics, type RunObservation } from "../../ui/metrics.ts";
import { createStatusApp } from "../../ui/app.tsx";
import { PgliteDb } from "../../db/pglite.ts";
import { migrate } from "../../migrations/migrate.ts";
import type { Hono } from "hono";

export interface TestJob {
  name: string;
  firstDay: string;
  upstream: string[];
  sqlVersion: number;
}

export interface UiSourceOptions {
  now?: () => Date;
  jobs?: TestJob[];
  /** How long a triggered run takes before it succeeds (ms). */
  runDelayMs?: number;
  /** Called when a triggered run finishes (e.g. `metrics.observeRun`). */
  onRunFinished?: (run: RunObservation) => void;
}

export class TestStatusSource implements StatusSource {
  readonly #db: Db;
  readonly #now: () => Date;
  readonly #jobs: TestJob[];
  readonly #delay: number;
  readonly #onFinished?: (run: RunObservation) => void;
  readonly #pending = new Set<Promise<void>>();
  /** How many times trigger() was called and claimed a partition. */
  started = 0;

  constructor(db: Db, opts: UiSourceOptions = {}) {
    this.#db = db;
    this.#now = opts.now ?? (() => new Date());
    this.#jobs = opts.jobs ?? [
      { name: "etl", firstDay: "2024-01-01", upstream: [], sqlVersion: 1 },
      { name: "daily", firstDay: "2024-01-01", upstream: ["etl"], sqlVersion: 1 },
    ];
    this.#delay = opts.runDelayMs ?? 300;
    this.#onFinished = opts.onRunFinished;
  }

  jobs() {
    return this.#jobs.map(({ name, firstDay, upstream }) => ({
      name,
      firstDay,
      upstream: [...upstream],
    }));
  }

  async partitions(q: { job?: string; from?: string; to?: string }): Promise<PartitionView[]> {
    const to = q.to ?? yesterdayOf(this.#now());
    const out: PartitionView[] = [];
    for (const job of this.#jobs) {
      if (q.job !== undefined && q.job !== job.name) continue;
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
      }>(
        `SELECT to_char(d, 'YYYY-MM-DD') AS day, p.status, p.rows_in, p.rows_out, p.sql_version, p.error,
                p.attempts, p.finished_at,
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
        const upOk = up === null || r.up_status === "succeeded";
        if (r.status === "running") state = "running";
        else if (r.status === "failed") state = "failed";
        else if (r.status === "succeeded") {
          if (r.sql_version !== job.sqlVersion) {
            state = "stale";
            reason = `sql: built with v${r.sql_version}, current v${job.sqlVersion}`;
          } else if (r.stale_upstream) {
            state = "stale";
            reason = `upstream: ${up} succeeded again after it`;
          } else state = r.rows_in === 0 ? "empty" : "succeeded";
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
          durationMs: r.duration_ms === null ? null : Math.round(r.duration_ms),
          error: r.error,
          attempts: r.attempts ?? 0,
          finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
        });
      }
    }
    return out;
  }

  async runs(limit: number): Promise<RunView[]> {
    const rows = await this.#db.query<{
      id: string | number;
      job: string;
      day: string;
      trigger: string;
      runner: string;
      status: RunView["status"];
      started_at: Date;
      finished_at: Date | null;
      rows_in: number | null;
      rows_out: number | null;
      error: string | null;
    }>(
      `SELECT id, job, to_char(day, 'YYYY-MM-DD') AS day, trigger, runner, status, started_at,
              finished_at, rows_in, rows_out, error
       FROM runs ORDER BY id DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => {
      const started = new Date(r.started_at),
        finished = r.finished_at ? new Date(r.finished_at) : null;
      return {
        id: Number(r.id),
        job: r.job,
        day: r.day,
        trigger: r.trigger,
        runner: r.runner,
        status: r.status === "succeeded" && r.rows_in === 0 ? "empty" : r.status,
        startedAt: started.toISOString(),
        finishedAt: finished?.toISOString() ?? null,
        durationMs: finished ? finished.getTime() - started.getTime() : null,
        rowsIn: r.rows_in,
        rowsOut: r.rows_out,
        error: r.error,
      };
    });
  }

  async chart(day: string): Promise<DayChart> {
    const rows = await this.#db.query<{ t: Date; name: string; value: number | null }>(
      `SELECT d.timestamp AS t, s.name, d.value
       FROM data d JOIN signal s ON s.id = d.signal_id
       WHERE d.timestamp >= $1::date AND d.timestamp < $1::date + 1
         AND s.name IN ('wind_speed_mean', 'wind_speed_min', 'wind_speed_max',
                        'power_mean', 'power_min', 'power_max')
       ORDER BY d.timestamp`,
      [day],
    );
    const bins = new Map<string, ChartBin>();
    for (const r of rows) {
      const t = new Date(r.t).toISOString();
      let b = bins.get(t);
      if (!b) {
        b = {
          t,
          wind_speed_mean: null,
          wind_speed_min: null,
          wind_speed_max: null,
          power_mean: null,
          power_min: null,
          power_max: null,
        };
        bins.set(t, b);
      }
      b[r.name as Exclude<keyof ChartBin, "t">] = r.value;
    }
    const list = [...bins.values()];
    const [daily] = await this.#db.query<{ status: string }>(
      `SELECT status FROM partitions WHERE job = 'daily' AND day = $1 AND status = 'succeeded'`,
      [day],
    );
    const means = (k: "wind_speed_mean" | "power_mean") =>
      list.map((b) => b[k]).filter((v): v is number => v !== null);
    const power = means("power_mean"), wind = means("wind_speed_mean");
    const maxes = list.map((b) => b.power_max).filter((v): v is number => v !== null);
    return {
      day,
      bins: list,
      daily: daily
        ? {
          energy_kwh: power.reduce((a, b) => a + b, 0) / 6,
          mean_wind_speed: wind.length ? wind.reduce((a, b) => a + b, 0) / wind.length : null,
          max_power: maxes.length ? Math.max(...maxes) : null,
          availability: list.length / 144,
        }
        : null,
    };
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

  async triggerAll(): Promise<{ planned: number }> {
    const todo = (await this.partitions({})).filter((p) =>
      p.state === "missing" || p.state === "failed" || p.state === "stale"
    );
    for (const p of todo) await this.trigger(p.job, p.day);
    return { planned: todo.length };
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
  status: "running" | "succeeded" | "failed";
  rowsIn?: number | null;
  rowsOut?: number | null;
  sqlVersion?: number | null;
  error?: string | null;
  attempts?: number;
  /** Duration of the run that finished it (ms, default 1234). */
  durationMs?: number;
  /** When it succeeded, as an offset from now in seconds (default -3600). */
  succeededAgoS?: number;
}

/** Writes partitions rows (and one matching run each) with SQL. */
export async function seedPartitions(db: Pick<Db, "query">, list: SeedPartition[]): Promise<void> {
  for (const p of list) {
    const ok = p.status === "succeeded";
    const ago = p.succeededAgoS ?? 3600;
    const dur = (p.durationMs ?? 1234) / 1000;
    const [run] = await db.query<{ id: string }>(
      `INSERT INTO runs (job, day, trigger, runner, status, started_at, finished_at, rows_in, rows_out,
                         sql_version, error)
       VALUES ($1, $2, 'schedule', 'seed-host:4242', $3, now() - make_interval(secs => $4::float8 + $5::float8),
               CASE WHEN $3 = 'running' THEN NULL ELSE now() - make_interval(secs => $4::float8) END,
               $6, $7, $8, $9)
       RETURNING id`,
      [
        p.job,
        p.day,
        p.status,
        ago,
        dur,
        p.rowsIn ?? null,
        p.rowsOut ?? null,
        p.sqlVersion ?? null,
        p.error ?? null,
      ],
    );
    await db.query(
      `INSERT INTO partitions (job, day, status, attempts, failures, run_id, runner, started_at, finished_at,
                               error, sql_version, sql_hash, rows_in, rows_out, succeeded_at, lease_until)
       SELECT $1, $2, $3, $4, CASE WHEN $3 = 'failed' THEN 1 ELSE 0 END, $5, 'seed-host:4242',
              r.started_at, r.finished_at, $6, $7, 'seed', $8, $9,
              CASE WHEN $10 THEN r.finished_at END,
              CASE WHEN $3 = 'running' THEN now() + interval '1 hour' END
       FROM runs r WHERE r.id = $5`,
      [
        p.job,
        p.day,
        p.status,
        p.attempts ?? 1,
        run.id,
        p.error ?? null,
        p.sqlVersion ?? (ok ? 1 : null),
        p.rowsIn ?? null,
        p.rowsOut ?? null,
        ok,
      ],
    );
  }
}

/** Writes synthetic 10-minute aggregates for the given bin indexes (0..143) of a day. */
export async function seedBins(db: Pick<Db, "query">, day: string, bins: number[]): Promise<void> {
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

// ---- a whole fixture: database, source, metrics, app ------------------------------

/** "Now" of the fixture: yesterday is 2024-01-10, so each job has 10 days. */
export const FIXTURE_NOW = new Date("2024-01-11T08:00:00Z");
export const FIXTURE_TOKEN = "test-token-" + "0123456789abcdef";

/** The seeded states, by job and day (what the page must show). */
export const FIXTURE_STATES: Record<string, Record<string, PartitionState>> = {
  etl: {
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
  daily: {
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
    rowsIn: job === "etl" ? 1440 : 864,
    rowsOut: job === "etl" ? 1152 : 1,
    sqlVersion: 2,
    ...extra,
  });
  await seedPartitions(db, [
    ok("etl", "2024-01-01", { durationMs: 512 }),
    ok("etl", "2024-01-02", { rowsIn: 1000, rowsOut: 800, succeededAgoS: 600 }),
    ok("etl", "2024-01-03", { rowsIn: 0, rowsOut: 0 }),
    {
      job: "etl",
      day: "2024-01-04",
      status: "failed",
      attempts: 3,
      error: "extract: GET /data?date=2024-01-04 answered 503 Service Unavailable after 4 attempts",
    },
    { job: "etl", day: "2024-01-05", status: "running" },
    ok("etl", "2024-01-06", { sqlVersion: 1 }),
    ok("etl", "2024-01-09", { durationMs: 75_300 }),
    ok("daily", "2024-01-01"),
    ok("daily", "2024-01-02", { succeededAgoS: 7200 }),
    { job: "daily", day: "2024-01-09", status: "failed", error: "division by zero" },
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
    /** Another "now" and data set (default: FIXTURE_NOW and seedFixture). */
    now?: Date;
    seed?: (db: Db) => Promise<void>;
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
      jobs: [
        { name: "etl", firstDay: "2024-01-01", upstream: [], sqlVersion: 2 },
        { name: "daily", firstDay: "2024-01-01", upstream: ["etl"], sqlVersion: 2 },
      ],
    });
    const app = createStatusApp({
      source,
      token: FIXTURE_TOKEN,
      now: () => now,
      metrics,
      refreshSeconds: opts.refreshSeconds,
    });
    return {
      db,
      source,
      metrics,
      app,
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

/** Two months of history with a bit of everything, for the README's screenshot. */
export const SHOWCASE_NOW = new Date("2024-03-01T09:30:00Z");

export async function seedShowcase(db: Pick<Db, "query">): Promise<void> {
  const list: SeedPartition[] = [];
  const days: string[] = [];
  for (let d = Temporal.PlainDate.from("2024-01-01"); d.month <= 2; d = d.add({ days: 1 })) {
    days.push(d.toString());
  }
  const etl = (day: string): SeedPartition["status"] | "missing" | "stale" | "empty" => {
    if (day >= "2024-02-27") return day === "2024-02-27" ? "running" : "missing";
    if (["2024-01-17", "2024-02-08", "2024-02-09"].includes(day)) return "failed";
    if (day >= "2024-01-22" && day <= "2024-01-26") return "stale";
    if (day === "2024-02-14") return "empty";
    return "succeeded";
  };
  for (const [i, day] of days.entries()) {
    const e = etl(day);
    if (e === "missing") continue;
    const ms = 900 + ((i * 337) % 1400);
    if (e === "failed") {
      list.push({
        job: "etl",
        day,
        status: "failed",
        attempts: 4,
        durationMs: 61_000,
        error: `extract: GET /data?date=${day} timed out after 60000 ms (4 attempts)`,
      });
    } else if (e === "running") {
      list.push({ job: "etl", day, status: "running" });
    } else {
      list.push({
        job: "etl",
        day,
        status: "succeeded",
        rowsIn: e === "empty" ? 0 : 1440,
        rowsOut: e === "empty" ? 0 : 1152,
        sqlVersion: e === "stale" ? 1 : 2,
        durationMs: ms,
        succeededAgoS: 86_400 * (days.length - i),
      });
    }
    const upOk = e === "succeeded" || e === "stale" || e === "empty";
    if (upOk && day !== "2024-02-20" && day !== "2024-02-21") {
      list.push({
        job: "daily",
        day,
        status: day === "2024-02-02" ? "failed" : "succeeded",
        rowsIn: 864,
        rowsOut: 1,
        sqlVersion: 2,
        durationMs: 40 + (i % 7) * 9,
        error: day === "2024-02-02" ? "numeric field overflow" : null,
        succeededAgoS: 86_400 * (days.length - i) - 60,
      });
    }
  }
  await seedPartitions(db, list);
  for (const day of ["2024-02-19", "2024-02-25", "2024-02-26"]) {
    await seedBins(db, day, Array.from({ length: 144 }, (_, i) => i));
  }
}
