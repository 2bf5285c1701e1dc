/**
 * What a visitor who has not logged in sees of errors and runners: an
 * error's kind ("source API answered 503"), never its text, which may name
 * hosts, URLs, ports or `host:pid`. Logged in (a session or the bearer
 * token), everything is shown as recorded.
 */
import type { DayView, PartitionView, RunEntry, RunView } from "../jobs/core/port.ts";

const KINDS: [RegExp, string | ((m: RegExpExecArray) => string)][] = [
  [/\bcancelled\b/i, "cancelled"],
  [/abandoned|stopped renewing/i, "abandoned: its runner stopped"],
  [/^blocked|waits for/i, "blocked by an upstream partition"],
  [/took (the partition|it) over|lost (its|the) claim|claim (was )?lost/i, "lost its claim"],
  [/source API did not (answer|finish)/i, "source API timed out"],
  [/source API answered (\d{3})/i, (m) => `source API answered ${m[1]}`],
  [
    /cannot reach the source API|connection to the source API|source API's response ended/i,
    "source API unreachable",
  ],
  [/source API's|not a number|outside the day|duplicate|header/i, "invalid data from the source"],
  [/--allow-empty|--allow-shrink|fewer readings|0 readings/i, "refused by a guard"],
  [
    /target database|connection (terminated|refused)|ECONNREFUSED|EAI_AGAIN|ENOTFOUND|database system/i,
    "target database unavailable",
  ],
  [/permission denied|read-only/i, "target database refused the write"],
];

/** A short public description of an error text. */
export function errorKind(text: string | null): string | null {
  if (text === null) return null;
  for (const [re, kind] of KINDS) {
    const m = re.exec(text);
    if (m) return typeof kind === "string" ? kind : kind(m);
  }
  return "error";
}

const HIDDEN = "(log in to see)";

export function publicRun(r: RunView): RunView {
  return { ...r, runner: HIDDEN, error: errorKind(r.error) };
}

export function publicRunEntry(e: RunEntry): RunEntry {
  return e.kind === "run" ? { kind: "run", run: publicRun(e.run) } : e;
}

export function publicPartition(p: PartitionView): PartitionView {
  return {
    ...p,
    error: errorKind(p.error),
    // "run 12 by host:pid": the run, not where it runs.
    reason: p.state === "running" && p.reason ? p.reason.replace(/\s+by\s+.*$/, "") : p.reason,
  };
}

export function publicView(v: DayView): DayView {
  return v.error === null ? v : { ...v, error: "its SQL failed" };
}
