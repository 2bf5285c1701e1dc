import assert from "node:assert/strict";
import { migrate, MigrationError } from "../migrations/migrate.ts";
import { freshDb, tempDir, testBackends } from "./helpers/databases.ts";

async function tempMigrations(files: Record<string, string>): Promise<URL> {
  const dir = await tempDir("migrations_");
  for (const [name, sql] of Object.entries(files)) await Deno.writeTextFile(`${dir}/${name}`, sql);
  return new URL(`file://${dir}/`);
}

testBackends(
  "migrations apply in order, once, and are recorded with a sha256",
  async (_t, backend) => {
    const { db, close } = await freshDb(backend);
    try {
      const dir = await tempMigrations({
        "0002_b.sql": "ALTER TABLE t ADD COLUMN b int;",
        "0001_a.sql": "CREATE TABLE t (a int);",
      });
      assert.deepEqual(await migrate(db, "source", dir), ["0001_a.sql", "0002_b.sql"]);
      assert.deepEqual(await migrate(db, "source", dir), []);
      const rows = await db.query<{ name: string; sha256: string }>(
        "SELECT name, sha256 FROM windbin_migrations ORDER BY version",
      );
      assert.deepEqual(rows.map((r) => r.name), ["0001_a.sql", "0002_b.sql"]);
      assert.match(rows[0].sha256, /^[0-9a-f]{64}$/);
      await Deno.remove(dir, { recursive: true });
    } finally {
      await close();
    }
  },
);

testBackends(
  "an applied migration that was edited is refused, naming the file",
  async (_t, backend) => {
    const { db, close } = await freshDb(backend);
    try {
      const dir = await tempMigrations({ "0001_a.sql": "CREATE TABLE t (a int);" });
      await migrate(db, "target", dir);
      await Deno.writeTextFile(new URL("0001_a.sql", dir), "CREATE TABLE t (a bigint);");
      await assert.rejects(migrate(db, "target", dir), (e: Error) => {
        assert.ok(e instanceof MigrationError);
        assert.match(e.message, /0001_a\.sql was edited after it was applied/);
        return true;
      });
      await Deno.remove(dir, { recursive: true });
    } finally {
      await close();
    }
  },
);

testBackends(
  "a failing migration applies nothing of itself and names the file",
  async (_t, backend) => {
    const { db, close } = await freshDb(backend);
    try {
      const dir = await tempMigrations({
        "0001_a.sql": "CREATE TABLE t (a int);",
        "0002_bad.sql": "CREATE TABLE u (a int); SELECT no_such_function();",
      });
      await assert.rejects(migrate(db, "target", dir), /0002_bad\.sql failed/);
      const [{ n }] = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'u'",
      );
      assert.equal(n, 0);
      const names = await db.query<{ name: string }>("SELECT name FROM windbin_migrations");
      assert.deepEqual(names.map((r) => r.name), ["0001_a.sql"]);
      await Deno.remove(dir, { recursive: true });
    } finally {
      await close();
    }
  },
);

testBackends("the project's own migrations apply on both sets", async (_t, backend) => {
  for (const set of ["source", "target"] as const) {
    const { db, close } = await freshDb(backend);
    try {
      assert.ok((await migrate(db, set)).length > 0);
      assert.deepEqual(await migrate(db, set), []);
    } finally {
      await close();
    }
  }
});

Deno.test({
  name: "[postgres] three migrators on separate connections at once apply each file exactly once",
  ignore: !Deno.env.get("TEST_DATABASE_URL"),
  async fn() {
    const { db, url, close } = await freshDb("postgres");
    try {
      // A slow first file widens the window in which both migrators run.
      const dir = await tempMigrations({
        "0001_slow.sql": "SELECT pg_sleep(0.3); CREATE TABLE t (a int);",
        "0002_counter.sql": "INSERT INTO t VALUES (1);",
      });
      const { PostgresDb } = await import("../db/postgres.ts");
      const dbs = [new PostgresDb(url!), new PostgresDb(url!), new PostgresDb(url!)];
      try {
        const results = await Promise.all(dbs.map((d) => migrate(d, "target", dir)));
        assert.equal(results.flat().length, 2, `applied: ${JSON.stringify(results)}`);
      } finally {
        await Promise.all(dbs.map((d) => d.close()));
      }
      const [{ n }] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM t");
      assert.equal(n, 1);
      await Deno.remove(dir, { recursive: true });
    } finally {
      await close();
    }
  },
});
