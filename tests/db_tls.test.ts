/**
 * TLS to PostgreSQL, given to pg from the URL (db/tls.ts), streams included.
 * Runs when the test server offers TLS; reported as ignored otherwise.
 */
import assert from "node:assert/strict";
import { PostgresDb } from "../db/postgres.ts";
import { tlsFromUrl } from "../db/tls.ts";
import { freshDb, TEST_DATABASE_URL } from "./helpers/databases.ts";

function withSslMode(url: string, mode: string): string {
  const u = new URL(url);
  u.searchParams.set("sslmode", mode);
  return u.toString();
}

async function serverOffersTls(): Promise<boolean> {
  if (!TEST_DATABASE_URL) return false;
  const db = new PostgresDb(withSslMode(TEST_DATABASE_URL, "require"));
  try {
    await db.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await db.close();
  }
}

const tlsAvailable = await serverOffersTls();
if (TEST_DATABASE_URL && !tlsAvailable) {
  console.warn("The test PostgreSQL does not offer TLS: the [postgres+tls] tests are ignored.");
}

Deno.test("sslmode is read from the URL and taken out of what the driver sees", () => {
  const { url, tls } = tlsFromUrl(
    "postgres://u:pw@db.example:5432/x?sslmode=require&application_name=a",
  );
  assert.equal(tls.mode, "require");
  assert.equal(url, "postgres://u:pw@db.example:5432/x?application_name=a");
  assert.equal(tlsFromUrl("postgres://h/x").tls.mode, "disable");
  assert.throws(() => tlsFromUrl("postgres://h/x?sslmode=maybe"), /sslmode=maybe .* not one of/);
});

Deno.test({
  name: "[postgres+tls] queries, transactions, COPY in and out over TLS",
  ignore: !tlsAvailable,
  async fn() {
    const { url, close } = await freshDb("postgres");
    const db = new PostgresDb(withSslMode(url!, "require"));
    try {
      const [{ ssl }] = await db.query<{ ssl: boolean }>(
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
      );
      assert.equal(ssl, true);
      let bytes = 0;
      let lines = 0;
      for await (const chunk of db.copyOut("SELECT g FROM generate_series(1, 200000) g", "lines")) {
        bytes += chunk.length;
        for (const b of chunk) if (b === 0x0a) lines++;
      }
      assert.equal(lines, 200_000);
      assert.ok(bytes > 1_000_000);
      // The stream's own connection is encrypted too.
      const [row] = await (async () => {
        for await (
          const chunk of db.copyOut(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            "lines",
          )
        ) {
          return [new TextDecoder().decode(chunk).trim()];
        }
        return [""];
      })();
      assert.equal(row, "t");
      const n = await db.transaction(async (tx) => {
        await tx.exec("CREATE TEMP TABLE t (a int) ON COMMIT DROP");
        await tx.copyFrom(
          "COPY t FROM STDIN",
          (async function* () {
            yield new TextEncoder().encode("1\n2\n3\n");
          })(),
        );
        return (await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM t"))[0].n;
      });
      assert.equal(n, 3);
      // Leaving a stream early over TLS leaves the database usable.
      for await (const _ of db.copyOut("SELECT g FROM generate_series(1, 300000) g", "lines")) {
        break;
      }
      assert.equal((await db.query<{ one: number }>("SELECT 1 AS one"))[0].one, 1);
    } finally {
      await db.close();
      await close();
    }
  },
});
