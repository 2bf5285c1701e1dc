/**
 * Correctness oracle: the target's aggregates for a day equal what plain SQL
 * over the source gives (the same numbers pandas' resample('10min') gives for
 * non-empty bins), through the real API over HTTP, on both backends.
 */
import assert from "node:assert/strict";
import type { Db } from "../db/types.ts";
import { seed } from "../api/seed.ts";
import { runPartition } from "../jobs/core/partition_run.ts";
import { findJob } from "../jobs/core/job.ts";
import { LATER, productionJobs } from "./helpers/runs.ts";
import { migratedDb, testBackends } from "./helpers/databases.ts";
import { startApi } from "./helpers/api_server.ts";

const DAY = "2024-01-02";

const ORACLE = `
  SELECT to_char(bin AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS t, v.name, v.value
  FROM (
    SELECT date_bin('10 minutes', timestamp, '2000-01-01') AS bin,
      avg(wind_speed) AS a1, min(wind_speed) AS a2, max(wind_speed) AS a3, stddev_samp(wind_speed) AS a4,
      avg(power) AS b1, min(power) AS b2, max(power) AS b3, stddev_samp(power) AS b4
    FROM data
    WHERE timestamp >= '${DAY}T00:00:00Z' AND timestamp < '${DAY}T00:00:00Z'::timestamptz + interval '1 day'
    GROUP BY 1
  ) b
  CROSS JOIN LATERAL (VALUES
    (1, 'wind_speed_mean', a1), (2, 'wind_speed_min', a2), (3, 'wind_speed_max', a3), (4, 'wind_speed_std', a4),
    (5, 'power_mean', b1), (6, 'power_min', b2), (7, 'power_max', b3), (8, 'power_std', b4)
  ) AS v(i, name, value)
  ORDER BY bin, v.i`;

const TARGET = `
  SELECT to_char(d.timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS t, s.name, d.value
  FROM data d JOIN signal s ON s.id = d.signal_id
  ORDER BY d.timestamp, s.id`;

type Agg = { t: string; name: string; value: number | null };

/** The day seeded every minute, then shaped to cover every edge case. */
async function fixture(source: Db) {
  await seed(source, { from: "2024-01-01", days: 3, everySeconds: 60 });
  await source.exec(`
    -- 01:00-01:10: no readings at all -> no row for that bin
    DELETE FROM data WHERE timestamp >= '${DAY} 01:00Z' AND timestamp < '${DAY} 01:10Z';
    -- 02:00-02:10: one reading -> std NULL, mean = min = max
    DELETE FROM data WHERE timestamp > '${DAY} 02:00Z' AND timestamp < '${DAY} 02:10Z';
    -- 03:00-03:10: wind speed all NULL -> NULL wind statistics, power still there
    UPDATE data SET wind_speed = NULL WHERE timestamp >= '${DAY} 03:00Z' AND timestamp < '${DAY} 03:10Z';
    -- 04:00-04:10: some NULL power readings -> ignored by the aggregates
    UPDATE data SET power = NULL WHERE timestamp >= '${DAY} 04:00Z' AND timestamp < '${DAY} 04:05Z';
    -- 23:59:59 belongs to the day (the reference lost it); a 1-second outlier
    INSERT INTO data VALUES ('${DAY} 23:59:59Z', 99.5, 12345.5, 1);
    -- the last second of the previous day and midnight of the next are not part of it
    INSERT INTO data VALUES ('2024-01-01 23:59:59Z', 1, 1, 1) ON CONFLICT (turbine, timestamp) DO NOTHING;
  `);
}

function close(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

testBackends("oracle: aggregates equal plain SQL over the source", async (_t, backend) => {
  const source = await migratedDb(backend, "source");
  const target = await migratedDb(backend, "target");
  const api = await startApi(source.db);
  try {
    await fixture(source.db);
    const r = await runPartition({
      db: target.db,
      fetch,
      sleep: () => Promise.resolve(),
      random: Math.random,
      log: () => {},
    }, {
      job: findJob(await productionJobs(), "etl"),
      day: DAY,
      now: LATER,
      trigger: "cli",
      runner: "test",
      apiUrl: api.url,
      token: api.token,
      attempts: 1,
      timeoutMs: 10_000,
      leaseSeconds: 30,
    });
    assert.equal(r.status, "succeeded", JSON.stringify(r));

    const expected = await source.db.query<Agg>(ORACLE);
    const got = await target.db.query<Agg>(TARGET);
    assert.equal(got.length, expected.length);
    for (let i = 0; i < got.length; i++) {
      const [g, e] = [got[i], expected[i]];
      assert.ok(
        g.t === e.t && g.name === e.name && close(g.value, e.value),
        `row ${i}: got ${JSON.stringify(g)}, expected ${JSON.stringify(e)}`,
      );
    }

    const bins = new Set(got.map((g) => g.t));
    // 144 bins minus the empty 01:00 one; 23:50 holds the 23:59:59 reading.
    assert.equal(bins.size, 143);
    assert.ok(!bins.has(`${DAY}T01:00:00`));
    const at = (t: string, name: string) =>
      got.find((g) => g.t === `${DAY}T${t}` && g.name === name);
    assert.equal(at("02:00:00", "wind_speed_std")!.value, null);
    assert.equal(at("02:00:00", "wind_speed_min")!.value, at("02:00:00", "wind_speed_max")!.value);
    assert.equal(at("03:00:00", "wind_speed_mean")!.value, null);
    assert.notEqual(at("03:00:00", "power_mean")!.value, null);
    assert.equal(at("23:50:00", "wind_speed_max")!.value, 99.5);
    assert.equal(at("23:50:00", "power_max")!.value, 12345.5);
    assert.equal(r.status === "succeeded" && r.rowsIn, 1440 - 10 - 9 + 1);
  } finally {
    await api.close();
    await target.close();
    await source.close();
  }
});
