/**
 * `deno task start` as a new user runs it: an empty DATA_DIR, a short demo;
 * every partition of every declared job fills in, the page shows them,
 * Ctrl-C exits 0, and a second start finds them still done. And a DATA_DIR
 * the task may not write to stops with one clear line. (It runs the real
 * declarations: the jobs are read from the page, not assumed.)
 */
import assert from "node:assert/strict";
import { tempDir } from "./helpers/databases.ts";
import { spawnTask, until } from "./helpers/processes.ts";
import { freePort } from "./helpers/ports.ts";

const DEMO_DAYS = 3;

type Partition = { job: string; day: string; state: string };

/** Every declared job has a partition for each demo day, and all of them succeeded. */
function allDone(ps: Partition[] | null): boolean {
  if (!ps?.length) return false;
  const jobs = new Set(ps.map((p) => p.job));
  return jobs.has("etl") && ps.length === DEMO_DAYS * jobs.size &&
    ps.every((p) => p.state === "succeeded");
}

Deno.test({
  name:
    "start: an empty DATA_DIR fills every partition of every job; Ctrl-C exits 0; a restart finds them done",
  async fn() {
    const dataDir = await tempDir("start_");
    const port = freePort();
    const runnerPort = freePort();
    const env = {
      DATA_DIR: dataDir,
      DEMO_DAYS: String(DEMO_DAYS),
      // One series, every day complete (the farm demo: seed_demo_start.test.ts).
      DEMO_TURBINES: "1",
      PORT: String(port),
      RUNNER_PORT: String(runnerPort),
    };
    const page = `http://127.0.0.1:${runnerPort}`;
    /** The page's partitions, or null while it does not answer. */
    const states = async (): Promise<Partition[] | null> => {
      const r = await fetch(`${page}/api/partitions`).catch(() => null);
      if (!r?.ok) {
        await r?.body?.cancel();
        return null;
      }
      return (await r.json()).partitions;
    };
    try {
      const first = spawnTask("start", [], env);
      try {
        await first.waitFor(/token: /, 60_000);
        // Not a terminal (a log): the generated token is not shown, only where it is.
        const token = (await Deno.readTextFile(`${dataDir}/api-token`)).trim();
        assert.ok(!first.lines.some((l) => l.includes(token)), "the token is not in the log");
        assert.ok(
          first.lines.includes(`  token:       in ${dataDir}/api-token (cat ${dataDir}/api-token)`),
          first.lines.join("\n"),
        );
        const t0 = performance.now();
        const done = await until(async () => allDone(await states()), 60_000, 250);
        const ps = await states();
        assert.ok(done, `every partition succeeded: ${JSON.stringify(ps)}`);
        console.log(
          `start: ${ps!.length} partitions done ${
            Math.round(performance.now() - t0)
          } ms after the page was up`,
        );
        const html = await (await fetch(`${page}/`)).text();
        assert.ok((html.match(/data-state="succeeded"/g) ?? []).length >= ps!.length);
      } finally {
        const stopped = await first.stop("SIGINT");
        assert.equal(stopped.code, 0, first.lines.join("\n"));
        assert.ok(stopped.ms < 10_000, `stopped in ${stopped.ms} ms`);
      }
      const second = spawnTask("start", [], env);
      try {
        await second.waitFor(/status page: http/, 60_000);
        await second.waitFor(/"event":"reconcile","trigger":"startup"/, 60_000);
        const line = second.lines.find((l) => l.includes('"trigger":"startup"'))!;
        assert.equal(JSON.parse(line).planned, 0, "nothing left to run after a restart");
        const ps = await states();
        assert.ok(allDone(ps), `still done after a restart: ${JSON.stringify(ps)}`);
        assert.ok(
          !second.lines.some((l) => l.startsWith("seeded")),
          "the demo is not seeded twice",
        );
      } finally {
        assert.equal((await second.stop("SIGINT")).code, 0);
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "start, serve, etl: a DATA_DIR outside ./.data stops with one clear line",
  async fn() {
    for (
      const [task, args] of [["serve", []], ["etl", ["--date", "2024-01-02"]], [
        "start",
        [],
      ]] as const
    ) {
      const p = spawnTask(task, [...args], {
        DATA_DIR: "/var/lib/windbin-test",
        API_TOKEN: "test-token-0123456789",
      });
      const { code } = await p.stop("SIGCONT");
      const out = p.lines.join("\n");
      assert.notEqual(code, 0, `${task}: ${out}`);
      assert.match(out, /may only write under \.\/\.data/, `${task}: ${out}`);
      assert.doesNotMatch(out, /^\s+at /m, `${task}: no stack trace`);
    }
  },
});
