/** /data over real HTTP on both backends: values, bounds, NULLs, formats, order. */
import assert from "node:assert/strict";
import type { Db } from "../db/types.ts";
import { seed } from "../api/seed.ts";
import { migratedDb, testBackends } from "./helpers/databases.ts";
import { type ApiServer, startApi } from "./helpers/api_server.ts";

// Inserted out of order on purpose. Around the 2024-01-01 day: one reading just
// before it, readings in its last second, and one at midnight of the next day.
const FIXTURE: [string, number | null | "NaN", number | null | "NaN", number | null][] = [
  ["2024-01-02T00:00:00Z", 10, 1800, 2],
  ["2024-01-01T23:59:59Z", 9.5, 1500, 3],
  ["2024-01-01T12:00:00Z", null, 100, null],
  ["2023-12-31T23:59:59Z", 1, 0, -1],
  ["2024-01-01T00:00:00Z", 7.1, 312.4, 5.5],
  ["2024-01-01T23:59:59.5Z", 9.25, 1450.5, 2.75],
  ["2024-01-01T06:00:00Z", 4, "NaN", -0.25],
  ["2024-01-01T00:00:00.25Z", 8, 400, 5],
];

async function insertFixture(db: Db) {
  for (const [ts, w, p, t] of FIXTURE) {
    await db.query(
      "INSERT INTO data VALUES ($1::timestamptz, $2::float8, $3::float8, $4::float8)",
      [ts, w === null ? null : String(w), p === null ? null : String(p), t],
    );
  }
}

async function get(api: ApiServer, path: string, accept?: string) {
  const res = await fetch(`${api.url}${path}`, {
    headers: { Authorization: `Bearer ${api.token}`, ...(accept ? { Accept: accept } : {}) },
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${text}`);
  return { res, text };
}

testBackends("/data serves the fixture exactly, in every format", async (t, backend) => {
  const { db, close } = await migratedDb(backend, "source");
  const api = await startApi(db);
  try {
    await insertFixture(db);

    await t.step(
      "date=D is the whole UTC day, half-open; JSON keys in the order asked",
      async () => {
        const { res, text } = await get(api, "/data?date=2024-01-01&variables=power,wind_speed");
        assert.equal(res.headers.get("content-type"), "application/json");
        const rows = JSON.parse(text);
        assert.deepEqual(rows, [
          { timestamp: "2024-01-01T00:00:00Z", power: 312.4, wind_speed: 7.1 },
          { timestamp: "2024-01-01T00:00:00.25Z", power: 400, wind_speed: 8 },
          { timestamp: "2024-01-01T06:00:00Z", power: null, wind_speed: 4 },
          { timestamp: "2024-01-01T12:00:00Z", power: 100, wind_speed: null },
          { timestamp: "2024-01-01T23:59:59Z", power: 1500, wind_speed: 9.5 },
          { timestamp: "2024-01-01T23:59:59.5Z", power: 1450.5, wind_speed: 9.25 },
        ]);
        assert.deepEqual(Object.keys(rows[0]), ["timestamp", "power", "wind_speed"]);
        assert.ok(text.startsWith('[{"timestamp":"2024-01-01T00:00:00Z","power":312.4,'), text);
      },
    );

    await t.step("start and end are both inclusive", async () => {
      const { text } = await get(
        api,
        "/data?start=2024-01-01T23:59:59Z&end=2024-01-02T00:00:00Z&variables=wind_speed",
      );
      assert.deepEqual(JSON.parse(text).map((r: { timestamp: string }) => r.timestamp), [
        "2024-01-01T23:59:59Z",
        "2024-01-01T23:59:59.5Z",
        "2024-01-02T00:00:00Z",
      ]);
    });

    await t.step("offsets, the space form and a date alone mean the same instants", async () => {
      const forms = [
        "start=2024-01-02T00:59:59%2B01:00&end=2024-01-02",
        "start=2024-01-01%2023:59:59&end=2024-01-02%2000:00:00",
        // An unencoded + arrives as a space: still read as an offset.
        "start=2024-01-02T00:59:59+01:00&end=2024-01-01T19:00:00-05:00",
        "start=2024-01-01T23:59:59.000&end=2024-01-02T00:00Z",
      ];
      for (const q of forms) {
        const { text } = await get(api, `/data?${q}&variables=power`);
        assert.equal(JSON.parse(text).length, 3, q);
      }
    });

    await t.step("a range with no readings is an empty array", async () => {
      const { text } = await get(api, "/data?date=2020-06-01&variables=power");
      assert.equal(text, "[]");
    });

    await t.step("CSV: header, NULL as an empty field, NaN as NaN, same rows", async () => {
      const { res, text } = await get(
        api,
        "/data?date=2024-01-01&variables=wind_speed,power,ambient_temperature",
        "text/csv",
      );
      assert.match(res.headers.get("content-type")!, /^text\/csv/);
      assert.equal(
        text,
        [
          "timestamp,wind_speed,power,ambient_temperature",
          "2024-01-01T00:00:00Z,7.1,312.4,5.5",
          "2024-01-01T00:00:00.25Z,8,400,5",
          "2024-01-01T06:00:00Z,4,NaN,-0.25",
          "2024-01-01T12:00:00Z,,100,",
          "2024-01-01T23:59:59Z,9.5,1500,3",
          "2024-01-01T23:59:59.5Z,9.25,1450.5,2.75",
          "",
        ].join("\n"),
      );
    });

    await t.step("NDJSON: one object per line, equal to the JSON array", async () => {
      const q =
        "/data?start=2023-12-31&end=2024-01-03&variables=ambient_temperature&variables=power";
      const { res, text } = await get(api, q, "application/x-ndjson");
      assert.equal(res.headers.get("content-type"), "application/x-ndjson");
      assert.ok(text.endsWith("}\n"));
      const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
      const { text: json } = await get(api, q);
      assert.deepEqual(lines, JSON.parse(json));
      assert.equal(lines.length, FIXTURE.length);
      assert.deepEqual(lines[0], {
        timestamp: "2023-12-31T23:59:59Z",
        ambient_temperature: -1,
        power: 0,
      });
    });

    await t.step(
      "Accept negotiation: q-values, wildcards, unknown types fall back to JSON",
      async () => {
        const cases: [string, RegExp][] = [
          ["text/csv;q=0.5, application/x-ndjson", /^application\/x-ndjson/],
          ["application/json;q=0.1, text/csv", /^text\/csv/],
          ["*/*", /^application\/json/],
          ["application/xml", /^application\/json/],
        ];
        for (const [accept, type] of cases) {
          const { res } = await get(api, "/data?date=2024-01-01&variables=power", accept);
          assert.match(res.headers.get("content-type")!, type, accept);
        }
      },
    );
  } finally {
    await api.close();
    await close();
  }
});

testBackends("the three formats carry the same rows, ordered by time", async (_t, backend) => {
  const { db, close } = await migratedDb(backend, "source");
  const api = await startApi(db);
  try {
    // 2 days at 1 minute: bodies of several 64 KiB chunks, so chunk joins are covered.
    await seed(db, { from: "2024-05-01", days: 2, everySeconds: 60 });
    const q =
      "/data?start=2024-05-01&end=2024-05-03&variables=wind_speed,ambient_temperature,power";
    const json = JSON.parse((await get(api, q)).text) as Record<string, unknown>[];
    const nd = (await get(api, q, "application/x-ndjson")).text.trimEnd().split("\n")
      .map((l) => JSON.parse(l));
    const csvLines = (await get(api, q, "text/csv")).text.trimEnd().split("\n");
    assert.equal(csvLines.shift(), "timestamp,wind_speed,ambient_temperature,power");
    const csv = csvLines.map((l) => {
      const [timestamp, ...vals] = l.split(",");
      const [wind_speed, ambient_temperature, power] = vals.map((v) => v === "" ? null : Number(v));
      return { timestamp, wind_speed, ambient_temperature, power };
    });
    // 2880 readings of the two days plus midnight of 05-03 (inclusive end, not seeded).
    assert.equal(json.length, 2880);
    assert.deepEqual(nd, json);
    assert.deepEqual(csv, json);
    const times = json.map((r) => Date.parse(r.timestamp as string));
    assert.ok(times.every((t, i) => i === 0 || t - times[i - 1] === 60_000), "ordered by time");
    const [{ n }] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM data");
    assert.equal(n, 2880);
  } finally {
    await api.close();
    await close();
  }
});

testBackends("/data: ±Infinity, NaN, NULL and -0 in JSON and NDJSON", async (_t, backend) => {
  const { db, close } = await migratedDb(backend, "source");
  const api = await startApi(db);
  try {
    await db.exec(`INSERT INTO data VALUES
      ('2024-03-01T00:00:00Z', 'Infinity', '-Infinity', 'NaN'),
      ('2024-03-01T00:00:01Z', NULL, '-0', 1e-7)`);
    const q = "/data?date=2024-03-01&variables=wind_speed,power,ambient_temperature";
    const expected = [
      {
        timestamp: "2024-03-01T00:00:00Z",
        wind_speed: null,
        power: null,
        ambient_temperature: null,
      },
      { timestamp: "2024-03-01T00:00:01Z", wind_speed: null, power: -0, ambient_temperature: 1e-7 },
    ];
    assert.deepEqual(JSON.parse((await get(api, q)).text), expected);
    const nd = (await get(api, q, "application/x-ndjson")).text.trim().split("\n");
    assert.deepEqual(nd.map((l) => JSON.parse(l)), expected);
  } finally {
    await api.close();
    await close();
  }
});
