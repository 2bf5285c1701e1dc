/**
 * The farm on the page: a turbine x day heatmap of completeness (readings
 * received of those expected) for the calendars' range, and the chooser of
 * the day's views (the farm, or one turbine). Both read runs of days in one
 * completeness class (sql/ui/turbine_runs.sql), so a year of a hundred
 * mostly complete turbines is a few hundred shapes, not 36,500 cells.
 */
import { raw } from "hono/html";
import {
  COMPLETENESS_CLASSES,
  type CompletenessClass,
  type TurbineRun,
} from "../jobs/core/port.ts";
import { dayCount, fmtInt, monthStart } from "./format.ts";

export const CLASS_TEXT: Record<CompletenessClass, string> = {
  complete: "complete",
  short: "short, within MIN_COMPLETENESS",
  incomplete: "incomplete (below MIN_COMPLETENESS)",
  none: "silent (nothing received)",
  unknown: "no cadence known",
};

/** Received of expected, in percent, rounded down: 99.96 % is not shown as 100. */
export function percent(r: Pick<TurbineRun, "expected" | "received">): string {
  if (r.expected === null || r.expected === 0) return "–";
  return `${(Math.floor((r.received / r.expected) * 1000) / 10).toFixed(1)}%`;
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ENTITIES[c]);

function runTitle(r: TurbineRun): string {
  const when = r.days === 1 ? r.from : `${r.from} .. ${r.to} (${r.days} days)`;
  const counts = r.expected === null
    ? `${fmtInt(r.received)} readings, none expected (no cadence known)`
    : `${fmtInt(r.received)} of ${fmtInt(r.expected)} readings (${percent(r)})`;
  return `${r.job} · ${r.turbine} · ${when}: ${CLASS_TEXT[r.class]}, ${counts}`;
}

const W = 1000, LABEL = 120, RIGHT = 8, TOP = 18;

/**
 * One job's heatmap as an SVG string (the names are the source's text:
 * escaped). Rows are turbines, columns days; a run is one rect, a link to its
 * first day's views of that turbine unless it is complete.
 */
function heatmapSvg(
  job: string,
  runs: readonly TurbineRun[],
  range: { from: string; to: string },
  selected: { day: string | null; turbine: string | null },
  href: (day: string, turbine: string) => string,
): string {
  const turbines = [...new Set(runs.map((r) => r.turbine))];
  const days = dayCount(range.from, range.to);
  const rowH = turbines.length <= 24 ? 14 : turbines.length <= 60 ? 9 : 6;
  const labelEvery = rowH >= 9 ? 1 : 4;
  const dayW = (W - LABEL - RIGHT) / days;
  const H = TOP + turbines.length * rowH + 2;
  const row = new Map(turbines.map((t, i) => [t, i]));
  const x = (day: string) => LABEL + (dayCount(range.from, day) - 1) * dayW;
  const r2 = (n: number) => Math.round(n * 100) / 100;
  let out = `<svg class="heatmap" viewBox="0 0 ${W} ${H}" data-job="${esc(job)}" ` +
    `data-turbines="${turbines.length}" data-days="${days}" role="img" aria-label="${
      esc(`${job}: readings received of expected, ${turbines.length} turbines x ${days} days`)
    }">`;
  // Month starts: a line, and a label where there is room for it.
  const monthW = dayW * 30.4;
  const labelMonths = monthW >= 48 ? 1 : monthW >= 16 ? 3 : 12;
  for (let m = monthStart(range.from); m <= range.to; m = monthStart(m, 1)) {
    if (m < range.from) continue;
    const mx = r2(x(m));
    out += `<line class="mtick" x1="${mx}" x2="${mx}" y1="${TOP - 4}" y2="${H}"/>`;
    // A label that would run past the right edge is left out.
    if ((Number(m.slice(5, 7)) - 1) % labelMonths === 0 && mx + 42 <= W - RIGHT) {
      out += `<text class="mlabel" x="${mx + 2}" y="${TOP - 6}">${m.slice(0, 7)}</text>`;
    }
  }
  turbines.forEach((t, i) => {
    const y = TOP + i * rowH;
    out += `<rect class="hrow" x="${LABEL}" y="${y}" width="${W - LABEL - RIGHT}" height="${
      rowH - 1
    }"><title>${esc(t)}: no day recorded here</title></rect>`;
    if (i % labelEvery === 0) {
      const name = t.length > 16 ? `${t.slice(0, 15)}…` : t;
      out += `<text class="tlabel" x="${LABEL - 6}" y="${y + rowH - 2}" font-size="${
        Math.min(11, rowH + 2)
      }" text-anchor="end">${esc(name)}<title>${esc(t)}</title></text>`;
    }
  });
  for (const r of runs) {
    const y = TOP + row.get(r.turbine)! * rowH;
    const rect =
      `<rect class="c-${r.class}" x="${r2(x(r.from))}" y="${y}" width="${
        r2(r.days * dayW)
      }" height="${rowH - 1}" data-turbine="${esc(r.turbine)}" data-class="${r.class}" ` +
      `data-from="${r.from}" data-to="${r.to}"><title>${esc(runTitle(r))}</title></rect>`;
    out += r.class === "complete" ? rect : `<a href="${esc(href(r.from, r.turbine))}">${rect}</a>`;
  }
  // The day shown below: its cell of the chosen turbine, or its column for the farm.
  const { day, turbine } = selected;
  if (day && day >= range.from && day <= range.to) {
    const one = turbine !== null && row.has(turbine);
    if (one || turbine === null) {
      const y = one ? TOP + row.get(turbine)! * rowH - 1 : TOP - 1;
      out += `<rect class="hsel" x="${r2(x(day) - 1)}" y="${y}" width="${r2(dayW + 2)}" ` +
        `height="${one ? rowH + 1 : turbines.length * rowH + 1}"/>`;
    }
  }
  return out + "</svg>";
}

/** The heatmaps of the API-input jobs over `range`, with a legend counting turbine-days. */
export function TurbineHeatmaps(props: {
  runs: readonly TurbineRun[];
  range: { from: string; to: string };
  selected: { day: string | null; turbine: string | null };
  href: (day: string, turbine: string) => string;
}) {
  const byJob = Map.groupBy(props.runs, (r) => r.job);
  const counts = new Map<CompletenessClass, number>();
  for (const r of props.runs) counts.set(r.class, (counts.get(r.class) ?? 0) + r.days);
  return (
    <div class="heatmaps">
      <ul class="legend" id="turbine-legend">
        {COMPLETENESS_CLASSES.map((c) => (
          <li data-class={c} data-count={counts.get(c) ?? 0}>
            <span class={`cell c-${c}`} />
            {CLASS_TEXT[c]} <b>{fmtInt(counts.get(c) ?? 0)}</b>
          </li>
        ))}
        <li class="muted small">turbine-days</li>
      </ul>
      {[...byJob].map(([job, runs]) => (
        <figure class="heatmap-fig" data-job={job}>
          <figcaption>
            <b>{job}</b> <small class="muted">one row per turbine, one column per day</small>
          </figcaption>
          {raw(heatmapSvg(job, runs, props.range, props.selected, props.href))}
        </figure>
      ))}
    </div>
  );
}

/**
 * The day's views of the farm or of one turbine: a link per turbine with its
 * completeness that day (of the first API-input job that recorded it).
 */
export function TurbineChooser(props: {
  day: string;
  /** The day's turbines: runs of that one day. */
  turbines: readonly TurbineRun[];
  selected: string | null;
  href: (turbine: string | null) => string;
}) {
  const seen = new Map<string, TurbineRun>();
  for (const r of props.turbines) if (!seen.has(r.turbine)) seen.set(r.turbine, r);
  const list = [...seen.values()];
  const current = (on: boolean) => on ? { "aria-current": "true", class: "on" } : {};
  return (
    <nav class="chooser" id="turbine-chooser" aria-label="the day's views of">
      <span>Views of</span>
      <a href={props.href(null)} data-turbine="" {...current(props.selected === null)}>
        the farm <small>({list.length} turbines)</small>
      </a>
      {list.map((r) => (
        <a
          href={props.href(r.turbine)}
          data-turbine={r.turbine}
          data-class={r.class}
          title={runTitle(r)}
          {...current(props.selected === r.turbine)}
        >
          <span class={`cell c-${r.class}`} /> {r.turbine} <small>{percent(r)}</small>
        </a>
      ))}
    </nav>
  );
}
