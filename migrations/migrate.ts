/**
 * Numbered plain-SQL migrations: `migrations/<set>/NNNN_name.sql`.
 *
 * Each file runs in its own transaction and is recorded with its sha256. An
 * advisory lock taken in every transaction makes concurrent migrators queue:
 * the second one finds the file recorded and skips it. A recorded file whose
 * content changed is refused; so is a recorded file that disappeared.
 */
import type { Db } from "../db/types.ts";
import { sha256Hex } from "../sql/load.ts";
import { isRefusal, PrivilegeError } from "../db/errors.ts";
import { checkCanMigrate } from "./privileges.ts";

export type MigrationSet = "source" | "target";

export class MigrationError extends Error {
  override name = "MigrationError";
}

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  sha256: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

const CREATE_TABLE = `
  CREATE TABLE IF NOT EXISTS windbin_migrations (
    set text NOT NULL,
    version int NOT NULL,
    name text NOT NULL,
    sha256 text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (set, version)
  )`;

/**
 * The common case in one round trip and no lock: every file is recorded with
 * its checksum and nothing else is (`upToDate`). Anything else takes the
 * careful path below; `pending` is the first file not recorded yet, if any.
 */
async function recordedState(
  db: Db,
  set: MigrationSet,
  files: MigrationFile[],
): Promise<{ exists: boolean; upToDate: boolean; pending: MigrationFile | undefined }> {
  const [{ exists }] = await db.query<{ exists: boolean }>(
    `SELECT to_regclass('windbin_migrations') IS NOT NULL AS exists`,
  );
  if (!exists) return { exists, upToDate: false, pending: files[0] };
  const rows = await db.query<{ version: number; sha256: string }>(
    `SELECT version, sha256 FROM windbin_migrations WHERE set = $1 ORDER BY version`,
    [set],
  );
  const upToDate = rows.length === files.length &&
    rows.every((r, i) => r.version === files[i].version && r.sha256 === files[i].sha256);
  const done = new Set(rows.map((r) => r.version));
  return { exists, upToDate, pending: files.find((f) => !done.has(f.version)) };
}

export function migrationsDir(set: MigrationSet): URL {
  return new URL(`./${set}/`, import.meta.url);
}

export async function readMigrations(dir: URL): Promise<MigrationFile[]> {
  const files: MigrationFile[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".sql")) continue;
    const m = FILE_NAME.exec(entry.name);
    if (!m) {
      throw new MigrationError(
        `${dir.pathname}${entry.name}: migration files are named NNNN_name.sql (e.g. 0002_add_index.sql)`,
      );
    }
    const sql = await Deno.readTextFile(new URL(entry.name, dir));
    files.push({ version: Number(m[1]), name: entry.name, sql, sha256: await sha256Hex(sql) });
  }
  files.sort((a, b) => a.version - b.version);
  for (let i = 1; i < files.length; i++) {
    if (files[i].version === files[i - 1].version) {
      throw new MigrationError(
        `${files[i - 1].name} and ${files[i].name} share the number ${
          files[i].version
        }: renumber one`,
      );
    }
  }
  return files;
}

/** Applies what is pending; returns the names of the files it applied. */
export async function migrate(
  db: Db,
  set: MigrationSet,
  dir = migrationsDir(set),
): Promise<string[]> {
  const files = await readMigrations(dir);
  const state = await recordedState(db, set, files);
  if (state.upToDate) return [];
  // A role that may not create tables, or a read-only database, is told so before anything runs
  // (the embedded database is always its own owner).
  if (state.pending && db.kind === "postgres") {
    await checkCanMigrate(db, `the ${set} database`, state.pending.name);
  }
  const applied: string[] = [];
  const lock = `SELECT pg_advisory_xact_lock(hashtext('windbin.migrate.' || $1::text))`;
  // The table itself is created under the lock: concurrent CREATE IF NOT EXISTS can collide.
  // (Not when it exists: even IF NOT EXISTS needs CREATE on the schema.)
  if (!state.exists) {
    await db.transaction(async (tx) => {
      await tx.query(lock, [set]);
      await tx.exec(CREATE_TABLE);
    });
  }
  const recorded = await db.query<{ version: number; name: string }>(
    `SELECT version, name FROM windbin_migrations WHERE set = $1 ORDER BY version`,
    [set],
  );
  for (const r of recorded) {
    if (!files.some((f) => f.version === r.version)) {
      throw new MigrationError(
        `The ${set} database has migration ${r.name} applied, but ${dir.pathname}${r.name} is gone. ` +
          `Restore the file: applied migrations must stay.`,
      );
    }
  }
  for (const file of files) {
    await applyOne(file).catch(async (e) => {
      if (!(e instanceof MigrationError && isRefusal(e.cause))) throw e;
      const [{ role }] = await db.query<{ role: string }>("SELECT current_user AS role");
      throw new PrivilegeError(
        `role ${role} may not apply ${file.name} to the ${set} database (nothing of it was ` +
          `applied): ${(e.cause as Error).message}; run \`deno task migrate\` once as the ` +
          `database's owner`,
        { cause: e.cause },
      );
    });
  }
  return applied;

  function applyOne(file: MigrationFile): Promise<void> {
    return db.transaction(async (tx) => {
      await tx.query(lock, [set]);
      const [row] = await tx.query<{ sha256: string }>(
        `SELECT sha256 FROM windbin_migrations WHERE set = $1 AND version = $2`,
        [set, file.version],
      );
      if (row) {
        if (row.sha256 !== file.sha256) {
          throw new MigrationError(
            `${dir.pathname}${file.name} was edited after it was applied to the ${set} database ` +
              `(sha256 applied ${row.sha256.slice(0, 12)}, now ${file.sha256.slice(0, 12)}). ` +
              `Restore the file and put the change in a new numbered migration.`,
          );
        }
        return;
      }
      try {
        await tx.exec(file.sql);
      } catch (e) {
        throw new MigrationError(
          `${dir.pathname}${file.name} failed, nothing of it was applied: ${(e as Error).message}`,
          { cause: e },
        );
      }
      await tx.query(
        `INSERT INTO windbin_migrations (set, version, name, sha256) VALUES ($1, $2, $3, $4)`,
        [set, file.version, file.name, file.sha256],
      );
      applied.push(file.name);
    });
  }
}
