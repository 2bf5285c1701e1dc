/**
 * The status app over app.request(): the ops API (auth, 202/409/400/401), login and
 * its cookie, forms without a session, security headers. Real PGlite behind a test source.
 */
import assert from "node:assert/strict";
import { createStatusApp } from "../ui/app.tsx";
import { createMetrics } from "../ui/metrics.ts";
import type { StatusSource } from "../jobs/core/port.ts";
import { FIXTURE_STATES, FIXTURE_TOKEN, type UiFixture, uiFixture } from "./helpers/ui_source.ts";

const bearer = { Authorization: `Bearer ${FIXTURE_TOKEN}` };

async function runCount(f: UiFixture): Promise<number> {
  const [r] = await f.db.query<{ n: number }>("SELECT count(*)::int AS n FROM runs");
  return r.n;
}

Deno.test("ui api: GET /api/partitions and /api/runs return the seeded states", async () => {
  const f = await uiFixture();
  try {
    const res = await f.app.request("/api/partitions");
    assert.equal(res.status, 200);
    const body = await res.json() as { partitions: { job: string; day: string; state: string }[] };
    assert.equal(body.partitions.length, 20);
    for (const p of body.partitions) {
      assert.equal(p.state, FIXTURE_STATES[p.job][p.day], `${p.job} ${p.day}`);
    }

    const one = await (await f.app.request("/api/partitions?job=etl&from=2024-01-03&to=2024-01-04"))
      .json();
    assert.deepEqual(one.partitions.map((p: { state: string }) => p.state), ["empty", "failed"]);
    assert.equal(one.partitions[1].attempts, 3);
    assert.match(one.partitions[1].error, /503/);

    for (
      const bad of [
        "job=nope",
        "from=2024-02-30",
        "to=yesterday",
        "from=2024-01-05&to=2024-01-01",
        "x=1",
      ]
    ) {
      const r = await f.app.request(`/api/partitions?${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal((await r.json()).error, "bad_request");
    }

    const runs = await (await f.app.request("/api/runs?limit=3")).json();
    assert.equal(runs.runs.length, 3);
    assert.ok(runs.runs[0].id > runs.runs[1].id);
    assert.equal((await f.app.request("/api/runs?limit=0")).status, 400);
    assert.equal((await f.app.request("/api/runs?limit=abc")).status, 400);

    const chart = await (await f.app.request("/api/chart/2024-01-02")).json();
    assert.equal(chart.bins.length, 100);
    assert.equal((await f.app.request("/health")).status, 200);
  } finally {
    await f.close();
  }
});

Deno.test("ui api: POST run: 401 without auth, 202 then success, 409 while running, 400 for bad input", async () => {
  const f = await uiFixture({ runDelayMs: 150 });
  try {
    const url = "/api/partitions/etl/2024-01-07/run";
    const before = await runCount(f);
    const tries: Record<string, string>[] = [{}, { Authorization: "Bearer wrong" }, {
      Authorization: FIXTURE_TOKEN,
    }];
    for (const headers of tries) {
      const r = await f.app.request(url, { method: "POST", headers });
      assert.equal(r.status, 401);
      assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer/);
      await r.body?.cancel();
    }
    assert.equal(await runCount(f), before, "nothing ran without auth");

    const started = await f.app.request(url, { method: "POST", headers: bearer });
    assert.equal(started.status, 202);
    const { runId } = await started.json();
    assert.equal(typeof runId, "number");

    const busy = await f.app.request(url, { method: "POST", headers: bearer });
    assert.equal(busy.status, 409);
    assert.equal((await busy.json()).runId, runId);
    // A partition seeded as running is busy too.
    assert.equal(
      (await f.app.request("/api/partitions/etl/2024-01-05/run", {
        method: "POST",
        headers: bearer,
      })).status,
      409,
    );

    await f.source.settle();
    const after =
      await (await f.app.request("/api/partitions?job=etl&from=2024-01-07&to=2024-01-07")).json();
    assert.equal(after.partitions[0].state, "succeeded");
    assert.equal(after.partitions[0].rowsOut, 1152);

    for (
      const bad of [
        "etl/2024-02-30",
        "etl/2024-1-7",
        "etl/2023-12-31",
        "etl/2024-01-11",
        "nope/2024-01-07",
      ]
    ) {
      const r = await f.app.request(`/api/partitions/${bad}/run`, {
        method: "POST",
        headers: bearer,
      });
      assert.equal(r.status, 400, bad);
      assert.equal((await r.json()).error, "bad_request");
    }
    assert.equal(f.source.started, 1);
  } finally {
    await f.close();
  }
});

Deno.test("ui api: login sets an HttpOnly SameSite=Strict session cookie (not the token) that can run", async () => {
  const f = await uiFixture({ runDelayMs: 50 });
  try {
    const login = (token: string, headers: Record<string, string> = {}) =>
      f.app.request("http://status.test/login", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams({ token }),
      });

    const wrong = await login("nope");
    assert.equal(wrong.status, 303);
    assert.equal(wrong.headers.get("set-cookie"), null);
    assert.match(wrong.headers.get("location") ?? "", /notice=bad-token/);

    const crossSite = await login(FIXTURE_TOKEN, {
      Origin: "https://evil.example",
      "Sec-Fetch-Site": "cross-site",
    });
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.headers.get("set-cookie"), null);
    await crossSite.body?.cancel();

    const ok = await login(FIXTURE_TOKEN, {
      Origin: "http://status.test",
      "Sec-Fetch-Site": "same-origin",
    });
    assert.equal(ok.status, 303);
    const cookie = ok.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^windbin_session=[0-9a-f]{64};/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.ok(!cookie.includes(FIXTURE_TOKEN), "the cookie never carries the token");
    const session = cookie.split(";")[0];

    // The page knows the session: run buttons instead of "log in to run".
    const page = await (await f.app.request("http://status.test/?day=2024-01-07", {
      headers: { Cookie: session },
    })).text();
    assert.match(page, /data-run="etl\/2024-01-07"/);
    assert.doesNotMatch(page, /log in to run</);

    // The cookie works on the JSON API too, but not cross-site.
    const xs = await f.app.request("http://status.test/api/partitions/etl/2024-01-07/run", {
      method: "POST",
      headers: { Cookie: session, Origin: "https://evil.example" },
    });
    assert.equal(xs.status, 401);
    await xs.body?.cancel();
    const viaCookie = await f.app.request("http://status.test/api/partitions/etl/2024-01-07/run", {
      method: "POST",
      headers: { Cookie: session, Origin: "http://status.test" },
    });
    assert.equal(viaCookie.status, 202);
    await viaCookie.body?.cancel();

    // The form: redirects back to the day.
    const form = await f.app.request("http://status.test/run/etl/2024-01-08", {
      method: "POST",
      headers: { Cookie: session, "Sec-Fetch-Site": "same-origin" },
    });
    assert.equal(form.status, 303);
    assert.match(form.headers.get("location") ?? "", /day=2024-01-08.*notice=started/);

    // Logging out forgets the session server-side.
    const out = await f.app.request("http://status.test/logout", {
      method: "POST",
      headers: { Cookie: session },
    });
    assert.equal(out.status, 303);
    assert.match(out.headers.get("set-cookie") ?? "", /windbin_session=;.*Max-Age=0/i);
    const stale = await f.app.request("http://status.test/run/etl/2024-01-10", {
      method: "POST",
      headers: { Cookie: session },
    });
    assert.equal(stale.status, 401);
    await stale.body?.cancel();
    await f.source.settle();
    assert.equal(f.source.started, 2);
  } finally {
    await f.close();
  }
});

Deno.test("ui api: form POSTs without a session, or a forged one, do nothing", async () => {
  const f = await uiFixture();
  try {
    const before = await runCount(f);
    for (
      const [path, headers] of [
        ["/run/etl/2024-01-07", {}],
        ["/run/etl/2024-01-07", { Cookie: "windbin_session=" + "ab".repeat(32) }],
        ["/run/etl/2024-01-07", { Cookie: `windbin_session=${FIXTURE_TOKEN}` }],
        ["/run-all", {}],
        ["/api/run-all", {}],
      ] as const
    ) {
      const r = await f.app.request(path, { method: "POST", headers });
      assert.equal(r.status, 401, path);
      await r.body?.cancel();
    }
    assert.equal(await runCount(f), before);
    assert.equal(f.source.started, 0);

    // Without login the page offers no run button at all.
    const page = await (await f.app.request("/?day=2024-01-07")).text();
    assert.doesNotMatch(page, /data-run=/);
    assert.match(page, /log in to run/);
  } finally {
    await f.close();
  }
});

Deno.test("ui api: run-all with the token plans every missing, failed and stale partition", async () => {
  const f = await uiFixture({ runDelayMs: 10 });
  try {
    const r = await f.app.request("/api/run-all", { method: "POST", headers: bearer });
    assert.equal(r.status, 202);
    // etl: 04 failed, 06 stale, 07 08 10 missing; daily: 02 stale, 03 06 missing, 09 failed.
    assert.deepEqual(await r.json(), { planned: 9 });
    await f.source.settle();
  } finally {
    await f.close();
  }
});

Deno.test("ui page: security headers, no external assets, refresh only while running", async () => {
  const f = await uiFixture();
  try {
    const res = await f.app.request("/");
    assert.equal(res.status, 200);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'unsafe-inline'/);
    assert.doesNotMatch(csp, /script-src/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    const page = await res.text();
    assert.match(page, /^<!DOCTYPE html>/);
    assert.doesNotMatch(page, /(src|href)="(https?:)?\/\//, "nothing from elsewhere");
    assert.doesNotMatch(page, /<script/);
    assert.match(page, /http-equiv="refresh"/, "etl 2024-01-05 is running");
    // The newest day with etl data is the default chart.
    assert.match(page, /<h2>2024-01-09/);
    assert.equal((await f.app.request("/?day=2024-13-01")).status, 400);
    const gz = await f.app.request("/", { headers: { "Accept-Encoding": "gzip" } });
    assert.equal(gz.headers.get("content-encoding"), "gzip");
    const unzipped = await new Response(gz.body!.pipeThrough(new DecompressionStream("gzip")))
      .text();
    assert.match(unzipped, /^<!DOCTYPE html>/);

    await f.db.query("UPDATE partitions SET status = 'failed' WHERE status = 'running'");
    await f.db.query("UPDATE runs SET status = 'failed' WHERE status = 'running'");
    assert.doesNotMatch(await (await f.app.request("/")).text(), /http-equiv="refresh"/);
  } finally {
    await f.close();
  }
});

Deno.test("ui page: errors and runner names are shown escaped", async () => {
  const f = await uiFixture();
  try {
    const evil = `<img src=x onerror="alert(1)"> & "quotes"`;
    await f.db.query("UPDATE partitions SET error = $1 WHERE job = 'etl' AND day = '2024-01-04'", [
      evil,
    ]);
    await f.db.query(
      "UPDATE runs SET error = $1, runner = $1 WHERE job = 'etl' AND day = '2024-01-04'",
      [evil],
    );
    const page = await (await f.app.request("/?day=2024-01-04")).text();
    assert.ok(!page.includes("<img"), "no markup from data");
    assert.match(page, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt; &amp; &quot;quotes&quot;/);
  } finally {
    await f.close();
  }
});

Deno.test("ui app: /health is 503 when the source does not answer; /day/D goes to the day", async () => {
  const source: StatusSource = {
    jobs: () => [{ name: "etl", firstDay: "2024-01-01", upstream: [] }],
    partitions: () => Promise.reject(new Error("connection refused")),
    runs: () => Promise.reject(new Error("connection refused")),
    chart: () => Promise.reject(new Error("connection refused")),
    trigger: () => Promise.reject(new Error("connection refused")),
    triggerAll: () => Promise.reject(new Error("connection refused")),
  };
  const app = createStatusApp({ source, token: "t", metrics: createMetrics() });
  const health = await app.request("/health");
  assert.equal(health.status, 503);
  assert.equal((await health.json()).status, "unavailable");
  const day = await app.request("/day/2024-01-02");
  assert.equal(day.status, 302);
  assert.equal(day.headers.get("location"), "/?day=2024-01-02#day");
  assert.equal((await app.request("/day/2024-02-31")).status, 400);
  // A failing source is a 500 without its message; the metrics still render.
  const orig = console.error;
  console.error = () => {};
  try {
    const page = await app.request("/api/runs");
    assert.equal(page.status, 500);
    assert.doesNotMatch(await page.text(), /connection refused/);
  } finally {
    console.error = orig;
  }
  console.error = () => {};
  try {
    const metrics = await app.request("/metrics");
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /^windbin_partitions_scrape_ok 0$/m);
    assert.doesNotMatch(text, /^windbin_partitions\{/m);
  } finally {
    console.error = orig;
  }
  assert.throws(() => createStatusApp({ source, token: "", metrics: createMetrics() }), /token/);
});
