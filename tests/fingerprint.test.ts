/**
 * Fingerprint v2: the SQL function, reading_days (GET /fingerprints),
 * fingerprintSql and the JS hasher all equal values computed independently
 * by tests/fixtures/fingerprint/compute.py (hashlib + struct), committed in
 * expected.json; and any change to a reading changes its day's checksum.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  type DayFingerprint,
  fingerprintCopyBinary,
  FingerprintHasher,
  fingerprintSql,
} from "../sql/fingerprint.ts";
import type { Db } from "../db/types.ts";
import { migratedDb, testBackends } from "./helpers/databases.ts";
import { type ApiServer, startApi } from "./helpers/api_server.ts";

type Value = number | null | "-0";
type FixtureRow = [string, string, Value, Value, Value];
interface Case {
  variables: string[];
  turbines: string[] | null;
  days: DayFingerprint[];
}

const DIR = new URL("./fixtures/fingerprint/", import.meta.url);
const fixture = JSON.parse(await Deno.readTextFile(new URL("readings.json", DIR))) as {
  variables: string[];
  rows: FixtureRow[];
};
const expected = JSON.parse(await Deno.readTextFile(new URL("expected.json", DIR))) as {
  hashes: string[][];
  cases: Case[];
};
const ALL = fixture.variables;
const value = (v: Value): number | null => v === "-0" ? -0 : v;
const encoder = new TextEncoder();

/** Microseconds since 2000-01-01T00:00:00Z, as timestamptz_send writes them. */
function micros(ts: string): bigint {
  const i = Temporal.Instant.from(ts);
  return (i.epochNanoseconds - Temporal.Instant.from("2000-01-01T00:00:00Z").epochNanoseconds) /
    1000n;
}

/** Feeds rows to a hasher the way a binary COPY reader would: bytes and offsets. */
function hashRows(rows: FixtureRow[], variables: string[]): DayFingerprint[] {
  const h = new FingerprintHasher(variables);
  const buf = new Uint8Array(8 + 8 * variables.length);
  const dv = new DataView(buf.buffer);
  for (const [turbine, ts, ...values] of rows) {
    h.turbine(encoder.encode(turbine));
    dv.setBigInt64(0, micros(ts));
    h.reading(buf, 0);
    variables.forEach((name, i) => {
      const v = value(values[ALL.indexOf(name)]);
      if (v === null) return h.nullValue(i);
      dv.setFloat64(8 + 8 * i, v);
      h.value(i, buf, 8 + 8 * i);
    });
  }
  return h.days();
}

/** The next float8 up (for positive x): one unit in the last place. */
function nextUp(x: number): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  dv.setBigUint64(0, dv.getBigUint64(0) + 1n);
  return dv.getFloat64(0);
}

const rowsOf = (turbines: string[] | null) =>
  fixture.rows.filter(([t]) => turbines === null || turbines.includes(t));

Deno.test("the JS hasher gives the committed values of the independent Python script", () => {
  assert.ok(expected.cases.length >= 12);
  for (const c of expected.cases) {
    assert.deepEqual(hashRows(rowsOf(c.turbines), c.variables), c.days, JSON.stringify(c));
  }
  // Each single value: a one-row, one-variable fingerprint is h itself.
  fixture.rows.forEach((row, r) => {
    ALL.forEach((name, i) => {
      const [day] = hashRows([row], [name]);
      assert.equal(day.checksum, expected.hashes[r][i], `row ${r} ${name}`);
    });
  });
});

Deno.test("the JS MD5 equals node:crypto's for 1 to 5 blocks, alone and in pairs", () => {
  // Turbine names from 0 to 260 bytes put the message across 1..5 MD5 blocks,
  // and every length of the final block's padding.
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let len = 0; len <= 260; len++) {
    const turbine = Array.from({ length: len }, () => String.fromCharCode(97 + rnd() * 26)).join(
      "",
    );
    const ts = BigInt(Math.floor(rnd() * 2 ** 52)) - 2n ** 51n;
    const vals = [rnd() * 1e6 - 5e5, rnd() < 0.3 ? null : rnd()];
    const names = ["wind_speed", "ambient_temperature"];
    const h = new FingerprintHasher(names);
    h.turbine(encoder.encode(turbine));
    const buf = new Uint8Array(24);
    const dv = new DataView(buf.buffer);
    dv.setBigInt64(0, ts);
    h.reading(buf, 0);
    let want = 0n;
    names.forEach((name, i) => {
      const v = vals[i];
      const msg = [
        ...encoder.encode(turbine),
        0,
        ...buf.subarray(0, 8),
        ...encoder.encode(name),
        0,
      ];
      if (v === null) {
        msg.push(0);
        h.nullValue(i);
      } else {
        dv.setFloat64(8 + 8 * i, v);
        msg.push(1, ...buf.subarray(8 + 8 * i, 16 + 8 * i));
        h.value(i, buf, 8 + 8 * i);
      }
      const digest = createHash("md5").update(new Uint8Array(msg)).digest();
      want ^= digest.readBigUInt64BE(0);
    });
    const [day] = h.days();
    assert.equal(day.checksum, want.toString(16).padStart(16, "0"), `turbine of ${len} bytes`);
  }
});

Deno.test("a one-ulp change, an added and a removed reading each change the checksum", () => {
  const vars = ["wind_speed", "power"];
  const base = rowsOf(["T01"]);
  const day = (rows: FixtureRow[]) =>
    hashRows(rows, vars).find((d) => d.day === "2024-01-01")!.checksum;
  const before = day(base);
  const ulp = base.map((r) => [...r] as FixtureRow);
  ulp[1][2] = nextUp(0.30000000000000004);
  assert.notEqual(ulp[1][2], 0.30000000000000004);
  const added = [...base, ["T01", "2024-01-01T13:00:00Z", 1, 2, 3] as FixtureRow];
  const removed = base.filter((r) => r[1] !== "2024-01-01T12:00:00Z");
  const nulled = base.map((r) => [...r] as FixtureRow);
  nulled[4][3] = null;
  const moved = base.map((r) => [...r] as FixtureRow);
  moved[3][1] = "2024-01-01T12:00:00.000001Z";
  const renamed = base.map((r) => [...r] as FixtureRow);
  renamed[3][0] = "T02";
  // -0 and 0 are different values (hashfloat8 would call them equal).
  const zero = base.map((r) => [...r] as FixtureRow);
  zero[1][3] = 0;
  const sums = [before, ...[ulp, added, removed, nulled, moved, renamed, zero].map(day)];
  assert.equal(new Set(sums).size, sums.length, sums.join(" "));
  // Two values swapped between readings: per-row hashing sees it.
  const swapped = base.map((r) => [...r] as FixtureRow);
  [swapped[1][2], swapped[4][2]] = [swapped[4][2], swapped[1][2]];
  assert.notEqual(day(swapped), before);
});

Deno.test("the hasher refuses a reading without every variable", () => {
  const h = new FingerprintHasher(["wind_speed", "power"]);
  const buf = new Uint8Array(16);
  h.reading(buf, 0);
  h.value(0, buf, 8);
  assert.throws(() => h.reading(buf, 0), /without a value or NULL for every variable/);
  assert.throws(() => new FingerprintHasher(["power", "power"]), /twice/);
  assert.throws(() => new FingerprintHasher([]), /at least one/);
});

Deno.test("timestamps before 2000 and far from it land on their UTC days", () => {
  const rows: FixtureRow[] = [
    ["T", "1999-12-31T23:59:59.999999Z", 1, null, null],
    ["T", "0001-01-01T00:00:00Z", 2, null, null],
    ["T", "9999-12-31T23:59:59.999999Z", 3, null, null],
    ["T", "1970-01-01T00:00:00Z", 4, null, null],
  ];
  assert.deepEqual(hashRows(rows, ["wind_speed"]).map((d) => [d.day, d.readings]), [
    ["0001-01-01", 1],
    ["1970-01-01", 1],
    ["1999-12-31", 1],
    ["9999-12-31", 1],
  ]);
});

async function insertFixture(db: Db) {
  const text = (v: Value) => v === null ? null : String(v);
  for (const [turbine, ts, w, p, t] of fixture.rows) {
    await db.query(
      `INSERT INTO data (turbine, timestamp, wind_speed, power, ambient_temperature)
       VALUES ($1, $2::timestamptz, $3::float8, $4::float8, $5::float8)`,
      [turbine, ts, text(w), text(p), text(t)],
    );
  }
}

async function get(api: ApiServer, path: string, accept = "application/json") {
  const res = await fetch(`${api.url}${path}`, {
    headers: { Authorization: `Bearer ${api.token}`, Accept: accept },
  });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res;
}

testBackends(
  "SQL function, /fingerprints, fingerprintSql and binary /data give the committed values",
  async (t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    const api = await startApi(db);
    try {
      await insertFixture(db);

      await t.step("windbin_reading_hash, per value", async () => {
        const rows = await db.query<{ h: string }>(
          `SELECT lpad(to_hex(windbin_reading_hash($1, $2::timestamptz, $3, $4::float8)), 16, '0')
             AS h`,
          ["x", "2024-01-01T00:00:00Z", "power", null],
        );
        assert.equal(rows.length, 1);
        for (const [r, [turbine, ts, ...values]] of fixture.rows.entries()) {
          for (const [i, name] of ALL.entries()) {
            const v = values[i];
            const [{ h }] = await db.query<{ h: string }>(
              `SELECT lpad(to_hex(windbin_reading_hash($1, $2::timestamptz, $3, $4::float8)), 16, '0')
                 AS h`,
              [turbine, ts, name, v === null ? null : String(v)],
            );
            assert.equal(h, expected.hashes[r][i], `row ${r} ${name}`);
          }
        }
      });

      await t.step("GET /fingerprints (from reading_days), every case", async () => {
        for (const c of expected.cases) {
          const q = new URLSearchParams({
            start: "2023-12-31",
            end: "2024-01-02",
            variables: c.variables.join(","),
          });
          if (c.turbines) q.set("turbines", c.turbines.join(","));
          const got = await (await get(api, `/fingerprints?${q}`)).json();
          assert.deepEqual(got, c.days, JSON.stringify(c));
        }
      });

      await t.step("fingerprintSql over the rows themselves", async () => {
        for (const c of expected.cases.filter((c) => c.turbines === null)) {
          const got = await db.query<DayFingerprint>(
            fingerprintSql("data", c.variables, { turbineColumn: true }),
            ["2023-12-31", "2024-01-02"],
          );
          assert.deepEqual(got.map((r) => ({ ...r })), c.days, c.variables.join());
        }
      });

      await t.step("binary /data fed to the JS hasher", async () => {
        for (const c of expected.cases) {
          const q = new URLSearchParams({
            start: "2023-12-31",
            end: "2024-01-02T23:59:59.999999Z",
            variables: c.variables.join(","),
          });
          if (c.turbines) q.set("turbines", c.turbines.join(","));
          const res = await get(api, `/data?${q}`, "application/x-pgcopy");
          assert.equal(res.headers.get("content-type"), "application/x-pgcopy");
          const body = await res.bytes();
          assert.deepEqual(fingerprintCopyBinary(body, c.variables), c.days, JSON.stringify(c));
        }
      });
    } finally {
      await api.close();
      await close();
    }
  },
);

testBackends(
  "one-ulp, added and removed readings in the source change only their day's checksum",
  async (t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    const api = await startApi(db);
    try {
      await insertFixture(db);
      const q = "start=2023-12-31&end=2024-01-02&variables=wind_speed,power";
      const read = async () =>
        Object.fromEntries(
          (await (await get(api, `/fingerprints?${q}`)).json() as DayFingerprint[])
            .map((d) => [d.day, d]),
        );
      let prev = await read();
      const edits: [string, string, unknown[]?][] = [
        [
          "one ulp up",
          "UPDATE data SET wind_speed = $1::float8 " +
          "WHERE turbine = 'T01' AND timestamp = '2024-01-01T00:00:00Z'",
          [String(nextUp(0.30000000000000004))],
        ],
        [
          "-0 becomes 0",
          "UPDATE data SET power = 0 WHERE turbine = 'T01' AND timestamp = '2024-01-01T00:00:00Z'",
        ],
        [
          "an added reading",
          "INSERT INTO data (turbine, timestamp, power) VALUES ('T01', '2024-01-01T13:00:00Z', 1)",
        ],
        [
          "a removed reading",
          "DELETE FROM data WHERE turbine = 'default' AND timestamp = '2024-01-01T00:00:00Z'",
        ],
      ];
      for (const [what, sql, params] of edits) {
        await t.step(what, async () => {
          await db.query(sql, params ?? []);
          const now = await read();
          assert.notEqual(now["2024-01-01"].checksum, prev["2024-01-01"].checksum, what);
          assert.deepEqual(now["2023-12-31"], prev["2023-12-31"]);
          assert.deepEqual(now["2024-01-02"], prev["2024-01-02"]);
          prev = now;
        });
      }
      // Undo every edit: the checksum is a function of the values, not of history.
      await db.exec(`DELETE FROM data;`);
      await insertFixture(db);
      const again = await read();
      const want = expected.cases.find((c) =>
        c.turbines === null && c.variables.join() === "wind_speed,power"
      )!;
      assert.deepEqual(Object.values(again), want.days);
    } finally {
      await api.close();
      await close();
    }
  },
);
