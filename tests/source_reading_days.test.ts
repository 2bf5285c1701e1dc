/**
 * reading_days, the per-day summary behind GET /fingerprints, always equals a
 * full recomputation over data: after inserts, upserts, updates that change
 * values, move readings to another day or turbine, deletes, COPY and TRUNCATE,
 * run by several connections at once (PostgreSQL) and one after another
 * (PGlite); and migration 0002 fills it for rows that were there before.
 */
import assert from "node:assert/strict";
import type { Db } from "../db/types.ts";
import { migrate, migrationsDir } from "../migrations/migrate.ts";
import { sqlState } from "../db/errors.ts";
import { freshDb, migratedDb, tempDir, testBackends } from "./helpers/databases.ts";

const SUMMARY = `
  SELECT turbine, day::text AS day, readings::text AS readings, h_wind_speed::text AS w,
         h_power::text AS p, h_ambient_temperature::text AS t
    FROM reading_days ORDER BY turbine, day`;

const RECOMPUTED = `
  SELECT turbine, (timestamp AT TIME ZONE 'UTC')::date::text AS day, count(*)::text AS readings,
         bit_xor(windbin_reading_hash(turbine, timestamp, 'wind_speed', wind_speed))::text AS w,
         bit_xor(windbin_reading_hash(turbine, timestamp, 'power', power))::text AS p,
         bit_xor(windbin_reading_hash(turbine, timestamp, 'ambient_temperature',
                                      ambient_temperature))::text AS t
    FROM data GROUP BY 1, 2 ORDER BY 1, 2`;

async function assertSummaryExact(db: Db, label: string): Promise<number> {
  const [summary, recomputed] = [await db.query(SUMMARY), await db.query(RECOMPUTED)];
  assert.deepEqual(summary.map((r) => ({ ...r })), recomputed.map((r) => ({ ...r })), label);
  return summary.length;
}

/** A small deterministic PRNG, so both backends run the very same statements. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORKERS = 4; // divides 86,400: each worker owns the seconds s with s % 4 = k
const OWN = (k: number) =>
  `(extract(epoch FROM timestamp - '2024-01-01T00:00:00Z')::bigint % ${WORKERS}) = ${k}`;

type Op = { sql: string } | { copy: string } | { truncate: true };

/** Worker k's statements: each touches only rows k owns, so rows never collide between workers. */
function workload(k: number, ops: number): Op[] {
  const rnd = prng(1000 + k);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const out: Op[] = [];
  for (let i = 0; i < ops; i++) {
    const turbine = pick(["T1", "T2", "T3"]);
    const day = pick([0, 1, 2]);
    // Near the end of a day half of the time: readings of a statement span two days.
    const from = rnd() < 0.5 ? 86_400 / WORKERS - 30 : Math.floor(rnd() * 20_000);
    const n = 5 + Math.floor(rnd() * 40);
    const start = `'2024-01-01T00:00:00Z'::timestamptz + interval '${day} day'`;
    const range = `timestamp >= ${start} + interval '${from * WORKERS} seconds' ` +
      `AND timestamp < ${start} + interval '${(from + n) * WORKERS} seconds'`;
    const where = `turbine = '${turbine}' AND ${range} AND ${OWN(k)}`;
    const r = rnd();
    if (k === 0 && i === Math.floor(ops / 2)) {
      out.push({ truncate: true });
    } else if (r < 0.35) {
      out.push({
        sql: `INSERT INTO data (turbine, timestamp, wind_speed, power, ambient_temperature)
          SELECT '${turbine}', ${start} + (g * ${WORKERS} + ${k}) * interval '1 second',
                 CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 0.37 + ${i}) / 3 END,
                 (g * 13 + ${i}) % 2000 + 0.1, -((g + ${i}) % 40) / 4.0
            FROM generate_series(${from}, ${from + n}) g
          ON CONFLICT (turbine, timestamp) DO UPDATE SET power = EXCLUDED.power + 1`,
      });
    } else if (r < 0.5) {
      out.push({
        sql: `UPDATE data SET power = power * 1.5, wind_speed = CASE WHEN wind_speed IS NULL
          THEN 1 ELSE NULL END WHERE ${where}`,
      });
    } else if (r < 0.65) {
      out.push({ sql: `DELETE FROM data WHERE ${where}` });
    } else if (r < 0.72) {
      // To another day (may collide with k's own rows there: a unique violation, ignored).
      out.push({ sql: `UPDATE data SET timestamp = timestamp + interval '1 day' WHERE ${where}` });
    } else if (r < 0.79) {
      out.push({ sql: `UPDATE data SET turbine = 'R${k}' WHERE ${where}` });
    } else if (r < 0.86) {
      out.push({ sql: `DELETE FROM data WHERE turbine = '${turbine}' AND ${OWN(k)}` });
    } else {
      // COPY fires the INSERT trigger too.
      const lines: string[] = [];
      for (let g = 0; g < n; g++) {
        const s = (from + g) * WORKERS + k;
        const ts = new Date(Date.UTC(2024, 0, 1 + day) + s * 1000).toISOString();
        lines.push(`${turbine},${ts},${g % 5 ? g / 8 : ""},${g * 3},-0`);
      }
      out.push({ copy: lines.join("\n") + "\n" });
    }
  }
  return out;
}

async function run(db: Db, op: Op, stats: Record<string, number>): Promise<void> {
  try {
    if ("truncate" in op) await db.exec("TRUNCATE data");
    else if ("sql" in op) await db.exec(op.sql);
    else {
      await db.transaction((tx) =>
        tx.copyFrom(
          "COPY data (turbine, timestamp, wind_speed, power, ambient_temperature) " +
            "FROM STDIN (FORMAT csv)",
          (async function* () {
            yield new TextEncoder().encode(op.copy);
          })(),
        )
      );
    }
    stats.ok++;
  } catch (e) {
    const state = sqlState(e);
    if (state === "23505") stats.collisions++; // the statement did nothing: fine
    else if (state === "40P01") stats.deadlocks++;
    else throw e;
  }
}

testBackends(
  "reading_days equals a full recomputation after every kind of change, from several connections",
  async (_t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    try {
      const stats = { ok: 0, collisions: 0, deadlocks: 0 };
      const work = Array.from({ length: WORKERS }, (_, k) => workload(k, 40));
      if (backend === "postgres") {
        // Concurrent statements on four connections, touching the same (turbine, day) keys.
        await Promise.all(work.map(async (ops) => {
          for (const op of ops) await run(db, op, stats);
        }));
      } else {
        // One backend: the same statements, interleaved one by one.
        for (let i = 0; i < 40; i++) for (const ops of work) await run(db, ops[i], stats);
      }
      assert.equal(stats.deadlocks, 0, "statements wait for each other in one order");
      assert.ok(stats.ok > 140, JSON.stringify(stats));
      const keys = await assertSummaryExact(db, "after the workload");
      assert.ok(keys >= 6, `${keys} (turbine, day) keys left: the test exercised too little`);
      const [{ zero }] = await db.query<{ zero: number }>(
        "SELECT count(*)::int AS zero FROM reading_days WHERE readings <= 0",
      );
      assert.equal(zero, 0);
    } finally {
      await close();
    }
  },
);

testBackends(
  "a day whose last reading goes leaves no summary row; TRUNCATE empties it",
  async (_t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    try {
      await db.exec(`INSERT INTO data VALUES
        ('2024-01-01T00:00:00Z', 1, 2, 3), ('2024-01-01T23:59:59.999999Z', NULL, 2, 3),
        ('2024-01-02T00:00:00Z', 4, 5, 6)`);
      await db.exec(`INSERT INTO data (turbine, timestamp, power) VALUES ('T9', '2024-01-01', 1)`);
      assert.equal(await assertSummaryExact(db, "inserted"), 3);
      await db.exec("DELETE FROM data WHERE timestamp >= '2024-01-02' AND turbine = 'default'");
      assert.equal(await assertSummaryExact(db, "one day emptied"), 2);
      // An update that moves the only reading of T9 to another turbine: T9's row goes.
      await db.exec("UPDATE data SET turbine = 'T8' WHERE turbine = 'T9'");
      const turbines = await db.query<{ turbine: string }>(
        "SELECT DISTINCT turbine FROM reading_days ORDER BY turbine",
      );
      assert.deepEqual(turbines.map((r) => r.turbine), ["T8", "default"]);
      assert.equal(await assertSummaryExact(db, "moved"), 2);
      // An update that changes nothing keeps the summary as it is.
      const before = await db.query(SUMMARY);
      await db.exec("UPDATE data SET power = power");
      assert.deepEqual(await db.query(SUMMARY), before);
      await db.exec("TRUNCATE data");
      assert.equal(await assertSummaryExact(db, "truncated"), 0);
    } finally {
      await close();
    }
  },
);

testBackends(
  "migration 0002 keeps old rows as the default turbine and summarises them",
  async (_t, backend) => {
    const { db, close } = await freshDb(backend);
    const dir = await tempDir("migrations_");
    try {
      // The source schema as it was before 0002, with data in it.
      await Deno.copyFile(
        new URL("0001_data.sql", migrationsDir("source")),
        `${dir}/0001_data.sql`,
      );
      await migrate(db, "source", new URL(`file://${dir}/`));
      await db.exec(`INSERT INTO data
        SELECT t, 5 + extract(minute FROM t), 100, NULL
          FROM generate_series('2024-01-01'::timestamptz, '2024-01-03 23:59', '1 minute') t`);
      assert.deepEqual(await migrate(db, "source"), ["0002_turbines_reading_days.sql"]);
      assert.equal(await assertSummaryExact(db, "after 0002"), 3);
      const [{ turbines }] = await db.query<{ turbines: string }>(
        "SELECT string_agg(DISTINCT turbine, ',') AS turbines FROM data",
      );
      assert.equal(turbines, "default");
      // The bench's positional INSERT of (timestamp, w, p, t) still works.
      await db.exec("INSERT INTO data SELECT '2024-02-01'::timestamptz, 1, 2, 3");
      assert.equal(await assertSummaryExact(db, "positional insert"), 4);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await close();
    }
  },
);
