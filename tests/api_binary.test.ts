/**
 * /data as PostgreSQL's binary COPY format (Accept: application/x-pgcopy):
 * the layout, the order, exact values, the same bytes on both backends, the
 * stream limits; and the one-day query is a range scan of the primary key in
 * its order, never a full scan or a sort of the range.
 */
import assert from "node:assert/strict";
import { seed } from "../api/seed.ts";
import { createApp } from "../api/app.ts";
import { dataQuerySpec } from "../api/params.ts";
import { dataSelect, loadApiSql } from "../api/query.ts";
import { STREAM_SETTINGS } from "../db/settings.ts";
import type { Db } from "../db/types.ts";
import { setStatements } from "../db/settings.ts";
import { freshDb, migratedDb, TEST_DATABASE_URL, testBackends } from "./helpers/databases.ts";
import { type ApiServer, startApi } from "./helpers/api_server.ts";
import { collect, delay, within } from "./helpers/streams.ts";
import { migrate } from "../migrations/migrate.ts";

const PGCOPY = "application/x-pgcopy";

interface Tuple {
  turbine: string;
  /** Microseconds since 2000-01-01 UTC. */
  ts: bigint;
  values: (number | null)[];
}

/** A strict reader of a binary COPY body of (text, timestamptz, float8...). */
function decode(body: Uint8Array, variables: number): Tuple[] {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const signature = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
  assert.deepEqual([...body.subarray(0, 11)], signature, "signature");
  assert.equal(dv.getInt32(11), 0, "flags");
  let o = 15 + 4 + dv.getInt32(15);
  const out: Tuple[] = [];
  const dec = new TextDecoder("utf-8", { fatal: true });
  while (true) {
    const n = dv.getInt16(o);
    o += 2;
    if (n === -1) break;
    assert.equal(n, 2 + variables, "field count");
    const tl = dv.getInt32(o);
    const turbine = dec.decode(body.subarray(o + 4, o + 4 + tl));
    o += 4 + tl;
    assert.equal(dv.getInt32(o), 8);
    const ts = dv.getBigInt64(o + 4);
    o += 12;
    const values: (number | null)[] = [];
    for (let v = 0; v < variables; v++) {
      const len = dv.getInt32(o);
      if (len === -1) {
        values.push(null);
        o += 4;
      } else {
        assert.equal(len, 8);
        values.push(dv.getFloat64(o + 4));
        o += 12;
      }
    }
    out.push({ turbine, ts, values });
  }
  assert.equal(o, body.length, "nothing after the trailer");
  return out;
}

const micros = (iso: string) =>
  (Temporal.Instant.from(iso).epochNanoseconds -
    Temporal.Instant.from("2000-01-01T00:00:00Z").epochNanoseconds) / 1000n;

async function fetchBody(api: ApiServer, query: string, accept = PGCOPY) {
  const res = await fetch(`${api.url}/data?${query}`, {
    headers: { Authorization: `Bearer ${api.token}`, Accept: accept },
  });
  assert.equal(res.status, 200, `${query}: ${res.status}`);
  return { res, bytes: await res.bytes() };
}

testBackends(
  "binary /data: one tuple per reading in (turbine, time) order, values bit-exact, a whole 1-second day",
  async (t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    const api = await startApi(db);
    try {
      await seed(db, { from: "2024-01-01", days: 1, everySeconds: 1 });
      await db.exec(`INSERT INTO data (turbine, timestamp, wind_speed, power, ambient_temperature)
        VALUES ('A', '2024-01-01T23:59:59.999999Z', 'NaN', '-0', '-Infinity'),
               ('A', '2024-01-01T00:00:00.000001Z', 1e-310, NULL, 5e-324)`);
      const vars = "variables=power,wind_speed,ambient_temperature";

      await t.step("layout, order and the edges of the day", async () => {
        const { res, bytes } = await fetchBody(api, `date=2024-01-01&${vars}`);
        assert.equal(res.headers.get("content-type"), PGCOPY);
        const rows = decode(bytes, 3);
        assert.equal(rows.length, 86_402);
        assert.deepEqual(rows[0], {
          turbine: "A",
          ts: micros("2024-01-01T00:00:00.000001Z"),
          values: [null, 1e-310, 5e-324],
        });
        assert.equal(rows[1].turbine, "A");
        assert.ok(Object.is(rows[1].values[0], -0), "-0 stays -0");
        assert.ok(Number.isNaN(rows[1].values[1]));
        assert.equal(rows[1].values[2], -Infinity);
        assert.equal(rows[2].ts, micros("2024-01-01T00:00:00Z"));
        assert.equal(rows.at(-1)!.ts, micros("2024-01-01T23:59:59Z"));
        for (let i = 3; i < rows.length; i++) {
          assert.ok(rows[i].turbine === "default" && rows[i].ts - rows[i - 1].ts === 1_000_000n);
        }
      });

      await t.step("every value equals the CSV's, bit for bit", async () => {
        const rows = decode((await fetchBody(api, `date=2024-01-01&${vars}`)).bytes, 3);
        const csv = new TextDecoder().decode(
          (await fetchBody(api, `date=2024-01-01&${vars}&turbines=default`, "text/csv")).bytes,
        ).trimEnd().split("\n").slice(1);
        const mine = rows.filter((r) => r.turbine === "default");
        assert.equal(csv.length, mine.length);
        csv.forEach((line, i) => {
          const [, ts, ...vals] = line.split(",");
          assert.equal(mine[i].ts, micros(ts));
          vals.forEach((v, j) => {
            const want = v === "" ? null : Number(v);
            assert.ok(Object.is(mine[i].values[j], want), `${line}: ${j}`);
          });
        });
      });

      await t.step("a range with no readings is a header and a trailer", async () => {
        const { bytes } = await fetchBody(api, `date=2020-01-01&${vars}`);
        assert.equal(bytes.length, 19 + 2);
        assert.deepEqual(decode(bytes, 3), []);
      });
    } finally {
      await api.close();
      await close();
    }
  },
);

Deno.test({
  name: "[postgres] [pglite] the same readings give the same binary bytes on both backends",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const bodies: Uint8Array[] = [];
    for (const backend of ["postgres", "pglite"] as const) {
      const { db, close } = await migratedDb(backend, "source");
      const api = await startApi(db);
      try {
        await seed(db, { from: "2024-03-01", days: 1, everySeconds: 10 });
        await db.exec(`INSERT INTO data (turbine, timestamp, wind_speed, power)
          VALUES ('Zürich ✓', '2024-03-01T12:00:00.123456Z', 0.1, NULL),
                 ('T1', '2024-03-01T00:00:00Z', 'NaN', '-0')`);
        const q = "date=2024-03-01&variables=wind_speed,power,ambient_temperature";
        bodies.push((await fetchBody(api, q)).bytes);
      } finally {
        await api.close();
        await close();
      }
    }
    assert.equal(decode(bodies[0], 3).length, 8640 + 2);
    assert.deepEqual(bodies[1], bodies[0]);
  },
});

testBackends("a binary client that stops reading is cut off; others are served", async (_t, b) => {
  const { db, close } = await migratedDb(b, "source");
  const token = `t-${crypto.randomUUID()}`;
  const app = createApp({ db, token, maxRangeDays: 31, maxStreams: 1, stallMs: 500 });
  const { promise, resolve } = Promise.withResolvers<ApiServer>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) =>
      resolve({ url: `http://127.0.0.1:${port}`, token, close: () => server.shutdown() }),
  }, app.fetch);
  const api = await promise;
  let conn: Deno.Conn | undefined;
  try {
    await seed(db, { from: "2024-01-01", days: 1, everySeconds: 1 });
    const q = "date=2024-01-01&variables=wind_speed,power,ambient_temperature";
    conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(api.url).port) });
    await conn.write(new TextEncoder().encode(
      `GET /data?${q} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
        `Accept: ${PGCOPY}\r\n\r\n`,
    ));
    const buf = new Uint8Array(1024);
    const n = await conn.read(buf);
    assert.match(new TextDecoder().decode(buf.subarray(0, n ?? 0)), /^HTTP\/1\.1 200/);
    // The only stream slot is taken; after the stall limit it is free again.
    const busy = await fetch(`${api.url}/data?${q}`, {
      headers: { Authorization: `Bearer ${token}`, Accept: PGCOPY },
    });
    await busy.body?.cancel();
    assert.equal(busy.status, 503);
    await delay(1500);
    const other = await within(fetchBody(api, q), 10_000, "the next binary request");
    assert.equal(decode(other.bytes, 3).length, 86_400);
  } finally {
    conn?.close();
    await api.close();
    await close();
  }
});

testBackends(
  "stream connections run with the stream settings (sorts priced out)",
  async (_t, b) => {
    const { db, close } = await freshDb(b);
    try {
      for (const [name, value] of Object.entries(STREAM_SETTINGS)) {
        const { bytes } = await collect(db.copyOut(`SELECT current_setting('${name}')`, "lines"));
        assert.equal(new TextDecoder().decode(bytes), `${value}\n`, name);
      }
      // Other connections keep the server's planner settings.
      const [{ v }] = await db.query<{ v: string }>("SELECT current_setting('enable_sort') AS v");
      assert.equal(v, "on");
    } finally {
      await close();
    }
  },
);

/** The plan of `select` under the stream settings, as node types (depth first). */
async function planNodes(db: Db, select: string): Promise<string[]> {
  return await db.transaction(async (tx) => {
    await tx.exec(setStatements(STREAM_SETTINGS, true));
    const [row] = await tx.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${select}`);
    const out: string[] = [];
    // deno-lint-ignore no-explicit-any
    const walk = (n: any) => {
      out.push(n["Node Type"] + (n["Index Name"] ? ` ${n["Index Name"]}` : ""));
      for (const c of n.Plans ?? []) walk(c);
    };
    // deno-lint-ignore no-explicit-any
    walk((row["QUERY PLAN"] as any)[0].Plan);
    return out;
  });
}

Deno.test({
  name: "[postgres] a one-day /data query is a primary-key range scan in order, 1 or many turbines",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const { db, close } = await freshDb("postgres");
    try {
      await migrate(db, "source");
      // Five turbines' 1-second readings interleaved on disk, as a farm writes them. Here
      // the planner's own choice for one turbine-day is a bitmap scan and a sort of it.
      await db.exec(`ALTER TABLE data DISABLE TRIGGER USER;
        INSERT INTO data (turbine, timestamp, wind_speed, power)
        SELECT 'T' || lpad(k::text, 2, '0'), t, 1, 2
          FROM generate_series('2024-01-01'::timestamptz, '2024-01-03 23:59:59', '1 s') t,
               generate_series(1, 5) k
         ORDER BY t, k;
        ALTER TABLE data ENABLE TRIGGER USER;
        ANALYZE data`);
      const sql = await loadApiSql();
      const q = dataQuerySpec(31).parse(
        new URLSearchParams("date=2024-01-02&variables=wind_speed,power"),
      );
      for (const turbines of [["T03"], ["T01", "T02", "T03", "T04", "T05"]]) {
        for (const format of ["binary", "csv", "json"] as const) {
          const nodes = await planNodes(db, dataSelect(sql, q, format, turbines, false));
          assert.deepEqual(nodes, ["Index Scan data_pkey"], `${format}, ${turbines.length}`);
        }
      }
    } finally {
      await close();
    }
  },
});
