/**
 * `deno task etl` as a user runs it: real processes, exit codes, output, and
 * two processes started together on the same day.
 */
import assert from "node:assert/strict";
import { migratedDb, tempDir, TEST_DATABASE_URL } from "./helpers/databases.ts";
import { copy, dayCopy, startFakeApi, status } from "./helpers/fake_api.ts";
import { within } from "./helpers/streams.ts";

const DAY = "2024-01-02";

interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

function inherited(): Record<string, string> {
  const keep: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "DENO_DIR", "TMPDIR"]) {
    const v = Deno.env.get(k);
    if (v) keep[k] = v;
  }
  return keep;
}

function etl(args: string[], env: Record<string, string>): Promise<Out> {
  const cmd = new Deno.Command("deno", {
    args: ["task", "-q", "etl", ...args],
    // Only what the test sets: a TARGET_DATABASE_URL of the caller must not leak in.
    clearEnv: true,
    env: { ...inherited(), NO_COLOR: "1", ETL_RETRY_SECONDS: "2", ...env },
    stdout: "piped",
    stderr: "piped",
  });
  return cmd.output().then((o) => ({
    code: o.code,
    stdout: new TextDecoder().decode(o.stdout),
    stderr: new TextDecoder().decode(o.stderr),
  }));
}

Deno.test("etl cli: --help, and bad usage exits 2 naming the problem", async () => {
  const help = await etl(["--help"], {});
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: deno task etl /);
  for (
    const flag of ["--from", "--missing", "--stale", "--dry-run", "--concurrency", "--allow-empty"]
  ) {
    assert.ok(help.stdout.includes(flag), `--help documents ${flag}`);
  }
  const missing = await etl([], {});
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /say what to run: --date D, --from A --to B/);
  const both = await etl(["--date", DAY, "--from", DAY], {});
  assert.equal(both.code, 2);
  const ancient = await etl(["--date", "0000-01-01"], {});
  assert.equal(ancient.code, 2);
  assert.match(ancient.stderr, /--date must be a real date/);
  assert.doesNotMatch(ancient.stderr, /at .*\.ts:\d+/, "no stack trace");
  const bad = await etl(["--date", "2024-02-30"], {});
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--date must be a real date/);
  const unknown = await etl(["--date", DAY, "--frobnicate"], {});
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /frobnicate/);
  const config = await etl(["--date", DAY], { ETL_RETRY_SECONDS: "zero" });
  assert.equal(config.code, 2);
  assert.match(config.stderr, /ETL_RETRY_SECONDS must be a whole number/);
});

Deno.test("etl cli: on the embedded database, success prints a summary and exits 0; a 401 exits 1", async () => {
  const dataDir = await tempDir("etl_cli_");
  const api = startFakeApi();
  try {
    api.answer(copy(dayCopy(DAY, 60)));
    const env = { DATA_DIR: dataDir, SOURCE_API_URL: api.url, API_TOKEN: "test-token-0123456789" };
    const ok = await etl(["--date", DAY], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /^etl 2024-01-02 succeeded: 1440 readings -> 1152 rows in \d+ ms/,
    );

    api.answer(status(401, "unauthorized"));
    const denied = await etl(["--date", DAY], env);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /etl 2024-01-02 failed .*401/);
    assert.equal(api.requests.length, 2, "a 401 is not retried");
  } finally {
    await api.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("etl cli: without API_TOKEN it uses the token the embedded API wrote, or says what to set", async () => {
  const dataDir = await tempDir("etl_cli_token_");
  const api = startFakeApi();
  try {
    const env = { DATA_DIR: dataDir, SOURCE_API_URL: api.url };
    const none = await etl(["--date", DAY], env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /API_TOKEN is not set/);
    await Deno.writeTextFile(`${dataDir}/api-token`, "short\n");
    const short = await etl(["--date", DAY], env);
    assert.equal(short.code, 2);
    assert.match(
      short.stderr,
      /^etl: the token in \S+\/api-token is 5 characters long; it needs at least 16: delete the file/,
    );
    assert.doesNotMatch(short.stderr, /short/, "the token itself is not printed");
    await Deno.writeTextFile(`${dataDir}/api-token`, "from-file-0123456789\n");
    api.answer(copy(dayCopy(DAY, 600)));
    const ok = await etl(["--date", DAY], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(api.requests[0].headers.get("authorization"), "Bearer from-file-0123456789");
  } finally {
    await api.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test({
  name:
    "[postgres] etl cli: two processes on the same day at once: one runs, the other exits 3 busy",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const target = await migratedDb("postgres", "target");
    const api = startFakeApi();
    const oneExited = Promise.withResolvers<void>();
    try {
      // The source holds its answer until one process has exited: the other one, which
      // claimed the day, stays inside its claim until then. Both ask the source early (the
      // request starts while the target opens); the busy one drops its request, unread.
      let dropped = 0;
      api.answer(async (req) => {
        const gone = new Promise<void>((ok) => req.signal.addEventListener("abort", () => ok()));
        const first = await Promise.race([
          oneExited.promise.then(() => "answer"),
          gone.then(() => "dropped"),
        ]);
        if (first === "dropped") dropped++;
        return copy(dayCopy(DAY, 60))(req);
      });
      const env = {
        TARGET_DATABASE_URL: target.url!,
        SOURCE_API_URL: api.url,
        API_TOKEN: "test-token-0123456789",
      };
      const runs = [etl(["--date", DAY], env), etl(["--date", DAY], env)];
      const first = await within(Promise.race(runs), 60_000, "the first of two etl processes");
      oneExited.resolve();
      const [a, b] = await within(Promise.all(runs), 60_000, "both etl processes");
      assert.equal(first.code, 3, `the first to exit is the busy one: ${first.stderr}`);
      const codes = [a.code, b.code].sort();
      assert.deepEqual(codes, [0, 3], `${a.stderr}\n${b.stderr}`);
      const busy = a.code === 3 ? a : b;
      assert.match(busy.stderr, /etl 2024-01-02 is busy: run \d+ by .* holds it/);
      assert.equal(api.requests.length, 2, "each asked the source once");
      assert.equal(dropped, 1, "the busy one dropped its request unread");
      const [{ n }] = await target.db.query<{ n: number }>("SELECT count(*)::int AS n FROM data");
      assert.equal(n, 1152);
    } finally {
      oneExited.resolve();
      await api.close();
      await target.close();
    }
  },
});

Deno.test("etl cli: a second process on a busy embedded database is refused at once, naming the holder", async () => {
  const dataDir = await tempDir("etl_cli_lock_");
  const api = startFakeApi();
  const secondDone = Promise.withResolvers<void>();
  try {
    // The source holds its answer until the second process is done: the first one holds the
    // embedded database meanwhile (it opened it before asking the source).
    const asked = Promise.withResolvers<void>();
    api.answer(async (req) => {
      asked.resolve();
      await secondDone.promise;
      return copy(dayCopy(DAY, 600))(req);
    });
    const env = { DATA_DIR: dataDir, SOURCE_API_URL: api.url, API_TOKEN: "test-token-0123456789" };
    const first = etl(["--date", DAY], env);
    await within(asked.promise, 60_000, "the first process asking the source");
    const second = await etl(["--date", DAY], env).finally(() => secondDone.resolve());
    assert.equal(second.code, 2);
    assert.match(second.stderr, /embedded target database .* is in use by pid \d+/);
    assert.equal((await within(first, 60_000, "the first process")).code, 0);
  } finally {
    secondDone.resolve();
    await api.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
