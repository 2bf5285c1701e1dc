/**
 * "Use it while it runs", as real processes: while `deno task start` (or an
 * embedded `deno task scheduler`) holds the embedded target database,
 * `deno task status` and `deno task etl` ask it through its page and say so,
 * with the output and exit codes they have on their own; the page's
 * protections hold (token, body limit, MAX_RANGE_DAYS); Ctrl-C on the CLI
 * cancels the run it started there; `serve` is told that start serves the
 * API; a holder killed with SIGKILL leaves a record that is not believed. On
 * a real PostgreSQL target nothing of this happens.
 */
import assert from "node:assert/strict";
import { tempDir, TEST_DATABASE_URL } from "./helpers/databases.ts";
import { migratedDb } from "./helpers/databases.ts";
import { type Proc, runTask, spawnTask, until } from "./helpers/processes.ts";
import { freePort } from "./helpers/ports.ts";
import { startFakeApi } from "./helpers/fake_api.ts";
import { openDatabase } from "../migrations/open.ts";
import { addDays, utcDay } from "../jobs/core/days.ts";

const DEMO_DAYS = 3;
const YESTERDAY = addDays(utcDay(new Date()), -1);
const FIRST = addDays(YESTERDAY, -(DEMO_DAYS - 1));

type Partition = { job: string; day: string; state: string };
type Run = { id: number; job: string; day: string; status: string; trigger: string };

/** The page's JSON with the token, or null while it does not answer. */
async function pageJson<T>(page: string, path: string, token: string): Promise<T | null> {
  const r = await fetch(`${page}${path}`, { headers: { authorization: `Bearer ${token}` } })
    .catch(() => null);
  if (!r?.ok) {
    await r?.body?.cancel();
    return null;
  }
  return await r.json() as T;
}

/** Signals `p` and waits at most `ms` for its exit (then SIGKILL: the assertion fails). */
async function stopWithin(p: Proc, signal: Deno.Signal, ms: number): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const code = await Promise.race([
    p.stop(signal).then((r) => r.code),
    new Promise<null>((r) => timer = setTimeout(() => r(null), ms)),
  ]);
  clearTimeout(timer);
  if (code === null) await p.stop("SIGKILL");
  return code;
}

/** A raw request to the CLI's routes: status and the NDJSON lines of the body. */
async function cliPost(page: string, path: string, token: string | null, body: string) {
  const res = await fetch(`${page}/api/cli/${path}`, {
    method: "POST",
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      "content-type": "application/json",
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, lines: text.split("\n").filter((l) => l).map((l) => JSON.parse(l)) };
}

Deno.test({
  name:
    "[embedded] while start runs: status, status --json and etl --date go through it; usage, token, range caps; serve points at it; after SIGKILL status opens the database itself",
  async fn(t) {
    const dataDir = await tempDir("while_running_");
    const runnerPort = freePort();
    const apiPort = freePort();
    const page = `http://127.0.0.1:${runnerPort}`;
    const env = { DATA_DIR: dataDir };
    const start = spawnTask("start", [], {
      ...env,
      DEMO_DAYS: String(DEMO_DAYS),
      // One series, every day complete: the counts below are all successes.
      DEMO_TURBINES: "1",
      PORT: String(apiPort),
      RUNNER_PORT: String(runnerPort),
      MAX_RANGE_DAYS: "30",
    });
    let running = true;
    try {
      await start.waitFor(/token: /, 60_000);
      const token = (await Deno.readTextFile(`${dataDir}/api-token`)).trim();
      const partitions = async () =>
        (await pageJson<{ partitions: Partition[] }>(page, "/api/partitions", token))
          ?.partitions ?? [];
      const done = await until(
        async () => {
          const ps = await partitions();
          return ps.length === DEMO_DAYS * new Set(ps.map((p) => p.job)).size &&
            ps.some((p) => p.job === "etl") && ps.every((p) => p.state === "succeeded");
        },
        90_000,
        250,
      );
      assert.ok(done, `the demo partitions are done: ${start.lines.slice(-20).join("\n")}`);
      const pid = start.child.pid;
      const talking = `talking to the running \`deno task start\` (pid ${pid}) on ${page} `;

      await t.step("the record beside the lock names start's pid and its page", async () => {
        const record = JSON.parse(await Deno.readTextFile(`${dataDir}/target.holder.json`));
        assert.equal(record.pid, pid);
        assert.equal(record.command, "start");
        assert.equal(record.page, `127.0.0.1:${runnerPort}`);
        assert.equal(record.api, `127.0.0.1:${apiPort}`);
      });

      await t.step("status: through start, the counts the page has; exit 0", async () => {
        const r = await runTask("status", [], env);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.ok(r.stderr.includes(`status: ${talking}`), r.stderr);
        const page = await pageJson<{ counts: Record<string, Record<string, number>> }>(
          `http://127.0.0.1:${runnerPort}`,
          "/api/partitions",
          token,
        );
        assert.ok(page && Object.keys(page.counts).length >= 2, JSON.stringify(page));
        for (const [job, counts] of Object.entries(page.counts)) {
          assert.match(
            r.stdout,
            new RegExp(`^${job}\\s+${DEMO_DAYS} days: ${counts.succeeded} succeeded, 0 empty`, "m"),
          );
        }
        assert.match(r.stdout, /^last runs:$/m);
      });

      await t.step("status --json: every partition in the state the page shows", async () => {
        const r = await runTask("status", ["--json"], env);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stderr.includes(talking), r.stderr);
        const report = JSON.parse(r.stdout) as {
          from: string;
          to: string;
          jobs: { name: string; partitions: { day: string; state: string }[] }[];
        };
        assert.deepEqual([report.from, report.to], [FIRST, YESTERDAY]);
        const fromStatus = report.jobs.flatMap((j) =>
          j.partitions.map((p) => `${j.name} ${p.day} ${p.state}`)
        ).sort();
        const fromPage = (await partitions()).map((p) => `${p.job} ${p.day} ${p.state}`).sort();
        assert.deepEqual(fromStatus, fromPage);
      });

      await t.step("etl --date: the day re-run in start, the result line, exit 0", async () => {
        const r = await runTask("etl", ["--date", FIRST], env);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.ok(r.stderr.includes(`etl: ${talking}`), r.stderr);
        const m = new RegExp(
          `^etl ${FIRST} succeeded: \\d+ readings -> \\d+ rows in \\d+ ms .*, run (\\d+)\\]$`,
        ).exec(r.stdout.trim());
        assert.ok(m, r.stdout);
        const runs = await pageJson<{ runs: Run[] }>(page, "/api/runs?job=etl&limit=20", token);
        const run = runs?.runs.find((x) => x.id === Number(m[1]));
        assert.deepEqual(
          run && [run.day, run.status, run.trigger],
          [FIRST, "succeeded", "cli"],
          JSON.stringify(runs),
        );
        // The scheduler's own first runs came before it.
        assert.ok(runs!.runs.some((x) => x.day === FIRST && x.id < run!.id));
        const day = await pageJson<{ partitions: Partition[] }>(
          page,
          `/api/partitions?job=etl&from=${FIRST}&to=${FIRST}`,
          token,
        );
        assert.equal(day?.partitions[0].state, "succeeded");
      });

      await t.step("bad usage: exit 2, here or in start", async () => {
        const local = await runTask("etl", ["--date", FIRST, "--missing"], env);
        assert.equal(local.code, 2, local.stderr);
        assert.doesNotMatch(local.stderr, /talking to/, "refused before asking anyone");
        const far = addDays(YESTERDAY, -40);
        const range = await runTask("etl", ["--from", far, "--to", YESTERDAY], env);
        assert.equal(range.code, 2, range.stdout + range.stderr);
        assert.ok(range.stderr.includes(talking), range.stderr);
        assert.match(range.stderr, /is 41 days; .*at most 30 days \(MAX_RANGE_DAYS\)/);
        const status = await runTask("status", ["--from", far, "--to", YESTERDAY], env);
        assert.equal(status.code, 2, status.stderr);
        assert.match(status.stderr, /at most 30 days \(MAX_RANGE_DAYS\)/);
        // What start does with arguments the CLI never sends: the same parser, exit 2.
        const raw = await cliPost(page, "etl", token, JSON.stringify({ args: ["--frobnicate"] }));
        assert.equal(raw.status, 200);
        assert.equal(typeof raw.lines[0].id, "string");
        assert.match(raw.lines[1].err, /^etl: .*frobnicate/);
        assert.deepEqual(raw.lines.at(-1), { exit: 2 });
      });

      await t.step("the page's protections: token, body size, unknown command", async () => {
        const args = JSON.stringify({ args: ["--date", FIRST] });
        assert.equal((await cliPost(page, "etl", null, args)).status, 401);
        assert.equal((await cliPost(page, "etl", "wrong-token-0123456789", args)).status, 401);
        const big = JSON.stringify({ args: ["x".repeat(10_000)] });
        assert.equal((await cliPost(page, "etl", token, big)).status, 413);
        assert.equal((await cliPost(page, "seed", token, args)).status, 404);
        const many = JSON.stringify({ args: Array(40).fill("--missing") });
        assert.equal((await cliPost(page, "etl", token, many)).status, 400);
        // The page's session is not enough: the CLI's routes take the bearer token only.
        const hello = await fetch(`${page}/api/cli`);
        assert.equal(hello.status, 401);
        await hello.body?.cancel();
      });

      await t.step("a wrong token is refused: exit 2, nothing run", async () => {
        const r = await runTask("status", [], { ...env, API_TOKEN: "wrong-token-0123456789" });
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.equal(r.stdout, "");
        assert.match(
          r.stderr,
          new RegExp(
            `^status: the running \`deno task start\` \\(pid ${pid}\\) on ${page} ` +
              `refused the API token \\(wrong token\\)`,
            "m",
          ),
        );
      });

      await t.step("serve: start serves the API already; exit 2", async () => {
        const r = await runTask("serve", [], { ...env, PORT: String(freePort()) });
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.ok(
          r.stderr.includes(
            `serve: the running \`deno task start\` (pid ${pid}) already serves the source API ` +
              `on http://127.0.0.1:${apiPort} `,
          ),
          r.stderr,
        );
      });

      await t.step("start killed (SIGKILL): status opens the database itself", async () => {
        assert.equal((await start.stop("SIGKILL")).code, 137);
        running = false;
        // Its record stays behind, naming a dead pid: not believed.
        const record = JSON.parse(await Deno.readTextFile(`${dataDir}/target.holder.json`));
        assert.equal(record.pid, pid);
        const r = await runTask("status", [], env);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.doesNotMatch(r.stderr, /talking to/);
        assert.match(
          r.stdout,
          new RegExp(`^etl\\s+${DEMO_DAYS} days: ${DEMO_DAYS} succeeded`, "m"),
        );
      });

      await t.step("a stale record and another holder: the lock's refusal, as before", async () => {
        const holder = await openDatabase("target", { dataDir });
        try {
          const r = await runTask("status", [], env);
          assert.equal(r.code, 2, r.stdout + r.stderr);
          assert.doesNotMatch(r.stderr, /talking to/);
          assert.ok(r.stderr.includes(`is in use by pid ${Deno.pid} `), r.stderr);
        } finally {
          await holder.close();
        }
      });
    } finally {
      if (running) await start.stop("SIGKILL");
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "[embedded] while a scheduler runs: status through it; Ctrl-C on etl cancels its run there (exit 130, recorded cancelled); a clean stop removes the record",
  async fn(t) {
    const dataDir = await tempDir("while_scheduler_");
    const runnerPort = freePort();
    const page = `http://127.0.0.1:${runnerPort}`;
    const token = "scheduler-test-token-0123456789";
    // A source without readings (nothing for the scheduler to run) whose /data never answers
    // until the test ends: a run of it is in flight for as long as the test wants.
    const api = startFakeApi();
    let release!: () => void;
    const released = new Promise<void>((r) => release = r);
    api.answer(async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/extent") return Response.json({ first: null, last: null });
      if (path === "/data") await released;
      return Response.json({ error: "not here" }, { status: 503 });
    });
    const env = { DATA_DIR: dataDir, API_TOKEN: token, SOURCE_API_URL: api.url };
    const scheduler = spawnTask("scheduler", [], { ...env, RUNNER_PORT: String(runnerPort) });
    let running = true;
    try {
      const up = await until(
        async () =>
          (await pageJson(page, "/api/cli", token)) !== null &&
          await Deno.stat(`${dataDir}/target.holder.json`).then(() => true, () => false),
        60_000,
        250,
      );
      assert.ok(up, scheduler.lines.join("\n"));
      const talking =
        `talking to the running \`deno task scheduler\` (pid ${scheduler.child.pid}) on ${page} `;

      await t.step("status goes through the scheduler", async () => {
        const r = await runTask("status", ["--from", "2024-01-01", "--to", "2024-01-03"], env);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.ok(r.stderr.includes(talking), r.stderr);
        assert.match(
          r.stdout,
          /^partitions from 2024-01-01 to 2024-01-03 .*\n^etl\s+0 days: /m,
        );
      });

      await t.step("SIGINT on etl: the run in the scheduler is cancelled; exit 130", async () => {
        const seen = api.requests.length;
        const etl = spawnTask("etl", ["--date", "2024-01-02"], env);
        const inFlight = await until(
          () => Promise.resolve(api.requests.slice(seen).some((r) => r.url.includes("/data?"))),
          60_000,
        );
        assert.ok(inFlight, etl.lines.join("\n"));
        const code = await stopWithin(etl, "SIGINT", 30_000);
        const out = etl.lines.join("\n");
        assert.equal(code, 130, out);
        assert.ok(out.includes(`etl: ${talking}`), out);
        assert.match(out, /^etl: SIGINT: cancelling the runs in flight…$/m);
        const m = /^etl 2024-01-02 cancelled \(run (\d+), \d+ ms\)/m.exec(out);
        assert.ok(m, out);
        const runs = await pageJson<{ runs: Run[] }>(page, "/api/runs?status=cancelled", token);
        const run = runs?.runs.find((x) => x.id === Number(m[1]));
        assert.deepEqual(run && [run.day, run.status], ["2024-01-02", "cancelled"]);
        // Nothing of it is left running there.
        const now = await pageJson<{ runs: Run[] }>(page, "/api/runs?status=running", token);
        assert.deepEqual(now?.runs, []);
      });

      await t.step("etl killed (SIGKILL): the scheduler notices and cancels its run", async () => {
        const seen = api.requests.length;
        const etl = spawnTask("etl", ["--date", "2024-01-03"], env);
        const inFlight = await until(
          () => Promise.resolve(api.requests.slice(seen).some((r) => r.url.includes("/data?"))),
          60_000,
        );
        assert.ok(inFlight, etl.lines.join("\n"));
        assert.equal(await stopWithin(etl, "SIGKILL", 30_000), 137);
        // Noticed at the next heartbeat at the latest (ui/cli_routes.ts).
        const cancelled = await until(
          async () => {
            const runs = await pageJson<{ runs: Run[] }>(page, "/api/runs?job=etl", token);
            return runs?.runs.some((x) => x.day === "2024-01-03" && x.status === "cancelled") ??
              false;
          },
          30_000,
          250,
        );
        assert.ok(cancelled, scheduler.lines.slice(-10).join("\n"));
        assert.ok(
          scheduler.lines.some((l) => /"event":"cli_done".*"cancelled_by":"SIGTERM"/.test(l)),
          scheduler.lines.slice(-10).join("\n"),
        );
      });

      await t.step("SIGTERM stops the scheduler cleanly and removes its record", async () => {
        assert.equal((await scheduler.stop("SIGTERM")).code, 0);
        running = false;
        await assert.rejects(Deno.stat(`${dataDir}/target.holder.json`), Deno.errors.NotFound);
      });
    } finally {
      release();
      if (running) await scheduler.stop("SIGKILL");
      await api.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "[postgres] a PostgreSQL target: no lock, no record, no talking; /api/cli is not there",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const target = await migratedDb("postgres", "target");
    const dataDir = await tempDir("while_pg_");
    const runnerPort = freePort();
    const page = `http://127.0.0.1:${runnerPort}`;
    const token = "postgres-test-token-0123456789";
    const api = startFakeApi();
    api.answer((req) =>
      new URL(req.url).pathname === "/extent"
        ? Response.json({ first: null, last: null })
        : Response.json({ error: "not here" }, { status: 503 })
    );
    const env = {
      DATA_DIR: dataDir,
      API_TOKEN: token,
      SOURCE_API_URL: api.url,
      TARGET_DATABASE_URL: target.url!,
    };
    const scheduler = spawnTask("scheduler", [], { ...env, RUNNER_PORT: String(runnerPort) });
    try {
      await scheduler.waitFor(/"event":"start"/, 60_000);
      const r = await runTask("status", ["--from", "2024-01-01", "--to", "2024-01-02"], env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stderr, /talking to/);
      assert.match(r.stdout, /^partitions from 2024-01-01 to 2024-01-02 .*\n^etl\s+0 days: /m);
      const files = [];
      for await (const e of Deno.readDir(dataDir)) files.push(e.name);
      assert.deepEqual(files, [], "nothing written beside an embedded database");
      const hello = await fetch(`${page}/api/cli`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(hello.status, 404);
      await hello.body?.cancel();
    } finally {
      assert.equal((await scheduler.stop("SIGTERM")).code, 0);
      await api.close();
      await target.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
