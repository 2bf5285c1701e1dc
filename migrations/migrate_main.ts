/** `deno task migrate`: brings both databases' schemas up to date, and says what it did. */
import { loadConfig } from "../config/config.ts";
import { startupProblem } from "../config/permissions.ts";
import { openDatabase } from "./open.ts";
import { migrate, MigrationError, type MigrationSet } from "./migrate.ts";
import { DatabaseLockedError } from "../db/dir_lock.ts";
import { isConnectionError, PrivilegeError } from "../db/errors.ts";

const VARIABLE: Record<MigrationSet, string> = {
  source: "SOURCE_DATABASE_URL",
  target: "TARGET_DATABASE_URL",
};

async function main(): Promise<number> {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(`Usage: deno task migrate

Applies the pending migrations (migrations/source/*.sql, migrations/target/*.sql)
to the source database (SOURCE_DATABASE_URL) and the target database
(TARGET_DATABASE_URL), the embedded ones under DATA_DIR when unset, and says
what it applied. Every other command migrates at start too.`);
    return 0;
  }
  const cfg = loadConfig({ command: "migrate" });
  const urls: Record<MigrationSet, string | undefined> = {
    source: cfg.sourceDatabaseUrl,
    target: cfg.targetDatabaseUrl,
  };
  for (const set of ["source", "target"] as const) {
    let db;
    try {
      db = await openDatabase(set, { url: urls[set], dataDir: cfg.dataDir });
      const applied = await migrate(db, set);
      console.log(
        `${set} (${db.label}): ${
          applied.length ? `applied ${applied.join(", ")}` : "up to date, nothing to apply"
        }`,
      );
    } catch (e) {
      if (isConnectionError(e)) {
        console.error(
          `migrate: cannot reach the ${set} database (${(e as Error).message}); check ` +
            `${VARIABLE[set]} and that PostgreSQL is running`,
        );
        return 1;
      }
      throw e;
    } finally {
      await db?.close();
    }
  }
  return 0;
}

try {
  Deno.exit(await main());
} catch (e) {
  const problem = startupProblem(e);
  if (problem) {
    console.error(`migrate: ${problem.message}`);
    Deno.exit(problem.code);
  }
  if (
    e instanceof MigrationError || e instanceof DatabaseLockedError || e instanceof PrivilegeError
  ) {
    console.error(`migrate: ${e.message}`);
    Deno.exit(2);
  }
  throw e;
}
