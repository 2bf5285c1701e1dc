/** UTC calendar days as YYYY-MM-DD strings (they sort as they should). */

/** The UTC day of an instant. */
export function utcDay(t: Date): string {
  return t.toISOString().slice(0, 10);
}

/** True once the whole UTC day is in the past at `now`. */
export function isOver(day: string, now: Date): boolean {
  return day < utcDay(now);
}

/** The day before `now`'s UTC day: the newest day that is over. */
export function yesterday(now: Date): string {
  return addDays(utcDay(now), -1);
}

export function addDays(day: string, n: number): string {
  return Temporal.PlainDate.from(day).add({ days: n }).toString();
}

/** Every day from `from` to `to`, both included (none when from > to). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Days from `from` to `to`, both included (0 when to < from). */
export function dayCount(from: string, to: string): number {
  if (to < from) return 0;
  return Temporal.PlainDate.from(from).until(Temporal.PlainDate.from(to)).days + 1;
}

/**
 * How to cut `from .. to` into ranges of at most `cap` days, as the options
 * to give: "--from A --to B, then --from C --to D" (and "and so on" when more follow).
 */
export function splitHint(from: string, to: string, cap: number): string {
  const parts: string[] = [];
  for (let a = from; a <= to && parts.length < 2; a = addDays(a, cap)) {
    // Counted, not compared as text: a day past 9999 is written "+010000-...".
    parts.push(`--from ${a} --to ${dayCount(a, to) > cap ? addDays(a, cap - 1) : to}`);
  }
  const more = dayCount(from, to) > 2 * cap ? ", and so on" : "";
  return parts.join(", then ") + more;
}
