/**
 * Jobs bring their own views: the page draws whatever a job declares and names no
 * job. A third job with a view (declared here, not in the production list) shows up
 * by itself; a job removed takes nothing down with it; a view whose SQL fails says so
 * and the rest of the page stands. The declared etl and daily views are checked once,
 * for what they read, over real runs on both backends.
 */
import assert from "node:assert/strict";
import { FIXTURE_TOKEN, fixtureJobs, type TestJob, uiFixture } from "./helpers/ui_source.ts";
import { testBackends } from "./helpers/databases.ts";
import { runBench, serveDays } from "./helpers/runs.ts";
import { runnerStatusSource } from "../jobs/core/status_port.ts";
import { runOne } from "../jobs/core/runner.ts";
import { findJob, type Job, JobError, resolveJobs } from "../jobs/core/job.ts";
import type { DayView, ViewDeclaration } from "../jobs/core/port.ts";
import { DECLARED_JOBS } from "../jobs/declarations/mod.ts";

const bearer = { Authorization: `Bearer ${FIXTURE_TOKEN}` };

/** Hourly means of the seeded power: the test's own view, of a job no production code knows. */
const HOURLY: ViewDeclaration = {
  kind: "chart",
  title: "hourly mean power",
  binMinutes: 60,
  series: [{ column: "power", label: "Hourly power", unit: "kW", digits: 0 }],
  sql:
    `SELECT to_char(date_trunc('hour', d.timestamp AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS t,
               avg(d.value) AS power
        FROM data d JOIN signal s ON s.id = d.signal_id
        WHERE s.name = 'power_mean'
          AND d.timestamp >= ($1::date)::timestamp AT TIME ZONE 'UTC'
          AND d.timestamp < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
        GROUP BY 1 ORDER BY 1`,
};

const hourly: TestJob = {
  name: "hourly",
  firstDay: "2024-01-01",
  upstream: ["ingest"],
  sqlVersion: 2,
  views: [HOURLY],
};

Deno.test("ui views: a third job's view shows up by itself, on the page and in /api/views", async () => {
  const f = await uiFixture({ jobs: [...fixtureJobs(), hourly] });
  try {
    const page = await (await f.app.request("/?day=2024-01-02")).text();
    assert.match(page, /data-view="hourly:chart"/);
    assert.match(page, /hourly mean power/);
    assert.equal((page.match(/<circle data-bin="2024-01-02T\d\d:00:00Z"/g) ?? []).length > 0, true);
    // Every hour with data: 100 bins over hours 0..6 and 14..23 of the gap day.
    const svg = page.slice(page.indexOf('id="chart-hourly-power"'));
    assert.equal((svg.slice(0, svg.indexOf("</svg>")).match(/<circle /g) ?? []).length, 17);
    assert.match(page, /Hourly power \(kW\)/);
    const api = await (await f.app.request("/api/views/2024-01-02")).json();
    assert.deepEqual(api.views.map((v: DayView) => `${v.job}:${v.kind}`), [
      "ingest:chart",
      "rollup:numbers",
      "hourly:chart",
    ]);
    assert.equal(api.views[2].series[0].points.length, 17);
    assert.equal(api.views[2].series[0].band, false);
    // Its partitions are on the grid and in the JSON like anyone's.
    assert.match(page, /data-job-row="hourly"/);
    const parts = await (await f.app.request("/api/partitions?job=hourly")).json();
    assert.equal(parts.partitions.length, 10);
  } finally {
    await f.close();
  }
});

Deno.test("ui views: without the second job (removed, or renamed) the page stands", async () => {
  const only = fixtureJobs().slice(0, 1);
  const f = await uiFixture({ jobs: only });
  try {
    for (const path of ["/", "/?day=2024-01-02", "/api/partitions", "/api/views/2024-01-02"]) {
      const r = await f.app.request(path);
      assert.equal(r.status, 200, path);
      // (Its past runs stay in the runs table, and in "recent runs".)
      assert.doesNotMatch(
        await r.text(),
        /data-job-row="rollup"|data-view="rollup|"job":"rollup"/,
        path,
      );
    }
  } finally {
    await f.close();
  }
  const renamed = fixtureJobs().map((j) => ({
    ...j,
    name: `${j.name}_v2`,
    upstream: j.upstream.map((u) => `${u}_v2`),
  }));
  const g = await uiFixture({ jobs: renamed });
  try {
    const page = await (await g.app.request("/?day=2024-01-02")).text();
    assert.match(page, /data-view="ingest_v2:chart"/);
    assert.match(page, /data-view="rollup_v2:numbers"/);
    // Nothing seeded under these names: every day is missing (or blocked), nothing breaks.
    assert.match(page, /data-job-row="rollup_v2"/);
  } finally {
    await g.close();
  }
});

Deno.test("ui views: a view whose SQL fails shows why (its kind without a login); the rest stands", async () => {
  const broken: TestJob = {
    ...hourly,
    name: "broken",
    views: [
      { ...HOURLY, title: "reads a table that is gone", sql: "SELECT * FROM no_such_table" },
      {
        kind: "numbers",
        title: "declares a column its SQL lacks",
        sql: "SELECT 1 AS present WHERE $1::date IS NOT NULL",
        numbers: [{ column: "absent", label: "absent", unit: "x" }],
      },
    ],
  };
  const f = await uiFixture({ jobs: [...fixtureJobs(), broken] });
  try {
    const pub = await f.app.request("/?day=2024-01-02");
    assert.equal(pub.status, 200);
    const text = await pub.text();
    assert.equal((text.match(/Could not read this view: its SQL failed/g) ?? []).length, 2);
    assert.doesNotMatch(text, /no_such_table/);
    assert.match(text, /id="chart-ingest-power_mean"/, "the other views still draw");
    const authed = await (await f.app.request("/?day=2024-01-02", { headers: bearer })).text();
    assert.match(
      authed,
      /Could not read this view: relation &quot;no_such_table&quot; does not exist/,
    );
    assert.match(
      authed,
      /the view&#39;s SQL returns no column absent|the view's SQL returns no column absent/,
    );
  } finally {
    await f.close();
  }
});

Deno.test("ui views: resolveJobs reads a view's SQL from sql/<job>/view_*.sql, and refuses other paths", async () => {
  const etl = DECLARED_JOBS.find((d) => d.name === "etl")!;
  const base = {
    name: "third",
    upstream: ["etl"],
    input: { kind: "upstream" as const },
    deleteDay: "daily/delete_day.sql",
    transformTakesDay: true,
  };
  for (const sql of ["../../etc/passwd", "daily/daily_summary.v1.sql", "view_x.sql"]) {
    await assert.rejects(
      resolveJobs([etl, { ...base, views: [{ kind: "numbers", title: "x", sql, numbers: [] }] }], {
        partitionStart: "2024-01-01",
        cron: "0 1 * * *",
      }),
      (e) => e instanceof JobError && /sql\/<job>\/view_<name>\.sql/.test(e.message),
      sql,
    );
  }
  // The declared ones resolve with their SQL text.
  const jobs = await resolveJobs(DECLARED_JOBS, {
    partitionStart: "2024-01-01",
    cron: "0 1 * * *",
  });
  const daily = findJob(jobs, "daily").views[0];
  assert.equal(daily.kind, "numbers");
  assert.match(daily.sql, /FROM daily\s+WHERE day = \$1::date/);
});

testBackends(
  "ui views: the declared etl and daily views read what real runs wrote; a third job's view joins them",
  async (_t, backend) => {
    const b = await runBench(backend, "2024-05-30", DECLARED_JOBS);
    try {
      serveDays(b);
      const etl = findJob(b.jobs, "etl"), daily = findJob(b.jobs, "daily");
      const third: Job = { ...daily, name: "third", views: [HOURLY] };
      const ctx = b.ctx({ jobs: [etl, daily, third] });
      for (const job of [etl, daily]) {
        assert.equal((await runOne(ctx, job, "2024-05-30", "cli")).status, "succeeded");
      }
      const source = runnerStatusSource({ ctx, reconcileAll: () => null });
      const views = await source.views("2024-05-30", null);
      assert.deepEqual(views.map((v) => `${v.job}:${v.kind}:${v.error}`), [
        "etl:chart:null",
        "daily:numbers:null",
        "third:chart:null",
      ]);
      const [chart, numbers, hours] = views;
      assert.ok(chart.kind === "chart" && numbers.kind === "numbers" && hours.kind === "chart");
      assert.deepEqual(chart.series.map((s) => [s.label, s.unit, s.points.length, s.band]), [
        ["Wind speed", "m/s", 144, true],
        ["Power", "kW", 144, true],
      ]);
      // The chart is the 10-minute data as stored: mean inside its band, every bin.
      const [row] = await b.db.query<{ v: number }>(
        `SELECT d.value AS v FROM data d JOIN signal s ON s.id = d.signal_id
       WHERE s.name = 'power_mean' AND d.timestamp = '2024-05-30T12:00:00Z'`,
      );
      const noon = chart.series[1].points.find((p) => p.t === "2024-05-30T12:00:00Z")!;
      assert.equal(noon.value, row.v);
      assert.ok(noon.min! <= noon.value! && noon.value! <= noon.max!);
      // The numbers are the daily row, availability in percent.
      const [d] = await b.db.query<Record<string, number>>(
        "SELECT energy_kwh, mean_wind_speed, max_power, availability FROM daily WHERE day = '2024-05-30'",
      );
      assert.deepEqual(
        Object.fromEntries(numbers.values!.map((n) => [n.column, n.value])),
        {
          energy_kwh: d.energy_kwh,
          mean_wind_speed: d.mean_wind_speed,
          max_power: d.max_power,
          availability_pct: d.availability * 100,
        },
      );
      assert.equal(hours.series[0].points.length, 24);
      // A day nothing was built for: no points, no numbers, no error.
      const none = await source.views("2024-05-29", null);
      assert.deepEqual(
        none.map((v) => v.kind === "chart" ? v.series[0].points.length : v.values),
        [0, null, 0],
      );
    } finally {
      await b.close();
    }
  },
);
