/**
 * `deno task start` with the demo farm: the day with the late hour is built
 * first without it, the hour arrives after the first round, and the next
 * watch round rebuilds that day (stale by source) with all of its readings;
 * the day a turbine was down keeps its 5 hours short. A restart writes nothing.
 */
import assert from "node:assert/strict";
import { tempDir } from "./helpers/databases.ts";
import { spawnTask, until } from "./helpers/processes.ts";
import { freePort } from "./helpers/ports.ts";

type Run = { event: string; job: string; day: string; status: string; rows_in: number | null };

const DAYS = 3;
const TURBINES = 4;
const FULL = TURBINES * 1440;

/** The JSON log lines of `event`. */
function events<T>(lines: string[], event: string): T[] {
  return lines.filter((l) => l.startsWith("{") && l.includes(`"event":"${event}"`))
    .map((l) => JSON.parse(l) as T);
}

Deno.test({
  name:
    "start, demo farm: the late hour arrives after the first round and its day is rebuilt; the down hours stay missing",
  async fn() {
    const dataDir = await tempDir("demo_start_");
    const runnerPort = freePort();
    const env = {
      DATA_DIR: dataDir,
      DEMO_DAYS: String(DAYS),
      DEMO_TURBINES: String(TURBINES),
      DEMO_LATE_SECONDS: "1",
      WATCH_SECONDS: "2",
      PORT: String(freePort()),
      RUNNER_PORT: String(runnerPort),
    };
    try {
      const start = spawnTask("start", [], env);
      try {
        const seeded = await start.waitFor(/^seeded the demo: /, 60_000);
        const [, from, to] = /(\d{4}-\d\d-\d\d) \.\. (\d{4}-\d\d-\d\d)/.exec(seeded)!;
        const middle = Temporal.PlainDate.from(from).add({ days: 1 }).toString();
        assert.match(seeded, /4 turbines \(T01 \.\. T04\), 3 days .*: 16,920 rows in/);
        await start.waitFor(
          new RegExp(`^ {2}T04 is down on ${middle} 03:00-08:00 UTC \\(no readings\\)$`),
          5_000,
        );

        await start.waitFor(/"event":"reconcile","trigger":"startup"/, 60_000);
        const first = events<Run>(start.lines, "run").filter((r) => r.job === "etl");
        assert.deepEqual(
          first.map((r) => [r.day, r.rows_in]).sort(),
          [[from, FULL], [middle, FULL - 300], [to, FULL - 60]],
          "built first: the down day 5 hours short, the last day without its late hour",
        );

        const late = await start.waitFor(/"event":"late_readings"/, 30_000);
        assert.deepEqual(
          { ...JSON.parse(late), ts: undefined },
          {
            ts: undefined,
            event: "late_readings",
            turbine: "T01",
            window: `${to} 14:00-15:00 UTC`,
            rows: 60,
          },
        );
        const after = start.lines.indexOf(late);
        // The next watch round finds the day stale by source and rebuilds it, and daily after it.
        const round = await until(
          () => Promise.resolve(events(start.lines.slice(after), "reconcile").length > 0),
          30_000,
        );
        assert.ok(round, `a watch round after the late hour: ${start.lines.slice(-10).join("\n")}`);
        const runs = events<Run>(start.lines.slice(after), "run");
        assert.deepEqual(
          runs.map((r) => [r.job, r.day, r.rows_in]),
          [["etl", to, FULL], ["daily", to, null]],
          "only the late day is rebuilt, with every reading",
        );
        assert.ok(runs.every((r) => r.status === "succeeded"), JSON.stringify(runs));
      } finally {
        const stopped = await start.stop("SIGINT");
        assert.equal(stopped.code, 0, start.lines.join("\n"));
      }

      const again = spawnTask("start", [], env);
      try {
        await again.waitFor(/"event":"reconcile","trigger":"startup"/, 60_000);
        const line = again.lines.find((l) => l.includes('"trigger":"startup"'))!;
        assert.equal(JSON.parse(line).planned, 0, "nothing to run after a restart");
        assert.ok(
          !again.lines.some((l) => /^seeded|^ {2}T0|late_readings/.test(l)),
          again.lines.join("\n"),
        );
      } finally {
        assert.equal((await again.stop("SIGINT")).code, 0);
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
