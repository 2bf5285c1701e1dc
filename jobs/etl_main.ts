/** Edge of `deno task etl`: environment, database, exit code. */
import { ConfigError, loadConfig } from "../config.ts";
import { openMigrated } from "../db/open.ts";
import { DatabaseLockedError } from "../db/dir_lock.ts";
import { MigrationError } from "../db/migrate.ts";
import { EXIT, HELP, parseCliArgs, runCli, UsageError } from "./cli.ts";
import { currentTransform } from "./transform.ts";
import { resolveApiToken } from "./token.ts";

async function main(): Promise<number> {
  let args;
  try {
    args = parseCliArgs(Deno.args);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`etl: ${e.message}\n\n${HELP}`);
      return EXIT.usage;
    }
    throw e;
  }
  if (!args) {
    console.log(HELP);
    return EXIT.ok;
  }
  const cfg = loadConfig();
  const token = await resolveApiToken(cfg);
  const transform = await currentTransform(args.job);
  const db = await openMigrated("target", { url: cfg.targetDatabaseUrl, dataDir: cfg.dataDir });
  try {
    return await runCli(args, {
      db,
      transform,
      apiUrl: cfg.sourceApiUrl,
      token,
      attempts: cfg.etlAttempts,
      timeoutMs: cfg.etlTimeoutMs,
      leaseSeconds: cfg.leaseSeconds,
      runner: `${Deno.hostname()}:${Deno.pid}`,
      fetch,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
      log: (m) => console.error(`etl ${args.job} ${args.day}: ${m}`),
      out: (l) => console.log(l),
      err: (l) => console.error(l),
    });
  } finally {
    await db.close();
  }
}

try {
  Deno.exit(await main());
} catch (e) {
  if (
    e instanceof ConfigError || e instanceof DatabaseLockedError || e instanceof MigrationError
  ) {
    console.error(`etl: ${e.message}`);
    Deno.exit(EXIT.usage);
  }
  console.error("etl: unexpected error:", e);
  Deno.exit(EXIT.failed);
}
