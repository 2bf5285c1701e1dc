/** Picks the adapter: a URL means real PostgreSQL, no URL means embedded PGlite under DATA_DIR. */
import type { Db, SessionSettings } from "../db/types.ts";
import { migrate, type MigrationSet } from "./migrate.ts";

export interface OpenOptions extends SessionSettings {
  /** postgres:// URL; when absent, the embedded database `<dataDir>/<role>` is used. */
  url?: string;
  dataDir: string;
  /** Connections for COPY TO streams (postgres; the API sizes it to its stream limit). */
  maxStreams?: number;
}

export async function openDatabase(role: MigrationSet, opts: OpenOptions): Promise<Db> {
  // Adapters load on demand: a short-lived process (deno task etl) pays only for its own.
  if (opts.url) {
    const { PostgresDb } = await import("../db/postgres.ts");
    return new PostgresDb(opts.url, opts);
  }
  const { PgliteDb } = await import("../db/pglite.ts");
  return await PgliteDb.open(embeddedDir(opts.dataDir, role), role, opts);
}

/** The directory of the embedded database `role` under DATA_DIR (its lock and holder record beside it). */
export function embeddedDir(dataDir: string, role: MigrationSet): string {
  return `${dataDir.replace(/\/+$/, "")}/${role}`;
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
