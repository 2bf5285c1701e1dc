/**
 * Whether a database lets this session's role do what a command needs,
 * asked of the catalog before anything is written, so that a role without
 * CREATE, a SELECT-only role or a read-only database is one line naming the
 * privilege and the role (PrivilegeError), not a stack trace halfway through.
 */
import type { Db } from "../db/types.ts";
import { PrivilegeError } from "../db/errors.ts";
import { readSql } from "../sql/load.ts";

const SESSION_SQL = await readSql("privileges/session.sql");

export interface SessionFacts {
  role: string;
  database: string;
  schema: string | null;
  can_create: boolean;
  read_only: boolean;
  read_only_source: string;
  standby: boolean;
}

export function sessionFacts(db: Db): Promise<SessionFacts> {
  return db.query<SessionFacts>(SESSION_SQL).then((r) => r[0]);
}

/** Where a read-only default came from, as a DBA would change it. */
const READ_ONLY_FROM: Record<string, (f: SessionFacts) => string> = {
  user: (f) => `ALTER ROLE ${ident(f.role)} SET default_transaction_read_only = off`,
  database: (f) => `ALTER DATABASE ${ident(f.database)} SET default_transaction_read_only = off`,
  "database user": (f) =>
    `ALTER ROLE ${ident(f.role)} IN DATABASE ${
      ident(f.database)
    } RESET default_transaction_read_only`,
  "configuration file": () => "set default_transaction_read_only = off in postgresql.conf",
};

/**
 * Why `facts`' database takes no writes, or null when it does. `what` names
 * it for the user ("the target database"), `needs` says what would write.
 */
export function readOnlyProblem(facts: SessionFacts, what: string, needs: string): string | null {
  if (facts.standby) {
    return `${what} is a standby (in recovery, read-only) and ${needs}: point it at the primary`;
  }
  if (!facts.read_only) return null;
  const fix = READ_ONLY_FROM[facts.read_only_source]?.(facts) ??
    `turn default_transaction_read_only off (set by ${facts.read_only_source})`;
  return `${what} is read-only for role ${facts.role} (default_transaction_read_only is on) ` +
    `and ${needs}: ${fix}, or use a writable database`;
}

/**
 * Throws PrivilegeError unless the session can apply migrations: a writable
 * database and CREATE on the schema they go to. `pending` names the first
 * file to apply.
 */
export async function checkCanMigrate(db: Db, what: string, pending: string): Promise<void> {
  const f = await sessionFacts(db);
  const ro = readOnlyProblem(f, what, `migration ${pending} is pending`);
  if (ro) throw new PrivilegeError(ro);
  if (!f.schema) {
    throw new PrivilegeError(
      `role ${f.role} has no schema to create windbin's tables in (${what}, database ` +
        `${f.database}: no schema of its search_path exists): create one, or fix search_path`,
    );
  }
  if (!f.can_create) {
    throw new PrivilegeError(
      `role ${f.role} lacks CREATE on schema ${f.schema} of ${what} (database ${f.database}), ` +
        `needed to apply migration ${pending}: GRANT CREATE ON SCHEMA ${ident(f.schema)} TO ` +
        `${ident(f.role)}, or run \`deno task migrate\` once as the database's owner`,
    );
  }
}

/** A name as SQL would need it quoted in the GRANT we suggest. */
export function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
