/** The status page, rendered on the server with hono/jsx. No script, no asset from elsewhere. */
import type { Child } from "hono/jsx";
import type { DayChart, PartitionState, PartitionView, RunView } from "../jobs/core/port.ts";
import { PARTITION_STATES } from "../jobs/core/port.ts";
import { DayCharts } from "./chart.tsx";
import { fmtDuration, fmtInt, fmtNum, fmtTime } from "./format.ts";
import { STYLE } from "./style.ts";
import { raw } from "hono/html";

export interface JobInfo {
  name: string;
  firstDay: string | null;
  upstream: string[];
}

export interface PageModel {
  jobs: JobInfo[];
  partitions: PartitionView[];
  runs: RunView[];
  day: string | null;
  chart: DayChart | null;
  authed: boolean;
  notice: { kind: "ok" | "warn" | "error"; text: string } | null;
  /** Reload after `seconds` (while partitions run). */
  refresh: { seconds: number; url: string } | null;
  now: Date;
}

const STATE_TEXT: Record<PartitionState, string> = {
  succeeded: "succeeded",
  empty: "empty (no readings)",
  running: "running",
  stale: "stale",
  failed: "failed",
  blocked: "blocked",
  missing: "missing",
};

/** The first cell of a month block sits in its weekday's column (Monday first). */
function weekdayClass(day: string): string {
  const w = Temporal.PlainDate.from(day).dayOfWeek;
  return w === 1 ? "" : ` w${w}`;
}

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

function Badge(props: { state: string }) {
  return <span class={`badge s-${props.state}`}>{props.state}</span>;
}

function Legend(props: { partitions: PartitionView[] }) {
  const counts = new Map<PartitionState, number>(PARTITION_STATES.map((s) => [s, 0]));
  for (const p of props.partitions) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
  return (
    <ul class="legend" id="legend">
      {PARTITION_STATES.map((s) => (
        <li data-state={s} data-count={counts.get(s)}>
          <span class={`cell s-${s}`} />
          {STATE_TEXT[s]} <b>{counts.get(s)}</b>
        </li>
      ))}
    </ul>
  );
}

function Grid(props: { jobs: JobInfo[]; partitions: PartitionView[]; day: string | null }) {
  const byJob = new Map<string, PartitionView[]>();
  for (const p of props.partitions) {
    const list = byJob.get(p.job) ?? [];
    list.push(p);
    byJob.set(p.job, list);
  }
  return (
    <div class="grid-wrap" id="grid">
      {props.jobs.map((job) => {
        const cells = (byJob.get(job.name) ?? []).toSorted((a, b) => a.day < b.day ? -1 : 1);
        const months = new Map<string, PartitionView[]>();
        for (const p of cells) {
          const m = p.day.slice(0, 7);
          months.set(m, [...(months.get(m) ?? []), p]);
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
              {cells.length === 0 && (
                <span class="muted">
                  no days yet ({job.firstDay
                    ? `starts ${job.firstDay}`
                    : "first day not known yet"})
                </span>
              )}
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
                        href={`/?day=${p.day}#day`}
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

function RunButton(props: { authed: boolean; job: string; day: string; state: PartitionState }) {
  if (props.state === "running") return <span class="muted">running…</span>;
  if (!props.authed) {
    return (
      <button type="button" class="btn" disabled title="log in with the token to run">
        log in to run
      </button>
    );
  }
  const again = props.state === "succeeded" || props.state === "empty";
  return (
    <form
      method="post"
      action={`/run/${encodeURIComponent(props.job)}/${props.day}`}
      class="inline"
    >
      <button
        type="submit"
        class={again ? "btn" : "btn primary"}
        data-run={`${props.job}/${props.day}`}
      >
        {again ? "run again" : "run"}
      </button>
    </form>
  );
}

function DayDetails(
  props: { day: string; partitions: PartitionView[]; jobs: JobInfo[]; authed: boolean },
) {
  const rows = props.jobs.map((j) =>
    props.partitions.find((p) => p.job === j.name && p.day === props.day)
  ).filter((p): p is PartitionView => p !== undefined);
  if (rows.length === 0) {
    return (
      <p class="muted">No partition on {props.day} (before the first day, or not over yet).</p>
    );
  }
  return (
    <div class="table-wrap">
      <table class="details" id="day-details">
        <thead>
          <tr>
            <th>job</th>
            <th>state</th>
            <th class="num">rows in → out</th>
            <th class="num">SQL</th>
            <th class="num">duration</th>
            <th class="num">attempts</th>
            <th>finished (UTC)</th>
            <th>last error</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr data-job={p.job} data-day={p.day} data-state={p.state}>
              <td>
                <b>{p.job}</b>
              </td>
              <td>
                <Badge state={p.state} />
                {p.reason && <div class="reason">{p.reason}</div>}
              </td>
              <td class="num">{fmtInt(p.rowsIn)} → {fmtInt(p.rowsOut)}</td>
              <td class="num">{p.sqlVersion === null ? "–" : `v${p.sqlVersion}`}</td>
              <td class="num">{fmtDuration(p.durationMs)}</td>
              <td class="num">{p.attempts}</td>
              <td class="nowrap">{fmtTime(p.finishedAt)}</td>
              <td class="error">{p.error ?? ""}</td>
              <td>
                <RunButton authed={props.authed} job={p.job} day={p.day} state={p.state} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DailyNumbers(props: { chart: DayChart }) {
  const d = props.chart.daily;
  if (!d) return <p class="muted" id="daily">No daily numbers for {props.chart.day} yet.</p>;
  return (
    <dl class="daily" id="daily">
      <div>
        <dt>energy</dt>
        <dd data-daily="energy_kwh">
          {fmtNum(d.energy_kwh, 0)} <small>kWh</small>
        </dd>
      </div>
      <div>
        <dt>mean wind speed</dt>
        <dd data-daily="mean_wind_speed">
          {fmtNum(d.mean_wind_speed, 2)} <small>m/s</small>
        </dd>
      </div>
      <div>
        <dt>max power</dt>
        <dd data-daily="max_power">
          {fmtNum(d.max_power, 0)} <small>kW</small>
        </dd>
      </div>
      <div>
        <dt>availability</dt>
        <dd data-daily="availability">
          {fmtNum(d.availability * 100, 1)} <small>%</small>
        </dd>
      </div>
    </dl>
  );
}

function Runs(props: { runs: RunView[] }) {
  if (props.runs.length === 0) return <p class="muted">No runs yet.</p>;
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
          {props.runs.map((r) => (
            <tr data-run-id={r.id} data-status={r.status}>
              <td class="num">{r.id}</td>
              <td>{r.job}</td>
              <td class="nowrap">
                <a href={`/?day=${r.day}#day`}>{r.day}</a>
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
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Auth(props: { authed: boolean; day: string | null }) {
  if (props.authed) {
    return (
      <div class="auth">
        <form method="post" action="/run-all" class="inline">
          <button type="submit" class="btn primary" id="run-all">
            run all missing / failed / stale
          </button>
        </form>
        <form method="post" action="/logout" class="inline">
          <button type="submit" class="btn" id="logout">log out</button>
        </form>
      </div>
    );
  }
  return (
    <form method="post" action="/login" class="auth" id="login">
      {props.day && <input type="hidden" name="day" value={props.day} />}
      <label>
        <span class="sr">token</span>
        <input
          type="password"
          name="token"
          placeholder="token"
          autocomplete="current-password"
          required
        />
      </label>
      <button type="submit" class="btn primary">log in</button>
      <button type="button" class="btn" disabled title="log in with the token to run">
        log in to run all
      </button>
    </form>
  );
}

export function Page(props: PageModel): Child {
  const m = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {m.refresh && (
          <meta http-equiv="refresh" content={`${m.refresh.seconds}; url=${m.refresh.url}`} />
        )}
        <title>windbin · status</title>
        <style>{raw(STYLE)}</style>
      </head>
      <body>
        <header>
          <h1>
            windbin <span>status</span>
          </h1>
          <Auth authed={m.authed} day={m.day} />
        </header>
        <main>
          {m.notice && (
            <p class={`notice ${m.notice.kind}`} id="notice" role="status">{m.notice.text}</p>
          )}
          <section>
            <h2>
              Partitions{" "}
              <small>one cell per UTC day, up to yesterday · click a day for details</small>
            </h2>
            <Legend partitions={m.partitions} />
            <Grid jobs={m.jobs} partitions={m.partitions} day={m.day} />
            {m.refresh && (
              <p class="muted small" id="refreshing">
                Partitions are running: this page reloads every {m.refresh.seconds} s.
              </p>
            )}
          </section>
          {m.day && (
            <section id="day">
              <h2>
                {m.day} <small>UTC</small>
              </h2>
              <DayDetails day={m.day} partitions={m.partitions} jobs={m.jobs} authed={m.authed} />
              {m.chart && (
                <div class="chart-row">
                  <DayCharts chart={m.chart} />
                  <aside>
                    <h3>Daily numbers</h3>
                    <DailyNumbers chart={m.chart} />
                  </aside>
                </div>
              )}
            </section>
          )}
          <section>
            <h2>Recent runs</h2>
            <Runs runs={m.runs} />
          </section>
        </main>
        <footer class="muted small">
          rendered {fmtTime(m.now.toISOString())} UTC · <a href="/api/partitions">JSON</a> ·{" "}
          <a href="/metrics">metrics</a>
        </footer>
      </body>
    </html>
  );
}
