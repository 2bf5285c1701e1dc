/** The status page, rendered on the server with hono/jsx. No script, no asset from elsewhere. */
import type { Child } from "hono/jsx";
import type {
  DayView,
  JobInfo,
  PartitionState,
  PartitionView,
  RunEntry,
  TurbineRun,
} from "../jobs/core/port.ts";
import { ChartView, NumbersView } from "./chart.tsx";
import { byJob, Legend, MonthCalendars, Overview } from "./calendar.tsx";
import { Badge, type RunFilter, RunFilterForm, Runs } from "./runs.tsx";
import { addDays, dayCount, fmtDuration, fmtInt, fmtTime, monthEnd, monthStart } from "./format.ts";
import { STYLE } from "./style.ts";
import { TurbineChooser, TurbineHeatmaps } from "./turbines.tsx";
import { raw } from "hono/html";

export type { JobInfo } from "../jobs/core/port.ts";

export interface PageModel {
  jobs: JobInfo[];
  /** The compact overview: every day of every job in this window (the newest MAX_RANGE_DAYS). */
  overview: { from: string; to: string; partitions: PartitionView[]; clipped: boolean };
  /** The month calendars' range (`explicit`: asked for in the URL) and its partitions. */
  calendar: { from: string; to: string; partitions: PartitionView[]; explicit: boolean };
  day: string | null;
  /** The day's views are of this turbine; null: of the whole farm. */
  turbine: string | null;
  /** Turbine x day completeness over the calendars' range (runs of days in one class). */
  turbineRuns: TurbineRun[];
  /** The turbines of `day`, each with its completeness that day. */
  dayTurbines: TurbineRun[];
  /** Every job's partition of `day`. */
  dayPartitions: PartitionView[];
  views: DayView[] | null;
  runs: RunEntry[];
  runFilter: RunFilter;
  authed: boolean;
  notice: { kind: "ok" | "warn" | "error"; text: string } | null;
  /** Reload after `seconds` (while partitions run). */
  refresh: { seconds: number; url: string } | null;
  now: Date;
  yesterday: string;
  maxRangeDays: number;
}

/** A link to the page with the model's state, changed by `over` (undefined drops a parameter). */
export function pageHref(
  m: Pick<PageModel, "day" | "turbine" | "calendar" | "runFilter">,
  over: Partial<
    Record<"day" | "turbine" | "from" | "to" | "run_job" | "run_status", string | undefined>
  > = {},
  fragment = "",
): string {
  const state: Record<string, string | undefined> = {
    day: m.day ?? undefined,
    turbine: m.turbine ?? undefined,
    from: m.calendar.explicit ? m.calendar.from : undefined,
    to: m.calendar.explicit ? m.calendar.to : undefined,
    run_job: m.runFilter.job,
    run_status: m.runFilter.status,
    ...over,
  };
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return `/${s ? `?${s}` : ""}${fragment}`;
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
  const again = props.state === "succeeded" || props.state === "empty" ||
    props.state === "incomplete";
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

function DayDetails(props: { day: string; rows: PartitionView[]; authed: boolean }) {
  if (props.rows.length === 0) {
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
          {props.rows.map((p) => (
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

/** The day's views; `scope` names what they show (a turbine, the farm), `farm` when several. */
function Views(props: { views: DayView[]; day: string; scope: string | null; farm: boolean }) {
  if (props.views.length === 0) return null;
  return (
    <div class="views" id="views" data-scope={props.scope ?? ""}>
      {props.views.map((v) =>
        v.kind === "chart"
          ? (
            <ChartView
              key={`${v.job}:${v.title}`}
              view={v}
              day={props.day}
              scope={props.scope}
              farm={props.farm}
            />
          )
          : (
            <NumbersView
              key={`${v.job}:${v.title}`}
              view={v}
              day={props.day}
              scope={props.scope}
              farm={props.farm}
            />
          )
      )}
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

/** Links to other calendar ranges: recent months, a year, three months earlier or later. */
function RangeNav(props: { m: PageModel }) {
  const { m } = props;
  const { from, to } = m.calendar;
  const y = m.yesterday;
  const link = (f: string, t: string) => pageHref(m, { from: f, to: t }, "#grid");
  const earliest = m.jobs.reduce(
    (e, j) => j.firstDay !== null && j.firstDay < e ? j.firstDay : e,
    y,
  );
  const laterTo = monthEnd(monthStart(to, 3));
  return (
    <nav class="ranges" id="ranges" aria-label="calendar range">
      <span>
        Month calendars from <b>{from}</b> to <b>{to}</b> ({fmtInt(dayCount(from, to))} days):
      </span>
      <a href={pageHref(m, { from: undefined, to: undefined }, "#grid")}>recent 3 months</a>
      <a href={link(monthStart(y, -11), y)}>last 12 months</a>
      {from > earliest && (
        <a href={link(monthStart(from, -3), addDays(monthStart(from), -1))}>← 3 months earlier</a>
      )}
      {to < y && <a href={link(monthStart(to, 1), laterTo < y ? laterTo : y)}>3 months later →</a>}
      <span class="muted small">
        (up to {fmtInt(m.maxRangeDays)} days; a year label above shows that year)
      </span>
    </nav>
  );
}

export function Page(props: PageModel): Child {
  const m = props;
  const counts = new Map<PartitionState, number>();
  for (const p of m.overview.partitions) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
  const dayHref = (day: string) => pageHref(m, { day }, "#day");
  const keep: Record<string, string> = {};
  if (m.day) keep.day = m.day;
  if (m.turbine !== null) keep.turbine = m.turbine;
  const dayTurbineCount = new Set(m.dayTurbines.map((r) => r.turbine)).size;
  const farm = m.turbine === null && dayTurbineCount > 1;
  const scope = m.turbine ?? (dayTurbineCount > 1 ? "the farm" : null);
  if (m.calendar.explicit) Object.assign(keep, { from: m.calendar.from, to: m.calendar.to });
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
              <small>
                one cell per UTC day, {m.overview.from} to {m.overview.to} · click a day for details
              </small>
            </h2>
            <Legend counts={counts} />
            {m.overview.clipped && (
              <p class="muted small" id="clipped">
                Showing the newest {fmtInt(m.maxRangeDays)}{" "}
                days (MAX_RANGE_DAYS); pick a range below for older ones.
              </p>
            )}
            <Overview
              jobs={m.jobs}
              partitions={byJob(m.overview.partitions)}
              href={(day) => `/?day=${day}#day`}
            />
            <RangeNav m={m} />
            <MonthCalendars
              jobs={m.jobs}
              partitions={byJob(m.calendar.partitions)}
              day={m.day}
              href={dayHref}
            />
            {m.refresh && (
              <p class="muted small" id="refreshing">
                Partitions are running: this page reloads every {m.refresh.seconds} s.
              </p>
            )}
          </section>
          {m.turbineRuns.length > 0 && (
            <section id="turbines">
              <h2>
                Turbines{" "}
                <small>
                  readings received of expected, per turbine and day, {m.calendar.from} to{" "}
                  {m.calendar.to}{" "}
                  (the calendars' range) · click a day short of readings for its charts
                </small>
              </h2>
              <TurbineHeatmaps
                runs={m.turbineRuns}
                range={m.calendar}
                selected={{ day: m.day, turbine: m.turbine }}
                href={(day, turbine) => pageHref(m, { day, turbine }, "#day")}
              />
            </section>
          )}
          {m.day && (
            <section id="day">
              <h2>
                {m.day} <small>UTC</small>
              </h2>
              <DayDetails day={m.day} rows={m.dayPartitions} authed={m.authed} />
              {(dayTurbineCount > 1 || m.turbine !== null) && (
                <TurbineChooser
                  day={m.day}
                  turbines={m.dayTurbines}
                  selected={m.turbine}
                  href={(turbine) => pageHref(m, { turbine: turbine ?? undefined }, "#day")}
                />
              )}
              {m.views && <Views views={m.views} day={m.day} scope={scope} farm={farm} />}
            </section>
          )}
          <section id="recent-runs">
            <h2>Recent runs</h2>
            <RunFilterForm jobs={m.jobs} filter={m.runFilter} keep={keep} />
            <Runs
              entries={m.runs}
              dayHref={dayHref}
              emptyHref={pageHref(m, { run_status: "empty" }, "#recent-runs")}
            />
            {!m.authed && (
              <p class="muted small">
                Errors show their kind only, and runners are hidden, until you log in.
              </p>
            )}
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
