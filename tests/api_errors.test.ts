/** Bad input and bad credentials: 400/401 with a JSON body naming the problem; never a 500. */
import assert from "node:assert/strict";
import { migratedDb, testBackends } from "./helpers/databases.ts";
import { startApi } from "./helpers/api_server.ts";

const OK = "start=2024-01-01&end=2024-01-02&variables=power";

// [query string, parameter the 400 must name, pattern its message must match]
const BAD_QUERIES: [string, string, RegExp][] = [
  ["", "start", /missing/],
  ["end=2024-01-02&variables=power", "start", /missing/],
  ["start=2024-01-01&variables=power", "end", /missing/],
  ["start=2024-01-01&end=2024-01-02", "variables", /missing/],
  ["start=2024-02-30&end=2024-03-01&variables=power", "start", /2024-02-30.*not a calendar date/],
  ["start=2024-13-01&end=2024-12-02&variables=power", "start", /2024-13-01/],
  ["start=2024-01-01&end=2023-02-29&variables=power", "end", /not a calendar date/],
  ["start=2024-01-01T24:00:00&end=2024-01-02&variables=power", "start", /out of range/],
  ["start=2024-01-01T23:59:60Z&end=2024-01-02&variables=power", "start", /out of range/],
  ["start=yesterday&end=2024-01-02&variables=power", "start", /not a time/],
  ["start=2024-01-01T00:00:00%2B25:00&end=2024-01-02&variables=power", "start", /offset/],
  ["start=2024-01-01&end=2024-01-01T00:00:00.1234567Z&variables=power", "end", /fractional/],
  ["start=0000-01-01&end=0000-01-02&variables=power", "start", /years/],
  ["start=2024-01-02&end=2024-01-01&variables=power", "end", /before start/],
  ["start=2024-01-01&end=2024-02-01T00:00:01Z&variables=power", "end", /longer than 31 days/],
  ["start=2024-01-01&start=2024-01-02&end=2024-01-03&variables=power", "start", /more than once/],
  [`start=${"9".repeat(5000)}&end=2024-01-02&variables=power`, "start", /not a time/],
  [
    "start='%3B%20drop%20table%20data%3B%20--&end=2024-01-02&variables=power",
    "start",
    /not a time/,
  ],
  ["start=2024-01-01&end=2024-01-02&variables=power,rpm", "variables", /unknown variable "rpm"/],
  ["start=2024-01-01&end=2024-01-02&variables=power&variables=Power", "variables", /"Power"/],
  ["start=2024-01-01&end=2024-01-02&variables=power;drop table data", "variables", /unknown/],
  [
    "start=2024-01-01&end=2024-01-02&variables=power%22%20FROM%20data%3B%20DROP%20TABLE%20data%3B--",
    "variables",
    /unknown/,
  ],
  ["start=2024-01-01&end=2024-01-02&variables=", "variables", /empty/],
  ["start=2024-01-01&end=2024-01-02&variables=power,", "variables", /empty/],
  ["start=2024-01-01&end=2024-01-02&variables=timestamp", "variables", /unknown/],
  ["date=2024-01-01&start=2024-01-01&variables=power", "date", /not both/],
  ["date=2024-01-01&end=2024-01-02&variables=power", "date", /not both/],
  ["date=2024-02-30&variables=power", "date", /not a calendar date/],
  ["date=2024-1-1&variables=power", "date", /not a calendar date/],
  ["date=2024-01-01T00:00:00Z&variables=power", "date", /not a calendar date/],
  ["date=2024-01-01", "variables", /missing/],
  [`${OK}&variable=wind_speed`, "variable", /unknown parameter/],
  [`${OK}&format=csv`, "format", /unknown parameter/],
];

testBackends(
  "bad /data input is a 400 naming the parameter; the table survives",
  async (t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    const api = await startApi(db);
    const auth = { Authorization: `Bearer ${api.token}` };
    try {
      await db.query(
        "INSERT INTO data SELECT t, 5, 500, 1 FROM generate_series('2024-01-01'::timestamptz, '2024-01-01 23:59', '1 minute') t",
      );

      await t.step("every bad query", async () => {
        for (const [query, parameter, message] of BAD_QUERIES) {
          const res = await fetch(`${api.url}/data?${query}`, { headers: auth });
          const body = await res.json();
          const label = `${query.slice(0, 80)} → ${JSON.stringify(body)}`;
          assert.equal(res.status, 400, label);
          assert.match(res.headers.get("content-type")!, /^application\/json/, label);
          assert.equal(body.error, "invalid_parameter", label);
          assert.equal(body.parameter, parameter, label);
          assert.match(body.message, message, label);
        }
      });

      await t.step("a range of exactly MAX_RANGE_DAYS is fine", async () => {
        const res = await fetch(
          `${api.url}/data?start=2024-01-01&end=2024-02-01&variables=power`,
          { headers: { ...auth, Accept: "text/csv" } },
        );
        assert.equal(res.status, 200);
        assert.equal((await res.text()).trimEnd().split("\n").length, 1 + 1440);
      });

      await t.step("the source table is intact", async () => {
        const [{ n }] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM data");
        assert.equal(n, 1440);
        const [{ exists }] = await db.query<{ exists: boolean }>(
          "SELECT to_regclass('public.data') IS NOT NULL AS exists",
        );
        assert.equal(exists, true);
      });
    } finally {
      await api.close();
      await close();
    }
  },
);

testBackends(
  "auth: 401 with WWW-Authenticate and a JSON body; the token is checked",
  async (t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    const api = await startApi(db, { token: "s3cret-token" });
    try {
      await t.step("missing, wrong or malformed credentials", async () => {
        const headers: (Record<string, string>)[] = [
          {},
          { Authorization: "Bearer wrong" },
          { Authorization: "Bearer s3cret-token-and-more" },
          { Authorization: "Bearer s3cret-toke" },
          { Authorization: "Bearer" },
          { Authorization: "Bearer " },
          { Authorization: "Basic czNjcmV0LXRva2Vu" },
          { Authorization: "s3cret-token" },
          { Authorization: "Bearer s3cret-token extra" },
        ];
        for (const path of [`/data?${OK}`, "/variables", "/data?start=bad"]) {
          for (const h of headers) {
            const res = await fetch(`${api.url}${path}`, { headers: h });
            const body = await res.json();
            const label = `${path} ${JSON.stringify(h)}`;
            assert.equal(res.status, 401, label);
            assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="windbin"', label);
            assert.equal(body.error, "unauthorized", label);
            assert.equal(typeof body.message, "string", label);
            assert.ok(!JSON.stringify(body).includes("s3cret"), "never echoes the token");
          }
        }
      });

      await t.step("the right token, with any case of the scheme", async () => {
        for (const scheme of ["Bearer", "bearer"]) {
          const res = await fetch(`${api.url}/data?${OK}`, {
            headers: { Authorization: `${scheme} s3cret-token` },
          });
          assert.equal(res.status, 200);
          assert.equal(await res.text(), "[]");
        }
      });

      await t.step("public routes need no token", async () => {
        for (const path of ["/health", "/openapi.json", "/docs"]) {
          const res = await fetch(`${api.url}${path}`);
          await res.body?.cancel();
          assert.equal(res.status, 200, path);
        }
      });
    } finally {
      await api.close();
      await close();
    }
  },
);

testBackends(
  "unknown routes are 404 JSON; HEAD /data answers without a body",
  async (_t, backend) => {
    const { db, close } = await migratedDb(backend, "source");
    const api = await startApi(db);
    try {
      for (
        const [method, path] of [["GET", "/nope"], ["POST", "/data"]]
      ) {
        const res = await fetch(`${api.url}${path}`, {
          method,
          headers: { Authorization: `Bearer ${api.token}` },
        });
        const body = await res.json();
        assert.equal(res.status, 404, `${method} ${path}`);
        assert.equal(body.error, "not_found");
      }
      const head = await fetch(`${api.url}/data?${OK}`, {
        method: "HEAD",
        headers: { Authorization: `Bearer ${api.token}`, Accept: "text/csv" },
      });
      await head.body?.cancel();
      assert.equal(head.status, 200);
      assert.match(head.headers.get("content-type")!, /^text\/csv/);
      // The database is free: a HEAD must not leave a query open (PGlite would block here).
      const res = await fetch(`${api.url}/data?${OK}`, {
        headers: { Authorization: `Bearer ${api.token}` },
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(await res.text(), "[]");
    } finally {
      await api.close();
      await close();
    }
  },
);
