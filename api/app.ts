/**
 * The source API: createApp(deps) returns a Hono app; serving it is main.ts's job.
 *
 * Public: /health, /openapi.json, /docs (nothing in them is secret, and
 * monitors and browsers can reach them without a token). Protected by the
 * bearer token: /data, /fingerprints, /turbines, /extent and /variables.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { logger } from "hono/logger";
import { validator } from "hono/validator";
import type { Db } from "../db/types.ts";
import { isDatabaseUnavailable } from "../db/errors.ts";
import { bearerAuth } from "./auth.ts";
import { docsRoutes } from "./docs.ts";
import { type ErrorBody, ParamError } from "./errors.ts";
import { CONTENT_TYPES, type DataFormat, pickFormat } from "./negotiate.ts";
import { openApiDocument } from "./openapi.ts";
import {
  dataQuerySpec,
  fingerprintQuerySpec,
  noQuerySpec,
  type Params,
  type QuerySpec,
  type TurbineSelection,
} from "./params.ts";
import { type ApiSql, dataSelect, fingerprintsSelect, loadApiSql } from "./query.ts";
import { jsonArray, startStream, unescapeCopyText } from "./stream.ts";
import { VARIABLE_NAMES, VARIABLES } from "./variables.ts";
import type { DayFingerprint } from "../sql/fingerprint.ts";

export interface AppDeps {
  db: Db;
  token: string;
  /** The longest range /data and /fingerprints serve in one request. */
  maxRangeDays: number;
  /** Concurrent /data streams; one more is a 503 with Retry-After at once. Default 10. */
  maxStreams?: number;
  /** A /data client that reads nothing for this long is cut off. Default 30 s. */
  stallMs?: number;
  /** How long /health waits for the database before answering 503. */
  healthTimeoutMs?: number;
  /** Log each request (method, path and query, status, time); never headers, so never the token. */
  logRequests?: boolean;
}

/** The SQL templates, read once per process (they live in sql/api/). */
const apiSql: Promise<ApiSql> = loadApiSql();
// Reported when a request needs them; this only keeps a failed read from being "unhandled".
apiSql.catch(() => {});

/** Seconds a client is asked to wait when the database is unavailable. */
const RETRY_AFTER_DOWN = "5";

/** The query, validated by `spec` (hono's validator; a ParamError becomes a 400 in onError). */
function query<P extends Params, Q>(spec: QuerySpec<P, Q>) {
  return validator("query", (_value, c) => spec.parse(new URL(c.req.url).searchParams));
}

export function createApp(deps: AppDeps): Hono {
  const { db, token, maxRangeDays } = deps;
  const app = new Hono();
  const auth = bearerAuth(token);
  if (deps.logRequests) app.use("*", logger());

  const maxStreams = deps.maxStreams ?? 10;
  let streams = 0;

  const specs = {
    data: dataQuerySpec(maxRangeDays),
    fingerprints: fingerprintQuerySpec(maxRangeDays),
    turbines: noQuerySpec("/turbines"),
    extent: noQuerySpec("/extent"),
  };

  app.onError((err, c) => {
    if (err instanceof ParamError) return c.json(err.toBody(), 400);
    if (err instanceof HTTPException) return err.getResponse();
    if (isDatabaseUnavailable(err)) {
      // An outage, not a bug: say so, and when to come back.
      console.error(
        `${c.req.method} ${c.req.path}: the database (${db.label}) is unavailable:`,
        err,
      );
      c.header("Retry-After", RETRY_AFTER_DOWN);
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

  // Public: says only whether the database answers (no host, port or driver text).
  app.get("/health", async (c) => {
    try {
      await withTimeout(db.query("SELECT 1"), deps.healthTimeoutMs ?? 5000);
      return c.json({ status: "ok", database: "ok" });
    } catch (e) {
      console.error(`/health: the database (${db.label}) did not answer: ${(e as Error).message}`);
      c.header("Retry-After", RETRY_AFTER_DOWN);
      return c.json({
        status: "unavailable",
        database: "unavailable",
        error: "database_unavailable",
        message: "the database does not answer",
      }, 503);
    }
  });

  const openapi = openApiDocument(specs, maxRangeDays);
  app.get("/openapi.json", (c) => c.json(openapi));
  app.route("/", docsRoutes());

  app.get(
    "/variables",
    auth,
    (c) => c.json(VARIABLE_NAMES.map((name) => ({ name, ...VARIABLES[name] }))),
  );

  /** Every turbine of the source, in byte order (one index descent each). */
  const turbineNames = async (): Promise<string[]> =>
    (await db.query<{ turbine: string }>((await apiSql).turbineNames)).map((r) => r.turbine);

  /** The turbines `asked` names, each checked against the source; all for none or `*`. */
  const resolveTurbines = (all: string[], asked: TurbineSelection | undefined): string[] => {
    if (asked === undefined || asked === "*") return all;
    const known = new Set(all);
    const unknown = asked.find((t) => !known.has(t));
    if (unknown !== undefined) {
      throw new ParamError(
        "turbines",
        `unknown turbine ${JSON.stringify(unknown.slice(0, 60))}; GET /turbines lists them`,
      );
    }
    return asked;
  };

  app.get("/turbines", auth, query(specs.turbines), async (c) => {
    const names = await turbineNames();
    const rows = await db.query<TurbineRow>((await apiSql).turbines, [names]);
    c.header("Cache-Control", "no-store");
    return c.json(rows.map((r) => ({
      turbine: r.turbine,
      first: r.first,
      last: r.last,
      cadence_seconds: r.cadence_seconds,
    })));
  });

  app.get("/extent", auth, query(specs.extent), async (c) => {
    const [row] = await db.query<{ first: string | null; last: string | null }>(
      (await apiSql).extent,
    );
    c.header("Cache-Control", "no-store");
    return c.json({ first: row.first, last: row.last });
  });

  // Per day: reading count and checksum (late-data detection by the runner), from reading_days.
  app.get("/fingerprints", auth, query(specs.fingerprints), async (c) => {
    const q = c.req.valid("query");
    const sql = await apiSql;
    const named = Array.isArray(q.turbines);
    const turbines = named ? resolveTurbines(await turbineNames(), q.turbines) : [];
    const rows = await db.query<DayFingerprint>(
      fingerprintsSelect(sql, q.variables, named),
      named ? [q.start, q.end, turbines] : [q.start, q.end],
    );
    c.header("Cache-Control", "no-store");
    return c.json(rows.map((r) => ({ day: r.day, readings: r.readings, checksum: r.checksum })));
  });

  app.get("/data", auth, query(specs.data), async (c) => {
    const q = c.req.valid("query");
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
      const sql = await apiSql;
      const all = await turbineNames();
      const text = format !== "pgcopy";
      if (text && all.length > 1 && q.turbines === undefined) {
        // Several series in one CSV or JSON answer would look like one: never mix them silently.
        throw new ParamError(
          "turbines",
          `missing; this source has ${all.length} turbines: name them ` +
            `(turbines=${all.slice(0, 2).join(",")}) or ask for all (turbines=*)`,
        );
      }
      const turbines = resolveTurbines(all, q.turbines);
      const withTurbine = text && (q.turbines !== undefined || all.length > 1);
      const body = await startStream(
        source(format, dataSelect(sql, q, selectFormat(format), turbines, withTurbine), {
          // JSON escapes in a turbine name come out of COPY's text format doubled.
          unescape: withTurbine && turbines.some(needsJsonEscape),
        }),
        { stallMs: deps.stallMs ?? 30_000, onEnd: release },
      );
      return c.body(body, 200, headers);
    } catch (e) {
      release();
      throw e;
    }
  });

  function source(
    format: DataFormat,
    select: string,
    opts: { unescape: boolean },
  ): AsyncIterable<Uint8Array> {
    if (format === "pgcopy") return db.copyOut(select, "binary");
    if (format === "csv") return db.copyOut(select, "csv");
    const lines = db.copyOut(select, "lines");
    const plain = opts.unescape ? unescapeCopyText(lines) : lines;
    return format === "json" ? jsonArray(plain) : plain;
  }

  return app;
}

interface TurbineRow {
  turbine: string;
  first: string;
  last: string;
  cadence_seconds: number | null;
}

/** to_json writes these with a backslash, which COPY's text format then doubles. */
function needsJsonEscape(name: string): boolean {
  // deno-lint-ignore no-control-regex
  return /["\\\u0000-\u001f]/.test(name);
}

function selectFormat(format: DataFormat): "csv" | "json" | "binary" {
  return format === "pgcopy" ? "binary" : format === "csv" ? "csv" : "json";
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
