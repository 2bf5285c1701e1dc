/**
 * A job's chart view of one day as inline SVG, drawn from what the job
 * declares (job.ts, `views`): one panel per series, its values as a line
 * with one point per bin (`data-bin`), the min–max band behind it when
 * declared, hours UTC on the x axis and the unit on the y axis. Gaps (bins
 * without data) break the line and the band.
 */
import type { DayView, SeriesPoint } from "../jobs/core/port.ts";
import { fmtNum, niceTicks } from "./format.ts";

type ChartData = Extract<DayView, { kind: "chart" }>;
type Series = ChartData["series"][number];

const W = 760, H = 262;
const M = { top: 42, right: 34, bottom: 50, left: 70 };
const PW = W - M.left - M.right, PH = H - M.top - M.bottom;
const DAY_MS = 86_400_000;

/** Okabe–Ito colours (distinct for the common colour-vision deficiencies). */
const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];

/** Runs of consecutive bins (`binMs` apart) where `ok` holds. */
function runs<T>(items: T[], at: (x: T) => number, ok: (x: T) => boolean, binMs: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let prev = NaN;
  for (const x of items) {
    if (!ok(x)) {
      if (cur.length) out.push(cur);
      cur = [];
      continue;
    }
    if (cur.length && at(x) - prev !== binMs) {
      out.push(cur);
      cur = [];
    }
    cur.push(x);
    prev = at(x);
  }
  if (cur.length) out.push(cur);
  return out;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** The id of a series' panel: `chart-<job>-<column>`. */
export const seriesId = (job: string, column: string) => `chart-${job}-${column}`;

function SeriesChart(
  props: { job: string; day: string; s: Series; binMinutes: number; colour: string },
) {
  const { job, day, s, binMinutes, colour } = props;
  const binMs = binMinutes * 60_000;
  const t0 = Date.parse(`${day}T00:00:00Z`);
  const pts = s.points.map((p: SeriesPoint) => ({
    ...p,
    at: Date.parse(p.t),
    lo: p.min ?? p.value,
    hi: p.max ?? p.value,
  }));
  const nums = pts.flatMap((p) => [p.value, p.lo, p.hi]).filter((v): v is number =>
    v !== null && Number.isFinite(v)
  );
  const lo = Math.min(0, ...nums), hi = Math.max(lo + 1, ...nums);
  const ticks = niceTicks(lo, hi, 5);
  const yLo = ticks[0], yHi = ticks[ticks.length - 1];
  const x = (t: number) => r1(M.left + ((t - t0 + binMs / 2) / DAY_MS) * PW);
  const y = (v: number) => r1(M.top + PH - ((v - yLo) / (yHi - yLo)) * PH);
  const bands = s.band ? runs(pts, (p) => p.at, (p) => p.lo !== null && p.hi !== null, binMs) : [];
  const lines = runs(pts, (p) => p.at, (p) => p.value !== null, binMs);
  const hours = [0, 3, 6, 9, 12, 15, 18, 21, 24];
  const hourX = (h: number) => x(t0 + h * 3600_000 - binMs / 2);
  const what = s.band
    ? `${binMinutes}-minute values with min–max band`
    : `${binMinutes}-minute values`;
  return (
    <figure class="chart">
      <svg
        id={seriesId(job, s.column)}
        data-series={s.column}
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${job}: ${s.label} (${s.unit}), ${what}, ${day} UTC`}
      >
        <g class="grid">
          {ticks.map((v) => <line key={v} x1={M.left} x2={M.left + PW} y1={y(v)} y2={y(v)} />)}
          {hours.map((h) => (
            <line
              key={h}
              x1={hourX(h)}
              x2={hourX(h)}
              y1={M.top}
              y2={M.top + PH}
            />
          ))}
        </g>
        {bands.map((seg) =>
          seg.length === 1
            ? (
              <line
                class="band-bar"
                x1={x(seg[0].at)}
                x2={x(seg[0].at)}
                y1={y(seg[0].hi!)}
                y2={y(seg[0].lo!)}
                stroke={colour}
              />
            )
            : (
              <polygon
                class="band"
                fill={colour}
                points={[
                  ...seg.map((p) => `${x(p.at)},${y(p.hi!)}`),
                  ...seg.toReversed().map((p) => `${x(p.at)},${y(p.lo!)}`),
                ].join(" ")}
              />
            )
        )}
        {lines.map((seg) => (
          <polyline
            class="mean"
            stroke={colour}
            points={seg.map((p) => `${x(p.at)},${y(p.value!)}`).join(" ")}
          />
        ))}
        <g class="pts" fill={colour}>
          {pts.filter((p) => p.value !== null).map((p) => (
            <circle data-bin={p.t} cx={x(p.at)} cy={y(p.value!)} r="1.7">
              <title>
                {`${p.t.slice(11, 16)} UTC  ${fmtNum(p.value, s.digits)} ${s.unit}` +
                  (s.band
                    ? `  (min ${fmtNum(p.min, s.digits)}, max ${fmtNum(p.max, s.digits)})`
                    : "")}
              </title>
            </circle>
          ))}
        </g>
        <g class="axis">
          <line x1={M.left} x2={M.left + PW} y1={M.top + PH} y2={M.top + PH} />
          <line x1={M.left} x2={M.left} y1={M.top} y2={M.top + PH} />
          {ticks.map((v) => (
            <text x={M.left - 6} y={y(v) + 4} text-anchor="end">
              {fmtNum(v, Number.isInteger(v) ? 0 : 1)}
            </text>
          ))}
          {hours.map((h) => (
            <text
              class={h % 6 ? "minor" : undefined}
              x={hourX(h)}
              y={M.top + PH + 18}
              text-anchor="middle"
            >
              {`${String(h).padStart(2, "0")}:00`}
            </text>
          ))}
          <text class="title" x={M.left + PW / 2} y={H - 6} text-anchor="middle">
            time of day (UTC)
          </text>
          <text class="title" x="4" y="22" text-anchor="start">
            {`${s.label} (${s.unit})`}
          </text>
        </g>
      </svg>
    </figure>
  );
}

/** What a view shows: `scope` (a turbine, the farm) in its heading; `farm`: how it is made. */
interface Scoped {
  scope?: string | null;
  farm?: boolean;
}

function FarmNote(props: { view: DayView; farm?: boolean }) {
  if (!props.farm || !props.view.farm) return null;
  return <p class="legend-note farm-note">{props.view.farm}</p>;
}

export function ChartView(props: { view: ChartData; day: string } & Scoped) {
  const { view, day } = props;
  const bins = view.series[0]?.points.length ?? 0;
  const perDay = Math.round(1440 / view.binMinutes);
  const hasBand = view.series.some((s) => s.band);
  return (
    <div class="view chart-view" data-view={`${view.job}:chart`} data-bins={bins}>
      <h3>
        {view.job} <small>{view.title}{props.scope ? ` · ${props.scope}` : ""}</small>
      </h3>
      {view.error !== null
        ? <p class="view-error">Could not read this view: {view.error}</p>
        : bins === 0
        ? <p class="muted chart-empty">No data for {day}.</p>
        : (
          <>
            {view.series.map((s, i) => (
              <SeriesChart
                job={view.job}
                day={day}
                s={s}
                binMinutes={view.binMinutes}
                colour={COLOURS[i % COLOURS.length]}
              />
            ))}
            <p class="legend-note">
              <span class="swatch line" /> {view.binMinutes}-minute value (one point per bin)
              {hasBand && (
                <>
                  {" "}
                  <span class="swatch band" /> min–max within the bin
                </>
              )} · {bins} of {perDay} bins have data
            </p>
            <FarmNote view={view} farm={props.farm} />
          </>
        )}
    </div>
  );
}

export function NumbersView(
  props: { view: Extract<DayView, { kind: "numbers" }>; day: string } & Scoped,
) {
  const { view, day } = props;
  return (
    <div class="view numbers-view" data-view={`${view.job}:numbers`}>
      <h3>
        {view.job} <small>{view.title}{props.scope ? ` · ${props.scope}` : ""}</small>
      </h3>
      {view.error !== null
        ? <p class="view-error">Could not read this view: {view.error}</p>
        : view.values === null
        ? <p class="muted">Nothing for {day} yet.</p>
        : (
          <dl class="numbers">
            {view.values.map((n) => (
              <div>
                <dt>{n.label}</dt>
                <dd data-value={n.column}>
                  {fmtNum(n.value, n.digits)} <small>{n.unit}</small>
                </dd>
              </div>
            ))}
          </dl>
        )}
      {view.values !== null && <FarmNote view={view} farm={props.farm} />}
    </div>
  );
}
