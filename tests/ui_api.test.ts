/**
 * The status app over app.request(): the ops API (auth, 202/409/400/401), login and
 * its cookie, CSRF and same-origin, forms without a session, security headers, and
 * what a visitor who has not logged in may see. Real PGlite behind the test source.
 */
import assert from "node:assert/strict";
import { createStatusApp } from "../ui/app.tsx";
import { createMetrics } from "../ui/metrics.ts";
import type { StatusSource } from "../jobs/core/port.ts";
import { UnavailableError } from "../jobs/core/port.ts";
import {
  FIXTURE_SECRETS,
  FIXTURE_STATES,
  FIXTURE_TOKEN,
  type SeedPartition,
  seedPartitions,
  type UiFixture,
  uiFixture,
} from "./helpers/ui_source.ts";

const bearer = { Authorization: `Bearer ${FIXTURE_TOKEN}` };

async function runCount(f: UiFixture): Promise<number> {
  const [r] = await f.db.query<{ n: number }>("SELECT count(*)::int AS n FROM runs");
  return r.n;
}

/** Logs in through the form; returns the session cookie ("windbin_session=..."). */
async function login(f: UiFixture): Promise<string> {
  const r = await f.app.request("http://status.test/login", {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Origin: "http://status.test",
      "Sec-Fetch-Site": "same-origin",
    },
    body: new URLSearchParams({ token: FIXTURE_TOKEN }),
  });
  assert.equal(r.status, 303);
  return (r.headers.get("set-cookie") ?? "").split(";")[0];
}

Deno.test("ui api: GET /api/partitions, /api/runs and /api/views return the seeded data", async () => {
  const f = await uiFixture();
  try {
    const res = await f.app.request("/api/partitions", { headers: bearer });
    assert.equal(res.status, 200);
    const body = await res.json() as {
      from: string;
      to: string;
      partitions: { job: string; day: string; state: string }[];
    };
    assert.equal(body.partitions.length, 20);
    assert.deepEqual([body.from, body.to], ["2024-01-01", "2024-01-10"]);
    for (const p of body.partitions) {
      assert.equal(p.state, FIXTURE_STATES[p.job][p.day], `${p.job} ${p.day}`);
    }

    const one =
      await (await f.app.request("/api/partitions?job=ingest&from=2024-01-03&to=2024-01-04", {
        headers: bearer,
      })).json();
    assert.deepEqual(one.partitions.map((p: { state: string }) => p.state), ["empty", "failed"]);
    assert.equal(one.partitions[1].attempts, 3);
    assert.match(one.partitions[1].error, /503 Service Unavailable \(http:\/\/10\.20\.30\.40/);

    for (
      const bad of [
        "job=nope",
        "from=2024-02-30",
        "to=yesterday",
        "from=2024-01-05&to=2024-01-01",
        "from=0000-01-01",
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
    const failed = await (await f.app.request("/api/runs?status=failed&job=rollup")).json();
    assert.deepEqual(
      failed.runs.map((r: { job: string; day: string }) => `${r.job} ${r.day}`),
      ["rollup 2024-01-09"],
    );
    for (const bad of ["limit=0", "limit=abc", "status=nope", "job=nope", "x=1"]) {
      const r = await f.app.request(`/api/runs?${bad}`);
      assert.equal(r.status, 400, bad);
      await r.body?.cancel();
    }

    const views = await (await f.app.request("/api/views/2024-01-02")).json();
    assert.equal(views.day, "2024-01-02");
    assert.deepEqual(views.views.map((v: { job: string; kind: string }) => `${v.job}:${v.kind}`), [
      "ingest:chart",
      "rollup:numbers",
    ]);
    assert.equal(views.views[0].series[0].points.length, 100);
    assert.equal(views.views[0].series[1].label, "Power");
    assert.equal(views.views[1].values[1].value.toFixed(1), "69.4");
    // The route's earlier name answers the same.
    assert.deepEqual(await (await f.app.request("/api/chart/2024-01-02")).json(), views);
    assert.equal((await f.app.request("/health")).status, 200);
  } finally {
    await f.close();
  }
});

Deno.test("ui api: every day range is capped by MAX_RANGE_DAYS; impossible days are 400s", async () => {
  const f = await uiFixture({ app: { maxRangeDays: 30 } });
  try {
    const cases: [string, RegExp][] = [
      ["/api/partitions?from=0001-01-01&to=9999-12-30", /at most 30 days \(MAX_RANGE_DAYS\)/],
      ["/api/partitions?from=2023-01-01", /at most 30 days/],
      ["/api/views/0000-01-01", /not a day/],
      ["/api/chart/0000-01-01", /not a day/],
      ["/api/views/10000-01-01", /not a day/],
      ["/?day=0000-01-01", /not a day/],
      ["/?from=0001-01-01&to=9999-12-30", /at most 30 days/],
      ["/?from=2024-01-09&to=2024-01-01", /after/],
      ["/?run_status=nope", /run_status/],
      ["/day/0000-01-01", /not a day/],
    ];
    for (const [path, re] of cases) {
      const r = await f.app.request(path);
      assert.equal(r.status, 400, path);
      assert.match(await r.text(), re, path);
    }
    // Exactly the cap is fine; the default range is clipped to the newest 30 days, and says so.
    const ok = await f.app.request("/api/partitions?from=2023-12-12&to=2024-01-10");
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    assert.equal((await f.app.request("/?from=2023-12-12&to=2024-01-10")).status, 200);
  } finally {
    await f.close();
  }
});

Deno.test("ui api: POST run: 401 without auth, 202 then success, 409 while running, 400 for bad input", async () => {
  const f = await uiFixture({ runDelayMs: 150 });
  try {
    const url = "/api/partitions/ingest/2024-01-07/run";
    const before = await runCount(f);
    const tries: [Record<string, string>, number][] = [
      [{}, 401],
      [{ Authorization: "Bearer wrong" }, 401],
      // Not "Bearer <token>": hono/bearer-auth answers 400 (RFC 6750 invalid_request).
      [{ Authorization: FIXTURE_TOKEN }, 400],
    ];
    for (const [headers, status] of tries) {
      const r = await f.app.request(url, { method: "POST", headers });
      assert.equal(r.status, status, JSON.stringify(headers));
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
    const seeded = await f.app.request("/api/partitions/ingest/2024-01-05/run", {
      method: "POST",
      headers: bearer,
    });
    assert.equal(seeded.status, 409);
    await seeded.body?.cancel();

    await f.source.settle();
    const after = await (await f.app.request(
      "/api/partitions?job=ingest&from=2024-01-07&to=2024-01-07",
    )).json();
    assert.equal(after.partitions[0].state, "succeeded");
    assert.equal(after.partitions[0].rowsOut, 1152);

    for (
      const bad of [
        "ingest/2024-02-30",
        "ingest/2024-1-7",
        "ingest/2023-12-31",
        "ingest/2024-01-11",
        "ingest/0000-01-01",
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
    const post = (token: string, headers: Record<string, string> = {}) =>
      f.app.request("http://status.test/login", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams({ token }),
      });
    const same = { Origin: "http://status.test", "Sec-Fetch-Site": "same-origin" };

    const wrong = await post("nope", same);
    assert.equal(wrong.status, 303);
    assert.equal(wrong.headers.get("set-cookie"), null);
    assert.match(wrong.headers.get("location") ?? "", /notice=bad-token/);

    for (
      const headers of <Record<string, string>[]> [
        { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" },
        { Origin: "https://evil.example" },
        // No Origin and no Sec-Fetch-Site: not a browser's same-origin post.
        {},
        // Only what the connection says counts (no TRUST_PROXY): X-Forwarded-Host is ignored.
        { Origin: "https://evil.example", "X-Forwarded-Host": "evil.example" },
      ]
    ) {
      const r = await post(FIXTURE_TOKEN, headers);
      assert.equal(r.status, 403, JSON.stringify(headers));
      assert.equal(r.headers.get("set-cookie"), null);
      await r.body?.cancel();
    }

    const ok = await post(FIXTURE_TOKEN, same);
    assert.equal(ok.status, 303);
    const cookie = ok.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^windbin_session=[0-9a-f]{64};/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.doesNotMatch(cookie, /Secure/i, "plain HTTP, no proxy trusted");
    assert.ok(!cookie.includes(FIXTURE_TOKEN), "the cookie never carries the token");
    const session = cookie.split(";")[0];

    // The page knows the session: run buttons instead of "log in to run".
    const page = await (await f.app.request("http://status.test/?day=2024-01-07", {
      headers: { Cookie: session },
    })).text();
    assert.match(page, /data-run="ingest\/2024-01-07"/);
    assert.doesNotMatch(page, /log in to run</);

    // The cookie works on the JSON API too, but not cross-site.
    const xs = await f.app.request("http://status.test/api/partitions/ingest/2024-01-07/run", {
      method: "POST",
      headers: { Cookie: session, Origin: "https://evil.example" },
    });
    assert.equal(xs.status, 403);
    await xs.body?.cancel();
    const viaCookie = await f.app.request(
      "http://status.test/api/partitions/ingest/2024-01-07/run",
      { method: "POST", headers: { Cookie: session, Origin: "http://status.test" } },
    );
    assert.equal(viaCookie.status, 202);
    await viaCookie.body?.cancel();

    // The form: redirects back to the day.
    const form = await f.app.request("http://status.test/run/ingest/2024-01-08", {
      method: "POST",
      headers: { Cookie: session, "Sec-Fetch-Site": "same-origin" },
    });
    assert.equal(form.status, 303);
    assert.match(form.headers.get("location") ?? "", /day=2024-01-08.*notice=started/);

    // Logging out forgets the session server-side.
    const out = await f.app.request("http://status.test/logout", {
      method: "POST",
      headers: { Cookie: session, "Sec-Fetch-Site": "same-origin" },
    });
    assert.equal(out.status, 303);
    assert.match(out.headers.get("set-cookie") ?? "", /windbin_session=;.*Max-Age=0/i);
    const stale = await f.app.request("http://status.test/run/ingest/2024-01-10", {
      method: "POST",
      headers: { Cookie: session, "Sec-Fetch-Site": "same-origin" },
    });
    assert.equal(stale.status, 401);
    await stale.body?.cancel();
    await f.source.settle();
    assert.equal(f.source.started, 2);
  } finally {
    await f.close();
  }
});

Deno.test("ui api: with TRUST_PROXY the proxy's X-Forwarded-Host and -Proto count", async () => {
  const f = await uiFixture({ app: { trustProxy: true } });
  try {
    const r = await f.app.request("http://10.0.0.5:3000/login", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: "https://status.example",
        "X-Forwarded-Host": "status.example",
        "X-Forwarded-Proto": "https",
      },
      body: new URLSearchParams({ token: FIXTURE_TOKEN }),
    });
    assert.equal(r.status, 303);
    assert.match(r.headers.get("set-cookie") ?? "", /; Secure/i);
  } finally {
    await f.close();
  }
});

Deno.test("ui api: form POSTs without a session, or a forged one, do nothing", async () => {
  const f = await uiFixture();
  try {
    const before = await runCount(f);
    const same = { "Sec-Fetch-Site": "same-origin" };
    for (
      const [path, headers] of [
        ["/run/ingest/2024-01-07", same],
        ["/run/ingest/2024-01-07", { ...same, Cookie: "windbin_session=" + "ab".repeat(32) }],
        ["/run/ingest/2024-01-07", { ...same, Cookie: `windbin_session=${FIXTURE_TOKEN}` }],
        ["/run-all", same],
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

Deno.test("ui api: run-all says what really started: a reconcile of N, nothing, or one already running", async () => {
  const f = await uiFixture({ runDelayMs: 10 });
  try {
    f.source.reconcileRunning = true;
    const busy = await f.app.request("/api/run-all", { method: "POST", headers: bearer });
    assert.equal(busy.status, 409);
    assert.deepEqual(await busy.json(), {
      error: "busy",
      started: 0,
      message: "a reconcile is already running: nothing new started",
    });
    assert.equal(f.source.started, 0);

    f.source.reconcileRunning = false;
    const cookie = await login(f);
    const form = await f.app.request("http://status.test/run-all", {
      method: "POST",
      headers: { Cookie: cookie, "Sec-Fetch-Site": "same-origin" },
    });
    assert.equal(form.status, 303);
    const to = form.headers.get("location") ?? "";
    // ingest: 04 failed, 06 stale, 07 08 10 missing; rollup: 02 stale, 03 06 missing, 09 failed.
    assert.match(to, /notice=all-started-9$/);
    assert.equal(f.source.started, 9);
    const page = await (await f.app.request(`http://status.test${to}`, {
      headers: { Cookie: cookie },
    })).text();
    assert.match(page, /Started a reconcile of 9 missing, failed or stale partition\(s\)/);
    await f.source.settle();
  } finally {
    await f.close();
  }

  // Everything done: nothing starts, and it says so.
  const all: SeedPartition[] = [];
  for (const job of ["ingest", "rollup"]) {
    for (const day of Object.keys(FIXTURE_STATES.ingest)) {
      all.push({ job, day, status: "succeeded", rowsIn: 1, rowsOut: 1, sqlVersion: 2 });
    }
  }
  const done = await uiFixture({ seed: (db) => seedPartitions(db, all) });
  try {
    const r = await done.app.request("/api/run-all", { method: "POST", headers: bearer });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), {
      started: 0,
      message: "nothing to run: no partition is missing, failed or stale",
    });
    const cookie = await login(done);
    const form = await done.app.request("http://status.test/run-all", {
      method: "POST",
      headers: { Cookie: cookie, "Sec-Fetch-Site": "same-origin" },
    });
    assert.match(form.headers.get("location") ?? "", /notice=all-nothing$/);
    const page = await (await done.app.request("http://status.test/?notice=all-nothing", {
      headers: { Cookie: cookie },
    })).text();
    assert.match(
      page,
      /Nothing to run: no partition is missing, failed or stale\. Nothing was started\./,
    );
    assert.equal(done.source.started, 0);
  } finally {
    await done.close();
  }
});

Deno.test("ui api: runs of empty days fold into one line; past the 2,000 runs read it says so", async () => {
  const list: SeedPartition[] = [];
  const last = Temporal.PlainDate.from("2024-01-09");
  for (let i = 2004; i >= 0; i--) {
    const day = last.subtract({ days: i }).toString();
    list.push({ job: "ingest", day, status: "empty", rowsIn: 0, rowsOut: 0, sqlVersion: 2 });
  }
  list.push({ job: "rollup", day: "2024-01-09", status: "failed", error: "division by zero" });
  const f = await uiFixture({ seed: (db) => seedPartitions(db, list) });
  try {
    const page = await (await f.app.request("/")).text();
    assert.match(page, /<tr class="folded" data-folded="1999"/);
    assert.match(page, /1,999\+ empty runs/);
    // Asked for, they come one by one; the JSON API never folds.
    const empty = await (await f.app.request("/?run_status=empty")).text();
    assert.equal((empty.match(/<tr data-run-id=/g) ?? []).length, 25);
    const api = await (await f.app.request("/api/runs?limit=30")).json();
    assert.equal(api.runs.length, 30);
  } finally {
    await f.close();
  }
});

Deno.test("ui api: request bodies over 8 KiB are refused unread (413)", async () => {
  const f = await uiFixture();
  try {
    for (const path of ["/login", "/run/ingest/2024-01-07", "/api/run-all", "/logout"]) {
      const r = await f.app.request(`http://status.test${path}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Sec-Fetch-Site": "same-origin",
          ...bearer,
        },
        body: "token=" + "x".repeat(9000),
      });
      assert.equal(r.status, 413, path);
      assert.match((await r.json()).message, /limited to 8192 bytes/);
    }
    assert.equal(f.source.started, 0);
  } finally {
    await f.close();
  }
});

Deno.test("ui api: 10 failed logins in a minute from a client: 429 with Retry-After, the right token too", async () => {
  let clock = new Date("2024-01-11T08:00:00Z").getTime();
  const f = await uiFixture({ app: { now: () => new Date(clock) } });
  try {
    const post = (token: string) =>
      f.app.request("http://status.test/login", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Sec-Fetch-Site": "same-origin",
        },
        body: new URLSearchParams({ token }),
      });
    for (let i = 0; i < 10; i++) {
      const r = await post(`wrong-${i}`);
      assert.equal(r.status, 303, `attempt ${i + 1}`);
      assert.match(r.headers.get("location") ?? "", /bad-token/);
    }
    const limited = await post(FIXTURE_TOKEN);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("set-cookie"), null);
    const wait = Number(limited.headers.get("retry-after"));
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
    assert.match((await limited.json()).message, /try again in \d+ s/);
    // Wrong bearer tokens count too, and are refused the same way meanwhile.
    const api = await f.app.request("/api/run-all", { method: "POST", headers: bearer });
    assert.equal(api.status, 429);
    await api.body?.cancel();

    clock += 61_000;
    const ok = await post(FIXTURE_TOKEN);
    assert.equal(ok.status, 303);
    assert.match(ok.headers.get("location") ?? "", /logged-in/);

    for (let i = 0; i < 10; i++) {
      const r = await f.app.request("/api/run-all", {
        method: "POST",
        headers: { Authorization: `Bearer wrong-${i}` },
      });
      assert.equal(r.status, 401);
      await r.body?.cancel();
    }
    assert.equal((await post(FIXTURE_TOKEN)).status, 429);
  } finally {
    await f.close();
  }
});

Deno.test("ui api: without a login, errors show their kind and runners are hidden; with one, everything", async () => {
  const f = await uiFixture();
  try {
    const leaks = (text: string) => FIXTURE_SECRETS.filter((s) => text.includes(s));
    for (const path of ["/api/runs", "/api/partitions", "/?day=2024-01-04", "/?day=2024-01-05"]) {
      const text = await (await f.app.request(path)).text();
      assert.deepEqual(leaks(text), [], path);
    }
    const runs = (await (await f.app.request("/api/runs?status=failed")).json()).runs;
    assert.deepEqual(
      runs.map((r: { error: string }) => r.error).sort(),
      ["error", "source API answered 503"],
    );
    const page = await (await f.app.request("/?day=2024-01-04")).text();
    assert.match(page, /source API answered 503/);
    assert.match(page, /log in to see/);

    const cookie = await login(f);
    for (
      const [path, headers] of [
        ["/api/runs", bearer],
        ["/api/partitions", bearer],
        ["/?day=2024-01-05", { Cookie: cookie }],
      ] as const
    ) {
      const text = await (await f.app.request(`http://status.test${path}`, { headers })).text();
      assert.ok(leaks(text).length > 0, `${path}: logged in sees the details`);
    }
    // /health says ok or unavailable, nothing more, unless logged in.
    assert.deepEqual(await (await f.app.request("/health")).json(), { status: "ok" });
  } finally {
    await f.close();
  }
});

Deno.test("ui page: security headers (hono/secure-headers), no external assets, refresh only while running", async () => {
  const f = await uiFixture();
  try {
    const res = await f.app.request("/");
    assert.equal(res.status, 200);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'unsafe-inline'/);
    assert.match(csp, /form-action 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /script-src/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.equal(res.headers.get("referrer-policy"), "same-origin");
    assert.equal(res.headers.get("cross-origin-opener-policy"), "same-origin");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(res.headers.get("strict-transport-security"), null);
    const page = await res.text();
    assert.match(page, /^<!DOCTYPE html>/);
    assert.doesNotMatch(page, /(src|href)="(https?:)?\/\//, "nothing from elsewhere");
    assert.doesNotMatch(page, /<script/);
    assert.match(page, /http-equiv="refresh"/, "ingest 2024-01-05 is running");
    // The newest day with data of a job without upstream is the default day.
    assert.match(page, /<h2>2024-01-09/);
    assert.equal((await f.app.request("/?day=2024-13-01")).status, 400);
    // Error answers carry the headers too.
    const bad = await f.app.request("/api/runs?limit=0");
    assert.equal(bad.headers.get("x-frame-options"), "DENY");
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
    await f.db.query(
      "UPDATE partitions SET error = $1 WHERE job = 'ingest' AND day = '2024-01-04'",
      [evil],
    );
    await f.db.query(
      "UPDATE runs SET error = $1, runner = $1 WHERE job = 'ingest' AND day = '2024-01-04'",
      [evil],
    );
    const page = await (await f.app.request("/?day=2024-01-04", { headers: bearer })).text();
    assert.ok(!page.includes("<img"), "no markup from data");
    assert.match(page, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt; &amp; &quot;quotes&quot;/);
  } finally {
    await f.close();
  }
});

Deno.test("ui app: a source that is unavailable is a 503 with Retry-After; another failure a 500 without its message", async () => {
  const down = () =>
    Promise.reject(
      new UnavailableError(
        "the runner's database is unreachable",
        "connect ECONNREFUSED 10.9.9.9:5432",
      ),
    );
  const source: StatusSource = {
    jobs: () => [{ name: "ingest", firstDay: "2024-01-01", upstream: [] }],
    partitions: down,
    runs: down,
    views: down,
    turbineRuns: down,
    trigger: down,
    triggerAll: down,
  };
  const orig = console.error;
  console.error = () => {};
  try {
    const app = createStatusApp({ source, token: FIXTURE_TOKEN, metrics: createMetrics() });
    const health = await app.request("/health");
    assert.equal(health.status, 503);
    assert.equal(health.headers.get("retry-after"), "5");
    assert.deepEqual(await health.json(), { status: "unavailable" });
    const day = await app.request("/day/2024-01-02");
    assert.equal(day.status, 302);
    assert.equal(day.headers.get("location"), "/?day=2024-01-02#day");
    for (
      const [method, path] of [
        ["GET", "/"],
        ["GET", "/api/runs"],
        ["GET", "/api/partitions"],
        ["GET", "/api/turbines"],
        [
          "GET",
          "/api/views/2024-01-02",
        ],
        ["POST", "/api/run-all"],
        ["POST", "/api/partitions/ingest/2024-01-02/run"],
      ]
    ) {
      const r = await app.request(path, { method, headers: bearer });
      assert.equal(r.status, 503, `${method} ${path}`);
      assert.equal(r.headers.get("retry-after"), "5");
      const text = await r.text();
      assert.match(text, /database is unreachable/);
      assert.doesNotMatch(text, /10\.9\.9\.9/);
    }
    const metrics = await app.request("/metrics");
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /^windbin_partitions_scrape_ok 0$/m);
    assert.doesNotMatch(text, /^windbin_partitions\{/m);

    const broken = createStatusApp({
      source: { ...source, runs: () => Promise.reject(new Error("boom at 10.9.9.9")) },
      token: FIXTURE_TOKEN,
      metrics: createMetrics(),
    });
    const r = await broken.request("/api/runs");
    assert.equal(r.status, 500);
    assert.doesNotMatch(await r.text(), /10\.9\.9\.9/);
  } finally {
    console.error = orig;
  }
  assert.throws(() => createStatusApp({ source, token: "", metrics: createMetrics() }), /token/);
});
