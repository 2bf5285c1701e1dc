/** `deno task serve` as a process: refuses a real database without API_TOKEN; the embedded demo. */
import assert from "node:assert/strict";
import { tempDir } from "./helpers/databases.ts";

/** The task's own permission set (deno.json), as `deno task serve` runs it. */
const PERMS = ["-q", "--no-prompt", "-P=serve"];

/** Only what deno itself needs, so no API_TOKEN or database URL leaks in from the test's environment. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const v = Deno.env.get(k);
    if (v) env[k] = v;
  }
  return { ...env, NO_COLOR: "1" };
}

Deno.test("serve refuses a real database without API_TOKEN, naming it", async () => {
  const out = await new Deno.Command("deno", {
    args: ["run", ...PERMS, "api/main.ts"],
    clearEnv: true,
    env: { ...baseEnv(), SOURCE_DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  assert.equal(out.code, 1);
  assert.match(stderr, /^error: API_TOKEN is not set/);
  assert.equal(stderr.split("\n").length, 1, "one line, no stack trace");
});

Deno.test("serve on the embedded default: token file, demo data, clean stop", async () => {
  const dataDir = await tempDir("serve_");
  const port = freePort();
  const child = new Deno.Command("deno", {
    args: ["run", ...PERMS, "api/main.ts"],
    clearEnv: true,
    env: { ...baseEnv(), DATA_DIR: dataDir, PORT: String(port) },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  try {
    while (!stdout.includes("curl -H")) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`serve ended early: ${stdout}\n${await stderr}`);
      stdout += value;
    }
    assert.match(
      stdout,
      /seeded the demo data \(10 days from 2024-01-01, every 60 s\): 14400 rows/,
    );
    assert.match(stdout, /14400 rows/);
    assert.match(stdout, new RegExp(`http://localhost:${port}`));
    const token = (await Deno.readTextFile(`${dataDir}/api-token`)).trim();
    assert.match(token, /^[0-9a-f]{48}$/);
    assert.equal((await Deno.stat(`${dataDir}/api-token`)).mode! & 0o777, 0o600);
    assert.ok(stdout.includes(`Bearer ${token}`), "prints the generated token once");

    const res = await fetch(`http://127.0.0.1:${port}/data?date=2024-01-10&variables=power`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).length, 1440);
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    // Read what is left so the pipes are closed.
    while (!(await lines.read()).done) { /* drain */ }
    await stderr;
    assert.equal(status.code, 0);
    await Deno.remove(dataDir, { recursive: true });
  }
});

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}
