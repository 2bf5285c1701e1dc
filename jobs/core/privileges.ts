/**
 * What the runner's role must be allowed in the target database, checked
 * once at start-up (real PostgreSQL; the embedded database is its own
 * owner): `status` reads windbin's tables; running partitions also writes
 * them (SELECT, INSERT, UPDATE, DELETE), draws run ids from their sequences
 * (USAGE), makes TEMP staging tables (TEMP on the database) and needs a
 * database that takes writes. A refusal is one line naming the role, what it
 * lacks and the GRANT that fixes it (PrivilegeError: exit 2).
 */
import type { Db } from "../../db/types.ts";
import { PrivilegeError } from "../../db/errors.ts";
import { ident, readOnlyProblem, sessionFacts } from "../../migrations/privileges.ts";
import { readSql } from "../../sql/load.ts";

const TABLES_SQL = await readSql("privileges/tables.sql");

export type Access = "read" | "write";

const TABLE_PRIVILEGES: Record<Access, string[]> = {
  read: ["SELECT"],
  write: ["SELECT", "INSERT", "UPDATE", "DELETE"],
};

interface Missing {
  kind: "table" | "sequence" | "database";
  name: string;
  schema: string | null;
  privilege: string;
}

/** Throws PrivilegeError unless the role may do what `access` needs in the target. */
export async function checkRunnerPrivileges(db: Db, access: Access): Promise<void> {
  if (db.kind !== "postgres") return;
  const facts = await sessionFacts(db);
  if (access === "write") {
    const ro = readOnlyProblem(facts, "the target database", "runs write partitions and runs");
    if (ro) throw new PrivilegeError(ro);
  }
  const missing = await db.query<Missing>(TABLES_SQL, [
    TABLE_PRIVILEGES[access],
    access === "write",
  ]);
  if (!missing.length) return;
  throw new PrivilegeError(describeMissing(facts.role, missing, TABLE_PRIVILEGES[access]));
}

/**
 * "role app lacks INSERT, UPDATE, DELETE on tables daily, data, partitions
 * and USAGE on sequence runs_id_seq of the target database: GRANT ...".
 */
export function describeMissing(role: string, missing: Missing[], order: string[]): string {
  // Tables lacking the same privileges are named together.
  const byTable = new Map<string, string[]>();
  for (const m of missing.filter((m) => m.kind === "table")) {
    byTable.set(m.name, [...(byTable.get(m.name) ?? []), m.privilege]);
  }
  const groups = new Map<string, string[]>();
  for (const [table, privs] of byTable) {
    const key = order.filter((p) => privs.includes(p)).join(", ");
    groups.set(key, [...(groups.get(key) ?? []), table]);
  }
  const parts = [...groups].map(([privs, tables]) =>
    `${privs} on table${tables.length > 1 ? "s" : ""} ${tables.join(", ")}`
  );
  const sequences = missing.filter((m) => m.kind === "sequence").map((m) => m.name);
  if (sequences.length) {
    parts.push(`USAGE on sequence${sequences.length > 1 ? "s" : ""} ${sequences.join(", ")}`);
  }
  const database = missing.find((m) => m.kind === "database");
  if (database) parts.push(`TEMP on database ${database.name} (for staging tables)`);

  const r = ident(role);
  const schema = ident(missing.find((m) => m.schema)?.schema ?? "public");
  const grants = [
    ...(byTable.size
      ? [`GRANT ${order.join(", ")} ON ALL TABLES IN SCHEMA ${schema} TO ${r}`]
      : []),
    ...(sequences.length ? [`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${r}`] : []),
    ...(database ? [`GRANT TEMP ON DATABASE ${ident(database.name)} TO ${r}`] : []),
  ];
  const list = parts.length > 1 ? `${parts.slice(0, -1).join("; ")} and ${parts.at(-1)}` : parts[0];
  return `role ${role} lacks ${list} in the target database: ${grants.join("; ")}`;
}
