/**
 * `deno task serve`: the source API.
 *
 * Embedded default (no SOURCE_DATABASE_URL): the token is generated once into
 * DATA_DIR/api-token unless API_TOKEN is set, and the database gets the demo
 * (api/demo.ts: DEMO_DAYS up to yesterday, DEMO_TURBINES). Against a real
 * database API_TOKEN is required, and the demo is seeded only with
 * SEED_DEMO=true (docker-compose.yml).
 */
import { type Config, ConfigError, loadConfig } from "../config/config.ts";
import { embeddedDir, openMigrated } from "../migrations/open.ts";
import { DatabaseLockedError } from "../db/dir_lock.ts";
import { currentHolder } from "../db/holder.ts";
import type { Db } from "../db/types.ts";
import { createApp } from "./app.ts";
import { describeFatal } from "./fatal.ts";
import {
  type DemoPlan,
  demoPlan,
  describeSeeded,
  describeWindow,
  seedDemo,
  writeLateHour,
  yesterdayUtc,
} from "./demo.ts";
import { type DemoToken, demoToken } from "../config/token_file.ts";
import { TOKEN_CHARS } from "./auth.ts";
import { type Handler, waitingHandler } from "./waiting.ts";
import { waitForDatabase } from "../db/wait.ts";
import { PrivilegeError } from "../db/errors.ts";
import { MigrationError } from "../migrations/migrate.ts";
import { startupProblem } from "../config/permissions.ts";

const SHUTDOWN_GRACE_MS = 5000;
const DOUBLE_SIGNAL_MS = 1000;

async function main(): Promise<number> {
  const cfg = loadConfig();
  if (cfg.sourceDatabaseUrl && !cfg.apiToken) {
    throw new ConfigError(
      "API_TOKEN is not set: against a real database (SOURCE_DATABASE_URL) the API needs a " +
        "token; set API_TOKEN to a long random string (e.g. `openssl rand -hex 24`)",
    );
  }
  if (cfg.apiToken && !TOKEN_CHARS.test(cfg.apiToken)) {
    throw new ConfigError(
      "API_TOKEN may hold only letters, digits and . _ ~ + / - (a Bearer header cannot carry " +
        "others); e.g. `openssl rand -hex 24`",
    );
  }
  const stop = stopOnSignal();
  // The embedded database is this machine's: nothing to wait for, and a `start` that holds it
  // (and serves the API, likely on this PORT) is said before anything listens.
  const embedded = cfg.sourceDatabaseUrl ? null : await openSource(cfg);
  // One listener for the whole life: 503 (and /health 503) while the database is waited for.
  let handler: Handler = waitingHandler("the source database");
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { hostname: cfg.host, port: cfg.port, onListen: () => {} },
      (req) => handler(req),
    );
  } catch (e) {
    await embedded?.close();
    throw e;
  }
  try {
    // A database that is down or still starting is waited for (1 s doubling to 30 s), one line
    // per attempt; a stop signal ends the wait at once. Anything else stops serve.
    const db = embedded ?? await waitForDatabase(() => openSource(cfg), {
      signal: stop.signal,
      onRetry: (attempt, ms, e) =>
        console.error(
          `serve: waiting for the source database (attempt ${attempt}, next in ` +
            `${ms / 1000} s): ${describeSourceError(e)}`,
        ),
      dispose: (db) => db.close(),
    });
    if (!db) {
      console.log("shutting down");
      return 0;
    }
    try {
      let token = cfg.apiToken;
      let generated: DemoToken | undefined;
      if (!token) {
        generated = await demoToken(cfg.dataDir);
        token = generated.token;
      }
      const demo = !cfg.sourceDatabaseUrl || cfg.seedDemo ? await seedTheDemo(db, cfg) : null;
      const example = await exampleRequest(db);

      handler = createApp({
        db,
        token,
        maxRangeDays: cfg.maxRangeDays,
        maxStreams: cfg.apiStreams,
        stallMs: cfg.streamStallSeconds * 1000,
        logRequests: true,
      }).fetch;
      const base = `http://${displayHost(cfg.host)}:${server.addr.port}`;
      console.log(`windbin source API on ${base} (database: ${db.label})`);
      console.log(`  docs: ${base}/docs   health: ${base}/health`);
      console.log(tokenLines(generated, base, example).join("\n"));
      const late = demo?.lateDue ? lateHourLater(db, demo.plan, cfg.demoLateSeconds) : null;
      await stop.stopped;
      await late?.cancel();
      console.log("shutting down");
      await Promise.race([server.shutdown(), delay(SHUTDOWN_GRACE_MS)]);
    } finally {
      await db.close();
    }
    return 0;
  } finally {
    await Promise.race([server.shutdown(), delay(SHUTDOWN_GRACE_MS)]);
  }
}

/** The source database, migrated; a `start` holding the embedded one is named. */
function openSource(cfg: Config): Promise<Db> {
  return openMigrated("source", {
    url: cfg.sourceDatabaseUrl,
    dataDir: cfg.dataDir,
    // One database stream per API stream slot: a full pool is the API's 503, never a wait.
    maxStreams: cfg.apiStreams,
  }).catch(async (e) => {
    throw (await servedAlready(e, cfg)) ?? e;
  });
}

/** Why the source database cannot be reached (yet), and where to look. */
function describeSourceError(e: unknown): string {
  const message = e instanceof Error ? e.message || e.name : String(e);
  return `${message}; check that it is running and that SOURCE_DATABASE_URL points at it`;
}

/** `deno task start` holds the embedded source and serves its API already. */
class ServedAlready extends Error {
  override name = "ServedAlready";
}

/** When `e` is the embedded source's lock, held by a running start: what to say instead. */
async function servedAlready(e: unknown, cfg: Config): Promise<ServedAlready | null> {
  if (!(e instanceof DatabaseLockedError) || cfg.sourceDatabaseUrl) return null;
  const holder = await currentHolder(embeddedDir(cfg.dataDir, "source"));
  if (holder?.command !== "start" || !holder.api) return null;
  const base = `http://${holder.api}`;
  return new ServedAlready(
    `the running \`deno task start\` (pid ${holder.pid}) already serves the source API on ` +
      `${base} (docs: ${base}/docs), with the token it uses (API_TOKEN, or ` +
      `${cfg.dataDir.replace(/\/+$/, "")}/api-token): no second API is needed. To run ` +
      `\`deno task serve\` on its own, stop that start first.`,
  );
}

/**
 * What serve says about the demo token. A token the user supplied (API_TOKEN)
 * is never shown; a generated one is shown once, when it is made, and only
 * on a terminal (not into a log file); otherwise we say where it is.
 */
function tokenLines(demo: DemoToken | undefined, base: string, example: string): string[] {
  const url = `"${base}${example}"`;
  if (!demo) {
    return [`  token: API_TOKEN; try:`, `  curl -H "Authorization: Bearer $API_TOKEN" ${url}`];
  }
  if (demo.created && Deno.stdout.isTerminal()) {
    return [
      `  generated a token into ${demo.path}; try:`,
      `  curl -H "Authorization: Bearer ${demo.token}" ${url}`,
    ];
  }
  return [
    `  ${demo.created ? "generated a token into" : "token in"} ${demo.path}; try:`,
    `  curl -H "Authorization: Bearer $(cat ${demo.path})" ${url}`,
  ];
}

/** Loopback and "every interface" read better as localhost in a URL to click. */
function displayHost(host: string): string {
  if (["127.0.0.1", "0.0.0.0", "::", "::1", "localhost"].includes(host)) return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

/** The demo (api/demo.ts): what was seeded, and what is still to come. */
async function seedTheDemo(db: Db, cfg: Config) {
  const plan = demoPlan({
    yesterday: yesterdayUtc(),
    days: cfg.demoDays,
    turbines: cfg.demoTurbines,
    lateSeconds: cfg.demoLateSeconds,
  });
  const t0 = performance.now();
  const seeded = await seedDemo(db, plan);
  for (const line of describeSeeded(plan, seeded, performance.now() - t0)) console.log(line);
  return { plan, lateDue: seeded.lateDue };
}

/** The demo's late hour, `seconds` from now; a failure is said, never fatal. */
function lateHourLater(db: Db, plan: DemoPlan, seconds: number): { cancel(): Promise<void> } {
  let writing: Promise<void> | null = null;
  const timer = setTimeout(() => {
    writing = writeLateHour(db, plan).then(
      (rows) =>
        console.log(
          `late readings arrived: ${plan.late!.turbine} ${
            describeWindow(plan.late!)
          }, ${rows} rows`,
        ),
      (e) => console.error(`the demo's late readings were not written: ${describeFatal(e)}`),
    );
  }, seconds * 1000);
  return {
    cancel: async () => {
      clearTimeout(timer);
      await writing;
    },
  };
}

/** A /data request for the source's last day, naming a turbine when there are several. */
async function exampleRequest(db: Db): Promise<string> {
  const [r] = await db.query<{ day: string | null; turbine: string | null; several: boolean }>(
    `SELECT max(day)::text AS day, min(turbine) AS turbine, count(DISTINCT turbine) > 1 AS several
       FROM reading_days`,
  );
  const day = r.day ?? yesterdayUtc();
  const turbines = r.several ? `&turbines=${encodeURIComponent(r.turbine!)}` : "";
  return `/data?date=${day}&variables=wind_speed,power${turbines}`;
}

/**
 * SIGINT/SIGTERM: `signal` aborts (a wait for the database ends at once) and
 * `stopped` resolves; a second signal while we close leaves at once. In a
 * terminal one Ctrl-C arrives twice (from the terminal, and forwarded by
 * `deno task`), so a repeat within DOUBLE_SIGNAL_MS is the same keystroke.
 */
function stopOnSignal(): { signal: AbortSignal; stopped: Promise<Deno.Signal> } {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const stop = new AbortController();
  const stopped = Promise.withResolvers<Deno.Signal>();
  let first = 0;
  for (const sig of signals) {
    Deno.addSignalListener(sig, () => {
      if (stop.signal.aborted) {
        if (performance.now() - first > DOUBLE_SIGNAL_MS) Deno.exit(130);
        return;
      }
      first = performance.now();
      stop.abort(sig);
      stopped.resolve(sig);
    });
  }
  return { signal: stop.signal, stopped: stopped.promise };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    if (e instanceof ServedAlready) {
      console.error(`serve: ${e.message}`);
      Deno.exit(2);
    }
    // What the user fixes (settings, permissions, privileges, a held embedded database, a
    // migration) is one line and exit 2, as for every command; anything else exit 1.
    const problem = startupProblem(e);
    if (problem) {
      console.error(`serve: ${problem.message}`);
      Deno.exit(problem.code);
    }
    if (
      e instanceof DatabaseLockedError || e instanceof MigrationError || e instanceof PrivilegeError
    ) {
      console.error(`serve: ${e.message}`);
      Deno.exit(2);
    }
    console.error(describeFatal(e).replace(/^error: /, "serve: "));
    Deno.exit(1);
  }
}
