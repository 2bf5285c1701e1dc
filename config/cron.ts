/**
 * Cron expressions as `Deno.cron` takes them: five fields (minute hour
 * day-of-month month day-of-week, UTC), each a star (with an optional step
 * /N), a value, a range A-B or A-B/N, or a comma list of those; months and
 * weekdays also by their English three-letter names. croner parses them (ranges per field,
 * day-of-month OR day-of-week as Deno.cron does) and finds the next time
 * one fires: a schedule that never fires (`* * 31 2 *`) makes Deno.cron
 * panic, so it is refused here.
 */
import { Cron } from "croner";

const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC" },
  // 7 is Sunday too, as in Deno.cron.
  { name: "day-of-week", min: 0, max: 7, names: "SUN MON TUE WED THU FRI SAT" },
] as const;

const ITEM = /^(?:\*(?:\/(\d+))?|(\w+)(?:-(\w+)(?:\/(\d+))?)?)$/;

/** Why `expr` is not a schedule windbin runs, or null when it is one. */
export function cronProblem(expr: string): string | null {
  const fields = expr.split(" ");
  if (fields.length !== 5 || fields.some((f) => f === "")) {
    return "it needs 5 fields separated by single spaces: minute hour day-of-month month day-of-week";
  }
  for (const [i, field] of fields.entries()) {
    const spec = FIELDS[i];
    for (const item of field.split(",")) {
      const m = ITEM.exec(item);
      if (!m) {
        return `${spec.name} "${field}": use *, */N, a value, A-B or A-B/N, or a comma list of those`;
      }
      const [, starStep, from, to, step] = m;
      for (const s of [starStep, step]) {
        if (s !== undefined && Number(s) < 1) return `${spec.name} "${field}": a step is 1 or more`;
      }
      const values: number[] = [];
      for (const v of [from, to]) {
        if (v === undefined) continue;
        const n = value(spec, v);
        if (n === null) {
          const names = "names" in spec
            ? ` or ${spec.names.split(" ").slice(0, 2).join(", ")}…`
            : "";
          return `${spec.name} "${field}": ${v} is not ${spec.min}-${spec.max}${names}`;
        }
        values.push(n);
      }
      if (values.length === 2 && values[0] > values[1]) {
        return `${spec.name} "${field}": the range ${item} runs backwards`;
      }
    }
  }
  let next: Date | null;
  try {
    next = new Cron(expr, { paused: true, timezone: "UTC", mode: "5-part" }).nextRun();
  } catch (e) {
    return (e as Error).message;
  }
  if (next === null) return "it never fires (no such day in any year)";
  return null;
}

function value(spec: (typeof FIELDS)[number], v: string): number | null {
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n >= spec.min && n <= spec.max ? n : null;
  }
  if (!("names" in spec)) return null;
  const i = spec.names.split(" ").indexOf(v.toUpperCase());
  return i < 0 ? null : i + spec.min;
}
