/**
 * MAX_RANGE_DAYS caps the day ranges of the commands, as it caps the routes:
 * `status --from/--to` and `etl --from/--to` (with or without --missing,
 * --failed, --stale, --force, --dry-run) longer than the cap exit 2 with one
 * line naming it and how to split the range, before any database is opened
 * (the target here is a port nothing listens on: a connection attempt would
 * say so, and exit 1). A plan from a job's first day to yesterday longer than
 * the cap is refused the same way once the first day is known; `status`
 * without --from shows the newest MAX_RANGE_DAYS days and says so.
 * (Before the cap, `status --from 0001-01-01 --to 9999-12-30` took 24.8-51 s and 2.5 GB.)
 */
import assert from "node:assert/strict";
import { runTask } from "./helpers/processes.ts";
import { freePort } from "./helpers/ports.ts";
import { tempDir } from "./helpers/databases.ts";
import { addDays, dayCount, splitHint, utcDay, yesterday } from "../jobs/core/days.ts";

const TOKEN = "ranges-token-0123456789";
/** A target nothing listens on: any command that opens it fails with a connection error. */
const nowhere = () => ({
  TARGET_DATABASE_URL: `postgres://postgres@127.0.0.1:${freePort()}/nothing`,
  SOURCE_API_URL: `http://127.0.0.1:${freePort()}`,
  API_TOKEN: TOKEN,
});

Deno.test("command ranges: over MAX_RANGE_DAYS exits 2 at once, naming the cap, without opening the target", async () => {
  const last = yesterday(new Date());
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    [
      "status",
      ["--from", "0001-01-01", "--to", "9999-12-30"],
      {},
      /^status: the range 0001-01-01 \.\. 9999-12-30 is 3652058 days; at most 3660 days \(MAX_RANGE_DAYS\) at once: ask for parts, e\.g\. --from 0001-01-01 --to 0011-01-08, then --from 0011-01-09 --to 0021-01-15, and so on$/,
    ],
    [
      "status",
      ["--from", "2000-01-01", "--json"],
      {},
      new RegExp(`^status: the range 2000-01-01 \\.\\. ${last} is \\d+ days; at most 3660 days`),
    ],
    [
      "etl",
      ["--from", "0001-01-01", "--to", "9999-12-30"],
      {},
      // The end is cut at yesterday (days not over are never planned) before it is measured.
      new RegExp(
        `^etl: the range 0001-01-01 \\.\\. ${last} is ${
          dayCount("0001-01-01", last)
        } days; at most 3660 days \\(MAX_RANGE_DAYS\\) per command: run it in parts with the same options, --from 0001-01-01 --to 0011-01-08, then --from 0011-01-09 --to 0021-01-15, and so on$`,
      ),
    ],
    ["etl", ["--from", "0001-01-01", "--missing", "--dry-run"], {}, /^etl: the range 0001-01-01/],
    ["etl", ["--from", "1990-01-01", "--to", "2024-01-01", "--force"], {}, /^etl: the range/],
    ["etl", ["--from", "1990-01-01", "--stale", "--job", "all"], {}, /^etl: the range/],
    // A lower cap counts the same way: 11 days against 10.
    [
      "etl",
      ["--from", "2024-01-01", "--to", "2024-01-11", "--failed"],
      { MAX_RANGE_DAYS: "10" },
      /^etl: the range 2024-01-01 \.\. 2024-01-11 is 11 days; at most 10 days \(MAX_RANGE_DAYS\) per command: run it in parts with the same options, --from 2024-01-01 --to 2024-01-10, then --from 2024-01-11 --to 2024-01-11$/,
    ],
    [
      "status",
      ["--from", "2024-01-01", "--to", "2024-01-11"],
      { MAX_RANGE_DAYS: "10" },
      /^status: the range 2024-01-01 \.\. 2024-01-11 is 11 days; at most 10 days/,
    ],
  ];
  for (const [task, args, env, message] of cases) {
    const what = `${task} ${args.join(" ")} ${JSON.stringify(env)}`;
    const r = await runTask(task, args, { ...nowhere(), ...env });
    assert.equal(r.code, 2, `${what}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, "", what);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${what}: one line: ${r.stderr}`);
    assert.match(lines[0], message, what);
  }

  // At the cap exactly, the command goes on (and then finds no target: exit 1, not 2).
  for (
    const [task, args] of [
      ["status", ["--from", "2024-01-01", "--to", "2024-01-10"]],
      ["etl", ["--from", "2024-01-01", "--to", "2024-01-10", "--missing"]],
    ] as const
  ) {
    const r = await runTask(task, [...args], { ...nowhere(), MAX_RANGE_DAYS: "10" });
    assert.equal(r.code, 1, `${task}: ${r.stderr}`);
    assert.match(r.stderr, /ECONNREFUSED.*TARGET_DATABASE_URL/, task);
    assert.doesNotMatch(r.stderr, /MAX_RANGE_DAYS/, task);
  }
});

Deno.test("command ranges: a plan from a job's first day longer than the cap says so and how to split it; status shows the newest days", async () => {
  const dataDir = await tempDir("command_ranges_");
  const last = yesterday(new Date());
  const first = addDays(last, -20);
  const env = {
    DATA_DIR: dataDir,
    SOURCE_API_URL: `http://127.0.0.1:${freePort()}`,
    API_TOKEN: TOKEN,
    PARTITION_START: first,
    MAX_RANGE_DAYS: "15",
  };
  try {
    for (const args of [["--missing"], ["--job", "all", "--failed", "--dry-run"], ["--to", last]]) {
      const r = await runTask("etl", args, env);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, "");
      assert.equal(
        r.stderr.trim(),
        `etl: the plan from ${first} (the first day of ${
          args.includes("all") ? "etl, daily" : "etl"
        }) to ${last} is 21 days; at most 15 days (MAX_RANGE_DAYS) per command: run it in parts ` +
          `with the same options, ${splitHint(first, last, 15)}`,
        args.join(" "),
      );
    }
    // Within the cap it plans (a dry run: nothing is asked of the source).
    const ok = await runTask("etl", ["--missing", "--dry-run"], { ...env, MAX_RANGE_DAYS: "21" });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^plan: 21 partition\(s\)/);

    // status without --from: the newest 15 days, and a note saying what is not shown.
    const st = await runTask("status", ["--json"], env);
    assert.equal(st.code, 0, st.stderr);
    const report = JSON.parse(st.stdout);
    assert.deepEqual([report.from, report.to], [addDays(last, -14), last]);
    assert.ok(report.jobs.every((j: { partitions: unknown[] }) => j.partitions.length === 15));
    assert.ok(
      report.notes.includes(
        `showing the newest 15 days (MAX_RANGE_DAYS) of the 21 since ${first}; ` +
          `--from and --to show older ones`,
      ),
      report.notes.join("\n"),
    );
    assert.ok(utcDay(new Date()) > last);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("command ranges: splitHint and dayCount", () => {
  assert.equal(dayCount("2024-01-01", "2024-01-01"), 1);
  assert.equal(dayCount("2024-01-02", "2024-01-01"), 0);
  assert.equal(dayCount("0001-01-01", "9999-12-30"), 3652058);
  assert.equal(
    splitHint("2024-01-01", "2024-01-03", 2),
    "--from 2024-01-01 --to 2024-01-02, then --from 2024-01-03 --to 2024-01-03",
  );
  assert.equal(
    splitHint("2024-01-01", "2024-01-07", 3),
    "--from 2024-01-01 --to 2024-01-03, then --from 2024-01-04 --to 2024-01-06, and so on",
  );
  // Near the last day there is: counted, not compared as text ("+010000-..." sorts first).
  assert.equal(
    splitHint("9980-01-01", "9999-12-30", 3660),
    "--from 9980-01-01 --to 9990-01-07, then --from 9990-01-08 --to 9999-12-30",
  );
});
