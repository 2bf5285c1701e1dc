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

Deno.test("serve on the embedded default: token file, the demo farm up to yesterday, its late hour, clean stop", async () => {
  const dataDir = await tempDir("serve_");
  const port = freePort();
  const child = new Deno.Command("deno", {
    args: ["run", ...PERMS, "api/main.ts"],
    clearEnv: true,
    env: {
      ...baseEnv(),
      DATA_DIR: dataDir,
      PORT: String(port),
      DEMO_TURBINES: "4",
      DEMO_LATE_SECONDS: "2",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  const readUntil = async (text: string) => {
    const deadline = Date.now() + 60_000;
    while (!stdout.includes(text)) {
      const { value, done } = await within(
        lines.read(),
        Math.max(1, deadline - Date.now()),
        `serve's "${text}"`,
      );
      if (done) throw new Error(`serve ended early: ${stdout}\n${await stderr}`);
      stdout += value;
    }
  };
  try {
    await readUntil("curl -H");
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const seeded = stdout.match(
      /^seeded the demo: 4 turbines \(T01 \.\. T04\), 10 days (\S+) \.\. (\S+), a reading every 60 s: 57,240 rows in [\d.]+ s$/m,
    );
    assert.ok(seeded, stdout);
    const [, from, to] = seeded;
    assert.ok(to === yesterday || to < yesterday, `the demo ends yesterday: ${to}`);
    const middle = Temporal.PlainDate.from(from).add({ days: 4 }).toString();
    assert.match(
      stdout,
      new RegExp(`^  T04 is down on ${middle} 03:00-08:00 UTC \\(no readings\\)$`, "m"),
    );
    assert.match(
      stdout,
      new RegExp(
        `^  T01's readings of ${to} 14:00-15:00 UTC arrive late \\(DEMO_LATE_SECONDS\\)$`,
        "m",
      ),
    );
    assert.match(stdout, new RegExp(`http://localhost:${port}`));
    const token = (await Deno.readTextFile(`${dataDir}/api-token`)).trim();
    assert.match(token, /^[0-9a-f]{48}$/);
    assert.equal((await Deno.stat(`${dataDir}/api-token`)).mode! & 0o777, 0o600);
    // Not a terminal (a log file, a pipe): the token is not printed, its file is named.
    assert.ok(!stdout.includes(token), "no token into a pipe");
    assert.ok(stdout.includes(`generated a token into ${dataDir}/api-token`), stdout);
    assert.ok(stdout.includes(`Bearer $(cat ${dataDir}/api-token)`), stdout);
    // The example asks for a day the demo has, of one turbine (a farm's series are not mixed).
    assert.ok(
      stdout.includes(
        `"http://localhost:${port}/data?date=${to}&variables=wind_speed,power&turbines=T01"`,
      ),
      stdout,
    );

    const readings = async (day: string, turbine: string) => {
      const res = await fetch(
        `http://127.0.0.1:${port}/data?date=${day}&variables=power&turbines=${turbine}`,
        { headers: { Authorization: `Bearer ${token}` } },
      );
      assert.equal(res.status, 200);
      return (await res.json()).length;
    };
    assert.equal(await readings(from, "T02"), 1440);
    assert.equal(await readings(middle, "T04"), 1440 - 300, "T04 down for 5 hours");
    await readUntil("late readings arrived");
    assert.match(
      stdout,
      new RegExp(`^late readings arrived: T01 ${to} 14:00-15:00 UTC, 60 rows$`, "m"),
    );
    assert.equal(await readings(to, "T01"), 1440, "the late hour is there");
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
