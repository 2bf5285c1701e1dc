/**
 * A database that cannot serve is a 503 with Retry-After on every route that
 * needs it, never a 500: refused connections, names that do not resolve, a
 * server starting up, a read-only or full server. Unauthenticated /health
 * says only ok or unavailable.
 */
import assert from "node:assert/strict";
import { PostgresDb } from "../db/postgres.ts";
import { isConnectionError, isDatabaseUnavailable } from "../db/errors.ts";
import { migrate } from "../migrations/migrate.ts";
import { freshDb, TEST_DATABASE_URL } from "./helpers/databases.ts";
import { type ApiServer, startApi } from "./helpers/api_server.ts";

const ROUTES = [
  "/data?date=2024-01-01&variables=power",
  "/data?date=2024-01-01&variables=power&turbines=T01",
  "/fingerprints?start=2024-01-01&end=2024-01-02&variables=power",
  "/fingerprints?start=2024-01-01&end=2024-01-02&variables=power&turbines=T01",
  "/turbines",
  "/extent",
];

function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}

async function assertAllUnavailable(api: ApiServer, secrets: string[]) {
  for (const path of ROUTES) {
    for (const accept of ["application/json", "text/csv", "application/x-pgcopy"]) {
      if (!path.startsWith("/data") && accept !== "application/json") continue;
      const res = await fetch(`${api.url}${path}`, {
        headers: { Authorization: `Bearer ${api.token}`, Accept: accept },
      });
      const text = await res.text();
      assert.equal(res.status, 503, `${path} (${accept}): ${text}`);
      assert.equal(res.headers.get("retry-after"), "5", path);
      assert.equal(JSON.parse(text).error, "database_unavailable", path);
      for (const s of secrets) assert.ok(!text.includes(s), `${path} leaks ${s}`);
    }
  }
  const health = await fetch(`${api.url}/health`);
  const text = await health.text();
  assert.equal(health.status, 503);
  assert.ok(health.headers.get("retry-after"));
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body).sort(), ["database", "error", "message", "status"]);
  assert.equal(body.status, "unavailable");
  assert.equal(body.database, "unavailable");
  for (const s of [...secrets, "ECONN", "ENOTFOUND", "getaddrinfo", "pg", "postgres"]) {
    assert.ok(!text.toLowerCase().includes(s.toLowerCase()), `/health says ${s}: ${text}`);
  }
}

for (
  const [what, host, port] of [
    ["a refused connection", "127.0.0.1", closedPort()],
    ["a host name that does not resolve", "windbin-source.invalid", 5432],
  ] as const
) {
  Deno.test(`${what} is a 503 with Retry-After on every database route`, async () => {
    const db = new PostgresDb(`postgres://windbin@${host}:${port}/source`, {
      max: 2,
      maxStreams: 2,
    });
    const api = await startApi(db);
    try {
      await assertAllUnavailable(api, [host, String(port)]);
      // /variables and the docs need no database.
      const vars = await fetch(`${api.url}/variables`, {
        headers: { Authorization: `Bearer ${api.token}` },
      });
      assert.equal(vars.status, 200);
      await vars.body?.cancel();
    } finally {
      await api.close();
      await db.close();
    }
  });
}

Deno.test("the classifier: DNS, starting up, read-only and full servers are unavailable", () => {
  const err = (props: Record<string, unknown>, message = "x") =>
    Object.assign(new Error(message), props);
  const unavailable = [
    err({ code: "EAI_AGAIN", syscall: "getaddrinfo" }, "getaddrinfo EAI_AGAIN db"),
    err({ code: "ENOTFOUND", syscall: "getaddrinfo" }, "getaddrinfo ENOTFOUND db"),
    err({ code: "EHOSTUNREACH" }),
    err({ code: "57P03" }, "the database system is starting up"),
    err({ code: "57P01" }, "terminating connection due to administrator command"),
    err({ code: "25006" }, "cannot execute INSERT in a read-only transaction"),
    err({ code: "53300" }, "sorry, too many clients already"),
    new Error("wrapped", { cause: err({ code: "EAI_AGAIN" }) }),
  ];
  for (const e of unavailable) assert.ok(isDatabaseUnavailable(e), e.message);
  assert.ok(isConnectionError(unavailable[0]), "EAI_AGAIN is a connection error (retried)");
  for (
    const e of [
      err({ code: "22012" }, "division by zero"),
      err({ code: "42P01" }, 'relation "x" does not exist'),
      err({ code: "57014" }, "canceling statement due to statement timeout"),
      new Error("PGlite is closed"),
      null,
    ]
  ) {
    assert.ok(!isDatabaseUnavailable(e), String(e));
  }
});

Deno.test({
  name: "[postgres] a read-only database: reads are served, a write is 'unavailable'",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const { db, url, close } = await freshDb("postgres");
    let ro: PostgresDb | undefined;
    let api: ApiServer | undefined;
    try {
      await migrate(db, "source");
      await db.exec("INSERT INTO data VALUES ('2024-01-01T00:00:00Z', 1, 2, 3)");
      const name = new URL(url!).pathname.slice(1);
      await db.exec(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
      ro = new PostgresDb(url!);
      const e = await ro.exec("INSERT INTO data VALUES ('2024-01-02T00:00:00Z', 1, 2, 3)").then(
        () => null,
        (e) => e,
      );
      assert.equal((e as { code?: string })?.code, "25006");
      assert.ok(isDatabaseUnavailable(e));
      // A standby or a source in maintenance still serves readings.
      api = await startApi(ro);
      const res = await fetch(`${api.url}/data?date=2024-01-01&variables=power`, {
        headers: { Authorization: `Bearer ${api.token}` },
      });
      assert.equal(await res.text(), '[{"timestamp":"2024-01-01T00:00:00Z","power":2}]');
    } finally {
      await api?.close();
      await ro?.close();
      await close();
    }
  },
});
