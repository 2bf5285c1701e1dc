/**
 * Every command, as a real `deno task` process: a bad setting it reads stops
 * it at start with one line naming the variable, exit 2, no stack trace and
 * no Deno panic; a windbin variable it does not read is named, not ignored.
 */
import assert from "node:assert/strict";
import { tempDir } from "./helpers/databases.ts";
import { spawnTask } from "./helpers/processes.ts";
import { freePort } from "./helpers/ports.ts";

const sanitize = { sanitizeOps: false, sanitizeResources: false };

async function run(task: string, args: string[], env: Record<string, string>) {
  const p = spawnTask(task, args, env);
  const { code } = await p.stop("SIGCONT"); // SIGCONT: no stop, just the exit
  return { code, lines: p.lines.filter((l) => l.trim()) };
}

Deno.test({
  name: "config at start: each command refuses a bad setting it reads in one line, exit 2",
  ...sanitize,
  async fn() {
    const dataDir = await tempDir("cfg_");
    try {
      const cases: [string, string[], Record<string, string>, string][] = [
        [
          "scheduler",
          [],
          { ETL_CRON: "99 99 * * *" },
          'scheduler: ETL_CRON must be a 5-field cron expression in UTC that fires, e.g. "0 1 * * *" (got "99 99 * * *": minute "99": 99 is not 0-59)',
        ],
        [
          "scheduler",
          [],
          { ETL_CRON: "* * 31 2 *" },
          'scheduler: ETL_CRON must be a 5-field cron expression in UTC that fires, e.g. "0 1 * * *" (got "* * 31 2 *": it never fires (no such day in any year))',
        ],
        [
          "start",
          [],
          { ETL_CRON: "61 * * * *" },
          'start: ETL_CRON must be a 5-field cron expression in UTC that fires, e.g. "0 1 * * *" (got "61 * * * *": minute "61": 61 is not 0-59)',
        ],
        [
          "etl",
          ["--date", "2024-01-02"],
          { API_TOKEN: "a" },
          "etl: API_TOKEN is 1 characters long; it needs at least 16: use a long random string, e.g. `openssl rand -hex 24`",
        ],
        [
          "etl",
          ["--date", "2024-01-02"],
          { API_TOKEN: "   " },
          "etl: API_TOKEN is blank: use a long random string, e.g. `openssl rand -hex 24`",
        ],
        [
          "status",
          [],
          { PARTITION_START: "0000-01-01" },
          'status: PARTITION_START must be a real date written YYYY-MM-DD, from 0001-01-01 to 9999-12-30 (got "0000-01-01")',
        ],
        [
          "migrate",
          [],
          { TARGET_DATABASE_URL: "mysql://u:hunter2@h/db" },
          "migrate: TARGET_DATABASE_URL must start with postgres:// or postgresql://",
        ],
        [
          "seed",
          ["--days", "1"],
          { SOURCE_DATABASE_URL: "postgres://u:hunter2@[::1/db" },
          "seed: SOURCE_DATABASE_URL is not a valid URL; expected postgres://host:port/...",
        ],
        [
          "serve",
          [],
          { HOST: "a b" },
          'serve: HOST must be an address to listen on: 127.0.0.1 (this machine only), 0.0.0.0 (every interface), an IPv6 address or a host name (got "a b")',
        ],
      ];
      for (const [task, args, env, line] of cases) {
        const out = await run(task, args, { DATA_DIR: dataDir, ...env });
        const what = `${task} with ${JSON.stringify(env)}: ${out.lines.join("\n")}`;
        assert.deepEqual(out.lines, [line], what);
        assert.equal(out.code, 2, what);
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "config at start: a variable the command does not read is named in one line, not ignored",
  ...sanitize,
  async fn() {
    const dataDir = await tempDir("cfg_");
    try {
      // With a bad setting the command does read, so it stops at once after saying so.
      const etl = await run("etl", ["--date", "2024-01-02"], {
        DATA_DIR: dataDir,
        API_STREAMS: "abc",
        ETL_CRON: "99 99 * * *",
        PARTITION_START: "0000-01-01",
      });
      assert.equal(etl.code, 2);
      assert.deepEqual(etl.lines, [
        "etl: API_STREAMS is set but `deno task etl` does not use it (it is read by serve and start)",
        "etl: ETL_CRON is set but `deno task etl` does not use it (it is read by scheduler and start)",
        'etl: PARTITION_START must be a real date written YYYY-MM-DD, from 0001-01-01 to 9999-12-30 (got "0000-01-01")',
      ]);
      // serve finds out which command it is from its entry point (api/main.ts loads the config itself).
      const serve = await run("serve", [], {
        DATA_DIR: dataDir,
        PARTITION_START: "2024-01-01",
        PORT: "0",
      });
      assert.deepEqual(serve.lines, [
        "serve: PARTITION_START is set but `deno task serve` does not use it (it is read by etl, status, scheduler and start)",
        'serve: PORT must be a whole number from 1 to 65535 (got "0")',
      ]);
      const migrate = await run("migrate", [], {
        DATA_DIR: dataDir,
        SOURCE_API_URL: "http://127.0.0.1:1",
      });
      assert.equal(migrate.code, 0, migrate.lines.join("\n"));
      assert.equal(
        migrate.lines[0],
        "migrate: SOURCE_API_URL is set but `deno task migrate` does not use it (it is read by etl, status, scheduler and the Docker image's scripts)",
      );
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "HOST: the scheduler's page listens on 127.0.0.1 by default, and where HOST says",
  ...sanitize,
  async fn() {
    const dataDir = await tempDir("cfg_host_");
    // 127.0.0.2 is loopback too on Linux: a server bound to 127.0.0.1 (not 0.0.0.0) refuses it.
    const reachable = async (host: string, port: number) => {
      try {
        const r = await fetch(`http://${host}:${port}/health`);
        await r.body?.cancel();
        return true;
      } catch {
        return false;
      }
    };
    try {
      for (
        const [host, yes, no] of [[undefined, "127.0.0.1", "127.0.0.2"], [
          "127.0.0.2",
          "127.0.0.2",
          "127.0.0.1",
        ]]
      ) {
        const port = freePort();
        const env: Record<string, string> = {
          DATA_DIR: dataDir,
          RUNNER_PORT: String(port),
          SOURCE_API_URL: "http://127.0.0.1:1",
          API_TOKEN: "test-token-0123456789",
          PARTITION_START: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
        };
        if (host) env.HOST = host;
        else env.SEED_DEMO = "true"; // not the scheduler's: a warning in its JSON log
        const p = spawnTask("scheduler", [], env);
        try {
          const start = JSON.parse(await p.waitFor(/"event":"start"/, 60_000));
          assert.equal(start.status_page, `http://${yes}:${port}/`);
          const warnings = p.lines.filter((l) => l.includes('"event":"warning"'));
          assert.deepEqual(
            warnings.map((l) => JSON.parse(l).message),
            host ? [] : [
              "SEED_DEMO is set but `deno task scheduler` does not use it (it is read by serve)",
            ],
          );
          assert.equal(await reachable(yes!, port), true, `${yes}:${port} answers`);
          assert.equal(await reachable(no!, port), false, `${no}:${port} is refused`);
        } finally {
          assert.equal((await p.stop("SIGINT")).code, 0, p.lines.join("\n"));
        }
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
