/**
 * A partition-run test bench: a fresh migrated target, a scripted source API
 * over real HTTP, the tests' own jobs (tests/fixtures/jobs/; the production
 * declarations only where a test is about what they compute), and helpers to
 * read what the target holds.
 */
import assert from "node:assert/strict";
import type { Db } from "../../db/types.ts";
import { type BackendName, migratedDb } from "./databases.ts";
import { copy, dayCopy, startFakeApi } from "./fake_api.ts";
import { type RunDeps, type RunOptions, runPartition } from "../../jobs/core/partition_run.ts";
import { findJob, type Job, type JobDeclaration, resolveJobs } from "../../jobs/core/job.ts";
import { DECLARED_JOBS } from "../../jobs/declarations/mod.ts";
import { FIXTURE_JOBS } from "../fixtures/jobs/mod.ts";
import type { RunnerContext } from "../../jobs/core/runner.ts";
import { claimPartition } from "../../jobs/core/claim.ts";

export const DAY = "2024-01-02";
/** A clock well after the test days: every one of them is over. */
export const LATER = new Date("2024-06-01T12:00:00Z");

/** The tests' own jobs (an API job "etl", a pure-SQL job "daily"), resolved. */
export async function fixtureJobs(
  partitionStart = "2024-01-01",
  declarations: readonly JobDeclaration[] = FIXTURE_JOBS,
): Promise<Job[]> {
  return await resolveJobs(declarations, { partitionStart, cron: "0 1 * * *" });
}

/** The production declarations: only for tests of what the real jobs compute. */
export async function productionJobs(partitionStart = "2024-01-01"): Promise<Job[]> {
  return await fixtureJobs(partitionStart, DECLARED_JOBS);
}

export type Bench = Awaited<ReturnType<typeof runBench>>;

/** `declarations` must hold an API job "etl" and a job "daily" (the fixtures, by default). */
export async function runBench(
  backend: BackendName,
  partitionStart = "2024-01-01",
  declarations: readonly JobDeclaration[] = FIXTURE_JOBS,
) {
  const t = await migratedDb(backend, "target");
  const api = startFakeApi();
  const logs: string[] = [];
  // Waits take no time; they are recorded, and the retry budget counts them on a clock of its own.
  const sleeps: number[] = [];
  let waited = 0;
  const sleep = (ms: number) => {
    sleeps.push(ms);
    waited += ms;
    return Promise.resolve();
  };
  const clock = () => performance.now() + waited;
  const jobs = await fixtureJobs(partitionStart, declarations);
  const etl = findJob(jobs, "etl");
  const deps = (extra: Partial<RunDeps> = {}): RunDeps => ({
    db: t.db,
    fetch,
    sleep,
    clock,
    random: () => 0.5,
    log: (m) => logs.push(m),
    ...extra,
  });
  const opts = (extra: Partial<RunOptions> = {}): RunOptions => ({
    job: etl,
    day: DAY,
    trigger: "cli",
    runner: "test:1",
    apiUrl: api.url,
    token: "secret-token",
    attempts: 3,
    timeoutMs: 5000,
    leaseSeconds: 30,
    now: LATER,
    ...extra,
  });
  const ctx = (extra: Partial<RunnerContext> = {}): RunnerContext => ({
    db: t.db,
    jobs,
    settings: {
      apiUrl: api.url,
      token: "secret-token",
      retrySeconds: 2,
      timeoutMs: 5000,
      leaseSeconds: 30,
      maxShrink: 0.1,
      retryBaseSeconds: 60,
      retryMaxSeconds: 3600,
    },
    runner: "test:1",
    now: () => LATER,
    fetch,
    sleep,
    clock,
    random: () => 0.5,
    log: (m) => logs.push(m),
    ...extra,
  });
  return {
    db: t.db,
    url: t.url,
    api,
    jobs,
    etl,
    daily: findJob(jobs, "daily"),
    deps,
    opts,
    ctx,
    logs,
    sleeps,
    async close() {
      await api.close();
      await t.close();
    },
  };
}

export type Target = [string, string, number | null];

/** The etl job's rows of a day, in a stable order. */
export async function dayRows(db: Db, day = DAY): Promise<Target[]> {
  const rows = await db.query<{ t: string; name: string; value: number | null }>(
    `SELECT to_char(d.timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS t, s.name, d.value
     FROM data d JOIN signal s ON s.id = d.signal_id
     WHERE d.timestamp >= $1::date AND d.timestamp < $1::date + 1
     ORDER BY d.timestamp, s.id`,
    [day],
  );
  return rows.map((r) => [r.t, r.name, r.value]);
}

export interface PartitionRow {
  status: string;
  error: string | null;
  rows_in: number | null;
  rows_out: number | null;
  sql_version: number | null;
  sql_hash: string | null;
  attempts: number;
  failures: number;
}

export async function partition(db: Db, day = DAY, job = "etl"): Promise<PartitionRow | undefined> {
  const [p] = await db.query<PartitionRow>(
    `SELECT status, error, rows_in, rows_out, sql_version, sql_hash, attempts, failures
     FROM partitions WHERE job = $2 AND day = $1::date`,
    [day, job],
  );
  return p;
}

export async function runsOf(db: Db) {
  return await db.query<
    { id: number; job: string; day: string; status: string; error: string | null; trigger: string }
  >(`SELECT id::int, job, to_char(day, 'YYYY-MM-DD') AS day, status, error, trigger FROM runs ORDER BY id`);
}

/** Runs the day once from a clean 1-minute CSV, so failure tests have previous data to keep. */
export async function succeedOnce(b: Bench, day = DAY) {
  b.api.answer(copy(dayCopy(day, 60)));
  const r = await runPartition(b.deps(), b.opts({ day }));
  assert.equal(r.status, "succeeded", JSON.stringify(r));
  return await dayRows(b.db, day);
}

/** The stand-in source answers any day with readings every 10 minutes (`bad` days with a 400). */
export function serveDays(b: Bench, bad: ReadonlySet<string> = new Set()) {
  b.api.answer((req) => {
    const url = new URL(req.url);
    // Fingerprints are the real API's (tests/source_stale.test.ts): not this stand-in's.
    if (url.pathname !== "/data") return new Response("not here", { status: 404 });
    const day = url.searchParams.get("date")!;
    if (bad.has(day)) return new Response("the source is broken today", { status: 400 });
    return copy(dayCopy(day, 600))(req);
  });
}

/** A runner that claimed the day and then died: it never renews its lease. */
export async function deadClaim(db: Db, leaseSeconds: number, day = DAY): Promise<void> {
  const claim = await claimPartition(db, {
    job: "etl",
    day,
    trigger: "cli",
    runner: "dead:1",
    leaseSeconds,
  });
  assert.equal(claim.kind, "claimed");
}
