/** /health, /variables, /openapi.json and /docs (served offline). */
import assert from "node:assert/strict";
import { freshDb, migratedDb, testBackends } from "./helpers/databases.ts";
import { startApi } from "./helpers/api_server.ts";

testBackends("/health checks the database: 200, then 503 once it is gone", async (_t, backend) => {
  const { db, close } = await freshDb(backend);
  const api = await startApi(db);
  let dbClosed = false;
  try {
    const ok = await fetch(`${api.url}/health`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { status: "ok", database: "ok" });
    await db.close(); // the database goes away under the running API
    dbClosed = true;
    const down = await fetch(`${api.url}/health`);
    const body = await down.json();
    assert.equal(down.status, 503);
    assert.equal(body.error, "database_unavailable");
    if (backend === "pglite") {
      // A failing query is a 500 with a generic message: no SQL, no driver text.
      const res = await fetch(`${api.url}/data?date=2024-01-01&variables=power`, {
        headers: { Authorization: `Bearer ${api.token}` },
      });
      const text = await res.text();
      assert.equal(res.status, 500);
      assert.deepEqual(Object.keys(JSON.parse(text)), ["error", "message"]);
      assert.doesNotMatch(text, /SELECT|COPY|PGlite|closed/i);
    }
  } finally {
    await api.close();
    // A closed PGlite cannot be closed again; the postgres helper still drops its database.
    if (!(dbClosed && backend === "pglite")) await close();
  }
});

Deno.test("/variables, /openapi.json and /docs with its assets", async (t) => {
  const { db, close } = await migratedDb("pglite", "source");
  const api = await startApi(db, { maxRangeDays: 7 });
  try {
    await t.step("/variables lists names and units", async () => {
      const res = await fetch(`${api.url}/variables`, {
        headers: { Authorization: `Bearer ${api.token}` },
      });
      const vars = await res.json();
      assert.deepEqual(vars.map((v: { name: string }) => v.name), [
        "wind_speed",
        "power",
        "ambient_temperature",
      ]);
      assert.deepEqual(vars.map((v: { unit: string }) => v.unit), ["m/s", "kW", "°C"]);
    });

    await t.step("/openapi.json is an OpenAPI 3.1 document of every route", async () => {
      const doc = await (await fetch(`${api.url}/openapi.json`)).json();
      assert.equal(doc.openapi, "3.1.0");
      for (const p of ["/data", "/variables", "/health", "/openapi.json", "/docs"]) {
        assert.ok(doc.paths[p]?.get, p);
      }
      const data = doc.paths["/data"].get;
      assert.deepEqual(data.parameters.map((p: { name: string }) => p.name), [
        "start",
        "end",
        "date",
        "variables",
        "turbines",
      ]);
      assert.deepEqual(Object.keys(data.responses["200"].content), [
        "application/json",
        "text/csv",
        "application/x-ndjson",
        "application/x-pgcopy",
      ]);
      assert.match(data.description, /at most 7 days/);
      assert.equal(doc.components.securitySchemes.bearer.scheme, "bearer");
    });

    await t.step("/docs is Swagger UI whose scripts and styles come from this server", async () => {
      const res = await fetch(`${api.url}/docs`);
      assert.match(res.headers.get("content-type")!, /^text\/html/);
      const html = await res.text();
      const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      assert.ok(refs.length >= 4, html);
      for (const ref of refs) {
        assert.ok(ref.startsWith("/docs/"), `no external asset: ${ref}`);
        const asset = await fetch(`${api.url}${ref}`);
        const bytes = await asset.bytes();
        assert.equal(asset.status, 200, ref);
        assert.ok(bytes.length > 0, ref);
      }
      const bundle = await fetch(`${api.url}/docs/swagger-ui-bundle.js`);
      assert.match(bundle.headers.get("content-type")!, /javascript/);
      assert.match(await bundle.text(), /SwaggerUIBundle/);
      const init = await (await fetch(`${api.url}/docs/init.js`)).text();
      assert.match(init, /url: "\/openapi.json"/);
      const missing = await fetch(`${api.url}/docs/package.json`);
      assert.equal(missing.status, 404);
      await missing.body?.cancel();
    });

    await t.step("/ leads to the docs", async () => {
      const res = await fetch(`${api.url}/`, { redirect: "manual" });
      await res.body?.cancel();
      assert.equal(res.status, 302);
      assert.equal(res.headers.get("location"), "/docs");
    });
  } finally {
    await api.close();
    await close();
  }
});
