/** `deno task serve` as a process: refuses a real database without API_TOKEN; the embedded demo. */
import assert from "node:assert/strict";
import { tempDir } from "./helpers/databases.ts";
import { within } from "./helpers/streams.ts";

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
  assert.equal(out.code, 2, "a setting to fix: exit 2, as for every command");
  assert.match(stderr, /^serve: API_TOKEN is not set/);
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
    // Not a terminal (a log file, a pipe): the token is not printed, its file is named.
    assert.ok(!stdout.includes(token), "no token into a pipe");
    assert.ok(stdout.includes(`generated a token into ${dataDir}/api-token`), stdout);
    assert.ok(stdout.includes(`Bearer $(cat ${dataDir}/api-token)`), stdout);

    const res = await fetch(`http://127.0.0.1:${port}/data?date=2024-01-10&variables=power`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).length, 1440);
    // HOST defaults to 127.0.0.1: not another loopback address, let alone another interface.
    await assert.rejects(
      Deno.connect({ hostname: "127.0.0.2", port }),
      Deno.errors.ConnectionRefused,
    );
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

/**
 * Runs serve in a pseudo-terminal (`script`, util-linux) until it prints its
 * curl line; returns what it printed, and the process to stop.
 */
async function serveOnTerminal(env: Record<string, string>) {
  // --no-prompt: on a terminal Deno would ask for each variable loadConfig reads.
  const command = ["deno", "run", "--no-prompt", ...PERMS, "api/main.ts"].join(" ");
  const child = new Deno.Command("script", {
    args: ["-qefc", command, "/dev/null"],
    clearEnv: true,
    env: { ...baseEnv(), ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  const deadline = Date.now() + 60_000;
  while (!stdout.includes("curl -H")) {
    const r = await within(reader.read(), Math.max(1, deadline - Date.now()), "serve's curl line")
      .catch((e) => {
        child.kill("SIGTERM");
        throw new Error(`${(e as Error).message}; it printed: ${stdout}`);
      });
    if (r.done) throw new Error(`serve ended early: ${stdout}\n${await stderr}`);
    stdout += r.value;
  }
  return {
    stdout,
    async stop() {
      child.kill("SIGTERM");
      await child.stdin.close().catch(() => {});
      await child.status;
      while (!(await reader.read()).done) { /* drain */ }
      await stderr;
    },
  };
}

Deno.test("serve on a terminal: a generated token is printed once; HOST is the address", async () => {
  const dataDir = await tempDir("serve_tty_");
  const port = freePort();
  const env = { DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.2" };
  try {
    const first = await serveOnTerminal(env);
    let token: string;
    try {
      token = (await Deno.readTextFile(`${dataDir}/api-token`)).trim();
      assert.equal(first.stdout.split(token).length - 1, 1, "the new token, printed once");
      assert.match(first.stdout, new RegExp(`http://127\\.0\\.0\\.2:${port}`));
      const res = await fetch(`http://127.0.0.2:${port}/health`);
      assert.equal(res.status, 200);
      await res.body?.cancel();
      await assert.rejects(
        Deno.connect({ hostname: "127.0.0.1", port }),
        Deno.errors.ConnectionRefused,
      );
    } finally {
      await first.stop();
    }
    // The next start finds the token in its file: it is not shown again.
    const again = await serveOnTerminal(env);
    await again.stop();
    assert.ok(!again.stdout.includes(token), again.stdout);
    assert.ok(again.stdout.includes(`token in ${dataDir}/api-token`), again.stdout);
    // A token the user chose is never printed, terminal or not.
    const mine = "my-own-token-0123456789";
    const own = await serveOnTerminal({ ...env, API_TOKEN: mine });
    await own.stop();
    assert.ok(!own.stdout.includes(mine), own.stdout);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}
