/**
 * The status page and ops API of the runner (issue 9), as a Hono app:
 *
 * - `GET /`: partition grid, a day's details and chart (`?day=`), recent runs, run buttons;
 * - `GET /api/partitions?job&from&to`, `GET /api/runs?limit`, `GET /api/chart/:day`;
 * - `POST /api/partitions/:job/:day/run`, `POST /api/run-all` (bearer token or session);
 * - `POST /login`, `POST /logout`, `POST /run/:job/:day`, `POST /run-all` (the page's forms);
 * - `GET /health`, `GET /metrics`.
 *
 * It reads and triggers only through a `StatusSource`; it names no job.
 */
import { type Context, Hono } from "hono";
import { html } from "hono/html";
import { compress } from "hono/compress";
import type { PartitionView, StatusSource, TriggerResult } from "../jobs/core/port.ts";
import type { Metrics } from "./metrics.ts";
import { bearer, sameOrigin, sameSecret, Sessions } from "./auth.ts";
import { isDay, yesterdayOf } from "./format.ts";
import { Page, type PageModel } from "./page.tsx";

export interface StatusAppOptions {
  source: StatusSource;
  /** The token that allows running partitions (login form, or `Authorization: Bearer`). */
  token: string;
  now?: () => Date;
  metrics: Metrics;
  /** Seconds between reloads of the page while a partition runs (default 3). */
  refreshSeconds?: number;
  /** Rows of the recent runs table (default 25). */
  runsOnPage?: number;
}

const CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

const NOTICES: Record<string, PageModel["notice"]> = {
  "bad-token": { kind: "error", text: "Wrong token: not logged in." },
  "logged-in": { kind: "ok", text: "Logged in: the run buttons are enabled." },
  "logged-out": { kind: "ok", text: "Logged out." },
  "started": { kind: "ok", text: "Run started." },
  "busy": { kind: "warn", text: "That partition is being run already: nothing new was started." },
  "bad": { kind: "error", text: "Refused: not a day that can be run for that job." },
  "planned-0": { kind: "ok", text: "Nothing to run: no partition is missing, failed or stale." },
};

class HttpError extends Error {
  constructor(readonly status: 400 | 401 | 403 | 404, message: string) {
    super(message);
  }
}

export function createStatusApp(opts: StatusAppOptions): Hono {
  const { source, metrics } = opts;
  if (!opts.token) throw new Error("createStatusApp: a non-empty token is required");
  const now = opts.now ?? (() => new Date());
  const sessions = new Sessions(now);
  const refresh = opts.refreshSeconds ?? 3;
  metrics.setPartitionSource(() => source.partitions({}));

  const jobNames = () => new Set(source.jobs().map((j) => j.name));

  /** 400 unless `job` is known and `day` a real day between its first day and yesterday. */
  function checkRunnable(job: string, day: string): string | null {
    const j = source.jobs().find((x) => x.name === job);
    if (!j) return `unknown job ${JSON.stringify(job)}`;
    if (!isDay(day)) return `${JSON.stringify(day)} is not a day (YYYY-MM-DD)`;
    if (j.firstDay && day < j.firstDay) {
      return `${day} is before the first day of ${job} (${j.firstDay})`;
    }
    const last = yesterdayOf(now());
    if (day > last) return `${day} is not over yet (the newest day that can run is ${last})`;
    return null;
  }

  async function authorised(c: Context): Promise<boolean> {
    const b = bearer(c);
    if (b !== undefined) return await sameSecret(b, opts.token);
    return sessions.fromCookie(c) && sameOrigin(c);
  }

  const app = new Hono();
  app.use("*", metrics.middleware());
  // The grid of a few years is ~0.5 MB of HTML, reloaded while runs are in flight: gzip it.
  app.use("*", compress());
  app.use("*", async (c, next) => {
    await next();
    c.header("Content-Security-Policy", CSP);
    c.header("X-Content-Type-Options", "nosniff");
    c.header("X-Frame-Options", "DENY");
    // Not "no-referrer": with it, browsers send `Origin: null` on form posts.
    c.header("Referrer-Policy", "same-origin");
    c.header("Cross-Origin-Opener-Policy", "same-origin");
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  });

  app.onError((err, c) => {
    if (err instanceof HttpError) {
      return c.json({
        error: err.status === 401 ? "unauthorized" : "bad_request",
        message: err.message,
      }, err.status);
    }
    console.error("status app:", err);
    return c.json({ error: "internal", message: "internal error (see the runner's log)" }, 500);
  });
  app.notFound((c) =>
    c.json({ error: "not_found", message: `no route ${c.req.method} ${c.req.path}` }, 404)
  );

  app.get("/health", async (c) => {
    try {
      await source.runs(1);
      return c.json({ status: "ok" });
    } catch (e) {
      return c.json({ status: "unavailable", message: (e as Error).message }, 503);
    }
  });

  app.get("/metrics", async (c) => {
    const { body, contentType } = await metrics.render();
    return c.body(body, 200, { "Content-Type": contentType });
  });

  // ---- JSON ----------------------------------------------------------------

  function partitionQuery(c: Context) {
    const q: { job?: string; from?: string; to?: string } = {};
    for (const k of Object.keys(c.req.queries())) {
      if (k !== "job" && k !== "from" && k !== "to") {
        throw new HttpError(400, `unknown parameter ${JSON.stringify(k)}`);
      }
    }
    const job = c.req.query("job"), from = c.req.query("from"), to = c.req.query("to");
    if (job !== undefined) {
      if (!jobNames().has(job)) throw new HttpError(400, `unknown job ${JSON.stringify(job)}`);
      q.job = job;
    }
    for (const [k, v] of [["from", from], ["to", to]] as const) {
      if (v === undefined) continue;
      if (!isDay(v)) {
        throw new HttpError(400, `${k}: ${JSON.stringify(v)} is not a day (YYYY-MM-DD)`);
      }
      q[k] = v;
    }
    if (q.from && q.to && q.from > q.to) {
      throw new HttpError(400, `from ${q.from} is after to ${q.to}`);
    }
    return q;
  }

  app.get("/api/partitions", async (c) => {
    const partitions = await source.partitions(partitionQuery(c));
    const counts: Record<string, Record<string, number>> = {};
    for (const p of partitions) {
      counts[p.job] ??= {};
      counts[p.job][p.state] = (counts[p.job][p.state] ?? 0) + 1;
    }
    return c.json({ partitions, counts });
  });

  app.get("/api/runs", async (c) => {
    const raw = c.req.query("limit") ?? "50";
    if (!/^\d{1,4}$/.test(raw) || +raw < 1 || +raw > 1000) {
      throw new HttpError(
        400,
        `limit: ${JSON.stringify(raw)} is not a whole number from 1 to 1000`,
      );
    }
    return c.json({ runs: await source.runs(+raw) });
  });

  app.get("/api/chart/:day", async (c) => {
    const day = c.req.param("day");
    if (!isDay(day)) throw new HttpError(400, `${JSON.stringify(day)} is not a day (YYYY-MM-DD)`);
    return c.json(await source.chart(day));
  });

  function triggerJson(c: Context, r: TriggerResult) {
    switch (r.kind) {
      case "started":
        return c.json({ runId: r.runId }, 202);
      case "busy":
        return c.json(
          { error: "busy", message: "the partition is being run", runId: r.runId },
          409,
        );
      case "bad":
        return c.json({ error: "bad_request", message: r.message }, 400);
    }
  }

  app.post("/api/partitions/:job/:day/run", async (c) => {
    if (!(await authorised(c))) {
      c.header("WWW-Authenticate", 'Bearer realm="windbin"');
      throw new HttpError(
        401,
        "needs Authorization: Bearer <token> or a session (log in on the status page)",
      );
    }
    const { job, day } = c.req.param();
    const bad = checkRunnable(job, day);
    if (bad) throw new HttpError(400, bad);
    return triggerJson(c, await source.trigger(job, day));
  });

  app.post("/api/run-all", async (c) => {
    if (!(await authorised(c))) {
      c.header("WWW-Authenticate", 'Bearer realm="windbin"');
      throw new HttpError(
        401,
        "needs Authorization: Bearer <token> or a session (log in on the status page)",
      );
    }
    return c.json(await source.triggerAll(), 202);
  });

  // ---- the page and its forms ---------------------------------------------------

  const back = (c: Context, notice: string, day?: string) => {
    const q = new URLSearchParams();
    if (day) q.set("day", day);
    q.set("notice", notice);
    return c.redirect(`/?${q}${day ? "#day" : ""}`, 303);
  };

  /** Forms: refused cross-site posts and posts without a session do nothing. */
  const formGuard = (c: Context): Response | null => {
    if (!sameOrigin(c)) return c.text("cross-site request refused", 403);
    if (!sessions.fromCookie(c)) return c.text("log in with the token first: nothing was run", 401);
    return null;
  };

  app.post("/login", async (c) => {
    if (!sameOrigin(c)) return c.text("cross-site request refused", 403);
    const body = await c.req.parseBody();
    const token = typeof body.token === "string" ? body.token : "";
    // Back to the day the form was on.
    const day = typeof body.day === "string" && isDay(body.day) ? body.day : undefined;
    if (!token || !(await sameSecret(token, opts.token))) return back(c, "bad-token", day);
    sessions.login(c);
    return back(c, "logged-in", day);
  });

  app.post("/logout", (c) => {
    if (!sameOrigin(c)) return c.text("cross-site request refused", 403);
    sessions.logout(c);
    return back(c, "logged-out");
  });

  app.post("/run/:job/:day", async (c) => {
    const refused = formGuard(c);
    if (refused) return refused;
    const { job, day } = c.req.param();
    if (checkRunnable(job, day)) return back(c, "bad", isDay(day) ? day : undefined);
    const r = await source.trigger(job, day);
    return back(c, r.kind, day);
  });

  app.post("/run-all", async (c) => {
    const refused = formGuard(c);
    if (refused) return refused;
    const { planned } = await source.triggerAll();
    return back(c, `planned-${planned}`);
  });

  app.get("/day/:day", (c) => {
    const day = c.req.param("day");
    return isDay(day) ? c.redirect(`/?day=${day}#day`, 302) : c.text("not a day", 400);
  });

  app.get("/", async (c) => {
    const asked = c.req.query("day");
    if (asked !== undefined && !isDay(asked)) {
      return c.text(`day: ${JSON.stringify(asked)} is not a day (YYYY-MM-DD)`, 400);
    }
    const jobs = source.jobs();
    const [partitions, runs] = await Promise.all([
      source.partitions({}),
      source.runs(opts.runsOnPage ?? 25),
    ]);
    const day = asked ?? newestDataDay(partitions, jobs);
    const chart = day ? await source.chart(day) : null;
    const code = c.req.query("notice") ?? "";
    let notice = NOTICES[code] ?? null;
    const planned = /^planned-(\d{1,6})$/.exec(code);
    if (planned && +planned[1] > 0) {
      notice = { kind: "ok", text: `Started: ${planned[1]} partition(s) planned.` };
    }
    const running = partitions.some((p) => p.state === "running") ||
      runs.some((r) => r.status === "running");
    const model: PageModel = {
      jobs,
      partitions,
      runs,
      day,
      chart,
      authed: sessions.fromCookie(c),
      notice,
      refresh: running ? { seconds: refresh, url: refreshUrl(c.req.url) } : null,
      now: now(),
    };
    return c.html(html`<!DOCTYPE html>${<Page {...model} />}`);
  });

  return app;
}

/**
 * Where the page reloads to while runs are in flight: itself without the one-off notice,
 * and without a #fragment (a refresh to a URL with one is a same-document navigation,
 * which does not reload).
 */
function refreshUrl(url: string): string {
  const u = new URL(url);
  u.searchParams.delete("notice");
  return u.pathname + u.search;
}

/** The newest day on which a job fed by the source (no upstream) has data. */
export function newestDataDay(
  partitions: PartitionView[],
  jobs: { name: string; upstream: string[] }[],
): string | null {
  const roots = new Set(jobs.filter((j) => j.upstream.length === 0).map((j) => j.name));
  let best: string | null = null;
  for (const p of partitions) {
    if (!roots.has(p.job) || (p.state !== "succeeded" && p.state !== "stale")) continue;
    if (p.rowsOut === 0) continue;
    if (best === null || p.day > best) best = p.day;
  }
  return best;
}
