/**
 * The partition grid at any age: a compact overview (per job, one strip of
 * small day cells per year, weeks as columns like a contribution graph) and
 * month calendars for a chosen range only. Every state has its own colour
 * (Okabe–Ito) and its own shape (style.ts), so states read without colour.
 */
import type { JobInfo, PartitionState, PartitionView } from "../jobs/core/port.ts";
import { PARTITION_STATES } from "../jobs/core/port.ts";
import { raw } from "hono/html";
import { fmtDuration, fmtInt, fmtTime } from "./format.ts";

export const STATE_TEXT: Record<PartitionState, string> = {
  succeeded: "succeeded",
  incomplete: "incomplete (turbines short)",
  empty: "empty (no readings)",
  running: "running",
  stale: "stale",
  failed: "failed",
  blocked: "blocked",
  missing: "missing",
};

export function cellTitle(p: PartitionView): string {
  const parts = [`${p.job} ${p.day}: ${p.state}${p.reason ? ` (${p.reason})` : ""}`];
  if (p.rowsIn !== null || p.rowsOut !== null) {
    parts.push(`rows ${fmtInt(p.rowsIn)} in → ${fmtInt(p.rowsOut)} out`);
  }
  if (p.sqlVersion !== null) parts.push(`SQL v${p.sqlVersion}`);
  if (p.durationMs !== null) parts.push(`took ${fmtDuration(p.durationMs)}`);
  if (p.attempts) parts.push(`${p.attempts} attempt${p.attempts === 1 ? "" : "s"}`);
  if (p.finishedAt) parts.push(`finished ${fmtTime(p.finishedAt)} UTC`);
  if (p.error) {
    parts.push(`last error: ${p.error.length > 300 ? p.error.slice(0, 300) + "…" : p.error}`);
  }
  return parts.join("\n");
}

/** Partitions grouped by job, each list in day order. */
export function byJob(partitions: readonly PartitionView[]): Map<string, PartitionView[]> {
  const out = new Map<string, PartitionView[]>();
  for (const p of partitions) {
    let list = out.get(p.job);
    if (!list) out.set(p.job, list = []);
    list.push(p);
  }
  for (const list of out.values()) list.sort((a, b) => a.day < b.day ? -1 : a.day > b.day ? 1 : 0);
  return out;
}

export function Legend(props: { counts: Map<PartitionState, number> }) {
  return (
    <ul class="legend" id="legend">
      {PARTITION_STATES.map((s) => (
        <li data-state={s} data-count={props.counts.get(s) ?? 0}>
          <span class={`cell s-${s}`} />
          {STATE_TEXT[s]} <b>{props.counts.get(s) ?? 0}</b>
        </li>
      ))}
    </ul>
  );
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Blank cells before a year's first shown day: its weekday offset plus the days skipped. */
function leadingBlanks(firstShown: string): number {
  const d = Temporal.PlainDate.from(firstShown);
  const jan1 = Temporal.PlainDate.from({ year: d.year, month: 1, day: 1 });
  return (jan1.dayOfWeek - 1) + (d.dayOfYear - 1);
}

/**
 * One strip per year, newest first. Built as a string: a decade of several
 * jobs is tens of thousands of cells, and every value in it is a validated
 * day, a job name ([a-z0-9_]) or a state, so nothing needs escaping.
 */
function yearStrips(job: string, cells: PartitionView[], href: (day: string) => string): string {
  const years = new Map<number, PartitionView[]>();
  for (const p of cells) {
    const y = Number(p.day.slice(0, 4));
    let list = years.get(y);
    if (!list) years.set(y, list = []);
    list.push(p);
  }
  let out = "";
  for (const [year, list] of [...years].sort((a, b) => b[0] - a[0])) {
    const y = String(year).padStart(4, "0");
    out +=
      `<div class="yr" data-year="${y}"><a class="ylabel" href="/?from=${y}-01-01&amp;to=${y}-12-31" title="month calendars of ${y}">${y}</a><div class="ycells">`;
    out += "<i></i>".repeat(leadingBlanks(list[0].day));
    for (const p of list) {
      out += `<a class="s-${p.state}" href="${
        href(p.day)
      }" title="${job} ${p.day}: ${p.state}"></a>`;
    }
    out += "</div></div>";
  }
  return out;
}

/** The compact overview: every job's days in the overview window, a strip per year. */
export function Overview(
  props: {
    jobs: JobInfo[];
    partitions: Map<string, PartitionView[]>;
    href: (day: string) => string;
  },
) {
  return (
    <div class="overview" id="years">
      {props.jobs.map((job) => {
        const cells = props.partitions.get(job.name) ?? [];
        return (
          <div class="ojob" data-job={job.name}>
            <div class="ohead">
              <b>{job.name}</b>{" "}
              <small>
                {job.upstream.length ? `after ${job.upstream.join(", ")}` : "from the source API"}
              </small>
            </div>
            {cells.length === 0
              ? <p class="muted small">no days yet (starts {job.firstDay})</p>
              : (
                <div class="ybody">
                  <div class="mhead" aria-hidden="true">
                    {MONTHS.map((m) => <span key={m}>{m}</span>)}
                  </div>
                  {raw(yearStrips(job.name, cells, props.href))}
                </div>
              )}
          </div>
        );
      })}
    </div>
  );
}

/** The first cell of a month block sits in its weekday's column (Monday first). */
function weekdayClass(day: string): string {
  const w = Temporal.PlainDate.from(day).dayOfWeek;
  return w === 1 ? "" : ` w${w}`;
}

/** Month calendars of the chosen range, a row per job. */
export function MonthCalendars(
  props: {
    jobs: JobInfo[];
    partitions: Map<string, PartitionView[]>;
    day: string | null;
    href: (day: string) => string;
  },
) {
  return (
    <div class="grid-wrap" id="grid">
      {props.jobs.map((job) => {
        const cells = props.partitions.get(job.name) ?? [];
        const months = new Map<string, PartitionView[]>();
        for (const p of cells) {
          const m = p.day.slice(0, 7);
          let list = months.get(m);
          if (!list) months.set(m, list = []);
          list.push(p);
        }
        return (
          <div class="job-row" data-job-row={job.name}>
            <div class="job-name">
              <b>{job.name}</b>
              <small>
                {job.upstream.length ? `after ${job.upstream.join(", ")}` : "from the source API"}
              </small>
            </div>
            <div class="months">
              {cells.length === 0 && <span class="muted">no days in this range</span>}
              {[...months].map(([m, list]) => (
                <div class="month">
                  <span class="mlabel">{m}</span>
                  <div class="dow" aria-hidden="true">
                    {["M", "T", "W", "T", "F", "S", "S"].map((d, i) => <span key={i}>{d}</span>)}
                  </div>
                  <div class="cells">
                    {list.map((p, i) => (
                      <a
                        class={`cell s-${p.state}${i === 0 ? weekdayClass(p.day) : ""}${
                          p.day === props.day ? " selected" : ""
                        }`}
                        href={props.href(p.day)}
                        data-job={p.job}
                        data-day={p.day}
                        data-state={p.state}
                        title={cellTitle(p)}
                        aria-label={`${p.job} ${p.day} ${p.state}`}
                      />
                    ))}
                  </div>
                </div>
              ))}
            </div>
          </div>
        );
      })}
    </div>
  );
}
