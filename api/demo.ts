/**
 * The demo of `deno task start` and `deno task serve` (and the compose
 * stack): the DEMO_DAYS days up to yesterday, so the partitions start where
 * its data does, of DEMO_TURBINES turbines every minute. A farm (two turbines
 * or more) has what a real one has: its last turbine is down for five hours
 * on the middle day (no readings), and one hour of T01 on the last day
 * arrives late — written by writeLateHour() some time after the start, so
 * that day is built first without it, then becomes stale by source and is
 * rebuilt. One turbine is the single series `default` of before, with no
 * such incidents.
 *
 * Seeding writes the (turbine, day)s of the range that have no readings, so
 * a start cut off mid-way is completed by the next one, a later start adds
 * the days since, and days written before (with their incidents) stay as
 * they were. A source that holds readings, none of them on the demo's days,
 * is left alone.
 */
import type { Db } from "../db/types.ts";
import { type Gap, seed, turbineNames } from "./seed.ts";

export const DEMO_EVERY_SECONDS = 60;

export interface DemoPlan {
  /** First and last day, YYYY-MM-DD; `to` is yesterday. */
  from: string;
  to: string;
  days: number;
  everySeconds: number;
  turbines: number;
  names: string[];
  /** A turbine down for some hours (never written). */
  down: Gap | null;
  /** An hour written late (writeLateHour); null when nothing is late. */
  late: Gap | null;
}

export interface DemoSeeded {
  rows: number;
  /** (turbine, day)s written. */
  written: number;
  /** The days written (some or all of their turbines). */
  days: string[];
  /** The source holds readings, none on the demo's days: it was left alone. */
  leftAlone: { first: string; last: string } | null;
  /** The late hour is not in the source yet: writeLateHour() writes it. */
  lateDue: boolean;
}

const DOWN_HOURS = ["03:00", "08:00"] as const;
const LATE_HOUR = ["14:00", "15:00"] as const;

/**
 * The demo's days, turbines and incidents. `lateSeconds` 0: the late hour is
 * seeded with the rest (no late arrival).
 */
export function demoPlan(
  o: { yesterday: string; days: number; turbines: number; lateSeconds: number },
): DemoPlan {
  const to = Temporal.PlainDate.from(o.yesterday);
  const from = to.subtract({ days: o.days - 1 });
  const names = turbineNames(o.turbines);
  const farm = names.length > 1;
  const middle = from.add({ days: Math.floor((o.days - 1) / 2) }).toString();
  const window = (turbine: string, day: string, [a, b]: readonly [string, string]): Gap => ({
    turbine,
    from: `${day}T${a}:00Z`,
    to: `${day}T${b}:00Z`,
  });
  return {
    from: from.toString(),
    to: to.toString(),
    days: o.days,
    everySeconds: DEMO_EVERY_SECONDS,
    turbines: names.length,
    names,
    down: farm ? window(names.at(-1)!, middle, DOWN_HOURS) : null,
    late: farm && o.lateSeconds > 0 ? window(names[0], to.toString(), LATE_HOUR) : null,
  };
}

/** Writes the plan's (turbine, day)s that have no readings; see the module's comment. */
export async function seedDemo(
  db: Db,
  plan: DemoPlan,
  onDay?: (day: string, rows: number) => void,
): Promise<DemoSeeded> {
  const present = await db.query<{ turbine: string; day: string }>(
    `SELECT turbine, day::text AS day FROM reading_days WHERE day BETWEEN $1::date AND $2::date`,
    [plan.from, plan.to],
  );
  if (present.length === 0) {
    const [held] = await db.query<{ first: string | null; last: string | null }>(
      `SELECT min(day)::text AS first, max(day)::text AS last FROM reading_days`,
    );
    if (held.first && held.last) {
      return {
        rows: 0,
        written: 0,
        days: [],
        leftAlone: { first: held.first, last: held.last },
        lateDue: false,
      };
    }
  }
  const have = new Set(present.map((p) => `${p.turbine} ${p.day}`));
  const gaps = [plan.down, plan.late].filter((g): g is Gap => g !== null);
  let rows = 0;
  let written = 0;
  const days: string[] = [];
  for (let day = plan.from; day <= plan.to; day = nextDay(day)) {
    const missing = plan.names.filter((t) => !have.has(`${t} ${day}`));
    if (missing.length === 0) continue;
    const r = await seed(db, {
      from: day,
      days: 1,
      everySeconds: plan.everySeconds,
      turbines: plan.turbines,
      only: missing.length < plan.names.length ? missing : undefined,
      gaps,
    });
    rows += r.rows;
    written += missing.length;
    days.push(day);
    onDay?.(day, r.rows);
  }
  return { rows, written, days, leftAlone: null, lateDue: await lateDue(db, plan) };
}

/** The late hour is due when its turbine has readings that day but none in that hour. */
async function lateDue(db: Db, plan: DemoPlan): Promise<boolean> {
  if (!plan.late) return false;
  const [r] = await db.query<{ day: number; hour: number }>(
    `SELECT (SELECT readings FROM reading_days WHERE turbine = $1 AND day = $2::date)::int AS day,
            (SELECT count(*) FROM data WHERE turbine = $1 AND timestamp >= $3::timestamptz
                AND timestamp < $4::timestamptz)::int AS hour`,
    [plan.late.turbine, plan.to, plan.late.from, plan.late.to],
  );
  return r.day > 0 && r.hour === 0;
}

/** Writes the late hour (idempotent); returns the rows written. */
export async function writeLateHour(db: Db, plan: DemoPlan): Promise<number> {
  if (!plan.late) return 0;
  const { turbine, from, to } = plan.late;
  const day = from.slice(0, 10);
  const around: Gap[] = [
    { turbine, from: `${day}T00:00:00Z`, to: from },
    { turbine, from: to, to: `${nextDay(day)}T00:00:00Z` },
  ].filter((g) => Date.parse(g.from) < Date.parse(g.to));
  const r = await seed(db, {
    from: day,
    days: 1,
    everySeconds: plan.everySeconds,
    turbines: plan.turbines,
    only: [turbine],
    gaps: around,
  });
  return r.rows;
}

/** What was seeded, for a person: one line, and one more for a farm's incidents. */
export function describeSeeded(plan: DemoPlan, r: DemoSeeded, ms: number): string[] {
  if (r.leftAlone) {
    return [
      `the source holds readings from ${r.leftAlone.first} to ${r.leftAlone.last}, none on the ` +
      `demo's days (${plan.from} .. ${plan.to}): left as it is, no demo seeded (an empty ` +
      `DATA_DIR or source database gets the demo)`,
    ];
  }
  const lines: string[] = [];
  if (r.rows > 0) {
    lines.push(
      `seeded the demo: ${describeTurbines(plan)}, ${plan.days} days ${plan.from} .. ${plan.to}, ` +
        `a reading every ${plan.everySeconds} s: ${r.rows.toLocaleString("en-US")} rows in ` +
        `${(ms / 1000).toFixed(1)} s`,
    );
  }
  const down = plan.down && r.days.includes(plan.down.from.slice(0, 10)) ? plan.down : null;
  // Under the seed line, or on their own when nothing was seeded (a restart before the late hour).
  const prefix = r.rows > 0 ? "  " : "demo: ";
  lines.push(...describeIncidents(down, r.lateDue ? plan.late : null).map((l) => prefix + l));
  return lines;
}

export function describeTurbines(plan: Pick<DemoPlan, "turbines" | "names">): string {
  return plan.turbines === 1
    ? "one turbine (default)"
    : `${plan.turbines} turbines (${plan.names[0]} .. ${plan.names.at(-1)})`;
}

function describeIncidents(down: Gap | null, late: Gap | null): string[] {
  const out: string[] = [];
  if (down) {
    out.push(`${down.turbine} is down on ${describeWindow(down)} (no readings)`);
  }
  if (late) {
    out.push(
      `${late.turbine}'s readings of ${describeWindow(late)} arrive late (DEMO_LATE_SECONDS)`,
    );
  }
  return out;
}

/** `2026-12-08 14:00-15:00 UTC` */
export function describeWindow(g: Gap): string {
  return `${g.from.slice(0, 10)} ${g.from.slice(11, 16)}-${g.to.slice(11, 16)} UTC`;
}

/** The UTC day before `now`'s: the newest day that is over. */
export function yesterdayUtc(now: Date = new Date()): string {
  return Temporal.PlainDate.from(now.toISOString().slice(0, 10)).subtract({ days: 1 }).toString();
}

function nextDay(day: string): string {
  return Temporal.PlainDate.from(day).add({ days: 1 }).toString();
}
