/** `deno task migrate`: brings both databases' schemas up to date, and says what it did. */
import { ConfigError, loadConfig } from "../config/config.ts";
import { openDatabase } from "./open.ts";
import { migrate, MigrationError, type MigrationSet } from "./migrate.ts";
import { DatabaseLockedError } from "../db/dir_lock.ts";

async function main(): Promise<void> {
  const cfg = loadConfig();
  const urls: Record<MigrationSet, string | undefined> = {
    source: cfg.sourceDatabaseUrl,
    target: cfg.targetDatabaseUrl,
  };
  for (const set of ["source", "target"] as const) {
    const db = await openDatabase(set, { url: urls[set], dataDir: cfg.dataDir });
    try {
      const applied = await migrate(db, set);
      console.log(
        `${set} (${db.label}): ${applied.length ? `applied ${applied.join(", ")}` : "up to date"}`,
      );
    } finally {
      await db.close();
    }
  }
}

try {
  await main();
} catch (e) {
  if (e instanceof ConfigError || e instanceof MigrationError || e instanceof DatabaseLockedError) {
    console.error(`migrate: ${e.message}`);
    Deno.exit(1);
  }
  throw e;
}
