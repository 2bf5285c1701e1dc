/** Picks the adapter: a URL means real PostgreSQL, no URL means embedded PGlite under DATA_DIR. */
import type { Db } from "./types.ts";
import { migrate, type MigrationSet } from "./migrate.ts";

export interface OpenOptions {
  /** postgres:// URL; when absent, the embedded database `<dataDir>/<role>` is used. */
  url?: string;
  dataDir: string;
  /** Session settings on every connection (real PostgreSQL; the runner sets them). */
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
}

export async function openDatabase(role: MigrationSet, opts: OpenOptions): Promise<Db> {
  // Adapters load on demand: a short-lived process (deno task etl) pays only for its own.
  if (opts.url) {
    const { PostgresDb } = await import("./postgres.ts");
    return new PostgresDb(opts.url, {
      lockTimeoutMs: opts.lockTimeoutMs,
      statementTimeoutMs: opts.statementTimeoutMs,
      idleInTransactionTimeoutMs: opts.idleInTransactionTimeoutMs,
    });
  }
  const { PgliteDb } = await import("./pglite.ts");
  return await PgliteDb.open(`${opts.dataDir.replace(/\/+$/, "")}/${role}`, role);
}

/** Opens the database and brings its schema up to date. */
export async function openMigrated(role: MigrationSet, opts: OpenOptions): Promise<Db> {
  const db = await openDatabase(role, opts);
  try {
    await migrate(db, role);
    return db;
  } catch (e) {
    await db.close();
    throw e;
  }
}
