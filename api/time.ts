/**
 * Parsing the API's time parameters into instants, strictly.
 *
 * Accepted: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.ffffff]]` (or a space instead
 * of the `T`), with an optional offset `Z`, `±HH:MM`, `±HHMM` or `±HH`; no
 * offset means UTC. An unencoded `+` in a query string arrives as a space, so
 * `... 01:00` after the time is read as `+01:00`.
 */
import { isDay } from "../config/config.ts";

const FORM =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?| \d{2}:?\d{2})?)?$/;

export const TIME_FORMS =
  "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM] or YYYY-MM-DD HH:MM:SS (no offset = UTC)";

/** Parses `raw` or throws an Error whose message says what is wrong (without the parameter name). */
export function parseInstant(raw: string): Temporal.Instant {
  const m = FORM.exec(raw);
  if (!m) throw new Error(`"${clip(raw)}" is not a time in a form this API accepts: ${TIME_FORMS}`);
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", off = "Z"] = m;
  if (frac.length > 6) {
    throw new Error(`"${clip(raw)}" has more than 6 fractional second digits (microseconds)`);
  }
  const date = `${y}-${mo}-${d}`;
  if (!isDay(date)) throw new Error(`"${date}" is not a calendar date`);
  if (+h > 23 || +mi > 59 || +s > 59) {
    throw new Error(`"${clip(raw)}" has a time of day out of range (00:00:00 to 23:59:59)`);
  }
  let offset = off.toUpperCase() === "Z" ? "Z" : off.replace(/^ /, "+");
  if (offset !== "Z") {
    const om = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset)!;
    if (+om[2] > 23 || +(om[3] ?? 0) > 59) {
      throw new Error(`"${clip(raw)}" has an offset out of range`);
    }
    offset = `${om[1]}${om[2]}:${om[3] ?? "00"}`;
  }
  const iso = `${date}T${h}:${mi}:${s}${frac ? "." + frac : ""}${offset}`;
  const instant = Temporal.Instant.from(iso);
  // Keep to years PostgreSQL and our formatting agree on (no year 0, 4 digits).
  const year = instant.toZonedDateTimeISO("UTC").year;
  if (year < 1 || year > 9999) {
    throw new Error(`"${clip(raw)}" is outside the years 0001 to 9999 (UTC)`);
  }
  return instant;
}

/** The start of a UTC day as an instant (the caller has checked `day`). */
export function dayStart(day: string): Temporal.Instant {
  return Temporal.PlainDate.from(day).toZonedDateTime("UTC").toInstant();
}

const SQL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * An instant as a SQL literal body, e.g. `2024-01-01T00:00:00.000000Z`.
 * Re-formatted by us and re-checked, so it is safe inside a COPY statement.
 */
export function sqlInstant(i: Temporal.Instant): string {
  const s = i.toString({ fractionalSecondDigits: 6 });
  if (!SQL_INSTANT.test(s)) throw new Error(`refusing to put ${JSON.stringify(s)} into SQL`);
  return s;
}

/** An instant the way the API writes timestamps: UTC, `Z`, fraction only when non-zero. */
export function formatInstant(i: Temporal.Instant): string {
  return i.toString({
    smallestUnit: i.epochNanoseconds % 1_000_000_000n ? "microsecond" : "second",
  })
    .replace(/(\.\d*?)0+Z$/, "$1Z");
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 60) + "…" : s;
}
