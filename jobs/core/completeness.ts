/**
 * Completeness of one API-input partition, per turbine: the readings expected
 * (86400 / the turbine's cadence, for every turbine the source says should
 * have sent readings that day: its first reading <= the day <= its last) and
 * the readings received (counted in the extract's one pass over the body,
 * copy_body.ts). A turbine below `minCompleteness` of what it should have
 * sent — a turbine silent all day included — makes the day "incomplete".
 */
import type { SourceTurbine } from "./turbines.ts";

export interface TurbineCount {
  turbine: string;
  /** null: not known (the source gave no cadence, or could not be asked). */
  expected: number | null;
  received: number;
}

export interface Completeness {
  /** Every turbine expected or heard from, in byte order of its name. */
  turbines: TurbineCount[];
  /** The turbines below the threshold; null when none is. */
  incomplete: TurbineCount[] | null;
}

const DAY_SECONDS = 86_400;

export function completeness(
  day: string,
  source: readonly SourceTurbine[] | null,
  received: ReadonlyMap<string, number>,
  minCompleteness: number,
): Completeness {
  const rows = new Map<string, TurbineCount>();
  for (const t of source ?? []) {
    if (t.firstDay > day || t.lastDay < day) continue;
    rows.set(t.turbine, {
      turbine: t.turbine,
      expected: t.cadenceSeconds ? Math.round(DAY_SECONDS / t.cadenceSeconds) : null,
      received: received.get(t.turbine) ?? 0,
    });
  }
  for (const [turbine, n] of received) {
    if (!rows.has(turbine)) {
      // Heard from but not expected that day (or not known to the source's list).
      const known = source?.find((t) => t.turbine === turbine);
      rows.set(turbine, {
        turbine,
        expected: known?.cadenceSeconds ? Math.round(DAY_SECONDS / known.cadenceSeconds) : null,
        received: n,
      });
    }
  }
  const turbines = [...rows.values()].sort((a, b) => compareBytes(a.turbine, b.turbine));
  const short = turbines.filter((t) =>
    t.expected !== null && t.received < minCompleteness * t.expected
  );
  return { turbines, incomplete: short.length ? short : null };
}

const encoder = new TextEncoder();

/** Byte order of the UTF-8 names: the order the source sends turbines in. */
function compareBytes(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** "T02 1260/1440 (87.5%), T03 0/1440": the short turbines, for status and logs. */
export function describeIncomplete(short: readonly TurbineCount[], max = 5): string {
  const shown = short.slice(0, max).map((t) =>
    `${t.turbine} ${t.received}/${t.expected}` +
    (t.expected ? ` (${(Math.floor(1000 * t.received / t.expected) / 10).toFixed(1)}%)` : "")
  );
  const more = short.length > max ? `, and ${short.length - max} more` : "";
  return shown.join(", ") + more;
}
