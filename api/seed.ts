/**
 * Demo data for the source database: realistic synthetic readings, written
 * set-based (one INSERT ... SELECT over generate_series per day, see
 * sql/seed/data.sql). Values are functions of the timestamp, so seeding a
 * range again leaves the same rows (existing rows in the range are overwritten).
 */
import type { Db } from "../db/types.ts";
import { isDay } from "../config/config.ts";

export interface SeedOptions {
  /** First UTC day, YYYY-MM-DD. */
  from: string;
  /** Number of days, each [D, D+1). */
  days: number;
  /** Seconds between readings; each day starts at midnight. */
  everySeconds: number;
  /** Called after each day is written (progress). */
  onDay?: (day: string, rows: number) => void;
}

export const MAX_SEED_DAYS = 3660;

let statement: Promise<string> | undefined;

export async function seed(db: Db, opts: SeedOptions): Promise<{ rows: number }> {
  checkSeedOptions(opts);
  statement ??= Deno.readTextFile(new URL("../sql/seed/data.sql", import.meta.url));
  const sql = await statement;
  let rows = 0;
  let day = Temporal.PlainDate.from(opts.from);
  for (let i = 0; i < opts.days; i++) {
    const next = day.add({ days: 1 });
    const [r] = await db.query<{ rows: number }>(sql, [
      `${day}T00:00:00Z`,
      `${next}T00:00:00Z`,
      opts.everySeconds,
    ]);
    rows += r.rows;
    opts.onDay?.(day.toString(), r.rows);
    day = next;
  }
  return { rows };
}

/**
 * Seeds a demo range unless it is complete already. A seed runs a day at a
 * time, so a process killed mid-seed leaves some days: the next start
 * finishes them (the seed is idempotent). A database holding other data and
 * none of the range is left alone. Returns the rows written (0: nothing to do).
 */
export async function seedUnlessComplete(db: Db, opts: SeedOptions): Promise<number> {
  checkSeedOptions(opts);
  // From the per-day summary: no scan of the readings, however many there are.
  const [c] = await db.query<{ inside: number; outside: boolean }>(
    `SELECT coalesce(sum(readings) FILTER (WHERE day >= $1::date AND day < $1::date + $2::int), 0)::int
              AS inside,
            bool_or(day < $1::date OR day >= $1::date + $2::int) AS outside
     FROM reading_days`,
    [opts.from, opts.days],
  );
  const expected = opts.days * Math.ceil(86_400 / opts.everySeconds);
  if (c.inside === expected || (c.inside === 0 && c.outside)) return 0;
  return (await seed(db, opts)).rows;
}

/** Throws a RangeError that says which option is wrong and what is allowed. */
export function checkSeedOptions(opts: SeedOptions): void {
  if (!isDay(opts.from) || opts.from < "1970-01-01" || opts.from > "9999-01-01") {
    throw new RangeError(
      `from must be a calendar date YYYY-MM-DD from 1970 on (got "${opts.from}")`,
    );
  }
  if (!Number.isInteger(opts.days) || opts.days < 1 || opts.days > MAX_SEED_DAYS) {
    throw new RangeError(
      `days must be a whole number from 1 to ${MAX_SEED_DAYS} (got ${opts.days})`,
    );
  }
  if (!Number.isInteger(opts.everySeconds) || opts.everySeconds < 1 || opts.everySeconds > 86400) {
    throw new RangeError(
      `everySeconds must be a whole number of seconds from 1 to 86400 (got ${opts.everySeconds})`,
    );
  }
}
