/**
 * Every task as a person runs it, in a terminal (a pseudo-terminal made by
 * util-linux `script`), exactly as `deno task <name>` with the README's
 * commands: no permission prompt, no "Denied"/"NotCapable", no stack trace,
 * and each says what it did. Long-running ones are stopped with Ctrl-C once
 * they are up. A private DATA_DIR inside ./.data and free ports.
 */
import assert from "node:assert/strict";
import { freshDb, tempDir, TEST_DATABASE_URL } from "./helpers/databases.ts";
import { freePort } from "./helpers/ports.ts";
import { hasScript, NEVER, plain, type PtyProc, screen, spawnPty } from "./helpers/pty.ts";

const sanitize = { sanitizeOps: false, sanitizeResources: false };
const ignore = !(await hasScript());

function daysAgo(n: number): string {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
}

/** The lines a terminal shows, less `deno task`'s own "Task …" line. */
const shown = (p: PtyProc) => screen(p.output).filter((l) => !/^Task \w/.test(l));

function clean(what: string, p: PtyProc) {
  assert.doesNotMatch(
    plain(p.output),
    NEVER,
    `${what}: no prompt, refusal or stack trace:\n${p.output}`,
  );
}

/** Runs a one-shot task to its end. */
async function oneShot(command: string, env: Record<string, string>) {
  const p = spawnPty(command, env);
  const code = await p.exit(120_000);
  clean(command, p);
  return { code, lines: shown(p), raw: p.output };
}

/** Starts a long-running task, waits until it is up, types Ctrl-C; returns what it showed. */
async function upThenCtrlC(command: string, env: Record<string, string>, up: RegExp) {
  const p = spawnPty(command, env);
  try {
    await p.waitFor(up, 90_000);
  } finally {
    await p.interrupt();
  }
  const code = await p.exit(20_000);
  clean(command, p);
  // `deno task` itself is interrupted too, as in a shell: 130; the program stops cleanly.
  assert.ok(code === 0 || code === 130, `${command} stopped by Ctrl-C, exit ${code}`);
  return { lines: shown(p), raw: p.output };
}

Deno.test({
  name:
    "terminal: migrate, seed, serve, etl, status, scheduler run without a prompt and say what they did",
  ignore,
  ...sanitize,
  async fn() {
    const dataDir = await tempDir("tty_");
    // Each command gets only what it reads: a variable it does not read would be reported.
    const base = { DATA_DIR: dataDir };
    const env = { ...base, PORT: String(freePort()) };
    const runnerPort = String(freePort());
    try {
      const migrate = await oneShot("deno task migrate", base);
      assert.equal(migrate.code, 0, migrate.raw);
      assert.match(migrate.lines.join("\n"), /^source \(embedded .*\): applied 0001_data\.sql/m);
      assert.match(migrate.lines.join("\n"), /^target \(embedded .*\): applied 0001_/m);
      const again = await oneShot("deno task migrate", base);
      assert.deepEqual(
        again.lines.map((l) => l.replace(/\(.*\)/, "(…)")),
        ["source (…): up to date, nothing to apply", "target (…): up to date, nothing to apply"],
      );

      const seed = await oneShot("deno task seed --from 2024-01-01 --days 2", base);
      assert.equal(seed.code, 0, seed.raw);
      assert.match(
        seed.lines.at(-1)!,
        /^Seeded 2880 rows \(2024-01-01 \.\. 2024-01-02, every 60 s\) into embedded .* in [\d.]+ s$/,
      );

      // serve stays up in its own terminal while the runner's commands use it.
      const serve = spawnPty("deno task serve", env);
      try {
        await serve.waitFor(/source API on http:\/\/\S+:\d+/, 90_000);

        const one = await oneShot("deno task etl --date 2024-01-02", env);
        assert.equal(one.code, 0, one.raw);
        // The live progress line was drawn while the day ran, and is gone: the result line stays.
        assert.match(one.raw, /0\/1 done/);
        assert.deepEqual(
          one.lines.filter((l) => l.trim()).map((l) => l.replace(/\d+ ms/g, "N ms")),
          [
            "etl 2024-01-02 succeeded: 1440 readings -> 1152 rows in N ms (final transaction N ms) " +
            `[${one.lines.join("").match(/\[(\S+\.v\d+\.sql \w{8}), run 1\]/)?.[1]}, run 1]`,
          ],
        );

        const range = await oneShot(
          "deno task etl --job all --from 2024-01-01 --to 2024-01-02",
          env,
        );
        assert.equal(range.code, 0, range.raw);
        const rangeLines = range.lines.filter((l) => l.trim());
        assert.equal(rangeLines.length, 1, range.lines.join("\n"));
        assert.match(rangeLines[0], /^summary: 3 planned: 3 succeeded, 0 empty, 0 failed; /);

        const status = await oneShot("deno task status --from 2024-01-01 --to 2024-01-02", env);
        assert.equal(status.code, 0, status.raw);
        assert.match(status.lines.join("\n"), /etl/);
        assert.match(status.lines.join("\n"), /succeeded/);

        const scheduler = await upThenCtrlC(
          "deno task scheduler",
          // Two recent days (empty in the demo source): a short start-up reconcile.
          { ...env, RUNNER_PORT: runnerPort, PARTITION_START: daysAgo(2) },
          /"event":"reconcile","trigger":"startup"/,
        );
        const startLine = scheduler.lines.find((l) => l.includes('"event":"start"'))!;
        assert.match(
          startLine,
          new RegExp(`"status_page":"http://127\\.0\\.0\\.1:${runnerPort}/"`),
        );
        assert.match(
          scheduler.lines.join("\n"),
          /"event":"stopped","signal":"SIGINT","graceful":true/,
        );
      } finally {
        await serve.interrupt();
        const code = await serve.exit(20_000);
        clean("deno task serve", serve);
        assert.ok(code === 0 || code === 130, `serve stopped by Ctrl-C, exit ${code}`);
      }
      assert.match(screen(serve.output).join("\n"), /shutting down$/m);
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "terminal: start shows a generated token once; never one the user supplied",
  ignore,
  ...sanitize,
  async fn() {
    const dataDir = await tempDir("tty_start_");
    const env = {
      DATA_DIR: dataDir,
      DEMO_DAYS: "2",
      PORT: String(freePort()),
      RUNNER_PORT: String(freePort()),
    };
    const up = /"event":"reconcile","trigger":"startup"/;
    try {
      const first = await upThenCtrlC("deno task start", env, up);
      const token = (await Deno.readTextFile(`${dataDir}/api-token`)).trim();
      const banner = first.lines.slice(first.lines.findIndex((l) => l.startsWith("windbin is")));
      assert.match(
        banner[0],
        /^windbin is running \(2 demo days from \d{4}-\d\d-\d\d; Ctrl-C stops it\)$/,
      );
      assert.equal(
        banner[1],
        `  status page: http://127.0.0.1:${env.RUNNER_PORT}/   log in with the token`,
      );
      assert.equal(banner[2], `  source API:  http://127.0.0.1:${env.PORT}/docs`);
      assert.equal(
        banner[3],
        `  token:       ${token}   (generated into ${dataDir}/api-token; shown only this once)`,
      );
      assert.match(first.lines.join("\n"), /"event":"stopped","signal":"SIGINT","graceful":true/);

      const second = await upThenCtrlC("deno task start", env, up);
      assert.ok(!second.raw.includes(token), "shown only once");
      assert.ok(
        second.lines.includes(`  token:       in ${dataDir}/api-token (cat ${dataDir}/api-token)`),
      );

      const mine = "mine-0123456789abcdef-not-for-screens";
      const third = await upThenCtrlC(
        "deno task start",
        // One more demo day: its partitions run against start's own API, not SOURCE_API_URL.
        { ...env, DEMO_DAYS: "3", API_TOKEN: mine, SOURCE_API_URL: "http://127.0.0.1:1" },
        up,
      );
      assert.ok(!third.raw.includes(mine), "a supplied token is never printed");
      assert.ok(third.lines.includes("  token:       yours, from API_TOKEN (not shown)"));
      assert.ok(
        third.lines.includes(
          "start: SOURCE_API_URL is set but `deno task start` ignores it: it serves its own " +
            "source API and reaches it on 127.0.0.1:PORT",
        ),
        third.lines.join("\n"),
      );
      assert.match(
        third.raw,
        /"trigger":"startup",("to":"[\d-]+",)?"planned":2,"ran":2,"succeeded":2,/,
      );
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "terminal: the harness sees a permission prompt when there is one",
  ignore,
  ...sanitize,
  async fn() {
    // A program that lacks a permission and may prompt: what NEVER must catch in the tasks.
    const dir = await tempDir("tty_probe_");
    try {
      await Deno.writeTextFile(`${dir}/probe.ts`, 'console.log(Deno.env.get("WINDBIN_PROBE"));\n');
      const p = spawnPty(`deno run -q ${dir}/probe.ts`, {});
      try {
        await p.waitFor(/Deno requests/, 30_000);
      } finally {
        await p.interrupt();
        await p.exit(10_000);
      }
      assert.match(plain(p.output), NEVER);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "[postgres] terminal: every task on real PostgreSQL runs without a prompt and says what it did",
  ignore: ignore || !TEST_DATABASE_URL,
  ...sanitize,
  async fn() {
    const dataDir = await tempDir("tty_pg_");
    const source = await freshDb("postgres");
    const target = await freshDb("postgres");
    let demoSource: Awaited<ReturnType<typeof freshDb>> | undefined;
    const token = "pg-token-0123456789abcdef";
    const port = String(freePort());
    const src = { DATA_DIR: dataDir, SOURCE_DATABASE_URL: source.url! };
    const tgt = {
      DATA_DIR: dataDir,
      TARGET_DATABASE_URL: target.url!,
      API_TOKEN: token,
      PORT: port,
    };
    try {
      const migrate = await oneShot("deno task migrate", {
        ...src,
        TARGET_DATABASE_URL: target.url!,
      });
      assert.equal(migrate.code, 0, migrate.raw);
      assert.match(migrate.lines[0], /^source \(postgres:\/\/.*\): applied 0001_data\.sql/);
      assert.match(migrate.lines[1], /^target \(postgres:\/\/.*\): applied 0001_/);
      assert.equal(migrate.lines.length, 2, migrate.lines.join("\n"));

      const seed = await oneShot("deno task seed --from 2024-01-01 --days 1", src);
      assert.equal(seed.code, 0, seed.raw);
      assert.match(
        seed.lines.at(-1)!,
        /^Seeded 1440 rows \(2024-01-01 \.\. 2024-01-01, every 60 s\) into postgres/,
      );

      const serve = spawnPty("deno task serve", { ...src, API_TOKEN: token, PORT: port });
      try {
        await serve.waitFor(/source API on http:\/\/\S+:\d+/, 60_000);
        const etl = await oneShot("deno task etl --date 2024-01-01", tgt);
        assert.equal(etl.code, 0, etl.raw);
        assert.match(
          etl.lines.filter((l) => l.trim()).join("\n"),
          /^etl 2024-01-01 succeeded: 1440 readings -> 1152 rows in \d+ ms .*, run 1\]$/,
        );
        const status = await oneShot("deno task status --from 2024-01-01 --to 2024-01-01", tgt);
        assert.equal(status.code, 0, status.raw);
        await upThenCtrlC(
          "deno task scheduler",
          // From today (not over, never run): start's demo day below stays missing for it.
          { ...tgt, RUNNER_PORT: String(freePort()), PARTITION_START: daysAgo(0) },
          /"event":"reconcile","trigger":"startup"/,
        );
      } finally {
        await serve.interrupt();
        await serve.exit(20_000);
        clean("deno task serve", serve);
      }
      // start seeds its demo day only into an empty source: one of its own.
      demoSource = await freshDb("postgres");
      const start = await upThenCtrlC(
        "deno task start",
        {
          ...tgt,
          SOURCE_DATABASE_URL: demoSource.url!,
          PORT: String(freePort()),
          RUNNER_PORT: String(freePort()),
          DEMO_DAYS: "1",
        },
        /"event":"reconcile","trigger":"startup"/,
      );
      assert.ok(start.lines.includes("  token:       yours, from API_TOKEN (not shown)"));
      assert.ok(!start.raw.includes(token));
      assert.match(
        start.raw,
        /"trigger":"startup",("to":"[\d-]+",)?"planned":2,"ran":2,"succeeded":2,/,
      );
    } finally {
      await source.close();
      await target.close();
      await demoSource?.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
