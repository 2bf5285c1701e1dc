/** The status report as text: counts, stale reasons, failures, a calendar strip, last runs. */
import type { PartitionState } from "../core/states.ts";
import { STATES, type StatusReport } from "../core/status.ts";
import { describeIncomplete } from "../core/completeness.ts";

/** Cell glyphs, and 256-colour backgrounds on a terminal. */
const CELL: Record<PartitionState, { ch: string; color: number }> = {
  succeeded: { ch: "#", color: 34 },
  empty: { ch: "o", color: 109 },
  failed: { ch: "X", color: 160 },
  running: { ch: ">", color: 33 },
  missing: { ch: ".", color: 240 },
  blocked: { ch: "b", color: 97 },
  stale: { ch: "s", color: 178 },
  incomplete: { ch: "i", color: 71 },
};

export interface TextOptions {
  /** ANSI colours (a terminal). */
  color: boolean;
  /** Days per calendar line. */
  width: number;
}

export function statusText(r: StatusReport, o: TextOptions): string[] {
  const lines: string[] = [];
  const pad = Math.max(...r.jobs.map((j) => j.name.length), 4);
  lines.push(`partitions from ${r.from} to ${r.to} (UTC days; each job from its first day)`);
  for (const j of r.jobs) {
    const total = STATES.reduce((n, s) => n + j.counts[s], 0);
    // incomplete is counted when there is one (a job fed by one turbine, or none, never has).
    const shown = STATES.filter((s) => s !== "incomplete" || j.counts[s] > 0);
    const counts = shown.map((s) => `${j.counts[s]} ${s}`).join(", ");
    lines.push(`${j.name.padEnd(pad)}  ${total} days: ${counts}`);
    if (j.incomplete.length) {
      lines.push(
        `${"".padEnd(pad)}  incomplete (turbines below MIN_COMPLETENESS when run): ` +
          `${j.incomplete.length}`,
      );
      for (const p of j.incomplete.slice(0, 5)) {
        lines.push(`${"".padEnd(pad)}    ${p.day}  ${describeIncomplete(p.turbines)}`);
      }
      if (j.incomplete.length > 5) {
        lines.push(`${"".padEnd(pad)}    … and ${j.incomplete.length - 5} more`);
      }
    }
    const reasons = (["sql", "upstream", "source"] as const).filter((k) => j.stale[k]);
    if (reasons.length) {
      lines.push(
        `${"".padEnd(pad)}  stale by ${reasons.map((k) => `${k}: ${j.stale[k]}`).join(", ")}`,
      );
      for (const p of j.partitions.filter((p) => p.state === "stale").slice(0, 5)) {
        lines.push(`${"".padEnd(pad)}    ${p.day}  ${p.reason}`);
      }
    }
    const newer = Object.entries(j.newer);
    if (newer.length) {
      lines.push(
        `${"".padEnd(pad)}  built by a newer version than ${j.sql.file} (${
          j.sql.hash.slice(0, 8)
        }): ${newer.map(([v, n]) => `${v}: ${n}`).join(", ")}; this runner leaves them as they are`,
      );
    }
    if (j.failed.length) {
      lines.push(`${"".padEnd(pad)}  failed:`);
      for (const f of j.failed.slice(0, 10)) {
        const retry = f.nextAttemptAt ? `, retry after ${f.nextAttemptAt}` : "";
        lines.push(
          `${"".padEnd(pad)}    ${f.day}  (${f.failures} failure${
            f.failures === 1 ? "" : "s"
          }${retry}) ` +
            (f.error ?? "").split("\n")[0].slice(0, 200),
        );
      }
      if (j.failed.length > 10) {
        lines.push(`${"".padEnd(pad)}    … and ${j.failed.length - 10} more`);
      }
    }
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  lines.push("", ...calendar(r, o, pad));
  lines.push("", "last runs:");
  if (!r.runs.length) lines.push("  (none yet)");
  for (const run of r.runs) {
    const ms = run.durationMs === null ? "" : ` ${run.durationMs} ms`;
    const rows = run.rowsOut === null ? "" : ` ${run.rowsIn ?? "-"} in / ${run.rowsOut} out`;
    const err = run.error ? `  ${run.error.split("\n")[0].slice(0, 160)}` : "";
    lines.push(
      `  #${run.id} ${run.job} ${run.day} ${run.status} (${run.trigger}, ${run.runner}, ` +
        `${run.startedAt})${ms}${rows}${err}`,
    );
  }
  return lines;
}

function calendar(r: StatusReport, o: TextOptions, pad: number): string[] {
  const lines = ["calendar (one cell per day):"];
  const cell = (s: PartitionState) =>
    o.color ? `\x1b[48;5;${CELL[s].color}m${CELL[s].ch}\x1b[0m` : CELL[s].ch;
  for (const j of r.jobs) {
    const ps = j.partitions;
    for (let i = 0; i < ps.length; i += o.width) {
      const chunk = ps.slice(i, i + o.width);
      lines.push(
        `  ${(i ? "" : j.name).padEnd(pad)} ${chunk[0].day} ${
          chunk.map((p) => cell(p.state)).join("")
        }`,
      );
    }
    if (!ps.length) lines.push(`  ${j.name.padEnd(pad)} (no days in range)`);
  }
  lines.push(`  legend: ${STATES.map((s) => `${cell(s)} ${s}`).join("  ")}`);
  return lines;
}
