/**
 * The status page and ops API of the runner, as a Hono app:
 *
 * - `GET /`: the partitions (a compact overview per year, month calendars of a chosen range),
 *   a turbine x day completeness heatmap, a day's details and the views its jobs declare for
 *   the farm or one turbine (`?day=&turbine=`), recent runs, run buttons;
 * - `GET /api/partitions?job&from&to`, `GET /api/turbines?from&to`, `GET /api/runs?limit&job&status`,
 *   `GET /api/views/:day?turbine`;
 * - `POST /api/partitions/:job/:day/run`, `POST /api/run-all` (bearer token or session);
 * - `POST /login`, `POST /logout`, `POST /run/:job/:day`, `POST /run-all` (the page's forms);
 * - `/api/cli/...`: the CLI's `etl` and `status` run in this process (cli_routes.ts; bearer token);
 * - `GET /health`, `GET /metrics`.
 *
 * It reads and triggers only through a `StatusSource`; it names no job. Every
 * day range is capped (`maxRangeDays`), request bodies too; a database that
 * cannot serve is a 503 with Retry-After; without a login, errors show their
 * kind only.
 */
import { type Context, Hono } from "hono";
import { cliRoutes } from "./cli_routes.ts";
import { html } from "hono/html";
import { compress } from "hono/compress";
import { secureHeaders } from "hono/secure-headers";
import { csrf } from "hono/csrf";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { timingSafeEqual } from "hono/utils/buffer";
import type { MiddlewareHandler } from "hono";
import {
  type CommandPort,
  type PartitionView,
  RUN_STATUSES,
  type RunView,
  type StatusSource,
  type TriggerAllResult,
  type TriggerResult,
  UnavailableError,
} from "../jobs/core/port.ts";
import { isConnectionError } from "../db/errors.ts";
import type { Metrics } from "./metrics.ts";
import { requestOrigin, Sessions, Throttle } from "./auth.ts";
import { addDays, dayCount, isDay, monthEnd, monthStart, yesterdayOf } from "./format.ts";
import { Page, type PageModel } from "./page.tsx";
import { publicPartition, publicRun, publicRunEntry, publicView } from "./redact.ts";

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
  /** The longest day range any route or the page serves (MAX_RANGE_DAYS, default 3,660). */
  maxRangeDays?: number;
  /** Behind a reverse proxy: trust its X-Forwarded-Host/-Proto/-For (TRUST_PROXY). */
  trustProxy?: boolean;
  /** Failed logins (or wrong tokens) per client per minute before 429 (default 10). */
  loginFailuresPerMinute?: number;
  /** Runs the CLI's commands here (/api/cli): the process that holds the embedded target. */
  commands?: CommandPort;
}

/** Login and form bodies are a few fields: anything bigger is refused unread (413). */
export const MAX_BODY_BYTES = 8 * 1024;
/** The longest turbine name a request may name. */
const MAX_TURBINE_CHARS = 200;
/** What a 503 asks clients to wait before trying again (seconds). */
export const RETRY_AFTER_SECONDS = 5;

const NOTICES: Record<string, PageModel["notice"]> = {
  "bad-token": { kind: "error", text: "Wrong token: not logged in." },
  "logged-in": { kind: "ok", text: "Logged in: the run buttons are enabled." },
  "logged-out": { kind: "ok", text: "Logged out." },
  "started": { kind: "ok", text: "Run started." },
  "busy": { kind: "warn", text: "That partition is being run already: nothing new was started." },
  "refused": {
    kind: "warn",
    text: "Not run: an upstream partition of that day has not succeeded (see the day's details).",
  },
  "bad": { kind: "error", text: "Refused: not a day that can be run for that job." },
  "all-nothing": {
    kind: "ok",
    text: "Nothing to run: no partition is missing, failed or stale. Nothing was started.",
  },
  "all-busy": {
    kind: "warn",
    text: "A reconcile is already running: nothing new was started. This page shows its progress.",
  },
};

class HttpError extends Error {
  constructor(readonly status: 400 | 401 | 403 | 404 | 409, message: string) {
    super(message);
  }
}

type Env = { Variables: { authed: boolean; bearer: boolean } };

export function createStatusApp(opts: StatusAppOptions): Hono<Env> {
  const { source, metrics } = opts;
  if (!opts.token) throw new Error("createStatusApp: a non-empty token is required");
  const now = opts.now ?? (() => new Date());
  const cap = opts.maxRangeDays ?? 3660;
  const sessions = new Sessions(now);
  const throttle = new Throttle(opts.loginFailuresPerMinute ?? 10, 60_000, () => now().getTime());
  const origin = requestOrigin(opts.trustProxy ?? false);
  const refresh = opts.refreshSeconds ?? 3;

  const jobs = () => source.jobs();
  const earliest = (to: string) =>
    jobs().reduce((m, j) => j.firstDay !== null && j.firstDay < m ? j.firstDay : m, to);
  /** The default range: each job from its first day to yesterday, the newest `cap` days at most. */
  const defaultRange = () => {
    const to = yesterdayOf(now());
    const capped = addDays(to, -(cap - 1));
    const first = earliest(to);
    return { from: first > capped ? first : capped, to, clipped: first < capped };
  };
  metrics.setPartitionSource(() => source.partitions(defaultRange()));

  /** 400 unless `job` is known and `day` a real day between its first day and yesterday. */
  function checkRunnable(job: string, day: string): string | null {
    const j = jobs().find((x) => x.name === job);
    if (!j) return `unknown job ${JSON.stringify(job)}`;
    if (!isDay(day)) return `${JSON.stringify(day)} is not a day (YYYY-MM-DD, from 0001-01-01)`;
    if (j.firstDay && day < j.firstDay) {
      return `${day} is before the first day of ${job} (${j.firstDay})`;
    }
    const last = yesterdayOf(now());
    if (day > last) return `${day} is not over yet (the newest day that can run is ${last})`;
    return null;
  }

  function checkRange(from: string, to: string): void {
    if (from > to) throw new HttpError(400, `from ${from} is after to ${to}`);
    const n = dayCount(from, to);
    if (n > cap) {
      throw new HttpError(
        400,
        `the range ${from} .. ${to} is ${n} days; at most ${cap} days (MAX_RANGE_DAYS) per request`,
      );
    }
  }

  const app = new Hono<Env>();
  app.use("*", metrics.middleware());
  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      xFrameOptions: "DENY",
      // Not "no-referrer": with it, browsers send `Origin: null` on form posts.
      referrerPolicy: "same-origin",
      // Whether the page is reached over HTTPS is the proxy's business.
      strictTransportSecurity: false,
    }),
  );
  app.use("*", async (c, next) => {
    await next();
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  });
  // A grid of years is a few hundred KB of HTML, reloaded while runs are in flight: gzip it.
  app.use("*", compress());
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json({
          error: "payload_too_large",
          message: `request bodies are limited to ${MAX_BODY_BYTES} bytes: nothing was read`,
        }, 413),
    }),
  );

  const tooMany = (c: Context, seconds: number) => {
    c.header("Retry-After", String(seconds));
    return c.json({
      error: "too_many_attempts",
      message: `too many failed logins from this client: try again in ${seconds} s`,
    }, 429);
  };

  // Who is asking: a bearer token (hono/bearer-auth: 401/400 when wrong) or the session cookie.
  const bearer = bearerAuth({
    realm: "windbin",
    verifyToken: async (token, c) => {
      const ok = await timingSafeEqual(token, opts.token);
      if (!ok) throttle.fail(origin.client(c));
      return ok;
    },
    noAuthenticationHeader: { message: unauthorized("no bearer token") },
    invalidAuthenticationHeader: {
      message: { error: "bad_request", message: "Authorization must be `Bearer <token>`" },
    },
    invalidToken: { message: unauthorized("wrong token") },
  });
  app.use("*", async (c, next) => {
    if (c.req.header("authorization") === undefined) {
      c.set("authed", sessions.fromCookie(c));
      c.set("bearer", false);
      return await next();
    }
    const wait = throttle.retryAfter(origin.client(c));
    if (wait) return tooMany(c, wait);
    await bearer(c as unknown as Context, async () => {
      c.set("authed", true);
      c.set("bearer", true);
      await next();
    });
  });

  // Cookie-authenticated posts must come from the page itself (hono/csrf: Sec-Fetch-Site, Origin).
  const checkCsrf = csrf({
    origin: (o, c) => {
      try {
        return new URL(o).host === origin.host(c);
      } catch {
        return false;
      }
    },
  });
  const sameSite: MiddlewareHandler<Env> = async (c, next) => {
    if (c.get("bearer")) return await next();
    try {
      await checkCsrf(c, () => Promise.resolve());
    } catch (e) {
      if (e instanceof HTTPException && e.status === 403) {
        return c.text("cross-site request refused: nothing was done", 403);
      }
      throw e;
    }
    await next();
  };
  const needsAuth: MiddlewareHandler<Env> = async (c, next) => {
    if (!c.get("authed")) {
      c.header("WWW-Authenticate", 'Bearer realm="windbin"');
      throw new HttpError(
        401,
        "needs Authorization: Bearer <token> or a session (log in on the status page)",
      );
    }
    await next();
  };

  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    if (err instanceof HttpError) {
      return c.json({
        error: err.status === 401
          ? "unauthorized"
          : err.status === 409
          ? "conflict"
          : "bad_request",
        message: err.message,
      }, err.status);
    }
    if (err instanceof UnavailableError || isConnectionError(err)) {
      const kind = err instanceof UnavailableError
        ? err.kind
        : "the runner's database is unreachable";
      console.error(`status app: ${kind}: ${err.message}`);
      c.header("Retry-After", String(RETRY_AFTER_SECONDS));
      if (c.req.path.startsWith("/api/") || c.req.path === "/health") {
        return c.json({
          error: "unavailable",
          message: `${kind}; try again in ${RETRY_AFTER_SECONDS} s`,
        }, 503);
      }
      return c.html(unavailablePage(kind), 503);
    }
    console.error("status app:", err);
    return c.json({ error: "internal", message: "internal error (see the runner's log)" }, 500);
  });
  app.notFound((c) =>
    c.json({ error: "not_found", message: `no route ${c.req.method} ${c.req.path}` }, 404)
  );

  app.get("/health", async (c) => {
    try {
      await source.runs({ limit: 1 });
      return c.json({ status: "ok" });
    } catch (e) {
      c.header("Retry-After", String(RETRY_AFTER_SECONDS));
      return c.json(
        c.get("authed")
          ? { status: "unavailable", message: (e as Error).message }
          : { status: "unavailable" },
        503,
      );
    }
  });

  app.get("/metrics", async (c) => {
    const { body, contentType } = await metrics.render();
    return c.body(body, 200, { "Content-Type": contentType });
  });

  // ---- JSON ----------------------------------------------------------------

  function onlyParams(c: Context, allowed: string[]) {
    for (const k of Object.keys(c.req.queries())) {
      if (!allowed.includes(k)) throw new HttpError(400, `unknown parameter ${JSON.stringify(k)}`);
    }
  }

  function dayParam(name: string, v: string): string {
    if (!isDay(v)) {
      throw new HttpError(
        400,
        `${name}: ${
          JSON.stringify(v.slice(0, 40))
        } is not a day (YYYY-MM-DD, 0001-01-01 .. 9999-12-31)`,
      );
    }
    return v;
  }

  /** A turbine's name as the source gives it; absent: the whole farm (null). */
  function turbineParam(v: string | undefined): string | null {
    if (v === undefined) return null;
    if (!v || v.length > MAX_TURBINE_CHARS) {
      throw new HttpError(
        400,
        `turbine: a turbine's name, 1 to ${MAX_TURBINE_CHARS} characters (absent: the farm)`,
      );
    }
    return v;
  }

  function jobParam(v: string): string {
    if (!jobs().some((j) => j.name === v)) {
      throw new HttpError(400, `unknown job ${JSON.stringify(v.slice(0, 40))}`);
    }
    return v;
  }

  const redactPartitions = (c: Context, ps: PartitionView[]) =>
    c.get("authed") ? ps : ps.map(publicPartition);

  /** `from`/`to` of a JSON route: defaulted to the newest `cap` days up to yesterday, checked. */
  function rangeParams(q: Record<string, string>): { from: string; to: string } {
    const dflt = defaultRange();
    const to = q.to === undefined ? dflt.to : dayParam("to", q.to);
    let from: string;
    if (q.from !== undefined) from = dayParam("from", q.from);
    else {
      // Defaulted: the newest `cap` days up to `to`, from the first job's first day.
      const capped = addDays(to, -(cap - 1));
      const first = earliest(to);
      from = first > capped ? first : capped;
      if (from > to) from = to;
    }
    checkRange(from, to);
    return { from, to };
  }

  app.get("/api/partitions", async (c) => {
    onlyParams(c, ["job", "from", "to"]);
    const q = c.req.query();
    const job = q.job === undefined ? undefined : jobParam(q.job);
    const { from, to } = rangeParams(q);
    const partitions = redactPartitions(c, await source.partitions({ job, from, to }));
    const counts: Record<string, Record<string, number>> = {};
    for (const p of partitions) {
      counts[p.job] ??= {};
      counts[p.job][p.state] = (counts[p.job][p.state] ?? 0) + 1;
    }
    return c.json({ from, to, partitions, counts });
  });

  app.get("/api/runs", async (c) => {
    onlyParams(c, ["limit", "job", "status"]);
    const raw = c.req.query("limit") ?? "50";
    if (!/^\d{1,4}$/.test(raw) || +raw < 1 || +raw > 1000) {
      throw new HttpError(
        400,
        `limit: ${JSON.stringify(raw.slice(0, 40))} is not a whole number from 1 to 1000`,
      );
    }
    const job = c.req.query("job");
    const status = c.req.query("status");
    if (status !== undefined && !RUN_STATUSES.includes(status as RunView["status"])) {
      throw new HttpError(400, `status: must be one of ${RUN_STATUSES.join(", ")}`);
    }
    const entries = await source.runs({
      limit: +raw,
      job: job === undefined ? undefined : jobParam(job),
      status: status as RunView["status"] | undefined,
    });
    const runs = entries.flatMap((e) => e.kind === "run" ? [e.run] : []);
    return c.json({ runs: c.get("authed") ? runs : runs.map(publicRun) });
  });

  /** Turbine x day completeness: runs of consecutive days in one class per job and turbine. */
  app.get("/api/turbines", async (c) => {
    onlyParams(c, ["from", "to"]);
    const { from, to } = rangeParams(c.req.query());
    const { runs } = await source.turbineRuns({ from, to, day: null });
    return c.json({ from, to, runs });
  });

  const viewsRoute = async (c: Context<Env>) => {
    onlyParams(c, ["turbine"]);
    const day = dayParam("day", c.req.param("day") ?? "");
    const turbine = turbineParam(c.req.query("turbine"));
    const views = await source.views(day, turbine);
    return c.json({
      day,
      turbine,
      views: c.get("authed") ? views : views.map(publicView),
    });
  };
  app.get("/api/views/:day", viewsRoute);
  // The route's earlier name.
  app.get("/api/chart/:day", viewsRoute);

  function triggerJson(c: Context, r: TriggerResult) {
    switch (r.kind) {
      case "started":
        return c.json({ runId: r.runId }, 202);
      case "busy":
        return c.json(
          { error: "busy", message: "the partition is being run", runId: r.runId },
          409,
        );
      case "refused":
        return c.json({ error: "refused", message: r.message }, 409);
      case "bad":
        return c.json({ error: "bad_request", message: r.message }, 400);
    }
  }

  function triggerAllJson(c: Context, r: TriggerAllResult) {
    switch (r.kind) {
      case "started":
        return c.json({
          started: r.partitions,
          message: `started a reconcile of ${r.partitions} partition(s)`,
        }, 202);
      case "nothing":
        return c.json({
          started: 0,
          message: "nothing to run: no partition is missing, failed or stale",
        });
      case "busy":
        return c.json({ error: "busy", started: 0, message: r.message }, 409);
    }
  }

  app.post("/api/partitions/:job/:day/run", needsAuth, sameSite, async (c) => {
    const { job, day } = c.req.param();
    const bad = checkRunnable(job, day);
    if (bad) throw new HttpError(400, bad);
    return triggerJson(c, await source.trigger(job, day));
  });

  app.post("/api/run-all", needsAuth, sameSite, async (c) => {
    return triggerAllJson(c, await source.triggerAll());
  });

  if (opts.commands) app.route("/api/cli", cliRoutes(opts.commands));

  // ---- the page and its forms ---------------------------------------------------

  const back = (c: Context, notice: string, day?: string) => {
    const q = new URLSearchParams();
    if (day) q.set("day", day);
    q.set("notice", notice);
    return c.redirect(`/?${q}${day ? "#day" : ""}`, 303);
  };

  /** Forms: without a session they do nothing (401). */
  const formSession: MiddlewareHandler<Env> = async (c, next) => {
    if (!c.get("authed")) return c.text("log in with the token first: nothing was run", 401);
    return await next();
  };

  app.post("/login", sameSite, async (c) => {
    const client = origin.client(c);
    const wait = throttle.retryAfter(client);
    if (wait) return tooMany(c, wait);
    const body = await c.req.parseBody();
    const token = typeof body.token === "string" ? body.token : "";
    // Back to the day the form was on.
    const day = typeof body.day === "string" && isDay(body.day) ? body.day : undefined;
    if (!token || !(await timingSafeEqual(token, opts.token))) {
      throttle.fail(client);
      return back(c, "bad-token", day);
    }
    throttle.reset(client);
    sessions.login(c, origin.https(c));
    return back(c, "logged-in", day);
  });

  app.post("/logout", sameSite, (c) => {
    sessions.logout(c, origin.https(c));
    return back(c, "logged-out");
  });

  app.post("/run/:job/:day", formSession, sameSite, async (c) => {
    const { job, day } = c.req.param();
    if (checkRunnable(job, day)) return back(c, "bad", isDay(day) ? day : undefined);
    const r = await source.trigger(job, day);
    return back(c, r.kind, day);
  });

  app.post("/run-all", formSession, sameSite, async (c) => {
    const r = await source.triggerAll();
    return back(c, r.kind === "started" ? `all-started-${r.partitions}` : `all-${r.kind}`);
  });

  app.get("/day/:day", (c) => {
    const day = c.req.param("day");
    return isDay(day) ? c.redirect(`/?day=${day}#day`, 302) : c.text("not a day", 400);
  });

  const pageError = (c: Context, message: string) =>
    c.text(`${message}\n`, 400, { "Content-Type": "text/plain; charset=utf-8" });

  app.get("/", async (c) => {
    const q = c.req.query();
    const yesterday = yesterdayOf(now());
    for (const k of ["day", "from", "to"] as const) {
      if (q[k] !== undefined && !isDay(q[k])) {
        return pageError(
          c,
          `${k}: ${
            JSON.stringify(q[k].slice(0, 40))
          } is not a day (YYYY-MM-DD, 0001-01-01 .. 9999-12-31)`,
        );
      }
    }
    const runJob = q.run_job || undefined;
    const runStatus = q.run_status || undefined;
    if (runJob !== undefined && !jobs().some((j) => j.name === runJob)) {
      return pageError(c, `run_job: unknown job ${JSON.stringify(runJob.slice(0, 40))}`);
    }
    if (runStatus !== undefined && !RUN_STATUSES.includes(runStatus as RunView["status"])) {
      return pageError(c, `run_status: must be one of ${RUN_STATUSES.join(", ")}`);
    }
    const overview = defaultRange();
    // The month calendars: the range asked for, else the three months up to yesterday (or
    // up to the chosen day, when that is older).
    const explicit = q.from !== undefined || q.to !== undefined;
    let from: string, to: string;
    if (explicit) {
      to = q.to ?? yesterday;
      from = q.from ?? monthStart(to, -2);
    } else {
      const recent = monthStart(yesterday, -2);
      const anchor = q.day && q.day < recent ? q.day : yesterday;
      from = monthStart(anchor, -2);
      to = anchor === yesterday ? yesterday : monthEnd(anchor);
    }
    try {
      checkRange(from, to);
    } catch (e) {
      if (e instanceof HttpError) return pageError(c, e.message);
      throw e;
    }
    const day0 = q.day ?? null;
    const inOverview = (f: string, t: string) => f >= overview.from && t <= overview.to;
    const hasDays = overview.from <= overview.to;
    const [all, runs] = await Promise.all([
      hasDays ? source.partitions({ from: overview.from, to: overview.to }) : Promise.resolve([]),
      source.runs({
        limit: opts.runsOnPage ?? 25,
        job: runJob,
        status: runStatus as RunView["status"] | undefined,
        foldEmpty: runStatus !== "empty",
      }),
    ]);
    const within = (ps: PartitionView[], f: string, t: string) =>
      ps.filter((p) => p.day >= f && p.day <= t);
    const calendarPartitions = inOverview(from, to) || to < from
      ? within(all, from, to)
      : await source.partitions({ from, to });
    const day = day0 ?? newestDataDay(all, jobs());
    const dayPartitions = day === null
      ? []
      : inOverview(day, day)
      ? within(all, day, day)
      : day <= yesterday
      ? await source.partitions({ from: day, to: day })
      : [];
    let turbine: string | null;
    try {
      turbine = turbineParam(q.turbine);
    } catch (e) {
      if (e instanceof HttpError) return pageError(c, e.message);
      throw e;
    }
    const [views, turbineRuns] = await Promise.all([
      day ? source.views(day, turbine) : null,
      source.turbineRuns({ from, to, day }),
    ]);
    const authed = c.get("authed");
    const code = c.req.query("notice") ?? "";
    let notice = NOTICES[code] ?? null;
    const started = /^all-started-(\d{1,7})$/.exec(code);
    if (started) {
      notice = {
        kind: "ok",
        text: `Started a reconcile of ${started[1]} missing, failed or stale partition(s).`,
      };
    }
    const running = all.some((p) => p.state === "running") ||
      runs.some((r) => r.kind === "run" && r.run.status === "running");
    const pub = (ps: PartitionView[]) => authed ? ps : ps.map(publicPartition);
    const model: PageModel = {
      jobs: jobs(),
      overview: {
        from: overview.from,
        to: overview.to,
        partitions: pub(all),
        clipped: overview.clipped,
      },
      calendar: { from, to, partitions: pub(calendarPartitions), explicit },
      day,
      turbine,
      turbineRuns: turbineRuns.runs,
      dayTurbines: turbineRuns.day,
      dayPartitions: pub(dayPartitions),
      views: views && (authed ? views : views.map(publicView)),
      runs: authed ? runs : runs.map(publicRunEntry),
      runFilter: { job: runJob, status: runStatus },
      authed,
      notice,
      refresh: running ? { seconds: refresh, url: refreshUrl(c.req.url) } : null,
      now: now(),
      yesterday,
      maxRangeDays: cap,
    };
    return c.html(html`<!DOCTYPE html>${<Page {...model} />}`);
  });

  return app;
}

function unauthorized(why: string) {
  return {
    error: "unauthorized",
    message: `${why}: needs Authorization: Bearer <token> or a session (log in on the status page)`,
  };
}

function unavailablePage(kind: string): string {
  const esc = kind.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="refresh" content="${RETRY_AFTER_SECONDS}"><title>windbin · unavailable</title></head>` +
    `<body><h1>windbin status: unavailable</h1><p>${esc}. This page tries again every ` +
    `${RETRY_AFTER_SECONDS} s.</p></body></html>`;
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
    const built = p.state === "succeeded" || p.state === "stale" || p.state === "incomplete";
    if (!roots.has(p.job) || !built) continue;
    if (p.rowsOut === 0) continue;
    if (best === null || p.day > best) best = p.day;
  }
  return best;
}
