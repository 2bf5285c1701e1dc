/**
 * Demo data for the source database: realistic synthetic readings, written
 * set-based (one INSERT ... SELECT over generate_series per day, see
 * sql/seed/data.sql). Values are functions of the timestamp, so seeding a
 * range again leaves the same rows (existing rows in the range are overwritten).
 */
import type { Db } from "../db/types.ts";
import { isDay } from "../config.ts";

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
