/**
 * Fresh, real databases for tests: an in-memory PGlite always, and a new
 * PostgreSQL database (created from TEST_DATABASE_URL, dropped afterwards)
 * when that variable is set. No mocks.
 */
import type { Db } from "../../db/types.ts";
import { PostgresDb } from "../../db/postgres.ts";
import { PgliteDb } from "../../db/pglite.ts";
import { migrate, type MigrationSet } from "../../migrations/migrate.ts";

export type BackendName = "pglite" | "postgres";

export const TEST_DATABASE_URL = Deno.env.get("TEST_DATABASE_URL") || undefined;

if (!TEST_DATABASE_URL) {
  console.warn(
    "TEST_DATABASE_URL is not set: the [postgres] tests are ignored, only the embedded PGlite runs. " +
      "Set it (e.g. postgres://postgres@127.0.0.1:5432/postgres) to test against real PostgreSQL.",
  );
}

let template: Promise<Blob> | undefined;

export interface TestDb {
  db: Db;
  /** A URL for the fresh database (postgres only), for child processes. */
  url?: string;
  close(): Promise<void>;
}

/** One statement on a short-lived connection (CREATE/DROP DATABASE). */
async function admin(url: string, sql: string): Promise<void> {
  const db = new PostgresDb(url, { max: 1, maxStreams: 1 });
  try {
    await db.exec(sql);
  } finally {
    await db.close();
  }
}

/** A fresh empty database on the backend. */
export async function freshDb(backend: BackendName): Promise<TestDb> {
  if (backend === "pglite") {
    template ??= PgliteDb.template();
    const db = await PgliteDb.memory(await template);
    return { db, close: () => db.close() };
  }
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const name = `windbin_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await admin(TEST_DATABASE_URL, `CREATE DATABASE ${name}`);
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = new PostgresDb(url);
  return {
    db,
    url,
    async close() {
      await db.close();
      await admin(TEST_DATABASE_URL!, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** A fresh database with a migration set applied. */
export async function migratedDb(backend: BackendName, set: MigrationSet): Promise<TestDb> {
  const t = await freshDb(backend);
  try {
    await migrate(t.db, set);
    return t;
  } catch (e) {
    await t.close();
    throw e;
  }
}

export const BACKENDS: BackendName[] = ["pglite", "postgres"];

/**
 * Registers one Deno.test per backend, named "[backend] name". The postgres
 * variant is ignored (and reported as such) without TEST_DATABASE_URL.
 */
export function testBackends(
  name: string,
  fn: (t: Deno.TestContext, backend: BackendName) => Promise<void>,
): void {
  for (const backend of BACKENDS) {
    Deno.test({
      name: `[${backend}] ${name}`,
      ignore: backend === "postgres" && !TEST_DATABASE_URL,
      fn: (t) => fn(t, backend),
    });
  }
}

/** A new temporary directory under ./.data/tests (tests may only write inside the project). */
export async function tempDir(prefix: string): Promise<string> {
  await Deno.mkdir(".data/tests", { recursive: true });
  return await Deno.realPath(await Deno.makeTempDir({ dir: ".data/tests", prefix }));
}
