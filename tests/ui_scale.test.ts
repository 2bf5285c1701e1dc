/**
 * The page at age, on the real runner port and both backends: a year of days × four
 * jobs, and ten years × two, seeded in bulk. Every day is on the page (the overview),
 * one query reads the partitions whatever their count (no per-cell queries), and the
 * time to render is measured and printed (not asserted: these machines are shared).
 */
import assert from "node:assert/strict";
import { testBackends } from "./helpers/databases.ts";
import { runBench } from "./helpers/runs.ts";
import type { Db, Row } from "../db/types.ts";
import { findJob, type Job } from "../jobs/core/job.ts";
import { runnerStatusSource } from "../jobs/core/status_port.ts";
import { createStatusApp } from "../ui/app.tsx";
import { createMetrics } from "../ui/metrics.ts";
import { addDays } from "../ui/format.ts";
import { FIXTURE_CHART, fixtureNumbers } from "./helpers/ui_source.ts";

const LAST = "2024-05-31"; // yesterday of the bench's clock (2024-06-01)

/** Every partition of `jobs` from `from` to LAST, in one statement per job (run ids = rows). */
async function seedYears(db: Db, jobs: Job[], from: string): Promise<void> {
  const root = jobs[0].name;
  for (const [k, job] of jobs.entries()) {
    await db.query(
      `INSERT INTO partitions (job, day, status, attempts, run_id, runner, started_at, finished_at,
                               sql_version, sql_hash, rows_in, rows_out, succeeded_at,
                               success_run_id, built_from, duration_ms)
       SELECT $1, d::date,
              CASE WHEN i % 97 = 5 THEN 'failed' WHEN i % 31 = 7 THEN 'empty' ELSE 'succeeded' END,
              1, $6 + i, 'seed:1', now(), now(), $2, $3, 1440, 1152, now(),
              CASE WHEN i % 97 = 5 THEN NULL ELSE i END,
              CASE WHEN $1 = $7 THEN NULL ELSE jsonb_build_object($7::text, i) END, 500
       FROM generate_series($4::date, $5::date, interval '1 day') WITH ORDINALITY AS g(d, i)`,
      [
        job.name,
        job.transform.version,
        job.transform.hash,
        from,
        LAST,
        k * 100_000,
        root,
      ],
    );
    await db.query(
      `INSERT INTO runs (job, day, trigger, runner, status, started_at, finished_at, rows_in, rows_out)
       SELECT job, day, 'schedule', 'seed:1', status, now(), now(), rows_in, rows_out
       FROM partitions WHERE job = $1 ORDER BY day`,
      [job.name],
    );
  }
}

/** Counts the statements the port sends (a Db that passes everything through). */
function counting(db: Db): { db: Db; queries: () => number } {
  let n = 0;
  const wrapped: Db = {
    kind: db.kind,
    label: db.label,
    query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
      n++;
      return db.query<T>(sql, params);
    },
    exec: (sql) => (n++, db.exec(sql)),
    transaction: (fn) => (n++, db.transaction(fn)),
    session: (fn) => (n++, db.session(fn)),
    copyOut: (select, format) => (n++, db.copyOut(select, format)),
    close: () => db.close(),
  };
  return { db: wrapped, queries: () => n };
}

async function measure(
  backend: string,
  label: string,
  app: { request: (p: string) => Response | Promise<Response> },
  queries: () => number,
) {
  const times: number[] = [];
  let size = 0;
  let perPage = 0;
  for (let i = 0; i < 5; i++) {
    const q0 = queries();
    const t0 = performance.now();
    const r = await app.request("/");
    const html = await r.text();
    times.push(performance.now() - t0);
    assert.equal(r.status, 200);
    size = html.length;
    perPage = queries() - q0;
  }
  times.sort((a, b) => a - b);
  console.log(
    `[${backend}] ${label}: GET / ${times.map((t) => Math.round(t)).join(", ")} ms ` +
      `(median ${Math.round(times[2])} ms), ${Math.round(size / 1024)} KB of HTML, ` +
      `${perPage} queries per page`,
  );
  return { perPage };
}

testBackends(
  "ui scale: a year × four jobs and ten years × two render from a handful of queries (timed)",
  async (_t, backend) => {
    const b = await runBench(backend, "2014-06-01");
    try {
      const etl = findJob(b.jobs, "etl"), daily = findJob(b.jobs, "daily");
      const year: Job[] = [
        { ...etl, name: "a", firstDay: "2023-06-01", views: [FIXTURE_CHART] },
        ...["b", "c", "d"].map((name) => ({
          ...daily,
          name,
          upstream: ["a"],
          firstDay: "2023-06-01",
          views: [fixtureNumbers(name)],
        })),
      ];
      const decade: Job[] = [
        { ...etl, name: "x", firstDay: addDays(LAST, -3659), views: [FIXTURE_CHART] },
        {
          ...daily,
          name: "y",
          upstream: ["x"],
          firstDay: addDays(LAST, -3659),
          views: [fixtureNumbers("y")],
        },
      ];
      await seedYears(b.db, year, "2023-06-01");
      await seedYears(b.db, decade, addDays(LAST, -3659));
      for (
        const [label, jobs, days] of [["365 days × 4 jobs", year, 366], [
          "3,660 days × 2 jobs",
          decade,
          3660,
        ]] as const
      ) {
        const c = counting(b.db);
        const ctx = b.ctx({
          db: c.db,
          jobs,
          fetch: () => Promise.reject(new Error("no source here")),
        });
        const app = createStatusApp({
          source: runnerStatusSource({ ctx, reconcileAll: () => null }),
          token: "scale-token-0123456789",
          metrics: createMetrics(),
          now: ctx.now,
        });
        const html = await (await app.request("/")).text();
        assert.equal(
          (html.match(/<a class="s-/g) ?? []).length,
          jobs.length * days,
          "every day in the overview",
        );
        const { perPage } = await measure(backend, label, app, c.queries);
        // Partitions, runs, the day's views, the turbines (heatmap and the day's, one
        // statement): a few statements, not one per cell.
        assert.ok(perPage <= 7, `${perPage} queries for one page`);
      }
    } finally {
      await b.close();
    }
  },
);
