/**
 * Demo data for the source database: realistic synthetic readings of one
 * turbine or a small farm, written set-based (one INSERT ... SELECT over
 * generate_series per day, see sql/seed/data.sql). Values are functions of
 * the timestamp and the turbine, so seeding a range again leaves the same
 * rows (existing rows in the range are overwritten).
 */
import type { Db } from "../db/types.ts";
import { isDay } from "../config/config.ts";

/** A turbine's readings that are not written: [from, to), ISO instants. */
export interface Gap {
  turbine: string;
  from: string;
  to: string;
}

export interface SeedOptions {
  /** First UTC day, YYYY-MM-DD. */
  from: string;
  /** Number of days, each [D, D+1). */
  days: number;
  /** Seconds between readings; each day starts at midnight. */
  everySeconds: number;
  /** 1 (default): the single series `default`; more: a farm, T01, T02, ... (see turbineNames). */
  turbines?: number;
  /** Only these of the turbines (names from turbineNames), e.g. the ones a day lacks. */
  only?: readonly string[];
  /** Readings not written. */
  gaps?: readonly Gap[];
  /** Called after each day is written (progress). */
  onDay?: (day: string, rows: number) => void;
  /** About how many rows one statement writes at most (a day's turbines are split). */
  rowsPerStatement?: number;
}

export const MAX_SEED_DAYS = 3660;
export const MAX_SEED_TURBINES = 999;
/** Rows per statement, about: a day of many turbines at 1 s is written in several. */
const ROWS_PER_STATEMENT = 200_000;

let statement: Promise<string> | undefined;

/**
 * The turbines of a seed: one is the single series `default` (number 0,
 * whose values are those of the seed before turbines); a farm of n is T01 ..
 * Tn (numbers 1 .. n), zero-padded to at least two digits.
 */
export function turbineNames(n: number): string[] {
  if (n === 1) return ["default"];
  const width = Math.max(2, String(n).length);
  return Array.from({ length: n }, (_, i) => `T${String(i + 1).padStart(width, "0")}`);
}

/** Readings of one turbine in a day: the steps from midnight. */
export function readingsPerDay(everySeconds: number): number {
  return Math.ceil(86_400 / everySeconds);
}

export async function seed(db: Db, opts: SeedOptions): Promise<{ rows: number }> {
  checkSeedOptions(opts);
  statement ??= Deno.readTextFile(new URL("../sql/seed/data.sql", import.meta.url));
  const sql = await statement;
  const names = turbineNames(opts.turbines ?? 1);
  const numbered = names.map((name, i) => ({ name, k: names.length === 1 ? 0 : i + 1 }))
    .filter((t) => !opts.only || opts.only.includes(t.name));
  const gaps = opts.gaps ?? [];
  const perStatement = Math.max(
    1,
    Math.floor((opts.rowsPerStatement ?? ROWS_PER_STATEMENT) / readingsPerDay(opts.everySeconds)),
  );
  let rows = 0;
  let day = Temporal.PlainDate.from(opts.from);
  for (let i = 0; i < opts.days; i++) {
    const next = day.add({ days: 1 });
    const [start, end] = [Date.parse(`${day}T00:00:00Z`), Date.parse(`${next}T00:00:00Z`)];
    // Only the day's own gaps: most days have none, and then no reading is checked.
    const dayGaps = gaps.filter((g) => Date.parse(g.from) < end && Date.parse(g.to) > start);
    let dayRows = 0;
    for (let j = 0; j < numbered.length; j += perStatement) {
      const part = numbered.slice(j, j + perStatement);
      const [r] = await db.query<{ rows: number }>(sql, [
        `${day}T00:00:00Z`,
        `${next}T00:00:00Z`,
        opts.everySeconds,
        part.map((t) => t.name),
        part.map((t) => t.k),
        dayGaps.map((g) => g.turbine),
        dayGaps.map((g) => g.from),
        dayGaps.map((g) => g.to),
      ]);
      dayRows += r.rows;
    }
    rows += dayRows;
    opts.onDay?.(day.toString(), dayRows);
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
  const n = opts.turbines ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SEED_TURBINES) {
    throw new RangeError(
      `turbines must be a whole number from 1 to ${MAX_SEED_TURBINES} (got ${opts.turbines})`,
    );
  }
  const names = new Set(turbineNames(n));
  for (const t of [...(opts.only ?? []), ...(opts.gaps ?? []).map((g) => g.turbine)]) {
    if (!names.has(t)) {
      throw new RangeError(`turbine "${t}" is not one of the seed's (${[...names][0]} ..)`);
    }
  }
  for (const g of opts.gaps ?? []) {
    if (!(Date.parse(g.from) < Date.parse(g.to))) {
      throw new RangeError(`a gap must be from < to, ISO instants (got ${g.from} .. ${g.to})`);
    }
  }
}
