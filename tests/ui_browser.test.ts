/**
 * The status page in a real headless Chromium (over CDP) and real HTTP (Deno.serve on
 * port 0): the grid's cells and states, running a missing day after logging in (and
 * nothing without), the chart's points per bin, and screenshots in tests/.artifacts/.
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
  seedShowcase,
  SHOWCASE_NOW,
  type UiFixture,
  uiFixture,
} from "./helpers/ui_source.ts";

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

const cellSel = (job: string, day: string) => `#grid a.cell[data-job="${job}"][data-day="${day}"]`;

Deno.test({
  name:
    "ui browser: the grid has a cell per job and day in the seeded states, with counts and details",
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

      // The hover title of a failed day carries its error; a click opens the day's details.
      assert.match(
        (await page.attr(cellSel("etl", "2024-01-04"), "title")) ?? "",
        /failed[\s\S]*3 attempts[\s\S]*503 Service Unavailable/,
      );
      assert.match(
        (await page.attr(cellSel("etl", "2024-01-06"), "title")) ?? "",
        /stale \(sql: built with v1, current v2\)/,
      );
      assert.match(
        (await page.attr(cellSel("daily", "2024-01-07"), "title")) ?? "",
        /blocked \(waits on etl/,
      );
      await page.click(cellSel("etl", "2024-01-04"));
      await page.waitForUrl(/day=2024-01-04/);
      assert.equal(await page.attr("#day-details tr[data-job=etl]", "data-state"), "failed");
      assert.match(await page.text("#day-details tr[data-job=etl]"), /503 Service Unavailable/);
      assert.match(await page.text("#day-details tr[data-job=etl]"), /\b3\b/);
      // A partition runs (etl 2024-01-05): the page refreshes itself.
      assert.equal(await page.count('meta[http-equiv="refresh"]'), 1);
      // Recent runs, with errors.
      assert.equal(await page.count("#runs tbody tr"), 10);
      assert.match(await page.text("#runs"), /division by zero/);
    }),
});

Deno.test({
  name:
    "ui browser: without the token nothing runs; after logging in, run turns a missing day succeeded",
  ignore,
  fn: () =>
    withPage({ runDelayMs: 700, refreshSeconds: 1 }, async ({ f, url, page }) => {
      const state = () => page.attr(cellSel("etl", "2024-01-07"), "data-state");
      await page.goto(`${url}/?day=2024-01-07`);
      assert.equal(await state(), "missing");
      // No run button: a disabled "log in to run" instead.
      assert.equal(await page.count("button[data-run]"), 0);
      assert.equal(
        await page.eval(`[...document.querySelectorAll("#day-details tr[data-job=etl] button")]
          .map((b) => b.disabled + " " + b.textContent).join()`),
        "true log in to run",
      );
      // The CSP forbids scripts to fetch().
      assert.match(
        await page.eval<string>(`fetch("/health").then(() => "fetched", (e) => String(e))`),
        /Failed to fetch/,
      );
      // A POST from the page without a session is refused and runs nothing.
      assert.equal(await postFromPage(page, "/run/etl/2024-01-07"), 401);
      assert.equal(await postFromPage(page, "/api/partitions/etl/2024-01-07/run"), 401);
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
      await page.click('button[data-run="etl/2024-01-07"]');
      await page.waitForUrl(/notice=started/);
      // The page reloads itself (meta refresh) until the run is done.
      await page.waitFor(
        `document.querySelector('${cellSel("etl", "2024-01-07")}[data-state=succeeded]')`,
        15_000,
      );
      assert.equal(f.source.started, 1);
      assert.equal(await page.attr("#day-details tr[data-job=etl]", "data-state"), "succeeded");
      // The day now has a chart with all its bins.
      assert.equal(await page.count("#chart-power circle[data-bin]"), 144);

      // Logging out takes the buttons away again.
      await page.click("#logout");
      await page.waitForUrl(/notice=logged-out/);
      assert.equal(await page.count("button[data-run]"), 0);
      assert.deepEqual(await page.cookies(), []);
    }),
});

Deno.test({
  name:
    "ui browser: the chart has one point per bin (144, and a day with gaps) and the daily numbers",
  ignore,
  fn: () =>
    withPage({}, async ({ url, page }) => {
      for (const [day, bins] of Object.entries(FIXTURE_BINS)) {
        await page.goto(`${url}/?day=${day}`);
        for (const series of ["wind-speed", "power"]) {
          assert.equal(
            await page.count(`#chart-${series} circle[data-bin]`),
            bins,
            `${day} ${series}`,
          );
          const h = await page.eval<number>(
            `document.querySelector("#chart-${series}").getBoundingClientRect().height`,
          );
          assert.ok(h > 100, `${series} chart is visible (${h}px)`);
        }
        assert.equal(
          await page.attr("#chart-power circle[data-bin]", "data-bin"),
          `${day}T00:00:00.000Z`,
        );
      }
      // Axes: hours UTC and units.
      const wind = await page.eval<string>(
        `document.querySelector("#chart-wind-speed").textContent`,
      );
      assert.match(wind, /00:00[\s\S]*12:00[\s\S]*24:00/);
      assert.match(wind, /Wind speed \(m\/s\)/);
      assert.match(wind, /time of day \(UTC\)/);
      assert.match(
        await page.eval<string>(`document.querySelector("#chart-power").textContent`),
        /Power \(kW\)/,
      );
      // 2024-01-02 has a gap of 44 bins: the line breaks into two pieces.
      await page.goto(`${url}/?day=2024-01-02`);
      assert.equal(await page.count("#chart-power polyline.mean"), 2);
      assert.match(await page.text("#daily"), /69\.4\s*%/);
      // The daily numbers beside it.
      await page.goto(`${url}/?day=2024-01-01`);
      assert.match(await page.text('[data-daily="availability"]'), /100\.0\s*%/);
      assert.match(await page.text('[data-daily="energy_kwh"]'), /^[\d,]+\s*kWh$/);
      // A day without data says so.
      await page.goto(`${url}/?day=2024-01-07`);
      assert.equal(await page.count("#chart-empty"), 1);
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
      // Nothing but the scrollable tables is wider than a phone.
      const narrow = await page.eval<number>("document.documentElement.scrollWidth");
      assert.ok(narrow <= 390, `page is ${narrow}px wide at 390`);
    }),
});

Deno.test({
  name: "ui browser: two months of history, logged in (the README's screenshot)",
  ignore,
  fn: () =>
    withPage({ now: SHOWCASE_NOW, seed: seedShowcase }, async ({ url, page }) => {
      await page.goto(`${url}/`);
      await page.fillAndSubmit("#login input[name=token]", FIXTURE_TOKEN);
      await page.waitForUrl(/notice=logged-in/);
      await page.goto(`${url}/?day=2024-02-26`);
      // 60 days per job, Jan 1 .. Feb 29; the chart of the 26th.
      assert.equal(await page.count("#grid a.cell"), 120);
      assert.equal(await page.count("#chart-wind-speed circle[data-bin]"), 144);
      assert.equal(await page.count("button[data-run]"), 2);
      await page.screenshot(new URL("showcase-1280.png", ARTIFACTS));
      await page.screenshot(new URL("showcase-1280-full.png", ARTIFACTS), { fullPage: true });
      // The README's picture: grid, a day's details and both charts.
      await page.screenshot(new URL("showcase-1280-top.png", ARTIFACTS), {
        fullPage: true,
        maxHeight: 1240,
      });
      await page.setViewport(390, 844);
      await page.goto(`${url}/?day=2024-02-26`);
      await page.screenshot(new URL("showcase-390-full.png", ARTIFACTS), { fullPage: true });
    }),
});
