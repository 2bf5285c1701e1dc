/**
 * One partition run: claim → extract into staging → validate → transform and
 * record, the last three in ONE transaction of the target database. Either
 * the day's new rows and its `succeeded` state commit together, or nothing
 * of the run does and the previous rows stay; the failure is then recorded.
 */
import type { Db, Tx } from "../db/types.ts";
import { readSqlFiles } from "../sql/load.ts";
import { claimPartition, type ClaimRequest, type Holder, startHeartbeat } from "./claim.ts";
import { extractDay, type ExtractDeps } from "./extract.ts";
import { validateStaging } from "./validate.ts";
import type { Transform } from "./transform.ts";
import { LostClaimError, messageOf } from "./errors.ts";

const SQL = await readSqlFiles({
  createStaging: "etl/create_staging.sql",
  holdClaim: "etl/hold_claim.sql",
  deleteDay: "etl/delete_day.sql",
  recordSuccess: "etl/record_success.sql",
  recordFailure: "etl/record_failure.sql",
  finishRun: "etl/finish_run.sql",
});

export interface RunDeps extends ExtractDeps {
  db: Db;
  transform: Transform;
  /** Test seam: runs inside the transaction right after the day's rows were deleted. */
  afterDelete?: (tx: Tx) => Promise<void>;
}

export interface RunOptions {
  job: string;
  day: string;
  /** What started the run: cli, schedule, backfill, ui. */
  trigger: string;
  /** Who runs it (host:pid), for the runs history and busy messages. */
  runner: string;
  apiUrl: string;
  token: string;
  attempts: number;
  timeoutMs: number;
  leaseSeconds: number;
  backoffMs?: number;
}

export type RunResult =
  | {
    status: "succeeded";
    runId: number;
    rowsIn: number;
    rowsOut: number;
    attempts: number;
    /** Milliseconds per phase. */
    phases: Phases;
    ms: number;
  }
  | { status: "failed"; runId: number; error: string; ms: number }
  | { status: "busy"; holder: Holder };

export interface Phases {
  claim: number;
  extract: number;
  validate: number;
  /** Delete, insert of the aggregates, and the state records. */
  transform: number;
  commit: number;
}

const since = (t: number) => Math.round(performance.now() - t);

export async function runPartition(deps: RunDeps, opts: RunOptions): Promise<RunResult> {
  const { db, transform } = deps;
  const started = performance.now();
  const req: ClaimRequest = {
    job: opts.job,
    day: opts.day,
    trigger: opts.trigger,
    runner: opts.runner,
    leaseSeconds: opts.leaseSeconds,
  };
  const claim = await claimPartition(db, req);
  if (claim.kind === "busy") return { status: "busy", holder: claim.holder };
  const { runId } = claim;
  let lost = false;
  const heartbeat = startHeartbeat(db, { ...req, runId }, () => lost = true);
  try {
    const phases: Phases = {
      claim: since(started),
      extract: 0,
      validate: 0,
      transform: 0,
      commit: 0,
    };
    let mark = performance.now();
    const lap = (phase: keyof Phases) => {
      const now = performance.now();
      phases[phase] = Math.round(now - mark);
      mark = now;
    };
    const done = await db.transaction(async (tx) => {
      await tx.exec(SQL.createStaging);
      const extracted = await extractDay(tx, deps, {
        apiUrl: opts.apiUrl,
        token: opts.token,
        day: opts.day,
        attempts: opts.attempts,
        timeoutMs: opts.timeoutMs,
        backoffMs: opts.backoffMs,
      });
      lap("extract");
      const rowsIn = await validateStaging(tx, opts.day);
      lap("validate");
      const lostClaim = () =>
        new LostClaimError(
          `run ${runId} lost its claim on ${opts.job} ${opts.day} (its lease of ` +
            `${opts.leaseSeconds} s ran out and another runner took over); nothing was committed`,
        );
      const held = await tx.query(SQL.holdClaim, [opts.job, opts.day, runId]);
      if (held.length === 0 || lost) throw lostClaim();
      await tx.query(SQL.deleteDay, [opts.day]);
      await deps.afterDelete?.(tx);
      const [{ rows_out: rowsOut }] = await tx.query<{ rows_out: number }>(transform.sql);
      const recorded = await tx.query(SQL.recordSuccess, [
        opts.job,
        opts.day,
        runId,
        transform.version,
        transform.hash,
        rowsIn,
        rowsOut,
      ]);
      if (recorded.length === 0) throw lostClaim();
      lap("transform");
      await tx.query(SQL.finishRun, [
        runId,
        "succeeded",
        rowsIn,
        rowsOut,
        transform.version,
        transform.hash,
        null,
      ]);
      return { rowsIn, rowsOut, attempts: extracted.attempts };
    });
    lap("commit");
    return { status: "succeeded", runId, ...done, phases, ms: since(started) };
  } catch (e) {
    const error = messageOf(e);
    await recordFailure(db, opts, runId, error);
    return { status: "failed", runId, error, ms: since(started) };
  } finally {
    await heartbeat.stop();
  }
}

async function recordFailure(db: Db, opts: RunOptions, runId: number, error: string) {
  await db.transaction(async (tx) => {
    await tx.query(SQL.recordFailure, [opts.job, opts.day, runId, error]);
    await tx.query(SQL.finishRun, [runId, "failed", null, null, null, null, error]);
  });
}
