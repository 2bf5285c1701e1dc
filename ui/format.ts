/** Small pure helpers of the status page: days, ranges, numbers, durations. */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The first and last day any route accepts (PostgreSQL has no year 0). */
export const FIRST_DAY = "0001-01-01";
export const LAST_DAY = "9999-12-31";

/** A real calendar day written YYYY-MM-DD, from 0001-01-01 to 9999-12-31. */
export function isDay(s: string | undefined | null): boolean {
  if (!s || !DAY.test(s) || s < FIRST_DAY) return false;
  try {
    return Temporal.PlainDate.from(s, { overflow: "reject" }).toString() === s;
  } catch {
    return false;
  }
}

/** `day` moved by `n` days, kept within FIRST_DAY .. LAST_DAY. */
export function addDays(day: string, n: number): string {
  const d = Temporal.PlainDate.from(day).add({ days: n }).toString();
  // Temporal writes years before 1 and after 9999 with a sign (-000001, +010000).
  if (d.startsWith("-") || d < FIRST_DAY) return FIRST_DAY;
  if (d.startsWith("+")) return LAST_DAY;
  return d;
}

/** Yesterday (UTC) of an instant: the newest day that is over. */
export function yesterdayOf(now: Date): string {
  return addDays(now.toISOString().slice(0, 10), -1);
}

/** Days from `from` to `to`, both inclusive (0 when to < from). */
export function dayCount(from: string, to: string): number {
  if (to < from) return 0;
  return Temporal.PlainDate.from(from).until(Temporal.PlainDate.from(to)).days + 1;
}

/** Every day from `from` to `to`, both inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let d = Temporal.PlainDate.from(from);
  const end = Temporal.PlainDate.from(to);
  while (Temporal.PlainDate.compare(d, end) <= 0) {
    out.push(d.toString());
    d = d.add({ days: 1 });
  }
  return out;
}

/** The first day of the month `n` months from the month of `day`, clamped like addDays. */
export function monthStart(day: string, n = 0): string {
  const m = Temporal.PlainYearMonth.from(day.slice(0, 7)).add({ months: n });
  const d = m.toPlainDate({ day: 1 }).toString();
  if (d.startsWith("-") || d < FIRST_DAY) return FIRST_DAY;
  if (d.startsWith("+")) return LAST_DAY;
  return d;
}

/** The last day of the month of `day`. */
export function monthEnd(day: string): string {
  const m = Temporal.PlainYearMonth.from(day.slice(0, 7));
  return m.toPlainDate({ day: m.daysInMonth }).toString();
}

export function fmtDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

// One formatter per format (toLocaleString builds a new one on every call: slow on big pages).
const INT = new Intl.NumberFormat("en-US");
const FIXED = new Map<number, Intl.NumberFormat>();

export function fmtInt(n: number | null): string {
  return n === null ? "–" : INT.format(n);
}

export function fmtNum(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  let f = FIXED.get(digits);
  if (!f) {
    f = new Intl.NumberFormat("en-US", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    FIXED.set(digits, f);
  }
  return f.format(n);
}

/** An ISO instant as `YYYY-MM-DD HH:MM:SS` UTC. */
export function fmtTime(iso: string | null): string {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 19).replace("T", " ");
}

/** Evenly spaced "nice" ticks (1, 2, 2.5, 5 × 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = start; v < hi + step - 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}
