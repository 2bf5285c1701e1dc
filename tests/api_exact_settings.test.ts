/**
 * Values leave the API exactly whatever the server, database or role says:
 * both adapters pin extra_float_digits, DateStyle, IntervalStyle, TimeZone
 * and client_encoding on every connection. A database and a role set to
 * print 15-digit floats, US dates, New York time and LATIN1 change nothing
 * in /data (CSV, JSON, NDJSON, binary) or /fingerprints.
 */
import assert from "node:assert/strict";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { PostgresDb } from "../db/postgres.ts";
import { PgliteDb } from "../db/pglite.ts";
import { migrate } from "../migrations/migrate.ts";
import type { Db } from "../db/types.ts";
import { fingerprintCopyBinary } from "../sql/fingerprint.ts";
import { freshDb, tempDir, TEST_DATABASE_URL } from "./helpers/databases.ts";
import { type ApiServer, startApi } from "./helpers/api_server.ts";

const ROWS: [string, string, number | null, number | null][] = [
  ["default", "2024-01-01T00:00:00Z", 0.30000000000000004, 7.123456789012345],
  ["default", "2024-01-01T12:34:56.789012Z", 1e-300, null],
  ["default", "2024-01-01T23:59:59.5Z", 2.718281828459045, 123456789.12345679],
];
const VARS = "variables=wind_speed,power";
const Q = `/data?date=2024-01-01&${VARS}`;

/** Settings a database and a role may carry that would change value text if not pinned. */
const HOSTILE = [
  "extra_float_digits = 0",
  "DateStyle = 'SQL, DMY'",
  "IntervalStyle = 'sql_standard'",
  "TimeZone = 'America/New_York'",
];

async function insertRows(db: Db) {
  for (const [turbine, ts, w, p] of ROWS) {
    await db.query(
      "INSERT INTO data (turbine, timestamp, wind_speed, power) VALUES ($1, $2, $3::float8, $4::float8)",
      [turbine, ts, w === null ? null : String(w), p === null ? null : String(p)],
    );
  }
}

async function fetchText(api: ApiServer, path: string, accept: string) {
  const res = await fetch(`${api.url}${path}`, {
    headers: { Authorization: `Bearer ${api.token}`, Accept: accept },
  });
  assert.equal(res.status, 200, path);
  return res;
}

/** Every format of /data, checked value by value against the rows (and SQL, by `sqlEqual`). */
async function assertExact(api: ApiServer, sqlEqual: (vals: string[]) => Promise<boolean>) {
  const csv = await (await fetchText(api, Q, "text/csv")).text();
  assert.equal(
    csv,
    "timestamp,wind_speed,power\n" +
      "2024-01-01T00:00:00Z,0.30000000000000004,7.123456789012345\n" +
      "2024-01-01T12:34:56.789012Z,1e-300,\n" +
      "2024-01-01T23:59:59.5Z,2.718281828459045,123456789.12345679\n",
  );
  const json = await (await fetchText(api, Q, "application/json")).json();
  const nd = (await (await fetchText(api, Q, "application/x-ndjson")).text()).trim().split("\n")
    .map((l) => JSON.parse(l));
  const want = ROWS.map(([, ts, w, p]) => ({
    timestamp: ts,
    wind_speed: w,
    power: p,
  }));
  assert.deepEqual(json, want);
  assert.deepEqual(nd, want);
  // The text of every value, read back by PostgreSQL as float8, equals what it stores.
  const texts = csv.trim().split("\n").slice(1).flatMap((l) => l.split(",").slice(1));
  assert.ok(await sqlEqual(texts.map((t) => t === "" ? "NULL" : t)), "float8 equality in SQL");
  const bin = await (await fetchText(api, Q, "application/x-pgcopy")).bytes();
  return {
    binary: bin,
    fingerprints: await (await fetchText(
      api,
      `/fingerprints?start=2024-01-01&end=2024-01-01&${VARS}`,
      "application/json",
    )).json(),
  };
}

/** SQL: do these texts (w, p per row, in order) read as exactly the stored values? */
function sqlEqualOn(db: Db) {
  return async (texts: string[]) => {
    const [{ ok }] = await db.query<{ ok: boolean }>(
      `SELECT bool_and(d.wind_speed IS NOT DISTINCT FROM a.w AND d.power IS NOT DISTINCT FROM a.p
                       AND float8send(d.wind_speed) IS NOT DISTINCT FROM float8send(a.w)) AS ok
         FROM (SELECT row_number() OVER (ORDER BY timestamp) AS n, wind_speed, power FROM data) d
         JOIN (SELECT n, NULLIF(w, 'NULL')::float8 AS w, NULLIF(p, 'NULL')::float8 AS p
                 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(w, p, n)) a
           ON a.n = d.n`,
      [texts.filter((_, i) => i % 2 === 0), texts.filter((_, i) => i % 2 === 1)],
    );
    return ok;
  };
}

Deno.test({
  name: "[postgres] database and role settings change no value or fingerprint",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const { db: owner, url, close } = await freshDb("postgres");
    const role = `windbin_role_${crypto.randomUUID().slice(0, 8)}`;
    const admin = new PostgresDb(TEST_DATABASE_URL!, { max: 1, maxStreams: 1 });
    let roleDb: PostgresDb | undefined;
    let api: ApiServer | undefined;
    try {
      await migrate(owner, "source");
      await insertRows(owner);
      const ownerApi = await startApi(owner);
      let before;
      try {
        before = await assertExact(ownerApi, sqlEqualOn(owner));
      } finally {
        await ownerApi.close();
      }

      const dbName = new URL(url!).pathname.slice(1);
      for (const s of [...HOSTILE, "client_encoding = 'LATIN1'"]) {
        await owner.exec(`ALTER DATABASE ${dbName} SET ${s}`);
      }
      await admin.exec(`CREATE ROLE ${role} LOGIN`);
      await admin.exec(`ALTER ROLE ${role} SET extra_float_digits = -3`);
      await owner.exec(`GRANT SELECT ON data, reading_days TO ${role}`);
      const roleUrl = new URL(url!);
      roleUrl.username = role;

      // The control: a connection that pins nothing gets the lossy text.
      const plain = new pg.Client({ connectionString: roleUrl.toString() });
      await plain.connect();
      try {
        const { rows } = await plain.query(
          "SELECT wind_speed::text AS w, timestamp::text AS ts FROM data ORDER BY timestamp LIMIT 1",
        );
        assert.deepEqual(rows[0], { w: "0.3", ts: "31/12/2023 19:00:00 EST" });
      } finally {
        await plain.end();
      }

      roleDb = new PostgresDb(roleUrl.toString());
      api = await startApi(roleDb);
      const after = await assertExact(api, sqlEqualOn(roleDb));
      assert.deepEqual(after.fingerprints, before.fingerprints);
      assert.deepEqual(after.binary, before.binary);
      assert.deepEqual(fingerprintCopyBinary(after.binary, ["wind_speed", "power"]), [
        { day: "2024-01-01", ...pick(after.fingerprints[0]) },
      ]);
    } finally {
      await api?.close();
      await roleDb?.close();
      await close();
      await admin.exec(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
      await admin.close();
    }
  },
});

function pick(f: { readings: number; checksum: string }) {
  return { readings: f.readings, checksum: f.checksum };
}

Deno.test("[pglite] settings stored in the data directory change no value", async () => {
  const dir = `${await tempDir("exact_")}/source`;
  try {
    let db: Db = await PgliteDb.open(dir, "source");
    let before;
    try {
      await migrate(db, "source");
      await insertRows(db);
      const api = await startApi(db);
      try {
        before = await assertExact(api, sqlEqualOn(db));
      } finally {
        await api.close();
      }
      // PGlite's single backend ignores ALTER DATABASE/ROLE settings, but reads
      // postgresql.auto.conf in its data directory, which ALTER SYSTEM writes.
      for (const s of HOSTILE) await db.exec(`ALTER SYSTEM SET ${s}`);
    } finally {
      await db.close();
    }
    // The control: PGlite opened without the adapter gets the stored settings.
    const raw = await PGlite.create(dir);
    try {
      const { rows } = await raw.query<{ w: string }>(
        "SELECT wind_speed::text AS w FROM data ORDER BY timestamp LIMIT 1",
      );
      assert.equal(rows[0].w, "0.3");
    } finally {
      await raw.close();
    }
    db = await PgliteDb.open(dir, "source");
    try {
      const api = await startApi(db);
      try {
        const after = await assertExact(api, sqlEqualOn(db));
        assert.deepEqual(after.fingerprints, before.fingerprints);
        assert.deepEqual(after.binary, before.binary);
      } finally {
        await api.close();
      }
    } finally {
      await db.close();
    }
  } finally {
    await Deno.remove(dir.replace(/\/source$/, ""), { recursive: true });
  }
});
