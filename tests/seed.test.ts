/** Demo data: counts, idempotence, plausible values, the power curve's shape. */
import assert from "node:assert/strict";
import { seed, seedUnlessComplete } from "../api/seed.ts";
import { migratedDb, testBackends } from "./helpers/databases.ts";

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
  "seed: a demo cut off mid-way is completed at the next start, and only then",
  async (_t, backend) => {
    const t = await migratedDb(backend, "source");
    try {
      const demo = { from: "2024-01-01", days: 10, everySeconds: 60 };
      // A start killed after 3 of its 10 days.
      await seed(t.db, { ...demo, days: 3 });
      assert.equal(await seedUnlessComplete(t.db, demo), 14_400);
      const [{ n }] = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM data");
      assert.equal(n, 14_400);
      assert.equal(await seedUnlessComplete(t.db, demo), 0, "complete: nothing to do");
      // A database with other data and none of the demo range is left alone.
      await t.db.exec("DELETE FROM data WHERE timestamp < '2024-01-11'");
      await seed(t.db, { from: "2025-06-01", days: 1, everySeconds: 3600 });
      assert.equal(await seedUnlessComplete(t.db, demo), 0);
    } finally {
      await t.close();
    }
  },
);
