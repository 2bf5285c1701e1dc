/**
 * Recent runs: filterable by job and outcome (a GET form, no script), with
 * runs of empty days (the source had nothing) folded into one line.
 */
import type { JobInfo, RunEntry } from "../jobs/core/port.ts";
import { RUN_STATUSES } from "../jobs/core/port.ts";
import { fmtDuration, fmtInt, fmtTime } from "./format.ts";

export interface RunFilter {
  job?: string;
  status?: string;
}

export function Badge(props: { state: string }) {
  return <span class={`badge s-${props.state}`}>{props.state}</span>;
}

export function RunFilterForm(
  props: { jobs: JobInfo[]; filter: RunFilter; keep: Record<string, string> },
) {
  return (
    <form method="get" action="/" class="run-filter" id="run-filter">
      {Object.entries(props.keep).map(([k, v]) => (
        <input
          key={k}
          type="hidden"
          name={k}
          value={v}
        />
      ))}
      <label>
        job{" "}
        <select name="run_job">
          <option value="">all</option>
          {props.jobs.map((j) => (
            <option value={j.name} selected={props.filter.job === j.name}>{j.name}</option>
          ))}
        </select>
      </label>
      <label>
        status{" "}
        <select name="run_status">
          <option value="">all</option>
          {RUN_STATUSES.map((s) => (
            <option value={s} selected={props.filter.status === s}>{s}</option>
          ))}
        </select>
      </label>
      <button type="submit" class="btn">filter</button>
    </form>
  );
}

export function Runs(
  props: { entries: RunEntry[]; dayHref: (day: string) => string; emptyHref: string },
) {
  if (props.entries.length === 0) return <p class="muted">No runs.</p>;
  return (
    <div class="table-wrap">
      <table class="runs" id="runs">
        <thead>
          <tr>
            <th class="num">#</th>
            <th>job</th>
            <th>day</th>
            <th>trigger</th>
            <th>runner</th>
            <th>started (UTC)</th>
            <th class="num">duration</th>
            <th class="num">rows in → out</th>
            <th>status</th>
            <th>error</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => {
            if (e.kind === "folded") {
              const f = e.folded;
              return (
                <tr class="folded" data-folded={f.count} data-status="empty">
                  <td class="num nowrap">{f.newestId}…{f.oldestId}</td>
                  <td>{f.jobs.join(", ")}</td>
                  <td class="nowrap" colspan={6}>
                    <b>{fmtInt(f.count)}{f.more ? "+" : ""} empty runs</b>{" "}
                    (the source had no readings) for days {f.firstDay} … {f.lastDay}
                  </td>
                  <td>
                    <Badge state="empty" />
                  </td>
                  <td>
                    <a href={props.emptyHref}>show them</a>
                  </td>
                </tr>
              );
            }
            const r = e.run;
            return (
              <tr data-run-id={r.id} data-status={r.status}>
                <td class="num">{r.id}</td>
                <td>{r.job}</td>
                <td class="nowrap">
                  <a href={props.dayHref(r.day)}>{r.day}</a>
                </td>
                <td>{r.trigger}</td>
                <td class="runner" title={r.runner}>{r.runner}</td>
                <td class="nowrap">{fmtTime(r.startedAt)}</td>
                <td class="num">{fmtDuration(r.durationMs)}</td>
                <td class="num nowrap">{fmtInt(r.rowsIn)} → {fmtInt(r.rowsOut)}</td>
                <td>
                  <Badge state={r.status} />
                </td>
                <td class="error">{r.error ?? ""}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
