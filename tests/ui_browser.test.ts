/**
 * The status page in a real headless Chromium (over CDP) and real HTTP (Deno.serve on
 * port 0): the overview and the calendars' cells and states (each state its own shape),
 * running a missing day after logging in (and nothing without), the jobs' views (a
 * chart's points per bin, numbers), years of history on one screen with ranges to pick,
 * and screenshots in tests/.artifacts/ (the README's in docs/).
 */
import assert from "node:assert/strict";
import {
  ARTIFACTS,
  CHROMIUM_SKIPPED,
  launchBrowser,
  type Page,
  serveApp,
} from "./helpers/browser.ts";
import {
  FIXTURE_BINS,
  FIXTURE_STATES,
  FIXTURE_TOKEN,
  fixtureJobs,
  type SeedPartition,
  seedPartitions,
  seedShowcase,
  SHOWCASE_NOW,
  showcaseJobs,
  type UiFixture,
  uiFixture,
} from "./helpers/ui_source.ts";
import { PARTITION_STATES } from "../jobs/core/port.ts";

const ignore = CHROMIUM_SKIPPED;

async function withPage(
  opts: Parameters<typeof uiFixture>[0] & object,
  fn: (ctx: { f: UiFixture; url: string; page: Page }) => Promise<void>,
): Promise<void> {
  const f = await uiFixture({ ...opts, refreshSeconds: opts.refreshSeconds ?? 60 });
  const server = await serveApp(f.app.fetch);
  try {
    const browser = await launchBrowser();
    try {
      await fn({ f, url: server.url, page: await browser.newPage() });
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
    await f.close();
  }
}

/**
 * Submits a POST form built in the page (fetch() is refused by the page's CSP: connect-src
 * falls back to default-src 'none'); returns the HTTP status of the answer.
 */
async function postFromPage(page: Page, path: string): Promise<number> {
  await page.eval(`(() => { const f = document.createElement("form"); f.method = "post";
    f.action = ${JSON.stringify(path)}; document.body.append(f); f.submit(); })()`);
  await page.waitForUrl(new RegExp(path.replaceAll("/", "\\/") + "$"));
  return await page.eval<number>(`performance.getEntriesByType("navigation")[0].responseStatus`);
}

async function logIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.fillAndSubmit("#login input[name=token]", FIXTURE_TOKEN);
  await page.waitForUrl(/notice=logged-in/);
}

const cellSel = (job: string, day: string) => `#grid a.cell[data-job="${job}"][data-day="${day}"]`;

Deno.test({
  name:
    "ui browser: overview and calendars have a cell per job and day in the seeded states, with counts and details",
  ignore,
  fn: () =>
    withPage({}, async ({ url, page }) => {
      assert.equal(await page.goto(`${url}/`), 200);
      const expected: Record<string, string> = {};
      for (const [job, days] of Object.entries(FIXTURE_STATES)) {
        for (const [day, state] of Object.entries(days)) expected[`${job} ${day}`] = state;
      }
      const cells = await page.attrsAll("#grid a.cell", ["data-job", "data-day", "data-state"]);
      assert.equal(cells.length, 20);
      assert.deepEqual(Object.fromEntries(cells.map(([j, d, s]) => [`${j} ${d}`, s])), expected);
      // The overview: the same days, a strip per year ("ingest 2024-01-04: failed").
      const overview = await page.eval<string[]>(
        `[...document.querySelectorAll("#years .ycells a")].map((a) => a.title + " " + a.className)`,
      );
      assert.deepEqual(
        Object.fromEntries(overview.map((t) => {
          const m = /^(\S+) (\S+): (\S+) s-(\S+)$/.exec(t)!;
          assert.equal(m[3], m[4], t);
          return [`${m[1]} ${m[2]}`, m[3]];
        })),
        expected,
      );

      // The legend counts every state.
      const counts: Record<string, number> = {};
      for (const s of Object.values(expected)) counts[s] = (counts[s] ?? 0) + 1;
      for (const [state, n] of Object.entries(counts)) {
        assert.equal(
          await page.attr(`#legend li[data-state=${state}]`, "data-count"),
          String(n),
          state,
        );
      }

      // Not by colour alone: with every colour taken out, each state still draws differently.
      const shapes = await page.eval<string[]>(
        `${
          JSON.stringify(PARTITION_STATES)
        }.map((s) => { const e = document.querySelector("#legend li[data-state=" + s + "] .cell");
        const st = getComputedStyle(e);
        return (st.backgroundImage + "|" + st.boxShadow + "|" + st.borderStyle).replace(/rgba?\\([^)]*\\)/g, "C"); })`,
      );
      assert.equal(new Set(shapes).size, PARTITION_STATES.length, shapes.join("\n"));

      // The hover title of a failed day carries its error's kind; a click opens the day.
      assert.match(
        (await page.attr(cellSel("ingest", "2024-01-04"), "title")) ?? "",
        /failed[\s\S]*3 attempts[\s\S]*source API answered 503/,
      );
      assert.match(
        (await page.attr(cellSel("ingest", "2024-01-06"), "title")) ?? "",
        /stale \(sql: built with v1, current v2\)/,
      );
      assert.match(
        (await page.attr(cellSel("rollup", "2024-01-07"), "title")) ?? "",
        /blocked \(waits on ingest/,
      );
      await page.click(cellSel("ingest", "2024-01-04"));
      await page.waitForUrl(/day=2024-01-04/);
      assert.equal(await page.attr("#day-details tr[data-job=ingest]", "data-state"), "failed");
      assert.match(await page.text("#day-details tr[data-job=ingest]"), /source API answered 503/);
      assert.match(await page.text("#day-details tr[data-job=ingest]"), /\b3\b/);
      // A partition runs (ingest 2024-01-05): the page refreshes itself.
      assert.equal(await page.count('meta[http-equiv="refresh"]'), 1);
      // Recent runs, with errors in full once logged in.
      assert.equal(await page.count("#runs tbody tr"), 10);
      assert.doesNotMatch(await page.text("#runs"), /division by zero/);
      await logIn(page, url);
      assert.match(await page.text("#runs"), /division by zero/);
    }),
});

Deno.test({
  name:
    "ui browser: without the token nothing runs; after logging in, run turns a missing day succeeded",
  ignore,
  fn: () =>
    withPage({ runDelayMs: 700, refreshSeconds: 1 }, async ({ f, url, page }) => {
      const state = () => page.attr(cellSel("ingest", "2024-01-07"), "data-state");
      await page.goto(`${url}/?day=2024-01-07`);
      assert.equal(await state(), "missing");
      // No run button: a disabled "log in to run" instead.
      assert.equal(await page.count("button[data-run]"), 0);
      assert.equal(
        await page.eval(`[...document.querySelectorAll("#day-details tr[data-job=ingest] button")]
          .map((b) => b.disabled + " " + b.textContent).join()`),
        "true log in to run",
      );
      // The CSP forbids scripts to fetch().
      assert.match(
        await page.eval<string>(`fetch("/health").then(() => "fetched", (e) => String(e))`),
        /Failed to fetch/,
      );
      // A POST from the page without a session is refused and runs nothing.
      assert.equal(await postFromPage(page, "/run/ingest/2024-01-07"), 401);
      assert.equal(await postFromPage(page, "/api/partitions/ingest/2024-01-07/run"), 401);
      assert.equal(await postFromPage(page, "/run-all"), 401);
      await page.goto(`${url}/?day=2024-01-07`);
      assert.equal(await state(), "missing");
      assert.equal(f.source.started, 0);

      // A wrong token does not log in.
      await page.fillAndSubmit("#login input[name=token]", "wrong-token");
      await page.waitForUrl(/notice=bad-token/);
      assert.equal(await page.count("button[data-run]"), 0);
      assert.deepEqual(await page.cookies(), []);

      await page.fillAndSubmit("#login input[name=token]", FIXTURE_TOKEN);
      await page.waitForUrl(/day=2024-01-07&notice=logged-in/);
      const [cookie, ...more] = await page.cookies();
      assert.equal(more.length, 0);
      assert.equal(cookie.name, "windbin_session");
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, "Strict");
      assert.ok(!cookie.value.includes(FIXTURE_TOKEN));
      assert.equal(await page.eval("document.cookie"), "", "HttpOnly: scripts cannot read it");

      await page.goto(`${url}/?day=2024-01-07`);
      await page.click('button[data-run="ingest/2024-01-07"]');
      await page.waitForUrl(/notice=started/);
      // The page reloads itself (meta refresh) until the run is done.
      await page.waitFor(
        `document.querySelector('${cellSel("ingest", "2024-01-07")}[data-state=succeeded]')`,
        15_000,
      );
      assert.equal(f.source.started, 1);
      assert.equal(await page.attr("#day-details tr[data-job=ingest]", "data-state"), "succeeded");
      // The day now has a chart with all its bins.
      assert.equal(await page.count("#chart-ingest-power_mean circle[data-bin]"), 144);

      // Logging out takes the buttons away again.
      await page.click("#logout");
      await page.waitForUrl(/notice=logged-out/);
      assert.equal(await page.count("button[data-run]"), 0);
      assert.deepEqual(await page.cookies(), []);
    }),
});

Deno.test({
  name: "ui browser: the jobs' views: a chart with one point per bin (and gaps), numbers beside it",
  ignore,
  fn: () =>
    withPage({}, async ({ url, page }) => {
      for (const [day, bins] of Object.entries(FIXTURE_BINS)) {
        await page.goto(`${url}/?day=${day}`);
        for (const series of ["wind_mean", "power_mean"]) {
          assert.equal(
            await page.count(`#chart-ingest-${series} circle[data-bin]`),
            bins,
            `${day} ${series}`,
          );
          const h = await page.eval<number>(
            `document.querySelector("#chart-ingest-${series}").getBoundingClientRect().height`,
          );
          assert.ok(h > 100, `${series} chart is visible (${h}px)`);
        }
        assert.equal(
          await page.attr("#chart-ingest-power_mean circle[data-bin]", "data-bin"),
          `${day}T00:00:00Z`,
        );
      }
      // Axes: hours UTC and units, as declared.
      const wind = await page.eval<string>(
        `document.querySelector("#chart-ingest-wind_mean").textContent`,
      );
      assert.match(wind, /00:00[\s\S]*12:00[\s\S]*24:00/);
      assert.match(wind, /Wind speed \(m\/s\)/);
      assert.match(wind, /time of day \(UTC\)/);
      assert.match(
        await page.eval<string>(`document.querySelector("#chart-ingest-power_mean").textContent`),
        /Power \(kW\)/,
      );
      // 2024-01-02 has a gap of 44 bins: the line breaks into two pieces.
      await page.goto(`${url}/?day=2024-01-02`);
      assert.equal(await page.count("#chart-ingest-power_mean polyline.mean"), 2);
      const numbers = '[data-view="rollup:numbers"]';
      assert.match(await page.text(`${numbers} [data-value="availability_pct"]`), /^69\.4\s*%$/);
      // The numbers beside it.
      await page.goto(`${url}/?day=2024-01-01`);
      assert.match(await page.text(`${numbers} [data-value="availability_pct"]`), /^100\.0\s*%$/);
      assert.match(await page.text(`${numbers} [data-value="energy_kwh"]`), /^[\d,]+\s*kWh$/);
      const [chart, side] = await page.eval<number[][]>(
        `["ingest:chart", "rollup:numbers"].map((v) => { const r = document
          .querySelector('[data-view="' + v + '"]').getBoundingClientRect(); return [r.left, r.top]; })`,
      );
      assert.ok(side[0] > chart[0] && side[1] === chart[1], "numbers beside the chart at 1280");
      // A day without data says so; a day rollup has not built says that.
      await page.goto(`${url}/?day=2024-01-07`);
      assert.equal(await page.count('[data-view="ingest:chart"] .chart-empty'), 1);
      assert.match(await page.text(numbers), /Nothing for 2024-01-07 yet/);
    }),
});

Deno.test({
  name: "ui browser: screenshots at 1280×800 and 390×844 (tests/.artifacts/)",
  ignore,
  fn: () =>
    withPage({}, async ({ url, page }) => {
      const shot = (name: string) => new URL(name, ARTIFACTS);
      await page.goto(`${url}/?day=2024-01-02`);
      await page.screenshot(shot("status-1280.png"));
      await page.screenshot(shot("status-1280-full.png"), { fullPage: true });
      const wide = await page.eval<number>("document.documentElement.scrollWidth");
      assert.ok(wide <= 1280, `page is ${wide}px wide at 1280`);

      await page.setViewport(390, 844);
      await page.goto(`${url}/?day=2024-01-02`);
      await page.screenshot(shot("status-390.png"));
      await page.screenshot(shot("status-390-full.png"), { fullPage: true });
      // Nothing but the scrollable tables and strips is wider than a phone.
      const narrow = await page.eval<number>("document.documentElement.scrollWidth");
      assert.ok(narrow <= 390, `page is ${narrow}px wide at 390`);
    }),
});

/** Two jobs with `years` years of days up to 2024-02-29, every state somewhere. */
function yearsOfDays(years: number) {
  const last = Temporal.PlainDate.from("2024-02-29");
  const first = last.subtract({ years }).add({ days: 1 });
  const list: SeedPartition[] = [];
  let i = 0;
  for (let d = first; Temporal.PlainDate.compare(d, last) <= 0; d = d.add({ days: 1 }), i++) {
    const day = d.toString();
    const status = i % 97 === 5 ? "failed" : i % 31 === 7 ? "empty" : "succeeded";
    list.push({
      job: "ingest",
      day,
      status,
      rowsIn: status === "empty" ? 0 : 1440,
      rowsOut: 1,
      sqlVersion: 2,
    });
    if (status === "succeeded") {
      list.push({ job: "rollup", day, status, rowsIn: 864, rowsOut: 1, sqlVersion: 2 });
    }
  }
  return {
    first: first.toString(),
    jobs: fixtureJobs().map((j) => ({ ...j, firstDay: first.toString() })),
    seed: (db: Parameters<typeof seedPartitions>[0]) => seedPartitions(db, list),
  };
}

for (const years of [3, 10]) {
  Deno.test({
    name:
      `ui browser: ${years} years of days read on one screen; calendars only for a chosen range`,
    ignore,
    fn: () => {
      const y = yearsOfDays(years);
      return withPage({ now: SHOWCASE_NOW, jobs: y.jobs, seed: y.seed }, async ({ url, page }) => {
        await page.goto(`${url}/`);
        const strips = await page.attrsAll("#years .yr", ["data-year"]);
        assert.equal(strips.length, 2 * (years + 1), "a strip per job and calendar year");
        assert.equal(strips[0][0], "2024", "newest year first");
        const cells = await page.count("#years .ycells a");
        assert.equal(cells, 2 * (Date.parse("2024-03-01") - Date.parse(y.first)) / 86_400_000);
        // The whole overview fits the first screen (1280×800).
        const bottom = await page.eval<number>(
          `document.querySelector("#years").getBoundingClientRect().bottom`,
        );
        assert.ok(bottom <= 800, `overview ends at ${bottom}px`);
        await page.screenshot(new URL(`years-${years}-1280.png`, ARTIFACTS));
        // Calendars: the recent three months by default (Dec, Jan, Feb), per job.
        const months = await page.eval<string[]>(
          `[...document.querySelectorAll("#grid [data-job-row=ingest] .mlabel")].map((e) => e.textContent)`,
        );
        assert.deepEqual(months, ["2023-12", "2024-01", "2024-02"]);
        // A year label shows that year's calendars; "earlier" pages back.
        await page.click(`#years .ojob[data-job=ingest] .yr[data-year="2022"] .ylabel`);
        await page.waitForUrl(/from=2022-01-01&to=2022-12-31/);
        assert.equal(await page.count("#grid [data-job-row=ingest] .month"), 12);
        await page.eval(`[...document.querySelectorAll("#ranges a")]
          .find((a) => a.textContent.includes("earlier")).click()`);
        await page.waitForUrl(/from=2021-10-01&to=2021-12-31/);
        assert.deepEqual(
          await page.eval<string[]>(
            `[...document.querySelectorAll("#grid [data-job-row=ingest] .mlabel")].map((e) => e.textContent)`,
          ),
          ["2021-10", "2021-11", "2021-12"],
        );
        // A day of an older year, from the overview: its months come with it.
        await page.click(`#years a[title^="ingest 2021-06-15:"]`);
        await page.waitForUrl(/day=2021-06-15/);
        assert.equal(await page.count(cellSel("ingest", "2021-06-15") + ".selected"), 1);
      });
    },
  });
}

Deno.test({
  name: "ui browser: recent runs filter by job and status; empty days' runs fold into one line",
  ignore,
  fn: () => {
    const list: SeedPartition[] = [];
    for (let d = 1; d <= 9; d++) {
      const day = `2024-01-0${d}`;
      list.push({
        job: "ingest",
        day,
        status: d <= 6 ? "empty" : "succeeded",
        rowsIn: d <= 6 ? 0 : 1440,
        rowsOut: 1,
        sqlVersion: 2,
      });
    }
    list.push({ job: "rollup", day: "2024-01-07", status: "failed", error: "division by zero" });
    return withPage({ seed: (db) => seedPartitions(db, list) }, async ({ url, page }) => {
      await page.goto(`${url}/`);
      assert.deepEqual(
        await page.attrsAll("#runs tbody tr", ["data-status", "data-folded"]),
        [["failed", null], ["succeeded", null], ["succeeded", null], ["succeeded", null], [
          "empty",
          "6",
        ]],
      );
      assert.match(
        await page.text("#runs tr.folded"),
        /6 empty runs[\s\S]*2024-01-01 … 2024-01-06/,
      );
      // "show them" lists the empty runs one by one.
      await page.click("#runs tr.folded a");
      await page.waitForUrl(/run_status=empty/);
      assert.equal(await page.count("#runs tbody tr[data-status=empty]"), 6);
      // The filter form: rollup's failed runs only.
      await page.eval(`(() => { const f = document.querySelector("#run-filter");
        f.run_job.value = "rollup"; f.run_status.value = "failed"; f.requestSubmit(); })()`);
      await page.waitForUrl(/run_job=rollup&run_status=failed/);
      assert.deepEqual(await page.attrsAll("#runs tbody tr", ["data-status"]), [["failed"]]);
    });
  },
});

Deno.test({
  name: "ui browser: three years of the declared jobs, logged in (the README's screenshot)",
  ignore,
  fn: async () =>
    withPage(
      { now: SHOWCASE_NOW, seed: seedShowcase, jobs: await showcaseJobs() },
      async ({ url, page }) => {
        await logIn(page, url);
        await page.goto(`${url}/?day=2024-02-26`);
        // Three months of calendars (Dec .. Feb), a chart and numbers of the 26th.
        assert.equal(await page.count("#grid [data-job-row=etl] .month"), 3);
        assert.equal(await page.count("#chart-etl-wind_speed_mean circle[data-bin]"), 144);
        assert.match(
          await page.text('[data-view="daily:numbers"] [data-value="availability_pct"]'),
          /^100\.0\s*%$/,
        );
        assert.equal(await page.count("button[data-run]"), 2);
        assert.equal(await page.count("#runs tr.folded"), 1);
        await page.screenshot(new URL("showcase-1280-full.png", ARTIFACTS), { fullPage: true });
        // The README's picture: overview, calendars, a day's details, its views.
        // docs/status-page.png is a copy of this one.
        await page.screenshot(new URL("showcase-1280-top.png", ARTIFACTS), {
          fullPage: true,
          maxHeight: 1500,
        });
        await page.setViewport(390, 844);
        await page.goto(`${url}/?day=2024-02-26`);
        await page.screenshot(new URL("showcase-390-full.png", ARTIFACTS), { fullPage: true });
      },
    ),
});
