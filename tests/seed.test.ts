/** Demo data: counts, idempotence, plausible values, the power curve's shape; a farm. */
import assert from "node:assert/strict";
import { seed, turbineNames } from "../api/seed.ts";
import { migratedDb, testBackends } from "./helpers/databases.ts";
import { valuesDigest } from "./helpers/values_digest.ts";

testBackends("seed writes realistic, deterministic demo data", async (t, backend) => {
  const { db, close } = await migratedDb(backend, "source");
  try {
    // 3 days at 1 minute for the statistics, plus a different range later.
    const first = await seed(db, { from: "2024-01-01", days: 3, everySeconds: 60 });

    await t.step("one row per step of each day, [D, D+1)", async () => {
      assert.equal(first.rows, 3 * 1440);
      const [r] = await db.query<{ n: number; lo: string; hi: string }>(
        `SELECT count(*)::int AS n, min(timestamp)::text AS lo, max(timestamp)::text AS hi FROM data`,
      );
      assert.deepEqual(r, { n: 4320, lo: "2024-01-01 00:00:00+00", hi: "2024-01-03 23:59:00+00" });
    });

    await t.step("other frequencies: every step starts at midnight", async () => {
      // 86400 / 7 is not whole: 12,343 readings a day, the last at 23:59:54.
      const r = await seed(db, { from: "2024-02-01", days: 1, everySeconds: 7 });
      assert.equal(r.rows, Math.ceil(86400 / 7));
      const [{ hi }] = await db.query<{ hi: string }>(
        `SELECT max(timestamp)::text AS hi FROM data WHERE timestamp >= '2024-02-01'`,
      );
      assert.equal(hi, "2024-02-01 23:59:54+00");
      await db.exec(`DELETE FROM data WHERE timestamp >= '2024-02-01'`);
    });

    await t.step("seeding the same range again gives the same rows", async () => {
      const digest = async () =>
        (await db.query<{ d: string }>(
          `SELECT md5(string_agg(concat_ws(',', timestamp, wind_speed, power, ambient_temperature),
                                 ';' ORDER BY timestamp)) AS d FROM data`,
        ))[0].d;
      const before = await digest();
      await db.exec(`UPDATE data SET power = -1 WHERE timestamp = '2024-01-02 12:00:00+00'`);
      await db.exec(`DELETE FROM data WHERE timestamp = '2024-01-02 13:00:00+00'`);
      assert.equal((await seed(db, { from: "2024-01-02", days: 1, everySeconds: 60 })).rows, 1440);
      assert.equal(await digest(), before);
    });

    await t.step("values are in plausible ranges and mostly complete", async () => {
      const [r] = await db.query<Record<string, number>>(
        `SELECT min(wind_speed) AS w_min, max(wind_speed) AS w_max, avg(wind_speed) AS w_avg,
                min(power) AS p_min, max(power) AS p_max,
                min(ambient_temperature) AS t_min, max(ambient_temperature) AS t_max,
                count(*) - count(wind_speed) AS w_null,
                (count(*) - count(power))::int AS p_null,
                (count(*) - count(ambient_temperature))::int AS t_null,
                count(DISTINCT wind_speed)::int AS w_distinct
         FROM data`,
      );
      assert.ok(r.w_min >= 0 && r.w_max <= 25, JSON.stringify(r));
      assert.ok(r.w_avg > 3 && r.w_avg < 14, JSON.stringify(r));
      assert.ok(r.w_distinct > 500, "wind varies");
      assert.ok(r.p_min >= 0 && r.p_max <= 2000, JSON.stringify(r));
      assert.ok(r.t_min > -30 && r.t_max < 45, JSON.stringify(r));
      assert.equal(Number(r.w_null), 0);
      assert.ok(r.p_null + r.t_null < 4320 * 0.005, "a few NULLs at most");
    });

    await t.step("power follows a turbine power curve", async () => {
      const bins = await db.query<{ bin: number; p: number; n: number }>(
        `SELECT floor(wind_speed)::int AS bin, avg(power) AS p, count(*)::int AS n
         FROM data WHERE power IS NOT NULL GROUP BY 1 ORDER BY 1`,
      );
      const below = await db.query<{ p: number }>(
        `SELECT max(power) AS p FROM data WHERE wind_speed < 3`,
      );
      assert.equal(below[0].p, 0, "nothing below cut-in (3 m/s)");
      const rated = await db.query<{ p: number }>(
        `SELECT min(power) AS p FROM data WHERE wind_speed >= 12`,
      );
      if (rated[0].p !== null) assert.ok(rated[0].p > 1900, "about rated power from 12 m/s");
      // Rising between cut-in and rated speed.
      const mid = bins.filter((b) => b.bin >= 3 && b.bin < 12 && b.n >= 5);
      assert.ok(mid.length >= 4, JSON.stringify(bins));
      for (let i = 1; i < mid.length; i++) assert.ok(mid[i].p > mid[i - 1].p, JSON.stringify(mid));
    });

    await t.step("temperature has a daily cycle: afternoons warmer than nights", async () => {
      const [r] = await db.query<{ day: number; night: number }>(
        `SELECT avg(ambient_temperature) FILTER (WHERE extract(hour FROM timestamp) BETWEEN 13 AND 16) AS day,
                avg(ambient_temperature) FILTER (WHERE extract(hour FROM timestamp) BETWEEN 2 AND 5) AS night
         FROM data`,
      );
      assert.ok(r.day > r.night + 3, JSON.stringify(r));
    });

    await t.step("bad options are refused before anything is written", async () => {
      for (
        const opts of [
          { from: "2024-02-30", days: 1, everySeconds: 60 },
          { from: "2024-01-01", days: 0, everySeconds: 60 },
          { from: "2024-01-01", days: 1.5, everySeconds: 60 },
          { from: "2024-01-01", days: 1, everySeconds: 0 },
          { from: "2024-01-01", days: 1, everySeconds: 0.5 },
          { from: "2024-01-01", days: 1, everySeconds: 86401 },
        ]
      ) {
        await assert.rejects(seed(db, opts), RangeError, JSON.stringify(opts));
      }
    });
  } finally {
    await close();
  }
});

testBackends("seeding one day at 1 second is fast and set-based", async (_t, backend) => {
  const { db, close } = await migratedDb(backend, "source");
  try {
    const t0 = performance.now();
    const { rows } = await seed(db, { from: "2024-03-10", days: 1, everySeconds: 1 });
    const ms = performance.now() - t0;
    assert.equal(rows, 86_400);
    // Generous bound (shared CI machines); about 0.5 s on postgres, 2-3 s on PGlite.
    assert.ok(ms < (backend === "postgres" ? 5_000 : 20_000), `${ms} ms`);
  } finally {
    await close();
  }
});

testBackends(
  "seed: one turbine is the single series of before, value for value",
  async (_t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    try {
      await seed(db, { from: "2024-01-01", days: 1, everySeconds: 60 });
      // The day as the seed wrote it before the source had turbines (its SQL at commit 3e23023),
      // with the turbine the source gives such rows: the reference clients' answers stay the same.
      const [{ d }] = await db.query<{ d: string }>(
        `SELECT md5(string_agg(encode(timestamptz_send(timestamp), 'hex') || ':' ||
                coalesce(encode(float8send(wind_speed), 'hex'), '-') || ':' ||
                coalesce(encode(float8send(power), 'hex'), '-') || ':' ||
                coalesce(encode(float8send(ambient_temperature), 'hex'), '-'),
              ';' ORDER BY timestamp)) AS d
       FROM data WHERE turbine = 'default'`,
      );
      assert.equal(d, "5484d85037ae6fc44dcfef0736765d57");
      const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM data`);
      assert.equal(n, 1440);
    } finally {
      await close();
    }
  },
);

testBackends("seed: a farm, each turbine its own series, a gap left out", async (t, backend) => {
  const { db, close } = await migratedDb(backend, "source");
  try {
    const down = { turbine: "T04", from: "2024-01-02T03:00:00Z", to: "2024-01-02T08:00:00Z" };
    const r = await seed(db, {
      from: "2024-01-01",
      days: 3,
      everySeconds: 60,
      turbines: 4,
      gaps: [down],
    });
    assert.equal(r.rows, 4 * 3 * 1440 - 300);

    await t.step("turbines T01 .. T04, one reading a minute each, but T04's 5 hours", async () => {
      const rows = await db.query<{ turbine: string; day: string; n: number }>(
        `SELECT turbine, timestamp::date::text AS day, count(*)::int AS n FROM data
         GROUP BY 1, 2 ORDER BY 1, 2`,
      );
      const expected = turbineNames(4).flatMap((turbine) =>
        ["2024-01-01", "2024-01-02", "2024-01-03"].map((day) => ({
          turbine,
          day,
          n: turbine === "T04" && day === "2024-01-02" ? 1440 - 300 : 1440,
        }))
      );
      assert.deepEqual(rows, expected);
      const [gap] = await db.query<{ n: number; before: string; after: string }>(
        `SELECT count(*) FILTER (WHERE timestamp >= $1 AND timestamp < $2)::int AS n,
                max(timestamp) FILTER (WHERE timestamp < $1)::text AS before,
                min(timestamp) FILTER (WHERE timestamp >= $2)::text AS after
         FROM data WHERE turbine = 'T04'`,
        [down.from, down.to],
      );
      assert.deepEqual(gap, {
        n: 0,
        before: "2024-01-02 02:59:00+00",
        after: "2024-01-02 08:00:00+00",
      });
    });

    await t.step("each turbine its own wind and power, under the farm's weather", async () => {
      const rows = await db.query<
        { turbine: string; w: number; p: number; same: number; corr: number }
      >(
        `SELECT d.turbine, avg(d.wind_speed) AS w, avg(d.power) AS p,
                avg((d.wind_speed = o.wind_speed)::int) AS same,
                corr(d.wind_speed, o.wind_speed) AS corr
         FROM data d JOIN data o ON o.turbine = 'T01' AND o.timestamp = d.timestamp
         WHERE d.turbine <> 'T01' GROUP BY 1 ORDER BY 1`,
      );
      assert.equal(rows.length, 3);
      for (const r of rows) {
        assert.ok(r.same < 0.2, `${r.turbine} is not T01's copy: ${JSON.stringify(r)}`);
        // The same weather: their winds go together, but not in lockstep.
        assert.ok(r.corr > 0.7 && r.corr < 0.99, `${r.turbine}: ${JSON.stringify(r)}`);
      }
      const means = new Set(rows.map((r) => r.w.toFixed(2)));
      assert.equal(means.size, 3, `different mean winds: ${JSON.stringify(rows)}`);
    });

    await t.step("deterministic: a turbine seeded alone, again, gives the same rows", async () => {
      const before = await valuesDigest(db);
      await db.exec(`UPDATE data SET power = -1 WHERE turbine = 'T02'`);
      await seed(db, {
        from: "2024-01-01",
        days: 3,
        everySeconds: 60,
        turbines: 4,
        only: ["T02"],
      });
      assert.equal(await valuesDigest(db), before);
    });

    await t.step(
      "a day of many turbines is written in several statements, the same rows",
      async () => {
        const before = await valuesDigest(db);
        await db.exec(`DELETE FROM data WHERE timestamp >= '2024-01-03'`);
        // 1,440 rows a turbine: one turbine per statement (at 1 s, 200,000 rows: two turbines).
        const r = await seed(db, {
          from: "2024-01-03",
          days: 1,
          everySeconds: 60,
          turbines: 4,
          rowsPerStatement: 2_000,
        });
        assert.equal(r.rows, 4 * 1440);
        assert.equal(await valuesDigest(db), before);
      },
    );

    await t.step("bad farm options are refused before anything is written", async () => {
      const base = { from: "2024-01-01", days: 1, everySeconds: 60 };
      for (
        const opts of [
          { ...base, turbines: 0 },
          { ...base, turbines: 1000 },
          { ...base, turbines: 2.5 },
          { ...base, turbines: 4, only: ["T05"] },
          { ...base, turbines: 4, gaps: [{ turbine: "default", from: down.from, to: down.to }] },
          { ...base, turbines: 4, gaps: [{ turbine: "T01", from: down.to, to: down.from }] },
        ]
      ) {
        await assert.rejects(seed(db, opts), RangeError, JSON.stringify(opts));
      }
    });
  } finally {
    await close();
  }
});

Deno.test("seed: turbine names", () => {
  assert.deepEqual(turbineNames(1), ["default"]);
  assert.deepEqual(turbineNames(4), ["T01", "T02", "T03", "T04"]);
  assert.deepEqual(turbineNames(100).slice(0, 2), ["T001", "T002"]);
  assert.equal(turbineNames(100).at(-1), "T100");
});
