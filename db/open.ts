/** Picks the adapter: a URL means real PostgreSQL, no URL means embedded PGlite under DATA_DIR. */
import type { Db } from "./types.ts";
import { PostgresDb } from "./postgres.ts";
import { PgliteDb } from "./pglite.ts";
import { migrate, type MigrationSet } from "./migrate.ts";

export interface OpenOptions {
  /** postgres:// URL; when absent, the embedded database `<dataDir>/<role>` is used. */
  url?: string;
  dataDir: string;
}

export async function openDatabase(role: MigrationSet, opts: OpenOptions): Promise<Db> {
  if (opts.url) return new PostgresDb(opts.url);
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
