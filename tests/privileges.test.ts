/**
 * A target whose role may not do what a command needs, on real PostgreSQL,
 * with roles this test creates (and drops): without CREATE on the schema (a
 * fresh database, migrations pending), SELECT-only, and with
 * default_transaction_read_only on. `migrate`, `status`, `etl` and `scheduler`
 * say in one line which privilege which role lacks (or that the database is
 * read-only) and exit 2, no stack trace; what a command does not need is not
 * asked of it (`status` reads; an up-to-date `migrate` creates nothing).
 */
import assert from "node:assert/strict";
import { migratedDb, tempDir, TEST_DATABASE_URL, type TestDb } from "./helpers/databases.ts";
import { freshDb } from "./helpers/databases.ts";
import { runTask } from "./helpers/processes.ts";
import { freePort } from "./helpers/ports.ts";
import { PostgresDb } from "../db/postgres.ts";
import { describeMissing } from "../jobs/core/privileges.ts";
import { describeTargetError } from "../jobs/core/errors.ts";

const TOKEN = "privileges-token-0123456789";

/** Roles are global to the server: unique names, dropped after the databases that grant them. */
async function withRoles(
  names: string[],
  fn: (roles: string[], admin: PostgresDb) => Promise<void>,
): Promise<void> {
  const admin = new PostgresDb(TEST_DATABASE_URL!, { max: 1, maxStreams: 1 });
  const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
  const roles = names.map((n) => `windbin_test_${n}_${tag}`);
  try {
    for (const r of roles) await admin.exec(`CREATE ROLE ${r} LOGIN`);
    await fn(roles, admin);
  } finally {
    for (const r of roles) await admin.exec(`DROP ROLE IF EXISTS ${r}`);
    await admin.close();
  }
}

/** The database's URL, as `role`. */
function as(t: TestDb, role: string): string {
  const u = new URL(t.url!);
  u.username = role;
  return u.toString();
}

/** Runs each command against `url`; returns its exit code and stderr lines. */
async function commands(
  url: string,
  dataDir: string,
  tasks: [string, string[]][],
): Promise<Map<string, { code: number; lines: string[]; stdout: string }>> {
  const out = new Map();
  for (const [task, args] of tasks) {
    // Only what each command reads (one that is set but not read would be a line of its own).
    const runner: Record<string, string> = task === "migrate" ? {} : {
      SOURCE_API_URL: `http://127.0.0.1:${freePort()}`,
      API_TOKEN: TOKEN,
      PARTITION_START: "2024-01-01",
    };
    const r = await runTask(task, args, {
      TARGET_DATABASE_URL: url,
      DATA_DIR: dataDir,
      ...runner,
      ...(task === "scheduler" ? { RUNNER_PORT: "0" } : {} as Record<string, string>),
    }, 60_000);
    out.set(task, { code: r.code, lines: r.stderr.trim().split("\n"), stdout: r.stdout });
  }
  return out;
}

const ALL: [string, string[]][] = [
  ["migrate", []],
  ["status", ["--from", "2024-01-01", "--to", "2024-01-02"]],
  ["etl", ["--date", "2024-01-02"]],
  ["scheduler", []],
];

function assertOneLine(
  r: { code: number; lines: string[] } | undefined,
  task: string,
  re: RegExp,
): void {
  assert.ok(r, task);
  const what = `${task}: ${r.lines.join("\n")}`;
  assert.equal(r.code, 2, what);
  // migrate says first what it did with the (embedded) source database.
  const lines = task === "migrate" ? r.lines.filter((l) => !l.startsWith("source ")) : r.lines;
  assert.equal(lines.length, 1, what);
  assert.match(lines[0], new RegExp(`^${task}: ${re.source}`), what);
  assert.doesNotMatch(r.lines.join("\n"), /^\s+at |unexpected error/m, what);
}

Deno.test({
  name:
    "[postgres] privileges: without CREATE, SELECT-only, read-only: one line naming the privilege and the role, exit 2",
  ignore: !TEST_DATABASE_URL,
  async fn(t) {
    const dataDir = await tempDir("privileges_");
    const fresh = await freshDb("postgres");
    const migrated = await migratedDb("postgres", "target");
    try {
      await withRoles(["nocreate", "selonly", "readonly"], async (roles, admin) => {
        const [nocreate, selonly, readonly] = roles;
        // PostgreSQL 15 gives PUBLIC no CREATE on public; older ones do: take it away either way.
        await fresh.db.exec(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
        await migrated.db.exec(`
          GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${selonly};
          GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${readonly};
          GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${readonly};
          REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
        await admin.exec(`ALTER ROLE ${readonly} SET default_transaction_read_only = on`);

        await t.step("a role without CREATE on a database with migrations pending", async () => {
          const r = await commands(as(fresh, nocreate), dataDir, ALL);
          for (const [task] of ALL) {
            assertOneLine(
              r.get(task),
              task,
              new RegExp(
                `role ${nocreate} lacks CREATE on schema public of the target database \\(database ` +
                  `windbin_test_\\w+\\), needed to apply migration 0001_\\w+\\.sql: GRANT CREATE ON ` +
                  `SCHEMA public TO ${nocreate}, or run \`deno task migrate\` once as the ` +
                  `database's owner$`,
              ),
            );
          }
          const [{ n }] = await fresh.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`,
          );
          assert.equal(n, 0, "nothing was created");
        });

        await t.step(
          "a SELECT-only role: status reads; etl and scheduler name what it lacks",
          async () => {
            const r = await commands(as(migrated, selonly), dataDir, ALL);
            assert.equal(r.get("migrate")!.code, 0, r.get("migrate")!.lines.join("\n"));
            assert.match(r.get("migrate")!.stdout, /target \(.*\): up to date, nothing to apply/);
            assert.equal(r.get("status")!.code, 0, r.get("status")!.lines.join("\n"));
            assert.match(r.get("status")!.stdout, /^etl\s+2 days: 0 succeeded/m);
            for (const task of ["etl", "scheduler"]) {
              assertOneLine(
                r.get(task),
                task,
                new RegExp(
                  `role ${selonly} lacks INSERT, UPDATE, DELETE on tables daily, daily_farm, data, ` +
                    `partition_turbines, partitions, runs, signal and USAGE on sequences ` +
                    `runs_id_seq, signal_id_seq in the target ` +
                    `database: GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public ` +
                    `TO ${selonly}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${selonly}$`,
                ),
              );
            }
            // Without SELECT on one table, status says so too.
            await migrated.db.exec(`REVOKE SELECT ON runs FROM ${selonly}`);
            const st = await commands(as(migrated, selonly), dataDir, [ALL[1]]);
            assertOneLine(
              st.get("status"),
              "status",
              new RegExp(
                `role ${selonly} lacks SELECT on table runs in the target database: GRANT SELECT ` +
                  `ON ALL TABLES IN SCHEMA public TO ${selonly}$`,
              ),
            );
          },
        );

        await t.step("default_transaction_read_only on: read-only, said once, exit 2", async () => {
          const r = await commands(as(migrated, readonly), dataDir, ALL);
          assert.equal(r.get("migrate")!.code, 0, "up to date: nothing to write");
          assert.equal(r.get("status")!.code, 0, r.get("status")!.lines.join("\n"));
          for (const task of ["etl", "scheduler"]) {
            assertOneLine(
              r.get(task),
              task,
              new RegExp(
                `the target database is read-only for role ${readonly} \\(default_transaction_read_only ` +
                  `is on\\) and runs write partitions and runs: ALTER ROLE ${readonly} SET ` +
                  `default_transaction_read_only = off, or use a writable database$`,
              ),
            );
          }
          // Migrations pending on a read-only database: migrate says so before it writes.
          await fresh.db.exec(`GRANT CREATE ON SCHEMA public TO ${readonly}`);
          const m = await commands(as(fresh, readonly), dataDir, [ALL[0]]);
          assertOneLine(
            m.get("migrate"),
            "migrate",
            new RegExp(
              `the target database is read-only for role ${readonly} .* and migration 0001_\\w+\\.sql ` +
                `is pending: ALTER ROLE ${readonly} SET default_transaction_read_only = off`,
            ),
          );
        });
        // The databases hold grants to the roles: drop them first.
        await migrated.close();
        await fresh.close();
      });
    } finally {
      await migrated.close().catch(() => {});
      await fresh.close().catch(() => {});
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test("privileges: what is missing reads as one line; a refusal at run time names what to grant", () => {
  const line = describeMissing("app", [
    { kind: "table", name: "partitions", schema: "public", privilege: "UPDATE" },
    { kind: "table", name: "partitions", schema: "public", privilege: "INSERT" },
    { kind: "table", name: "runs", schema: "public", privilege: "INSERT" },
    { kind: "table", name: "runs", schema: "public", privilege: "UPDATE" },
    { kind: "table", name: "data", schema: "public", privilege: "DELETE" },
    { kind: "database", name: "My Db", schema: null, privilege: "TEMP" },
  ], ["SELECT", "INSERT", "UPDATE", "DELETE"]);
  assert.equal(
    line,
    "role app lacks INSERT, UPDATE on tables partitions, runs; DELETE on table data and TEMP on " +
      "database My Db (for staging tables) in the target database: GRANT SELECT, INSERT, UPDATE, " +
      'DELETE ON ALL TABLES IN SCHEMA public TO app; GRANT TEMP ON DATABASE "My Db" TO app',
  );
  const denied = Object.assign(new Error("permission denied for table runs"), { code: "42501" });
  assert.match(
    describeTargetError(denied),
    /^the target database refused the runner's role: permission denied for table runs\. The role needs SELECT, INSERT, UPDATE, DELETE/,
  );
  const readOnly = Object.assign(
    new Error("cannot execute UPDATE in a read-only transaction"),
    { code: "25006" },
  );
  assert.match(describeTargetError(readOnly), /^the target database takes no writes: cannot/);
});
