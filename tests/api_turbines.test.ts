/**
 * Turbines in the API, over real HTTP on both backends: `turbines=` on /data
 * and /fingerprints, GET /turbines and GET /extent. A source with several
 * turbines never answers a text format with their series silently mixed.
 */
import assert from "node:assert/strict";
import type { Db } from "../db/types.ts";
import { migratedDb, testBackends } from "./helpers/databases.ts";
import { type ApiServer, startApi } from "./helpers/api_server.ts";

/** A name with what JSON and CSV must escape, and bytes above ASCII. */
const ODD = 'Süd "7" \\ a;b';

async function insertFarm(db: Db) {
  // T01: every minute for 10 minutes, then one reading two days later.
  await db.exec(`INSERT INTO data (turbine, timestamp, wind_speed, power)
    SELECT 'T01', t, extract(minute FROM t), 100
      FROM generate_series('2024-01-01'::timestamptz, '2024-01-01 00:09', '1 minute') t;
    INSERT INTO data (turbine, timestamp, wind_speed, power)
    VALUES ('T01', '2024-01-03T00:00:00Z', 99, NULL)`);
  // T02: every second for 100 seconds, on the next day.
  await db.exec(`INSERT INTO data (turbine, timestamp, wind_speed, power)
    SELECT 'T02', t, 1, extract(second FROM t)
      FROM generate_series('2024-01-02'::timestamptz, '2024-01-02 00:01:39', '1 second') t`);
  // ODD: three readings half a second apart, across midnight.
  await db.query(
    `INSERT INTO data (turbine, timestamp, wind_speed, power)
     VALUES ($1, '2024-01-01T23:59:59.5Z', 5, 6), ($1, '2024-01-02T00:00:00Z', NULL, 7),
            ($1, '2024-01-02T00:00:00.5Z', 8, 9)`,
    [ODD],
  );
}

async function call(api: ApiServer, path: string, accept = "application/json") {
  const res = await fetch(`${api.url}${path}`, {
    headers: { Authorization: `Bearer ${api.token}`, Accept: accept },
  });
  return { res, text: await res.text() };
}

async function ok(api: ApiServer, path: string, accept?: string) {
  const { res, text } = await call(api, path, accept);
  assert.equal(res.status, 200, `${path}: ${text}`);
  return text;
}

const RANGE = "start=2024-01-01&end=2024-01-03";
const enc = encodeURIComponent;

testBackends("several turbines: named, all, or a 400 — never mixed", async (t, backend) => {
  const { db, close } = await migratedDb(backend, "source");
  const api = await startApi(db);
  try {
    await insertFarm(db);

    await t.step("text formats without turbines: a 400 that says how to name them", async () => {
      for (const accept of ["application/json", "text/csv", "application/x-ndjson"]) {
        const { res, text } = await call(api, `/data?${RANGE}&variables=power`, accept);
        const body = JSON.parse(text);
        assert.equal(res.status, 400, accept);
        assert.equal(body.parameter, "turbines");
        assert.match(body.message, /3 turbines.*turbines=.*turbines=\*/);
      }
    });

    await t.step("turbines=*: every series, each reading with its turbine", async () => {
      const rows = JSON.parse(await ok(api, `/data?${RANGE}&variables=power&turbines=*`));
      assert.equal(rows.length, 11 + 100 + 3);
      assert.deepEqual(Object.keys(rows[0]), ["turbine", "timestamp", "power"]);
      // Byte order of the names ("S" < "T"), then time.
      assert.deepEqual(rows.slice(0, 3), [
        { turbine: ODD, timestamp: "2024-01-01T23:59:59.5Z", power: 6 },
        { turbine: ODD, timestamp: "2024-01-02T00:00:00Z", power: 7 },
        { turbine: ODD, timestamp: "2024-01-02T00:00:00.5Z", power: 9 },
      ]);
      const order = (r: { turbine: string; timestamp: string }) =>
        [r.turbine, Temporal.Instant.from(r.timestamp).epochNanoseconds] as const;
      for (let i = 1; i < rows.length; i++) {
        const [ta, a] = order(rows[i - 1]), [tb, b] = order(rows[i]);
        assert.ok(ta < tb || (ta === tb && a < b), `row ${i} out of order`);
      }
      const nd =
        (await ok(api, `/data?${RANGE}&variables=power&turbines=*`, "application/x-ndjson"))
          .trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(nd, rows);
    });

    await t.step("named turbines, in any order; CSV quotes what it must", async () => {
      const csv = await ok(
        api,
        `/data?date=2024-01-02&variables=wind_speed&turbines=T02,${enc(ODD)}`,
        "text/csv",
      );
      const lines = csv.trimEnd().split("\n");
      assert.equal(lines[0], "turbine,timestamp,wind_speed");
      assert.equal(lines[1], `"Süd ""7"" \\ a;b",2024-01-02T00:00:00Z,`);
      assert.equal(lines[2], `"Süd ""7"" \\ a;b",2024-01-02T00:00:00.5Z,8`);
      assert.equal(lines[3], "T02,2024-01-02T00:00:00Z,1");
      assert.equal(lines.length, 1 + 2 + 100);
      const one = JSON.parse(await ok(api, `/data?${RANGE}&variables=power&turbines=T01`));
      assert.equal(one.length, 11);
      assert.ok(one.every((r: { turbine: string }) => r.turbine === "T01"));
    });

    await t.step("bad turbine selections are 400s naming turbines", async () => {
      const cases: [string, RegExp][] = [
        ["turbines=T99", /unknown turbine "T99"/],
        ["turbines=T01,T99", /unknown turbine "T99"/],
        ["turbines=*,T01", /cannot be combined/],
        ["turbines=", /empty turbine name/],
        ["turbines=T01,", /empty turbine name/],
        [`turbines=${"x".repeat(201)}`, /longer than 200/],
        ["turbines=T%0A01", /control character/],
      ];
      for (const [q, message] of cases) {
        for (
          const route of [
            `/data?${RANGE}&variables=power`,
            `/fingerprints?${RANGE}&variables=power`,
          ]
        ) {
          const { res, text } = await call(api, `${route}&${q}`);
          const body = JSON.parse(text);
          assert.equal(res.status, 400, `${route} ${q}: ${text}`);
          assert.equal(body.parameter, "turbines");
          assert.match(body.message, message, q);
        }
      }
    });

    await t.step("binary needs no turbines: every series", async () => {
      const { res } = await call(api, `/data?${RANGE}&variables=power`, "application/x-pgcopy");
      assert.equal(res.status, 200);
    });

    await t.step("GET /turbines: first, last and cadence of each", async () => {
      assert.deepEqual(JSON.parse(await ok(api, "/turbines")), [
        {
          turbine: ODD,
          first: "2024-01-01T23:59:59.5Z",
          last: "2024-01-02T00:00:00.5Z",
          cadence_seconds: 0.5,
        },
        {
          turbine: "T01",
          first: "2024-01-01T00:00:00Z",
          last: "2024-01-03T00:00:00Z",
          cadence_seconds: 60,
        },
        {
          turbine: "T02",
          first: "2024-01-02T00:00:00Z",
          last: "2024-01-02T00:01:39Z",
          cadence_seconds: 1,
        },
      ]);
      const { res, text } = await call(api, "/turbines?all=1");
      assert.equal(res.status, 400, text);
      assert.equal(JSON.parse(text).parameter, "all");
    });

    await t.step("GET /extent: the first and last reading of the source", async () => {
      assert.deepEqual(JSON.parse(await ok(api, "/extent")), {
        first: "2024-01-01T00:00:00Z",
        last: "2024-01-03T00:00:00Z",
      });
    });

    await t.step("/fingerprints per turbine: counts add up, checksums XOR up", async () => {
      const fp = async (q: string) =>
        JSON.parse(await ok(api, `/fingerprints?${RANGE}&variables=power,wind_speed${q}`)) as {
          day: string;
          readings: number;
          checksum: string;
        }[];
      const all = await fp("");
      assert.deepEqual(await fp("&turbines=*"), all);
      const parts = await Promise.all(
        ["T01", "T02", enc(ODD)].map((n) => fp(`&turbines=${n}`)),
      );
      assert.deepEqual(all.map((d) => [d.day, d.readings]), [
        ["2024-01-01", 11],
        ["2024-01-02", 102],
        ["2024-01-03", 1],
      ]);
      for (const day of all) {
        const same = parts.flat().filter((d) => d.day === day.day);
        assert.equal(same.reduce((n, d) => n + d.readings, 0), day.readings);
        const xor = same.reduce((x, d) => x ^ BigInt(`0x${d.checksum}`), 0n);
        assert.equal(xor.toString(16).padStart(16, "0"), day.checksum, day.day);
      }
    });
  } finally {
    await api.close();
    await close();
  }
});

testBackends(
  "one turbine (whatever its name): today's answers; /turbines and /extent when empty",
  async (_t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    const api = await startApi(db);
    try {
      assert.deepEqual(JSON.parse(await ok(api, "/extent")), { first: null, last: null });
      assert.deepEqual(JSON.parse(await ok(api, "/turbines")), []);
      assert.equal(await ok(api, "/data?date=2024-01-01&variables=power"), "[]");
      await db.exec(`INSERT INTO data (turbine, timestamp, power)
        VALUES ('T07', '2024-01-01T00:00:00Z', 1), ('T07', '2024-01-01T00:10:00Z', 2)`);
      assert.equal(
        await ok(api, "/data?date=2024-01-01&variables=power"),
        '[{"timestamp":"2024-01-01T00:00:00Z","power":1},' +
          '{"timestamp":"2024-01-01T00:10:00Z","power":2}]',
      );
      assert.equal(
        await ok(api, "/data?date=2024-01-01&variables=power", "text/csv"),
        "timestamp,power\n2024-01-01T00:00:00Z,1\n2024-01-01T00:10:00Z,2\n",
      );
      // Naming it is allowed, and then the answer says which it is.
      assert.equal(
        await ok(api, "/data?date=2024-01-01&variables=power&turbines=T07", "text/csv"),
        "turbine,timestamp,power\nT07,2024-01-01T00:00:00Z,1\nT07,2024-01-01T00:10:00Z,2\n",
      );
      assert.deepEqual(JSON.parse(await ok(api, "/turbines")), [{
        turbine: "T07",
        first: "2024-01-01T00:00:00Z",
        last: "2024-01-01T00:10:00Z",
        cadence_seconds: 600,
      }]);
      const one = await call(api, "/data?date=2024-01-01&variables=power&turbines=default");
      assert.equal(one.res.status, 400, "default is not a turbine of this source");
    } finally {
      await api.close();
      await close();
    }
  },
);
