/**
 * The demo (api/demo.ts): its days end yesterday, a farm's incidents (a
 * turbine down for 5 hours, an hour that arrives late), what a next start
 * writes (a cut-off seed completed, the days since added, nothing else), and
 * a source with other data left alone.
 */
import assert from "node:assert/strict";
import {
  type DemoPlan,
  demoPlan,
  describeSeeded,
  seedDemo,
  writeLateHour,
  yesterdayUtc,
} from "../api/demo.ts";
import { seed } from "../api/seed.ts";
import type { Db } from "../db/types.ts";
import { migratedDb, testBackends } from "./helpers/databases.ts";
import { valuesDigest } from "./helpers/values_digest.ts";

const FARM = { yesterday: "2024-01-10", days: 10, turbines: 4, lateSeconds: 60 };

Deno.test("demo plan: days up to yesterday, the farm's incidents, none for one turbine", () => {
  assert.equal(yesterdayUtc(new Date("2026-12-02T00:00:00Z")), "2026-12-01");
  assert.equal(yesterdayUtc(new Date("2026-12-02T23:59:59Z")), "2026-12-01");
  assert.deepEqual(demoPlan(FARM), {
    from: "2024-01-01",
    to: "2024-01-10",
    days: 10,
    everySeconds: 60,
    turbines: 4,
    names: ["T01", "T02", "T03", "T04"],
    // The last turbine, the middle day.
    down: { turbine: "T04", from: "2024-01-05T03:00:00Z", to: "2024-01-05T08:00:00Z" },
    // The first turbine, the last day.
    late: { turbine: "T01", from: "2024-01-10T14:00:00Z", to: "2024-01-10T15:00:00Z" },
  });
  const short = demoPlan({ ...FARM, days: 1, turbines: 2 });
  assert.deepEqual([short.from, short.down?.turbine, short.down?.from, short.late?.turbine], [
    "2024-01-10",
    "T02",
    "2024-01-10T03:00:00Z",
    "T01",
  ]);
  assert.equal(demoPlan({ ...FARM, lateSeconds: 0 }).late, null, "0: nothing arrives late");
  const one = demoPlan({ ...FARM, turbines: 1 });
  assert.deepEqual([one.names, one.down, one.late], [["default"], null, null]);
});

async function count(db: Db, where: string, params: readonly unknown[] = []): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM data WHERE ${where}`,
    [...params],
  );
  return n;
}

const inWindow = (g: NonNullable<DemoPlan["late"]>) =>
  [`turbine = $1 AND timestamp >= $2 AND timestamp < $3`, [g.turbine, g.from, g.to]] as const;

testBackends(
  "demo: the farm is seeded without the down hours and the late hour; the late hour arrives",
  async (t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    try {
      const plan = demoPlan(FARM);
      const full = 4 * 10 * 1440;

      await t.step("the first seed: every turbine and day but the two windows", async () => {
        const r = await seedDemo(db, plan);
        assert.deepEqual(
          { rows: r.rows, written: r.written, days: r.days.length, left: r.leftAlone },
          { rows: full - 300 - 60, written: 40, days: 10, left: null },
        );
        assert.equal(r.lateDue, true);
        assert.deepEqual(describeSeeded(plan, r, 1234), [
          "seeded the demo: 4 turbines (T01 .. T04), 10 days 2024-01-01 .. 2024-01-10, a " +
          "reading every 60 s: 57,240 rows in 1.2 s",
          "  T04 is down on 2024-01-05 03:00-08:00 UTC (no readings)",
          "  T01's readings of 2024-01-10 14:00-15:00 UTC arrive late (DEMO_LATE_SECONDS)",
        ]);
        assert.equal(await count(db, ...inWindow(plan.down!)), 0, "T04 is down");
        assert.equal(await count(db, ...inWindow(plan.late!)), 0, "T01's hour is not there yet");
        assert.equal(await count(db, "true"), full - 360);
      });

      await t.step(
        "a next start before it arrived writes nothing but knows it is due",
        async () => {
          const r = await seedDemo(db, plan);
          assert.deepEqual([r.rows, r.written, r.lateDue], [0, 0, true]);
          assert.deepEqual(describeSeeded(plan, r, 1), [
            "demo: T01's readings of 2024-01-10 14:00-15:00 UTC arrive late (DEMO_LATE_SECONDS)",
          ]);
        },
      );

      await t.step("the late hour: 60 readings of T01, the values it would have had", async () => {
        assert.equal(await writeLateHour(db, plan), 60);
        assert.equal(await count(db, ...inWindow(plan.late!)), 60);
        assert.equal(await count(db, "turbine = 'T01' AND timestamp::date = '2024-01-10'"), 1440);
        const r = await seedDemo(db, plan);
        assert.deepEqual([r.rows, r.lateDue], [0, false], "nothing due any more");
        // Written again: idempotent.
        assert.equal(await writeLateHour(db, plan), 60);
        assert.equal(await count(db, "true"), full - 300);

        // The same rows as a one-shot seed of the farm with only the down hours left out.
        const fresh = await migratedDb(backend, "source");
        try {
          await seed(fresh.db, {
            from: plan.from,
            days: 10,
            everySeconds: 60,
            turbines: 4,
            gaps: [plan.down!],
          });
          assert.equal(await valuesDigest(db), await valuesDigest(fresh.db));
        } finally {
          await fresh.close();
        }
      });

      await t.step(
        "a start days later adds the days since; earlier days stay as they were",
        async () => {
          const before = await valuesDigest(db);
          const later = demoPlan({ ...FARM, yesterday: "2024-01-12" });
          const r = await seedDemo(db, later);
          assert.deepEqual(r.days, ["2024-01-11", "2024-01-12"]);
          assert.equal(r.rows, 2 * 4 * 1440 - 60, "the new last day's late hour held back");
          assert.equal(r.lateDue, true);
          // This plan's middle day (01-06) was written before, with no one down: it stays so.
          assert.equal(await count(db, ...inWindow(later.down!)), 60 * 5);
          assert.equal(await valuesDigest(db, "timestamp < '2024-01-11'"), before);
        },
      );
    } finally {
      await close();
    }
  },
);

testBackends(
  "demo: a seed cut off mid-way is completed by the next start, and only then",
  async (_t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    try {
      const plan = demoPlan({ ...FARM, lateSeconds: 0 });
      const expected = 4 * 10 * 1440 - 300;
      // A start killed after 3 of its days, and while the 4th day's second statement ran
      // (a farm's day can take several): T01 and T02 of 2024-01-04 are there, T03 and T04 not.
      await seed(db, { from: plan.from, days: 3, everySeconds: 60, turbines: 4 });
      await seed(db, {
        from: "2024-01-04",
        days: 1,
        everySeconds: 60,
        turbines: 4,
        only: ["T01", "T02"],
      });
      const r = await seedDemo(db, plan);
      assert.equal(r.written, 40 - 14);
      assert.equal(r.days[0], "2024-01-04");
      assert.equal(await count(db, "true"), expected);
      assert.equal(r.lateDue, false, "DEMO_LATE_SECONDS=0: nothing late");
      const again = await seedDemo(db, plan);
      assert.deepEqual([again.rows, again.written], [0, 0], "complete: nothing to do");
    } finally {
      await close();
    }
  },
);

testBackends(
  "demo: a source with other readings, none on the demo's days, is left alone",
  async (_t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    try {
      await seed(db, { from: "2023-06-01", days: 2, everySeconds: 3600 });
      const plan = demoPlan(FARM);
      const r = await seedDemo(db, plan);
      assert.deepEqual(r.leftAlone, { first: "2023-06-01", last: "2023-06-02" });
      assert.match(
        describeSeeded(plan, r, 1).join("\n"),
        /^the source holds readings from 2023-06-01 to 2023-06-02, none on the demo's days \(2024-01-01 \.\. 2024-01-10\): left as it is/,
      );
      assert.deepEqual([r.rows, r.lateDue], [0, false]);
      assert.equal(await count(db, "true"), 48);
    } finally {
      await close();
    }
  },
);

testBackends("demo: one turbine is the single series, no incidents", async (_t, backend) => {
  const { db, close } = await migratedDb(backend, "source");
  try {
    const plan = demoPlan({ ...FARM, turbines: 1 });
    const r = await seedDemo(db, plan);
    assert.deepEqual([r.rows, r.lateDue], [14_400, false]);
    const [{ turbines }] = await db.query<{ turbines: string[] }>(
      `SELECT array_agg(DISTINCT turbine) AS turbines FROM data`,
    );
    assert.deepEqual(turbines, ["default"]);
  } finally {
    await close();
  }
});
