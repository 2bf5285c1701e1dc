/**
 * A wind farm, not a turbine: a three-turbine source at 1-minute readings
 * (tests/fixtures/golden/farm_readings.csv), through the real API over HTTP
 * and the production jobs, on both backends:
 *
 * - etl: each turbine's 10-minute bins equal plain SQL over the source for
 *   that turbine (an independent expectation, computed by the source);
 * - daily: per turbine and the farm totals equal what make_golden.py
 *   computes outside the project (Python's statistics module);
 * - completeness: expected (86400 / the turbine's cadence, GET /turbines)
 *   and received readings per turbine equal the golden ones; a turbine
 *   silent for 3 hours makes its day `incomplete`, naming it, and so does a
 *   turbine expected that sent nothing at all; `status` counts and names
 *   them, text and JSON;
 * - the silent turbine's late readings arrive: the day is stale by source,
 *   rebuilt, and complete.
 */
import assert from "node:assert/strict";
import type { Db } from "../db/types.ts";
import { migratedDb, testBackends } from "./helpers/databases.ts";
import { startApi } from "./helpers/api_server.ts";
import { runBench } from "./helpers/runs.ts";
import { cli } from "./helpers/cli.ts";
import { DECLARED_JOBS } from "../jobs/declarations/mod.ts";
import { partitionStates } from "../jobs/core/states.ts";
import { sourceFingerprints } from "../jobs/core/source_client.ts";
import { cachedTurbines, fetchTurbines } from "../jobs/core/turbines.ts";
import { parseStatusArgs, runStatus } from "../jobs/cli/status.ts";
import type { RunnerContext } from "../jobs/core/runner.ts";
import { runnerStatusSource } from "../jobs/core/status_port.ts";
import { createStatusApp } from "../ui/app.tsx";
import { createMetrics } from "../ui/metrics.ts";

const dir = new URL("./fixtures/golden/", import.meta.url);
const csv = async (name: string) =>
  (await Deno.readTextFile(new URL(name, dir))).trim().split("\n").slice(1).map((l) =>
    l.split(",")
  );
const READINGS = await csv("farm_readings.csv");
const DAILY = await csv("expected_farm_daily.csv");
const TOTALS = await csv("expected_farm_totals.csv");
const COMPLETENESS = await csv("expected_farm_completeness.csv");
const D1 = "2024-03-01";
const D2 = "2024-03-02";

/** The golden readings into the source, as a client of its database would write them. */
async function load(source: Db, rows: string[][]) {
  const col = (i: number) => rows.map((r) => r[i] === "" ? null : r[i]);
  await source.query(
    `INSERT INTO data (turbine, timestamp, wind_speed, power)
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[])`,
    [col(0), col(1), col(2), col(3)],
  );
}

/** Per turbine and bin of day $1, plain SQL over the source: the independent expectation. */
const ORACLE = `
  SELECT turbine, to_char(bin AT TIME ZONE 'UTC', 'HH24:MI') AS t, v.name, v.value
  FROM (
    SELECT turbine, date_bin('10 minutes', timestamp, '2000-01-01') AS bin,
      avg(wind_speed) AS a1, min(wind_speed) AS a2, max(wind_speed) AS a3, stddev_samp(wind_speed) AS a4,
      avg(power) AS b1, min(power) AS b2, max(power) AS b3, stddev_samp(power) AS b4
    FROM data WHERE timestamp >= $1::date AND timestamp < $1::date + 1
    GROUP BY 1, 2
  ) b
  CROSS JOIN LATERAL (VALUES
    (1, 'wind_speed_mean', a1), (2, 'wind_speed_min', a2), (3, 'wind_speed_max', a3), (4, 'wind_speed_std', a4),
    (5, 'power_mean', b1), (6, 'power_min', b2), (7, 'power_max', b3), (8, 'power_std', b4)
  ) AS v(i, name, value)
  ORDER BY turbine, bin, v.i`;
const TARGET = `
  SELECT s.turbine, to_char(d.timestamp AT TIME ZONE 'UTC', 'HH24:MI') AS t, s.name, d.value
  FROM data d JOIN signal s ON s.id = d.signal_id
  WHERE d.timestamp >= $1::date AND d.timestamp < $1::date + 1
  ORDER BY s.turbine, d.timestamp,
    array_position(ARRAY['wind_speed_mean', 'wind_speed_min', 'wind_speed_max', 'wind_speed_std',
                         'power_mean', 'power_min', 'power_max', 'power_std'], s.name)`;

type Bin = { turbine: string; t: string; name: string; value: number | null };

function near(got: number | null, want: string | number | null, what: string) {
  if (want === "" || want === null) {
    return assert.equal(got, null, `${what}: expected NULL, got ${got}`);
  }
  const w = Number(want);
  assert.ok(
    got !== null && Math.abs(got - w) <= 1e-9 * Math.max(1, Math.abs(w)),
    `${what}: got ${got}, expected ${w}`,
  );
}

testBackends("farm: three turbines per bin, per day and in total; completeness per turbine", async (
  t,
  backend,
) => {
  const source = await migratedDb(backend, "source");
  const b = await runBench(backend, D1, DECLARED_JOBS);
  const api = await startApi(source.db);
  try {
    await load(source.db, READINGS);
    const settings = { ...b.ctx().settings, apiUrl: api.url, token: api.token };
    const asked: string[] = [];
    const ctx: RunnerContext = b.ctx({
      settings,
      turbines: cachedTurbines(() => {
        asked.push("turbines");
        return fetchTurbines(fetch, { ...settings, timeoutMs: 5000 });
      }, 60_000),
    });

    await t.step(
      "etl and daily of both days succeed; the result lines name the short turbines",
      async () => {
        const r = await cli(ctx, ["--job", "all", "--from", D1, "--to", D2, "--concurrency", "1"]);
        assert.equal(r.code, 0, [...r.out, ...r.err].join("\n"));
        const line = (job: string, day: string) =>
          r.out.find((l) => l.startsWith(`${job} ${day} `));
        assert.match(
          line("etl", D1)!,
          /^etl 2024-03-01 succeeded: 4140 readings -> \d+ rows .*; incomplete \(below MIN_COMPLETENESS\): T02 1260\/1440 \(87\.5%\)$/,
        );
        assert.match(
          line("etl", D2)!,
          /; incomplete \(below MIN_COMPLETENESS\): T01 0\/1440 \(0\.0%\), T03 10\/1440 \(0\.6%\)$/,
        );
        assert.match(line("daily", D1)!, /^daily 2024-03-01 succeeded: 3 rows /);
        assert.match(line("daily", D2)!, /^daily 2024-03-02 succeeded: 2 rows /);
        assert.deepEqual(asked, ["turbines"], "GET /turbines asked once for the plan");
      },
    );

    await t.step(
      "etl: each turbine's bins equal plain SQL over the source for that turbine",
      async () => {
        for (const day of [D1, D2]) {
          const want = await source.db.query<Bin>(ORACLE, [day]);
          const got = await b.db.query<Bin>(TARGET, [day]);
          assert.deepEqual(
            got.map((g) => `${g.turbine} ${g.t} ${g.name}`),
            want.map((e) => `${e.turbine} ${e.t} ${e.name}`),
            `${day}: the same turbines, bins and signals`,
          );
          got.forEach((g, i) =>
            near(g.value, want[i].value, `${day} ${g.turbine} ${g.t} ${g.name}`)
          );
        }
        // 3 turbines x 144 bins minus T02's 18 silent bins; T03 on D2: one bin.
        const [{ n }] = await b.db.query<{ n: number }>(
          "SELECT count(DISTINCT (s.turbine, d.timestamp))::int AS n FROM data d JOIN signal s ON s.id = d.signal_id",
        );
        assert.equal(n, 3 * 144 - 18 + 1);
        const signals = await b.db.query<{ turbine: string; n: number }>(
          "SELECT turbine, count(*)::int AS n FROM signal GROUP BY 1 ORDER BY 1",
        );
        assert.deepEqual(signals.map((s) => [s.turbine, s.n]), [
          ["T01", 8],
          ["T02", 8],
          ["T03", 8],
          ["default", 8],
        ]);
      },
    );

    await t.step("daily: per turbine and the farm totals equal the golden values", async () => {
      const got = await b.db.query<
        Record<string, number | null> & { day: string; turbine: string }
      >(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, turbine, energy_kwh, mean_wind_speed,
           max_power, availability, bins
         FROM daily ORDER BY day, turbine`,
      );
      assert.deepEqual(
        got.map((d) => `${d.day} ${d.turbine}`),
        DAILY.map(([d, tb]) => `${d} ${tb}`),
      );
      got.forEach((d, i) => {
        const [day, turbine, energy, wind, maxPower, availability, bins] = DAILY[i];
        const what = `${day} ${turbine}`;
        near(d.energy_kwh, energy, `${what} energy_kwh`);
        near(d.mean_wind_speed, wind, `${what} mean_wind_speed`);
        near(d.max_power, maxPower, `${what} max_power`);
        near(d.availability, availability, `${what} availability`);
        assert.equal(d.bins, Number(bins), `${what} bins`);
      });
      const farm = await b.db.query<Record<string, number | null> & { day: string }>(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, energy_kwh, mean_wind_speed, max_power,
           availability, turbines
         FROM daily_farm ORDER BY day`,
      );
      assert.deepEqual(farm.map((f) => f.day), TOTALS.map(([d]) => d));
      farm.forEach((f, i) => {
        const [day, energy, wind, maxPower, availability, turbines] = TOTALS[i];
        near(f.energy_kwh, energy, `${day} farm energy_kwh`);
        near(f.mean_wind_speed, wind, `${day} farm mean_wind_speed`);
        near(f.max_power, maxPower, `${day} farm max_power`);
        near(f.availability, availability, `${day} farm availability`);
        assert.equal(f.turbines, Number(turbines), `${day} farm turbines`);
      });
    });

    await t.step(
      "completeness: expected and received per turbine; incomplete days name them",
      async () => {
        const rows = await b.db.query<
          { day: string; turbine: string; expected: number | null; received: number }
        >(
          `SELECT to_char(day, 'YYYY-MM-DD') AS day, turbine, expected, received
         FROM partition_turbines WHERE job = 'etl' ORDER BY day, turbine`,
        );
        assert.deepEqual(
          rows.map((r) => [r.day, r.turbine, String(r.expected ?? ""), String(r.received)]),
          COMPLETENESS,
        );
        const views = await partitionStates(b.db, { jobs: b.jobs, from: D1, to: D2 });
        assert.deepEqual(views.map((v) => `${v.job} ${v.day} ${v.state}`), [
          "etl 2024-03-01 incomplete",
          "etl 2024-03-02 incomplete",
          "daily 2024-03-01 succeeded",
          "daily 2024-03-02 succeeded",
        ]);
        assert.equal(views[0].reason, "incomplete: T02 1260/1440 (87.5%)");
        assert.deepEqual(views[1].incomplete, [
          { turbine: "T01", expected: 1440, received: 0 },
          { turbine: "T03", expected: 1440, received: 10 },
        ]);
      },
    );

    const status = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runStatus(parseStatusArgs(["--from", D1, "--to", D2, ...args])!, ctx, {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        text: { color: false, width: 92 },
      });
      assert.equal(code, 0, err.join("\n"));
      return out.join("\n");
    };

    await t.step(
      "status counts incomplete days and names the short turbines, text and JSON",
      async () => {
        const text = await status();
        assert.match(
          text,
          /^etl\s+2 days: 0 succeeded, 0 empty, 0 failed, 0 running, 0 missing, 0 blocked, 0 stale, 2 incomplete$/m,
        );
        assert.match(text, /^\s+incomplete \(turbines below MIN_COMPLETENESS when run\): 2$/m);
        assert.match(text, /^\s+2024-03-01 {2}T02 1260\/1440 \(87\.5%\)$/m);
        assert.match(text, /^\s+2024-03-02 {2}T01 0\/1440 \(0\.0%\), T03 10\/1440 \(0\.6%\)$/m);
        assert.match(
          text,
          /^daily\s+2 days: 2 succeeded, 0 empty, 0 failed, 0 running, 0 missing, 0 blocked, 0 stale$/m,
        );
        assert.match(text, /^ {2}etl\s+2024-03-01 ii$/m);
        const json = JSON.parse(await status("--json"));
        const etl = json.jobs.find((j: { name: string }) => j.name === "etl");
        assert.equal(etl.counts.incomplete, 2);
        assert.deepEqual(etl.incomplete[0], {
          day: D1,
          turbines: [{ turbine: "T02", expected: 1440, received: 1260 }],
        });
        assert.equal(etl.partitions[0].state, "incomplete");
      },
    );

    await t.step(
      "page: the turbine x day heatmap, and the day's views of the farm and of each turbine",
      async () => {
        const source = runnerStatusSource({ ctx, reconcileAll: () => null });
        const app = createStatusApp({
          source,
          token: "farm-page-token",
          metrics: createMetrics(),
          now: ctx.now,
        });
        // The golden completeness, classed here: runs of one day each but T01/T03, whose
        // classes differ from D1 to D2 too; nothing merges across these two days.
        const classOf = (expected: number, received: number) =>
          received >= expected
            ? "complete"
            : received === 0
            ? "none"
            : received >= 0.99 * expected
            ? "short"
            : "incomplete";
        const want = COMPLETENESS.map(([day, turbine, expected, received]) => ({
          job: "etl",
          turbine,
          class: classOf(Number(expected), Number(received)),
          from: day,
          to: day,
          days: 1,
          expected: Number(expected),
          received: Number(received),
        })).sort((a, b) => a.turbine < b.turbine ? -1 : a.turbine > b.turbine ? 1 : 0);
        assert.deepEqual(await source.turbineRuns({ from: D1, to: D2, day: null }), {
          runs: want,
          day: [],
        });
        // A day asked for comes with its own rows, whether in the range or not.
        for (const range of [{ from: D1, to: D2 }, { from: "2024-01-01", to: "2024-01-31" }]) {
          const r = await source.turbineRuns({ ...range, day: D2 });
          assert.deepEqual(r.day, want.filter((w) => w.from === D2));
        }
        assert.deepEqual(
          (await (await app.request(`/api/turbines?from=${D1}&to=${D2}`)).json()).runs,
          want,
        );

        // The farm's chart per bin from the source's own per-turbine statistics (ORACLE):
        // wind speed the mean of the turbines' means, power their sum.
        const bins = await b.db.query<Bin>(TARGET, [D1]);
        const at = (turbine: string | null, name: string, t: string) =>
          bins.filter((x) =>
            (turbine === null || x.turbine === turbine) && x.name === name && x.t === t &&
            x.value !== null
          ).map((x) => x.value!);
        const farm = await source.views(D1, null);
        const [chart, numbers] = farm;
        assert.ok(chart.kind === "chart" && numbers.kind === "numbers");
        const p = (series: number, t: string) =>
          chart.series[series].points.find((x) => x.t === `${D1}T${t}:00Z`)!;
        // 03:10: T02 is silent (its three hours); at 12:00 it sends readings without values.
        for (const t of ["12:00", "03:10"]) {
          const ws = at(null, "wind_speed_mean", t);
          const pw = at(null, "power_mean", t);
          assert.equal(ws.length, 2, `${t}: turbines with values`);
          near(p(0, t).value, ws.reduce((a, v) => a + v, 0) / ws.length, `${t} farm wind speed`);
          near(p(0, t).max, Math.max(...at(null, "wind_speed_max", t)), `${t} farm wind max`);
          near(p(1, t).value, pw.reduce((a, v) => a + v, 0), `${t} farm power`);
          near(p(1, t).min, at(null, "power_min", t).reduce((a, v) => a + v, 0), `${t} min`);
        }
        const [day1] = TOTALS;
        assert.deepEqual(
          numbers.values!.map((n) => n.value),
          [Number(day1[1]), Number(day1[2]), Number(day1[3]), Number(day1[4]) * 100],
        );
        // One turbine: its own stored statistics and its own daily row.
        const [t02chart, t02numbers] = await source.views(D1, "T02");
        assert.ok(t02chart.kind === "chart" && t02numbers.kind === "numbers");
        assert.equal(t02chart.series[1].points.length, 144 - 18);
        // 10:00: T02 sends wind speed, no power.
        const ten = t02chart.series[0].points.find((x) => x.t === `${D1}T10:00:00Z`)!;
        assert.deepEqual(
          [ten.value, ten.min, ten.max],
          ["wind_speed_mean", "wind_speed_min", "wind_speed_max"].map((n) =>
            at("T02", n, "10:00")[0]
          ),
        );
        assert.equal(
          t02chart.series[1].points.find((x) => x.t === `${D1}T10:00:00Z`)!.value,
          null,
        );
        const t02 = DAILY.find(([d, tb]) => d === D1 && tb === "T02")!;
        near(t02numbers.values![0].value, t02[2], "T02 energy_kwh");
        near(t02numbers.values![3].value, Number(t02[5]) * 100, "T02 availability %");
        // A turbine the day does not have: nothing, not the farm.
        const [noChart, noNumbers] = await source.views(D1, "T09");
        assert.ok(noChart.kind === "chart" && noNumbers.kind === "numbers");
        assert.deepEqual([noChart.series[0].points.length, noNumbers.values], [0, null]);

        const page = await (await app.request(`/?day=${D1}&from=${D1}&to=${D2}`)).text();
        assert.match(
          page,
          /<svg class="heatmap"[^>]* data-job="etl" data-turbines="3" data-days="2"/,
        );
        // A day short of readings links to that turbine's views of the day; a complete one not.
        assert.match(
          page,
          /<a href="\/\?day=2024-03-01&amp;turbine=T02&amp;from=2024-03-01&amp;to=2024-03-02#day"><rect class="c-incomplete"[^>]* data-turbine="T02" data-class="incomplete" data-from="2024-03-01" data-to="2024-03-01"><title>etl · T02 · 2024-03-01: incomplete \(below MIN_COMPLETENESS\), 1,260 of 1,440 readings \(87\.5%\)<\/title>/,
        );
        assert.doesNotMatch(page, /<a [^>]*><rect class="c-complete"/);
        assert.match(
          page,
          /<rect class="c-none"[^>]* data-turbine="T01" data-class="none" data-from="2024-03-02"/,
        );
        assert.match(page, /<li data-class="complete" data-count="2">/);
        assert.match(page, /<li data-class="incomplete" data-count="2">/);
        assert.match(page, /<li data-class="none" data-count="1">/);
        // The chooser: the farm (chosen) and the day's three turbines with their share.
        const chooser = page.slice(page.indexOf('id="turbine-chooser"'));
        assert.deepEqual(
          [...chooser.slice(0, chooser.indexOf("</nav>")).matchAll(/data-turbine="(\w*)"/g)]
            .map((m) => m[1]),
          ["", "T01", "T02", "T03"],
        );
        assert.match(chooser, /aria-current="true" class="on">the farm <small>\(3 turbines\)/);
        assert.match(chooser, /T02 <small>87\.5%<\/small>/);
        assert.match(page, /10-minute mean over the min–max band · the farm/);
        assert.match(
          page,
          /class="legend-note farm-note">Farm: wind speed is the turbines(&#39;|') mean/,
        );
        const one = await (await app.request(`/?day=${D1}&turbine=T02`)).text();
        assert.match(one, /10-minute mean over the min–max band · T02/);
        assert.match(one, /data-turbine="T02"[^>]*aria-current="true" class="on"/);
        assert.doesNotMatch(one, /farm-note/);
        // The selected cell is outlined; JSON names the turbine; a name too long is refused.
        assert.match(one, /<rect class="hsel"/);
        const json = await (await app.request(`/api/views/${D1}?turbine=T02`)).json();
        assert.equal(json.turbine, "T02");
        assert.equal(json.views[0].series[1].points.length, 126);
        const long = await app.request(`/api/views/${D1}?turbine=${"x".repeat(201)}`);
        assert.equal(long.status, 400);
        assert.match(
          (await long.json()).message,
          /^turbine: a turbine's name, 1 to 200 characters/,
        );
        assert.equal((await app.request(`/?day=${D1}&turbine=`)).status, 400);
      },
    );

    await t.step("T02's late hours arrive: stale by source, rebuilt, complete", async () => {
      // The three silent hours, as the turbine sends them late.
      await source.db.query(
        `INSERT INTO data (turbine, timestamp, wind_speed, power)
         SELECT 'T02', ts, 8.5, 1500 FROM generate_series($1::timestamptz, $2::timestamptz,
           interval '1 minute') AS ts`,
        [`${D1}T03:00:00Z`, `${D1}T05:59:00Z`],
      );
      const fp = await sourceFingerprints(ctx, b.jobs, D1, D2, { err: (l) => assert.fail(l) });
      const views = await partitionStates(b.db, {
        jobs: b.jobs,
        from: D1,
        to: D1,
        fingerprints: fp,
      });
      assert.deepEqual(views.map((v) => [v.job, v.state, v.staleReason]), [
        ["etl", "stale", "source"],
        ["daily", "succeeded", null],
      ]);
      assert.match(views[0].reason!, /source: the source now has 4320 readings .*\(\+180\)/);
      const r = await cli(ctx, ["--job", "all", "--stale", "--from", D1, "--to", D2]);
      assert.equal(r.code, 0, [...r.out, ...r.err].join("\n"));
      assert.deepEqual(r.out.filter((l) => / succeeded: /.test(l)).map((l) => l.split(":")[0]), [
        "etl 2024-03-01 succeeded",
        "daily 2024-03-01 succeeded",
      ]);
      assert.match(r.out[0], /\]$/, "complete: no turbine named");
      const after = await partitionStates(b.db, {
        jobs: b.jobs,
        from: D1,
        to: D1,
        fingerprints: await sourceFingerprints(ctx, b.jobs, D1, D2, { err: assert.fail }),
      });
      assert.deepEqual(after.map((v) => [v.job, v.state, v.incomplete]), [
        ["etl", "succeeded", null],
        ["daily", "succeeded", null],
      ]);
      const [t02] = await b.db.query<{ received: number; availability: number }>(
        `SELECT p.received, d.availability FROM partition_turbines p
         JOIN daily d ON d.day = p.day AND d.turbine = p.turbine
         WHERE p.job = 'etl' AND p.day = $1::date AND p.turbine = 'T02'`,
        [D1],
      );
      assert.deepEqual(t02, { received: 1440, availability: 141 / 144 });
      assert.match(await status(), /^etl\s+2 days: 1 succeeded, .*0 stale, 1 incomplete$/m);
    });
  } finally {
    await api.close();
    await b.close();
    await source.close();
  }
});
