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

/** How many days from `from` to `to`, both included (0 when from > to). */
export function dayCount(from: string, to: string): number {
  if (from > to) return 0;
  return Temporal.PlainDate.from(from).until(Temporal.PlainDate.from(to)).days + 1;
}
