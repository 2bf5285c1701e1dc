/**
 * The database interface (db/types.ts) behaves the same on both adapters:
 * parameters, scripts, transactions, bulk load, bulk streams, and streams
 * that the consumer abandons (a client that disconnects mid-download).
 */
import assert from "node:assert/strict";
import type { Db } from "../db/types.ts";
import { freshDb, testBackends } from "./helpers/databases.ts";
import { collect, firstDifference, pieces, within } from "./helpers/streams.ts";

const decoder = new TextDecoder();

async function count(db: Pick<Db, "query">, table: string): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return n;
}

testBackends("query binds parameters, exec runs a script", async (_t, backend) => {
  const { db, close } = await freshDb(backend);
  try {
    const [row] = await db.query<{ n: number; s: string | null; t: string }>(
      "SELECT $1::int + $2::int AS n, $3::text AS s, $4::text AS t",
      [2, 3, null, "it's; DROP TABLE x --"],
    );
    assert.deepEqual({ ...row }, { n: 5, s: null, t: "it's; DROP TABLE x --" });

    await db.exec(`
      CREATE TABLE t (id int PRIMARY KEY, name text);
      INSERT INTO t VALUES (1, 'a'), (2, 'b');
      INSERT INTO t VALUES (3, NULL);
    `);
    const rows = await db.query<{ id: number; name: string | null }>(
      "SELECT id, name FROM t WHERE id >= $1 ORDER BY id",
      [2],
    );
    assert.deepEqual(rows.map((r) => [r.id, r.name]), [[2, "b"], [3, null]]);
    // A script that fails part-way is one implicit transaction: nothing of it stays.
    await assert.rejects(
      db.exec("INSERT INTO t VALUES (4, 'd'); INSERT INTO t VALUES (1, 'dup');"),
    );
    assert.equal(await count(db, "t"), 3);
  } finally {
    await close();
  }
});

testBackends("transaction commits when fn resolves, rolls back when it throws", async (_t, b) => {
  const { db, close } = await freshDb(b);
  try {
    await db.exec("CREATE TABLE t (id int PRIMARY KEY)");
    const result = await db.transaction(async (tx) => {
      await tx.query("INSERT INTO t VALUES ($1), ($2)", [1, 2]);
      await tx.exec("INSERT INTO t VALUES (3)");
      return "done";
    });
    assert.equal(result, "done");
    assert.equal(await count(db, "t"), 3);

    const boom = new Error("boom");
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query("DELETE FROM t");
        await tx.query("INSERT INTO t VALUES ($1)", [10]);
        assert.equal(await count(tx, "t"), 1);
        throw boom;
      }),
      (e) => e === boom,
    );
    const ids = await db.query<{ id: number }>("SELECT id FROM t ORDER BY id");
    assert.deepEqual(ids.map((r) => r.id), [1, 2, 3]);
  } finally {
    await close();
  }
});

testBackends("copyFrom loads a CSV byte stream in a transaction, NULLs kept", async (_t, b) => {
  const { db, close } = await freshDb(b);
  try {
    const csv = "ts,v,name\n" +
      "2024-01-01T00:00:00Z,1.5,a\n" +
      "2024-01-01T00:01:00Z,,b\n" +
      '2024-01-01T00:02:00Z,-2,"x, ""y"""\n' +
      "2024-01-01T00:03:00Z,3e2,\n";
    const rows = await db.transaction(async (tx) => {
      await tx.exec(
        "CREATE TEMP TABLE staging (ts timestamptz, v float8, name text) ON COMMIT DROP",
      );
      // Pieces of 7 bytes: rows and fields are split across chunks.
      await tx.copyFrom(
        "COPY staging (ts, v, name) FROM STDIN WITH (FORMAT csv, HEADER true)",
        pieces(csv, 7),
      );
      return await tx.query<{ ts: string; v: number | null; name: string | null }>(
        `SELECT to_char(ts AT TIME ZONE 'UTC', 'HH24:MI') AS ts, v, name FROM staging ORDER BY ts`,
      );
    });
    assert.deepEqual(rows.map((r) => [r.ts, r.v, r.name]), [
      ["00:00", 1.5, "a"],
      ["00:01", null, "b"],
      ["00:02", -2, 'x, "y"'],
      ["00:03", 300, null],
    ]);
  } finally {
    await close();
  }
});

testBackends("a copyFrom whose source fails mid-way rolls back everything", async (_t, b) => {
  const { db, close } = await freshDb(b);
  try {
    await db.exec("CREATE TABLE t (id int, v float8)");
    const broken = new Error("source connection reset");
    const source = async function* (): AsyncGenerator<Uint8Array> {
      const enc = new TextEncoder();
      for (let i = 0; i < 2000; i++) yield enc.encode(`${i},${i / 2}\n`);
      throw broken;
    };
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO t VALUES (-1, NULL)");
        await tx.copyFrom("COPY t (id, v) FROM STDIN WITH (FORMAT csv)", source());
      }),
      (e) => e === broken,
    );
    assert.equal(await count(db, "t"), 0);
    // The connection is fine afterwards: a good load goes through.
    await db.transaction((tx) =>
      tx.copyFrom("COPY t (id, v) FROM STDIN WITH (FORMAT csv)", pieces("1,2\n3,\n", 3))
    );
    assert.equal(await count(db, "t"), 2);
  } finally {
    await close();
  }
});

// 120,000 rows, about 2 MB of CSV: far beyond any socket buffer and chunk size.
const CSV_ROWS = 120_000;
const CSV_SELECT = `
  SELECT g AS id,
         CASE WHEN g % 7 = 0 THEN NULL ELSE g / 4.0 END::float8 AS v,
         CASE WHEN g = 3 THEN 'a,"b"' WHEN g % 5 = 0 THEN NULL ELSE 'r' || g END AS s
  FROM generate_series(1, ${CSV_ROWS}) g ORDER BY g`;

function expectedCsv(): string {
  const lines = ["id,v,s"];
  for (let g = 1; g <= CSV_ROWS; g++) {
    const v = g % 7 === 0 ? "" : String(g / 4);
    const s = g === 3 ? '"a,""b"""' : g % 5 === 0 ? "" : `r${g}`;
    lines.push(`${g},${v},${s}`);
  }
  return lines.join("\n") + "\n";
}

testBackends("copyOut streams exact CSV and lines for 100k+ rows", async (t, b) => {
  const { db, close } = await freshDb(b);
  try {
    await t.step("csv: header, rows, NULL as an empty field, quoting", async () => {
      const { bytes, chunks } = await within(
        collect(db.copyOut(CSV_SELECT, "csv")),
        30_000,
        "copyOut csv",
      );
      const text = decoder.decode(bytes);
      assert.equal(firstDifference(text, expectedCsv()), null);
      // Merged into blocks of ~64 KiB, not one chunk per row.
      assert.ok(chunks <= Math.ceil(bytes.length / 16_384) + 1, `${chunks} chunks`);
    });

    await t.step("lines: one value per line", async () => {
      const n = 150_000;
      const { bytes } = await within(
        collect(
          db.copyOut(
            `SELECT json_build_object('i', g, 'x', g * 2)::text FROM generate_series(1, ${n}) g`,
            "lines",
          ),
        ),
        30_000,
        "copyOut lines",
      );
      const lines = decoder.decode(bytes).split("\n");
      assert.equal(lines.pop(), "", "ends with a newline");
      assert.equal(lines.length, n);
      assert.deepEqual(JSON.parse(lines[0]), { i: 1, x: 2 });
      assert.deepEqual(JSON.parse(lines[n - 1]), { i: n, x: 2 * n });
      let expectedBytes = 0;
      for (let g = 1; g <= n; g++) expectedBytes += `{"i" : ${g}, "x" : ${g * 2}}\n`.length;
      assert.equal(bytes.length, expectedBytes);
    });

    await t.step("an empty result: csv is the header alone, lines nothing", async () => {
      const none = "SELECT 1 AS a, 'x' AS b WHERE false";
      assert.equal(decoder.decode((await collect(db.copyOut(none, "csv"))).bytes), "a,b\n");
      assert.equal((await collect(db.copyOut("SELECT 'x' WHERE false", "lines"))).bytes.length, 0);
    });

    await t.step("a query that fails mid-stream throws, and the db stays usable", async () => {
      const failing = "SELECT (1 / (50000 - g))::text FROM generate_series(1, 100000) g";
      await assert.rejects(
        within(collect(db.copyOut(failing, "lines")), 10_000, "failing copyOut"),
        /division by zero/,
      );
      assert.deepEqual((await db.query("SELECT 1 AS one")).map((r) => r.one), [1]);
      const { bytes } = await within(
        collect(db.copyOut("SELECT 'ok'", "lines")),
        10_000,
        "copyOut after a failure",
      );
      assert.equal(decoder.decode(bytes), "ok\n");
    });
  } finally {
    await close();
  }
});

testBackends("breaking out of copyOut early leaves the db usable", async (_t, b) => {
  const { db, close } = await freshDb(b);
  try {
    // Millions of bytes, so the server is mid-COPY when the consumer leaves. The
    // backend's pid is in every row: it tells which connection served the stream.
    const big = "SELECT pg_backend_pid() AS pid, g FROM generate_series(1, 300000) g";
    const pids = new Set<string>();
    // More early exits than the 10 default stream clients: a client left broken
    // (or never returned to the pool) would show as a hang here.
    for (let i = 0; i < 12; i++) {
      const got = await within(
        (async () => {
          for await (const chunk of db.copyOut(big, "csv")) {
            const lines = decoder.decode(chunk.subarray(0, 200)).split("\n");
            assert.equal(lines[0], "pid,g");
            return lines[1].split(",")[0];
          }
          throw new Error("no chunk");
        })(),
        10_000,
        `early exit #${i + 1}`,
      );
      pids.add(got);
      const one = await within(db.query("SELECT 1 AS one"), 10_000, `query after exit #${i + 1}`);
      assert.equal(one[0].one, 1);
    }
    if (b === "postgres") {
      // Leaving early drops that stream's connection (the server stops at once);
      // the client reconnects on its next use. None of them may linger.
      const [{ n }] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()`,
      );
      assert.ok(n <= 3, `${n} connections to the test database after 12 early exits`);
    } else {
      assert.equal(pids.size, 1, `streams ran on backends ${[...pids].join(", ")}`);
    }

    // And a whole stream afterwards is complete.
    const { bytes } = await within(collect(db.copyOut(big, "csv")), 30_000, "full stream");
    const lines = decoder.decode(bytes).split("\n");
    assert.equal(lines.length, 300_000 + 2);
    assert.match(lines[300_000], /^\d+,300000$/);
  } finally {
    await close();
  }
});
