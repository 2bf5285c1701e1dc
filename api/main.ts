/**
 * `deno task serve`: the source API.
 *
 * Embedded default (no SOURCE_DATABASE_URL): the token is generated once into
 * DATA_DIR/api-token unless API_TOKEN is set, and an empty database gets the
 * default demo data. Against a real database API_TOKEN is required, and an empty
 * database gets the demo data only with SEED_DEMO=true (docker-compose.yml).
 */
import { type Config, ConfigError, loadConfig } from "../config/config.ts";
import { embeddedDir, openMigrated } from "../migrations/open.ts";
import { DatabaseLockedError } from "../db/dir_lock.ts";
import { currentHolder } from "../db/holder.ts";
import type { Db } from "../db/types.ts";
import { createApp } from "./app.ts";
import { describeFatal } from "./fatal.ts";
import { seedUnlessComplete } from "./seed.ts";
import { type DemoToken, demoToken } from "../config/token_file.ts";
import { TOKEN_CHARS } from "./auth.ts";

/** What an empty embedded source gets: the reference system's demo range, 1-minute readings. */
export const DEMO_SEED = { from: "2024-01-01", days: 10, everySeconds: 60 };

const SHUTDOWN_GRACE_MS = 5000;

async function main(): Promise<void> {
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
  const db = await openMigrated("source", {
    url: cfg.sourceDatabaseUrl,
    dataDir: cfg.dataDir,
    // One database stream per API stream slot: a full pool is the API's 503, never a wait.
    maxStreams: cfg.apiStreams,
  }).catch(async (e) => {
    throw (await servedAlready(e, cfg)) ?? e;
  });
  try {
    let token = cfg.apiToken;
    let demo: DemoToken | undefined;
    if (!token) {
      demo = await demoToken(cfg.dataDir);
      token = demo.token;
    }
    if (!cfg.sourceDatabaseUrl || cfg.seedDemo) await seedDemo(db);

    const app = createApp({
      db,
      token,
      maxRangeDays: cfg.maxRangeDays,
      maxStreams: cfg.apiStreams,
      stallMs: cfg.streamStallSeconds * 1000,
      logRequests: true,
    });
    const server = Deno.serve({
      hostname: cfg.host,
      port: cfg.port,
      onListen: ({ port }) => {
        const base = `http://${displayHost(cfg.host)}:${port}`;
        console.log(`windbin source API on ${base} (database: ${db.label})`);
        console.log(`  docs: ${base}/docs   health: ${base}/health`);
        console.log(tokenLines(demo, base).join("\n"));
      },
    }, app.fetch);
    await untilSignal();
    console.log("shutting down");
    await Promise.race([server.shutdown(), delay(SHUTDOWN_GRACE_MS)]);
  } finally {
    await db.close();
  }
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
function tokenLines(demo: DemoToken | undefined, base: string): string[] {
  const url = `"${base}/data?date=${DEMO_SEED.from}&variables=wind_speed,power"`;
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

async function seedDemo(db: Db): Promise<void> {
  const { from, days, everySeconds } = DEMO_SEED;
  const t0 = performance.now();
  const rows = await seedUnlessComplete(db, DEMO_SEED);
  if (!rows) return;
  console.log(
    `seeded the demo data (${days} days from ${from}, every ${everySeconds} s): ${rows} rows in ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

function untilSignal(): Promise<Deno.Signal> {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  let received = false;
  return new Promise((resolve) => {
    for (const sig of signals) {
      Deno.addSignalListener(sig, () => {
        // A second signal while we close: leave at once.
        if (received) Deno.exit(130);
        received = true;
        resolve(sig);
      });
    }
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (import.meta.main) {
  try {
    await main();
    Deno.exit(0);
  } catch (e) {
    if (e instanceof ServedAlready) {
      console.error(`serve: ${e.message}`);
      Deno.exit(2);
    }
    console.error(describeFatal(e));
    Deno.exit(1);
  }
}
