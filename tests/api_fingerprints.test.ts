/**
 * GET /fingerprints (issue 7 §4.3): per-day reading count and checksum (v2,
 * sql/fingerprint.ts), kept per day in reading_days; the runner computes the
 * same over its staging table (fingerprintSql). Over real HTTP, on both backends.
 */
import assert from "node:assert/strict";
import { seed } from "../api/seed.ts";
import { type FingerprintRow, fingerprintSql } from "../sql/fingerprint.ts";
import { freshDb, migratedDb, testBackends } from "./helpers/databases.ts";
import { type ApiServer, startApi } from "./helpers/api_server.ts";

type Entry = { day: string; readings: number; checksum: string };
const VARS = "variables=wind_speed,power";

async function fingerprints(api: ApiServer, query: string): Promise<Entry[]> {
  const res = await fetch(`${api.url}/fingerprints?${query}`, {
    headers: { Authorization: `Bearer ${api.token}` },
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

const byDay = (entries: Entry[]) => Object.fromEntries(entries.map((e) => [e.day, e]));

testBackends("fingerprints: one entry per day with readings; any change moves only its day", async (
  t,
  backend,
) => {
  const { db, close } = await migratedDb(backend, "source");
  const api = await startApi(db, { maxRangeDays: 366 });
  try {
    await seed(db, { from: "2024-01-01", days: 3, everySeconds: 60 });
    const range = `start=2023-12-30&end=2024-01-05&${VARS}`;
    const before = await fingerprints(api, range);
    assert.deepEqual(before.map((e) => [e.day, e.readings]), [
      ["2024-01-01", 1440],
      ["2024-01-02", 1440],
      ["2024-01-03", 1440],
    ]);
    for (const e of before) assert.match(e.checksum, /^[0-9a-f]{16}$/);
    assert.equal(new Set(before.map((e) => e.checksum)).size, 3);

    const edits: [string, string][] = [
      [
        "a changed reading",
        "UPDATE data SET power = power + 1e-9 WHERE timestamp = '2024-01-02T10:00:00Z'",
      ],
      [
        "a reading set to NULL",
        "UPDATE data SET wind_speed = NULL WHERE timestamp = '2024-01-02T11:00:00Z'",
      ],
      ["an added reading", "INSERT INTO data VALUES ('2024-01-02T12:00:30Z', 5, 100, 10)"],
      ["a removed reading", "DELETE FROM data WHERE timestamp = '2024-01-02T23:59:00Z'"],
      [
        "a moved reading",
        "UPDATE data SET timestamp = timestamp + interval '1 second' WHERE timestamp = '2024-01-02T00:00:00Z'",
      ],
    ];
    let prev = byDay(before);
    for (const [what, sql] of edits) {
      await t.step(what, async () => {
        await db.exec(sql);
        const now = byDay(await fingerprints(api, range));
        assert.notEqual(now["2024-01-02"].checksum, prev["2024-01-02"].checksum, what);
        assert.deepEqual(now["2024-01-01"], prev["2024-01-01"]);
        assert.deepEqual(now["2024-01-03"], prev["2024-01-03"]);
        prev = now;
      });
    }
    // A variable the checksum does not cover changes nothing.
    await db.exec("UPDATE data SET ambient_temperature = -5 WHERE timestamp < '2024-01-02'");
    assert.deepEqual(byDay(await fingerprints(api, range)), prev);
    // A year in one request.
    assert.equal((await fingerprints(api, `start=2024-01-01&end=2024-12-31&${VARS}`)).length, 3);
  } finally {
    await api.close();
    await close();
  }
});

testBackends("fingerprints: staging loaded from the API's CSV gives the same checksum", async (
  _t,
  backend,
) => {
  const source = await migratedDb(backend, "source");
  const target = await freshDb(backend);
  const api = await startApi(source.db);
  try {
    await seed(source.db, { from: "2024-01-01", days: 2, everySeconds: 60 });
    // NULLs and awkward floats travel too.
    await source.db.exec(`UPDATE data SET power = NULL WHERE timestamp = '2024-01-02T01:00:00Z';
      UPDATE data SET wind_speed = 0.1 + 0.2 WHERE timestamp = '2024-01-02T02:00:00Z';
      UPDATE data SET wind_speed = 1e-300 WHERE timestamp = '2024-01-02T03:00:00Z'`);
    const [expected] = await fingerprints(api, `start=2024-01-02&end=2024-01-02&${VARS}`);
    const res = await fetch(`${api.url}/data?date=2024-01-02&${VARS}`, {
      headers: { Authorization: `Bearer ${api.token}`, Accept: "text/csv" },
    });
    assert.equal(res.status, 200);
    const got = await target.db.session(async (s) => {
      await s.exec(
        "CREATE TEMP TABLE staging (timestamp timestamptz, wind_speed float8, power float8)",
      );
      await s.copyFrom("COPY staging FROM STDIN (FORMAT csv, HEADER true)", res.body!);
      return await s.query<FingerprintRow>(fingerprintSql("staging", ["wind_speed", "power"]), [
        "2024-01-02",
        "2024-01-02",
      ]);
    });
    assert.deepEqual(got.map((r) => ({ ...r })), [expected]);
  } finally {
    await api.close();
    await target.close();
    await source.close();
  }
});

testBackends("fingerprints: bad input is a 400 naming the parameter", async (_t, backend) => {
  const { db, close } = await migratedDb(backend, "source");
  const api = await startApi(db);
  try {
    const cases: [string, string][] = [
      [`end=2024-01-02&${VARS}`, "start"],
      [`start=2024-02-30&end=2024-03-01&${VARS}`, "start"],
      [`start=2024-01-02&end=2024-01-01&${VARS}`, "end"],
      [`start=2024-01-01&end=2026-12-31&${VARS}`, "end"],
      [`start=0000-01-01&end=2024-01-01&${VARS}`, "start"],
      ["start=2024-01-01&end=2024-01-02&variables=rpm", "variables"],
      ["start=2024-01-01&end=2024-01-02", "variables"],
      [`start=2024-01-01&end=2024-01-02&${VARS}&date=2024-01-01`, "date"],
    ];
    for (const [query, parameter] of cases) {
      const res = await fetch(`${api.url}/fingerprints?${query}`, {
        headers: { Authorization: `Bearer ${api.token}` },
      });
      const body = await res.json();
      assert.equal(res.status, 400, query);
      assert.equal(body.parameter, parameter, query);
    }
    const noToken = await fetch(`${api.url}/fingerprints?start=2024-01-01&end=2024-01-01&${VARS}`);
    await noToken.body?.cancel();
    assert.equal(noToken.status, 401);
  } finally {
    await api.close();
    await close();
  }
});

Deno.test("fingerprintSql accepts only plain identifiers", () => {
  assert.throws(() => fingerprintSql("data; drop", ["power"]), /identifier/);
  assert.throws(() => fingerprintSql("data", ["power)"]), /identifier/);
  assert.throws(() => fingerprintSql("data", []), /at least one/);
  assert.match(fingerprintSql("staging", ["power"]), /FROM staging/);
});
