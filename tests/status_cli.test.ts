/**
 * `deno task status` as a user runs it: a real process over a target that
 * holds every kind of partition (succeeded, failed, stale by sql, missing,
 * blocked), on the embedded database and on PostgreSQL. Text and --json,
 * --job, exit codes, and bad ranges. It runs the real declarations, so it
 * reads the lines of etl and daily and assumes nothing about other jobs.
 */
import assert from "node:assert/strict";
import { openMigrated } from "../migrations/open.ts";
import type { Db } from "../db/types.ts";
import { migratedDb, tempDir, TEST_DATABASE_URL } from "./helpers/databases.ts";
import { type Bench, productionJobs, runBench, serveDays } from "./helpers/runs.ts";
import { cli } from "./helpers/cli.ts";
import { runTask } from "./helpers/processes.ts";
import { RUNNER_DB_SETTINGS } from "../jobs/open_runner.ts";

const FROM = "2024-01-01";
const TO = "2024-01-04";

/**
 * Fills `db` through the runner: etl of 01-01 and 01-03 succeeded, 01-02 failed (the
 * source answered 400), 01-04 never run; daily after it; then etl 01-03 built "with old
 * SQL". Uses the bench's scripted source and the production declarations.
 */
async function fill(db: Db): Promise<void> {
  const b: Bench = await runBench("pglite", FROM);
  try {
    serveDays(b, new Set(["2024-01-02"]));
    const ctx = b.ctx({ db, jobs: await productionJobs(FROM) });
    const r = await cli(ctx, ["--job", "all", "--from", FROM, "--to", "2024-01-03"]);
    assert.equal(r.code, 1, "one day failed");
    await db.query(
      "UPDATE partitions SET sql_hash = 'old' WHERE job = 'etl' AND day = '2024-01-03'",
    );
  } finally {
    await b.close();
  }
}

/** A target as `fill` leaves it, and the environment a status process needs for it. */
async function target(
  backend: "embedded" | "postgres",
): Promise<{ env: Record<string, string>; close: () => Promise<void> }> {
  if (backend === "postgres") {
    const t = await migratedDb("postgres", "target");
    await fill(t.db);
    return { env: { TARGET_DATABASE_URL: t.url! }, close: () => t.close() };
  }
  const dataDir = await tempDir("status_cli_");
  const db = await openMigrated("target", { dataDir, ...RUNNER_DB_SETTINGS });
  try {
    await fill(db);
  } finally {
    await db.close();
  }
  return {
    env: { DATA_DIR: dataDir },
    close: () => Deno.remove(dataDir, { recursive: true }),
  };
}

for (const backend of ["embedded", "postgres"] as const) {
  Deno.test({
    name: `[${backend}] status cli: text and --json of every state, --job, exit codes, bad ranges`,
    ignore: backend === "postgres" && !TEST_DATABASE_URL,
    async fn(t) {
      const tg = await target(backend);
      // No API token anywhere: status reads the target only, and says what it did not check.
      const env = { ...tg.env, PARTITION_START: FROM };
      const status = (...args: string[]) => runTask("status", args, env);
      try {
        await t.step("text: counts, stale reason, failure, calendar, runs; exit 0", async () => {
          const r = await status("--from", FROM, "--to", TO);
          assert.equal(r.code, 0, r.stderr);
          const out = r.stdout;
          assert.match(out, /^partitions from 2024-01-01 to 2024-01-04 \(UTC days/);
          assert.match(
            out,
            /^etl\s+4 days: 1 succeeded, 0 empty, 1 failed, 0 running, 1 missing, 0 blocked, 1 stale$/m,
          );
          assert.match(out, /^\s+stale by sql: 1$/m);
          assert.match(out, /^\s+2024-01-03 {2}sql: built with v\d+ \(old\), current is \S+\.sql/m);
          assert.match(out, /^\s+2024-01-02 {2}\(1 failure, retry after [^)]+\) .*400/m);
          assert.match(
            out,
            /^daily\s+4 days: 2 succeeded, 0 empty, 0 failed, 0 running, 0 missing, 2 blocked, 0 stale$/m,
          );
          assert.match(out, /^note: no API token .*stale by source not checked$/m);
          assert.match(out, /^ {2}etl\s+2024-01-01 #Xs\.$/m);
          assert.match(out, /^ {2}daily\s+2024-01-01 #b#b$/m);
          assert.match(
            out,
            /^ {2}#\d+ etl 2024-01-02 failed \(backfill, test:1, .*400 Bad Request/m,
          );
          assert.ok(!(out + r.stderr).includes("\x1b["), "no colours off a terminal");
        });
        await t.step("--json: the same, with every partition", async () => {
          const r = await status("--from", FROM, "--to", TO, "--json");
          assert.equal(r.code, 0, r.stderr);
          const report = JSON.parse(r.stdout);
          assert.deepEqual([report.from, report.to], [FROM, TO]);
          const job = (name: string) => report.jobs.find((j: { name: string }) => j.name === name);
          const states = (name: string) =>
            job(name).partitions.map((p: { day: string; state: string }) => `${p.day} ${p.state}`);
          assert.deepEqual(states("etl"), [
            "2024-01-01 succeeded",
            "2024-01-02 failed",
            "2024-01-03 stale",
            "2024-01-04 missing",
          ]);
          assert.deepEqual(states("daily"), [
            "2024-01-01 succeeded",
            "2024-01-02 blocked",
            "2024-01-03 succeeded",
            "2024-01-04 blocked",
          ]);
          assert.deepEqual(job("etl").stale, { sql: 1, upstream: 0, source: 0 });
          assert.equal(job("etl").failed[0].day, "2024-01-02");
          assert.match(job("etl").failed[0].error, /400/);
          assert.ok(report.runs.length > 0 && report.runs.length <= 10);
          assert.match(report.notes.join("\n"), /stale by source not checked/);
        });
        await t.step(
          "--job daily: that job only (its upstream still decides blocked)",
          async () => {
            const r = await status("--job", "daily", "--from", FROM, "--to", TO, "--json");
            assert.equal(r.code, 0, r.stderr);
            const report = JSON.parse(r.stdout);
            assert.deepEqual(report.jobs.map((j: { name: string }) => j.name), ["daily"]);
            assert.equal(report.jobs[0].counts.blocked, 2);
            assert.ok(report.runs.length > 0, "daily has runs");
            assert.ok(report.runs.every((x: { job: string }) => x.job === "daily"));
          },
        );
        await t.step("a range before the first day has no days, and says so", async () => {
          const r = await status("--from", "2023-12-01", "--to", "2023-12-31");
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stdout, /^etl\s+0 days: 0 succeeded/m);
          assert.match(r.stdout, /^ {2}etl\s+\(no days in range\)$/m);
        });
        await t.step("bad usage and bad ranges exit 2 with one line, no stack trace", async () => {
          const cases: [string[], RegExp][] = [
            [
              ["--from", "2024-02-30"],
              /^status: --from must be a real date written YYYY-MM-DD, from 0001-01-01 to 9999-12-30 \(got "2024-02-30"\)/,
            ],
            [["--from", "0000-01-01"], /^status: --from .* 0001-01-01 to .*\(got "0000-01-01"\)/],
            [["--to", "yesterday"], /^status: --to must be a real date written YYYY-MM-DD/],
            [["--from", TO, "--to", FROM], /^status: --from 2024-01-04 is after --to 2024-01-01$/m],
            [["--job", "nosuch"], /^status: no job named "nosuch"; declared jobs: .*\betl\b/],
            [["--frobnicate"], /^status: .*frobnicate/],
          ];
          for (const [args, message] of cases) {
            const r = await status(...args);
            assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
            assert.match(r.stderr, message, args.join(" "));
            assert.doesNotMatch(r.stderr, /^\s+at /m, `${args.join(" ")}: no stack trace`);
            assert.equal(r.stdout, "", `${args.join(" ")}: nothing on stdout`);
          }
          const help = await status("--help");
          assert.equal(help.code, 0);
          assert.match(help.stdout, /^Usage: deno task status /);
          for (const flag of ["--job", "--from", "--to", "--json"]) {
            assert.ok(help.stdout.includes(flag), `--help documents ${flag}`);
          }
        });
      } finally {
        await tg.close();
      }
    },
  });
}
