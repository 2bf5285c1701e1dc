/**
 * Bounds and the single description of parameters: MAX_RANGE_DAYS caps every
 * range (a 400 naming it), every documented parameter is validated as such
 * and nothing undocumented is accepted, HOST and MAX_RANGE_DAYS in the config.
 */
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../config/config.ts";
import { migratedDb } from "./helpers/databases.ts";
import { startApi } from "./helpers/api_server.ts";

Deno.test("MAX_RANGE_DAYS caps /data and /fingerprints alike, and says so", async () => {
  const { db, close } = await migratedDb("pglite", "source");
  const api = await startApi(db, { maxRangeDays: 10 });
  const get = async (path: string) => {
    const res = await fetch(`${api.url}${path}`, {
      headers: { Authorization: `Bearer ${api.token}` },
    });
    return { status: res.status, body: await res.json() };
  };
  try {
    const within = [
      "/data?start=2024-01-01&end=2024-01-11&variables=power",
      "/fingerprints?start=2024-01-01&end=2024-01-10&variables=power",
    ];
    for (const path of within) assert.equal((await get(path)).status, 200, path);
    const over = [
      "/data?start=2024-01-01&end=2024-01-11T00:00:00.000001Z&variables=power",
      "/fingerprints?start=2024-01-01&end=2024-01-11&variables=power",
      "/fingerprints?start=0001-01-01&end=9999-12-30&variables=power",
    ];
    for (const path of over) {
      const { status, body } = await get(path);
      assert.equal(status, 400, path);
      assert.equal(body.parameter, "end");
      assert.match(body.message, /10 .*MAX_RANGE_DAYS/, path);
    }
    const doc = await (await fetch(`${api.url}/openapi.json`)).json();
    assert.match(doc.paths["/fingerprints"].get.description, /at most 10 days/);
  } finally {
    await api.close();
    await close();
  }
});

Deno.test("each route accepts exactly the parameters its OpenAPI document lists", async () => {
  const { db, close } = await migratedDb("pglite", "source");
  const api = await startApi(db);
  try {
    const doc = await (await fetch(`${api.url}/openapi.json`)).json();
    const routes = ["/data", "/fingerprints", "/turbines", "/extent"];
    for (const route of routes) {
      const params: { name: string; required: boolean }[] = doc.paths[route].get.parameters;
      assert.ok(Array.isArray(params), route);
      // A documented parameter with a bad value: a 400 about that parameter (or an
      // earlier one), never "unknown parameter".
      for (const p of params) {
        const res = await fetch(`${api.url}${route}?${p.name}=%01`, {
          headers: { Authorization: `Bearer ${api.token}` },
        });
        const body = await res.json();
        assert.equal(res.status, 400, `${route} ${p.name}`);
        assert.doesNotMatch(body.message, /unknown parameter/, `${route} ${p.name}`);
      }
      // Anything else is refused, naming it.
      const res = await fetch(`${api.url}${route}?nope=1`, {
        headers: { Authorization: `Bearer ${api.token}` },
      });
      const body = await res.json();
      assert.equal(res.status, 400, route);
      assert.equal(body.parameter, "nope");
      assert.match(body.message, /unknown parameter/);
      for (const p of params) assert.ok(body.message.includes(p.name), `${route}: ${p.name}`);
    }
    assert.deepEqual(
      doc.paths["/fingerprints"].get.parameters.map((p: { name: string }) => p.name),
      ["start", "end", "variables", "turbines"],
    );
    assert.deepEqual(doc.paths["/turbines"].get.parameters, []);
  } finally {
    await api.close();
    await close();
  }
});

Deno.test("config: HOST (default 127.0.0.1) and MAX_RANGE_DAYS (default 3660)", () => {
  const env = (vars: Record<string, string>) => ({
    command: "serve" as const,
    get: (name: string) => vars[name],
  });
  const cfg = loadConfig(env({}));
  assert.equal(cfg.host, "127.0.0.1");
  assert.equal(cfg.maxRangeDays, 3660);
  for (const host of ["0.0.0.0", "localhost", "::", "api.example.org", "10.1.2.3"]) {
    assert.equal(loadConfig(env({ HOST: host })).host, host);
  }
  for (const bad of ["http://0.0.0.0", "0.0.0.0:8000", "a b", "-x"]) {
    assert.throws(() => loadConfig(env({ HOST: bad })), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^HOST must be an address to listen on/);
      return true;
    }, bad);
  }
  assert.throws(() => loadConfig(env({ MAX_RANGE_DAYS: "3661" })), /MAX_RANGE_DAYS/);
});
