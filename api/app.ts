/**
 * The source API: createApp(deps) returns a Hono app; serving it is main.ts's job.
 *
 * Public: /health, /openapi.json, /docs (nothing in them is secret, and
 * monitors and browsers can reach them without a token). Protected by the
 * bearer token: /data and /variables.
 */
import { Hono } from "hono";
import { logger } from "hono/logger";
import type { Db } from "../db/types.ts";
import { bearerAuth } from "./auth.ts";
import { docsRoutes } from "./docs.ts";
import { type ErrorBody, ParamError } from "./errors.ts";
import { CONTENT_TYPES, pickFormat } from "./negotiate.ts";
import { openApiDocument } from "./openapi.ts";
import { parseDataQuery, parseFingerprintQuery } from "./params.ts";
import { type FingerprintRow, fingerprintSql } from "../sql/fingerprint.ts";
import { dataSelect, type DataSql, loadDataSql } from "./query.ts";
import { jsonArray, startStream } from "./stream.ts";
import { isConnectionError } from "../db/errors.ts";
import { VARIABLE_NAMES, VARIABLES } from "./variables.ts";

export interface AppDeps {
  db: Db;
  token: string;
  maxRangeDays: number;
  /** Concurrent streams (/data, /fingerprints); one more is a 503 with Retry-After at once. Default 10. */
  maxStreams?: number;
  /** A /data client that reads nothing for this long is cut off. Default 30 s. */
  stallMs?: number;
  /** How long /health waits for the database before answering 503. */
  healthTimeoutMs?: number;
  /** Log each request (method, path and query, status, time); never headers, so never the token. */
  logRequests?: boolean;
}

/** The SQL templates, read once per process (they live in sql/api/). */
const dataSql: Promise<DataSql> = loadDataSql();
// Reported when a request needs them; this only keeps a failed read from being "unhandled".
dataSql.catch(() => {});

export function createApp(deps: AppDeps): Hono {
  const { db, token, maxRangeDays } = deps;
  const app = new Hono();
  const auth = bearerAuth(token);
  if (deps.logRequests) app.use("*", logger());

  const maxStreams = deps.maxStreams ?? 10;
  let streams = 0;

  app.onError((err, c) => {
    if (isConnectionError(err)) {
      // An outage, not a bug: say so, and when to come back.
      console.error(
        `${c.req.method} ${c.req.path}: the database (${db.label}) is unreachable:`,
        err,
      );
      c.header("Retry-After", "5");
      return c.json<ErrorBody>({
        error: "database_unavailable",
        message: "the source database does not answer; retry later",
      }, 503);
    }
    // Details go to the server log only: they may hold SQL or connection strings.
    console.error(`${c.req.method} ${c.req.path} failed:`, err);
    return c.json<ErrorBody>({
      error: "internal_error",
      message: "unexpected server error; the details are in the server log",
    }, 500);
  });

  app.notFound((c) =>
    c.json<ErrorBody>({
      error: "not_found",
      message: `no route ${c.req.method} ${c.req.path.slice(0, 100)}; see /docs`,
    }, 404)
  );

  app.get("/", (c) => c.redirect("/docs"));

  app.get("/health", async (c) => {
    try {
      await withTimeout(db.query("SELECT 1"), deps.healthTimeoutMs ?? 5000);
      return c.json({ status: "ok", database: "ok" });
    } catch (e) {
      console.error(`/health: the database (${db.label}) did not answer: ${(e as Error).message}`);
      return c.json<ErrorBody>({
        error: "database_unavailable",
        message: "the source database does not answer; see the server log",
      }, 503);
    }
  });

  const openapi = openApiDocument(maxRangeDays);
  app.get("/openapi.json", (c) => c.json(openapi));
  app.route("/", docsRoutes());

  app.get(
    "/variables",
    auth,
    (c) => c.json(VARIABLE_NAMES.map((name) => ({ name, ...VARIABLES[name] }))),
  );

  // Per day: reading count and checksum (late-data detection by the runner).
  app.get("/fingerprints", auth, async (c) => {
    let q;
    try {
      q = parseFingerprintQuery(new URL(c.req.url).searchParams);
    } catch (e) {
      if (e instanceof ParamError) return c.json(e.toBody(), 400);
      throw e;
    }
    const rows = await db.query<FingerprintRow>(fingerprintSql("data", q.variables), [
      q.start,
      q.end,
    ]);
    c.header("Cache-Control", "no-store");
    return c.json(rows.map((r) => ({ day: r.day, readings: r.readings, checksum: r.checksum })));
  });

  app.get("/data", auth, async (c) => {
    let query;
    try {
      query = parseDataQuery(new URL(c.req.url).searchParams, maxRangeDays);
    } catch (e) {
      if (e instanceof ParamError) return c.json(e.toBody(), 400);
      throw e;
    }
    const format = pickFormat(c.req.header("accept"));
    const headers = {
      "Content-Type": CONTENT_TYPES[format],
      "Cache-Control": "no-store",
      "Vary": "Accept",
    };
    // Hono answers HEAD by running the GET route and dropping the body, which
    // would leave a query open with nobody reading it: answer without one.
    if (c.req.raw.method === "HEAD") return c.body(null, 200, headers);

    // A full pool answers at once: waiting would hang this client behind stalled ones.
    if (streams >= maxStreams) {
      c.header("Retry-After", "1");
      return c.json<ErrorBody>({
        error: "busy",
        message: `all ${maxStreams} streams (API_STREAMS) are in use; retry in a moment`,
      }, 503);
    }
    streams++;
    let released = false;
    const release = () => {
      if (!released) streams--;
      released = true;
    };
    try {
      const sql = await dataSql;
      const source = format === "csv"
        ? db.copyOut(dataSelect(sql, query, "csv"), "csv")
        : db.copyOut(dataSelect(sql, query, "json"), "lines");
      const body = await startStream(format === "json" ? jsonArray(source) : source, {
        stallMs: deps.stallMs ?? 30_000,
        onEnd: release,
      });
      return c.body(body, 200, headers);
    } catch (e) {
      release();
      throw e;
    }
  });

  return app;
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
