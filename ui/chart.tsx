/**
 * A day's 10-minute aggregates as inline SVG: the mean as a line with one point per
 * bin (`data-bin`), the min–max range as a band behind it, hours UTC on the x axis
 * and the unit on the y axis. Gaps (bins without data) break the line and the band.
 */
import type { ChartBin, DayChart } from "../jobs/core/port.ts";
import { fmtNum, niceTicks } from "./format.ts";

const W = 760, H = 262;
const M = { top: 42, right: 34, bottom: 50, left: 70 };
const PW = W - M.left - M.right, PH = H - M.top - M.bottom;
const DAY_MS = 86_400_000;
const BIN_MS = 600_000;

interface Series {
  key: "wind_speed" | "power";
  title: string;
  unit: string;
  color: string;
  digits: number;
}

export const SERIES: Series[] = [
  { key: "wind_speed", title: "Wind speed", unit: "m/s", color: "#1971c2", digits: 1 },
  { key: "power", title: "Power", unit: "kW", color: "#c2255c", digits: 0 },
];

function values(b: ChartBin, key: Series["key"]) {
  return {
    mean: b[`${key}_mean`],
    min: b[`${key}_min`] ?? b[`${key}_mean`],
    max: b[`${key}_max`] ?? b[`${key}_mean`],
  };
}

/** Runs of consecutive bins (10 minutes apart) where `ok` holds. */
function runs<T>(items: T[], at: (x: T) => number, ok: (x: T) => boolean): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let prev = NaN;
  for (const x of items) {
    if (!ok(x)) {
      if (cur.length) out.push(cur);
      cur = [];
      continue;
    }
    if (cur.length && at(x) - prev !== BIN_MS) {
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

function SeriesChart(props: { day: string; bins: ChartBin[]; s: Series }) {
  const { day, bins, s } = props;
  const t0 = Date.parse(`${day}T00:00:00Z`);
  const pts = bins.map((b) => ({ t: Date.parse(b.t), iso: b.t, ...values(b, s.key) }));
  const nums = pts.flatMap((p) => [p.mean, p.min, p.max]).filter((v): v is number =>
    v !== null && Number.isFinite(v)
  );
  const lo = Math.min(0, ...nums), hi = Math.max(lo + 1, ...nums);
  const ticks = niceTicks(lo, hi, 5);
  const yLo = ticks[0], yHi = ticks[ticks.length - 1];
  const x = (t: number) => r1(M.left + ((t - t0 + BIN_MS / 2) / DAY_MS) * PW);
  const y = (v: number) => r1(M.top + PH - ((v - yLo) / (yHi - yLo)) * PH);
  const bands = runs(pts, (p) => p.t, (p) => p.min !== null && p.max !== null);
  const lines = runs(pts, (p) => p.t, (p) => p.mean !== null);
  const hours = [0, 3, 6, 9, 12, 15, 18, 21, 24];
  const id = `chart-${s.key.replace("_", "-")}`;
  return (
    <figure class="chart">
      <svg
        id={id}
        data-series={s.key}
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${s.title} (${s.unit}), 10-minute mean with min–max band, ${day} UTC`}
      >
        <g class="grid">
          {ticks.map((v) => <line key={v} x1={M.left} x2={M.left + PW} y1={y(v)} y2={y(v)} />)}
          {hours.map((h) => (
            <line
              x1={x(t0 + h * 3600_000 - BIN_MS / 2)}
              x2={x(t0 + h * 3600_000 - BIN_MS / 2)}
              y1={M.top}
              y2={M.top + PH}
            />
          ))}
        </g>
        {bands.map((seg) => {
          const upper = seg.map((p) => `${x(p.t)},${y(p.max!)}`);
          const lower = seg.toReversed().map((p) => `${x(p.t)},${y(p.min!)}`);
          return seg.length === 1
            ? (
              <line
                class="band-bar"
                x1={x(seg[0].t)}
                x2={x(seg[0].t)}
                y1={y(seg[0].max!)}
                y2={y(seg[0].min!)}
                stroke={s.color}
              />
            )
            : (
              <polygon
                key={seg[0].t}
                class="band"
                fill={s.color}
                points={[...upper, ...lower].join(" ")}
              />
            );
        })}
        {lines.map((seg) => (
          <polyline
            class="mean"
            stroke={s.color}
            points={seg.map((p) => `${x(p.t)},${y(p.mean!)}`).join(" ")}
          />
        ))}
        <g class="pts" fill={s.color}>
          {pts.filter((p) => p.mean !== null).map((p) => (
            <circle data-bin={p.iso} cx={x(p.t)} cy={y(p.mean!)} r="1.7">
              <title>
                {`${p.iso.slice(11, 16)} UTC  mean ${fmtNum(p.mean, s.digits)} ${s.unit}  (min ${
                  fmtNum(p.min, s.digits)
                }, max ${fmtNum(p.max, s.digits)})`}
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
              x={x(t0 + h * 3600_000 - BIN_MS / 2)}
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
            {`${s.title} (${s.unit})`}
          </text>
        </g>
      </svg>
    </figure>
  );
}

export function DayCharts(props: { chart: DayChart }) {
  const { chart } = props;
  if (chart.bins.length === 0) {
    return <p class="muted" id="chart-empty">No 10-minute data for {chart.day}.</p>;
  }
  return (
    <div class="charts" data-bins={chart.bins.length}>
      {SERIES.map((s) => <SeriesChart key={s.key} day={chart.day} bins={chart.bins} s={s} />)}
      <p class="legend-note">
        <span class="swatch line" /> 10-minute mean (one point per bin) <span class="swatch band" />
        {" "}
        min–max within the bin · {chart.bins.length} of 144 bins have data
      </p>
    </div>
  );
}
