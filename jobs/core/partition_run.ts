/**
 * One partition run of any declared job:
 *
 *   claim → (extract into staging, checked and fingerprinted on arrival) →
 *   ONE short transaction: guards → hold the claim → delete the job's rows
 *   of the day → insert the new ones → record the partition and the run.
 *
 * The extract (HTTP, retries, backoff) runs before that transaction, in
 * autocommit on the run's own session, so no transaction stays open while
 * the source is slow. Either the day's new rows and its state commit
 * together, or nothing of the run does and the previous rows stay; the
 * failure (or cancellation) is then recorded, and if even that fails, both
 * errors are reported.
 */
import type { Db, Session, Tx } from "../../db/types.ts";
import { readSqlFiles } from "../../sql/load.ts";
import { claimPartition, type ClaimRequest, type Holder, startHeartbeat } from "./claim.ts";
import { cancelled, extractDay, type ExtractDeps, throwIfCancelled } from "./extract.ts";
import type { Job } from "./job.ts";
import { CancelledError, describeTargetError, GuardError, LostClaimError } from "./errors.ts";
import { safeText } from "./safe_text.ts";
import { isOver } from "./days.ts";
import { waitingOn } from "./states.ts";

const SQL = await readSqlFiles({
  holdClaim: "runner/hold_claim.sql",
  recordSuccess: "runner/record_success.sql",
  recordFailure: "runner/record_failure.sql",
  cancel: "runner/cancel_partition.sql",
  finishRun: "runner/finish_run.sql",
  upstream: "runner/upstream_state.sql",
  lastSuccess: "runner/last_success.sql",
});

export interface RunDeps extends ExtractDeps {
  db: Db;
  /** Called once the partition is claimed (the status page answers then). */
  onClaimed?: (runId: number) => void;
  /** Called once the extract is done and the final transaction is about to begin. */
  onFinal?: () => void;
  /** Test seam: runs after staging is loaded, before the final transaction begins. */
  beforeFinal?: () => Promise<void>;
  /** Test seam: runs inside the final transaction right after the day's rows were deleted. */
  afterDelete?: (tx: Tx) => Promise<void>;
}

export interface RunOptions {
  job: Job;
  day: string;
  /** What started the run: cli, backfill, schedule, ui. */
  trigger: string;
  /** Who runs it (host:pid), for the runs history and busy messages. */
  runner: string;
  apiUrl: string;
  token: string;
  /** Retry budget of the extract in seconds (ETL_RETRY_SECONDS; default 60, 0 = no retry). */
  retrySeconds?: number;
  /** At most this many extract attempts (default: as many as the budget allows). */
  attempts?: number;
  timeoutMs: number;
  leaseSeconds: number;
  backoffMs?: number;
  /** The current time (injected clock): days not over by then are refused. */
  now: Date;
  /** Run a day that is not over yet (today or later, UTC). */
  allowPartial?: boolean;
  /** Let an extract of 0 readings replace rows a previous run wrote. */
  allowEmpty?: boolean;
  /** Let an extract shrink the day's readings by more than `maxShrink`. */
  allowShrink?: boolean;
  /** Largest accepted drop in readings against the last success, 0..1 (default 0.1). */
  maxShrink?: number;
  /** Retry budget: first delay and cap of the next automatic attempt after a failure. */
  retryBaseSeconds?: number;
  retryMaxSeconds?: number;
  /** SIGINT/SIGTERM: stop, roll back, release the claim, record "cancelled". */
  signal?: AbortSignal;
  /** The partition's run id when planned (see ClaimRequest.expectRunId). */
  expectRunId?: number | null;
}

export interface Phases {
  claim: number;
  /** Extract into staging, checked and fingerprinted on the way (0 for a pure-SQL job). */
  extract: number;
  /** The final transaction, commit included. */
  transaction: number;
}

export type RunResult =
  | {
    status: "succeeded" | "empty";
    runId: number;
    /** Readings extracted (null for a pure-SQL job). */
    rowsIn: number | null;
    rowsOut: number;
    attempts: number;
    phases: Phases;
    ms: number;
  }
  | {
    status: "failed" | "cancelled";
    runId: number;
    error: string;
    /** Set when recording the outcome failed too (the target is down, say). */
    recordError?: string;
    ms: number;
  }
  | { status: "busy"; holder: Holder }
  /** Another runner ran it since it was planned: nothing to do. */
  | { status: "skipped"; reason: string }
  | { status: "blocked"; reason: string }
  | { status: "refused"; reason: string };

const since = (t: number) => Math.round(performance.now() - t);

/** What the extract loaded: its readings and the day's source fingerprint. */
interface Extracted {
  readings: number;
  fingerprint: { readings: number; checksum: string };
}

interface Final {
  status: "succeeded" | "empty";
  rowsIn: number | null;
  rowsOut: number;
}

export async function runPartition(deps: RunDeps, opts: RunOptions): Promise<RunResult> {
  const { db } = deps;
  const { job, day } = opts;
  if (!opts.allowPartial && !isOver(day, opts.now)) {
    return {
      status: "refused",
      reason: `${day} is not over yet (UTC); its data may still be arriving. ` +
        `Run it tomorrow, or pass --allow-partial to load what is there now`,
    };
  }
  if (job.upstream.length) {
    const waiting = await upstreamNotReady(db, job, day);
    if (waiting) return { status: "blocked", reason: waiting };
  }
  const started = performance.now();
  const req: ClaimRequest = {
    job: job.name,
    day,
    trigger: opts.trigger,
    runner: opts.runner,
    leaseSeconds: opts.leaseSeconds,
    expectRunId: opts.expectRunId,
  };
  const claim = await claimPartition(db, req);
  if (claim.kind === "busy") return { status: "busy", holder: claim.holder };
  if (claim.kind === "moved") {
    return {
      status: "skipped",
      reason: `run ${claim.runId} ran it since it was planned (now ${claim.status})`,
    };
  }
  const { runId } = claim;
  deps.mark?.("claim");
  deps.onClaimed?.(runId);
  let lost = false;
  const heartbeat = startHeartbeat(db, { ...req, runId }, () => lost = true);
  const phases: Phases = { claim: since(started), extract: 0, transaction: 0 };
  let attempts = 0;
  try {
    const sessionRun = async (s: Session): Promise<Final> => {
      let extracted: Extracted | null = null;
      const input = job.input;
      if (input.kind === "api") {
        const t = performance.now();
        await s.exec(input.staging.create);
        deps.mark?.("session+staging");
        const r = await extractDay(s, deps, {
          apiUrl: opts.apiUrl,
          token: opts.token,
          day,
          variables: input.variables,
          staging: input.staging,
          retryMs: (opts.retrySeconds ?? 60) * 1000,
          maxAttempts: opts.attempts,
          timeoutMs: opts.timeoutMs,
          backoffMs: opts.backoffMs,
          signal: opts.signal,
        });
        attempts = r.attempts;
        extracted = { readings: r.readings, fingerprint: r.fingerprint };
        phases.extract = since(t);
      }
      deps.onFinal?.();
      await deps.beforeFinal?.();
      throwIfCancelled(opts.signal);
      const t = performance.now();
      try {
        const final = await s.transaction((tx) =>
          finalTransaction(tx, deps, opts, runId, () => lost, extracted, attempts)
        );
        deps.mark?.("commit");
        return final;
      } finally {
        // Staging goes with the session (the adapter's DISCARD TEMP).
        phases.transaction = since(t);
      }
    };
    const final = await db.session(async (s) => {
      // A signal also stops a statement in flight (a COPY, a lock wait in the
      // final transaction): cancelled from another connection, rolled back.
      const stopStatement = cancelOnAbort(s, opts.signal);
      try {
        return await sessionRun(s);
      } finally {
        await stopStatement();
      }
    });
    deps.mark?.("session end");
    return { ...final, runId, attempts, phases, ms: since(started) };
  } catch (e) {
    const isCancel = e instanceof CancelledError || opts.signal?.aborted === true;
    const error = safeText(
      isCancel && !(e instanceof CancelledError)
        ? cancelled(opts.signal!).message
        : describeTargetError(e),
      [opts.token],
    );
    let recordError: string | undefined;
    try {
      await db.transaction(async (tx) => {
        const key = [job.name, day, runId];
        if (isCancel) await tx.query(SQL.cancel, key);
        else {
          await tx.query(SQL.recordFailure, [
            ...key,
            error,
            opts.retryBaseSeconds ?? 60,
            opts.retryMaxSeconds ?? 3600,
            opts.now.toISOString(),
          ]);
        }
        await tx.query(SQL.finishRun, [
          runId,
          isCancel ? "cancelled" : "failed",
          null,
          null,
          null,
          null,
          error,
          null,
          attempts || null,
        ]);
      });
    } catch (e2) {
      recordError = safeText(
        `recording the ${isCancel ? "cancellation" : "failure"} failed too: ${
          describeTargetError(e2)
        }`,
        [opts.token],
      );
    }
    return {
      status: isCancel ? "cancelled" : "failed",
      runId,
      error,
      ...(recordError ? { recordError } : {}),
      ms: since(started),
    };
  } finally {
    await heartbeat.stop();
  }
}

/**
 * On abort, cancels whatever statement the session runs (PostgreSQL). The
 * returned function unsubscribes and waits for a cancel that was sent: the
 * session then closes its connection instead of pooling it (Session.cancel).
 */
function cancelOnAbort(s: Session, signal?: AbortSignal): () => Promise<void> {
  if (!signal) return () => Promise.resolve();
  let sent: Promise<void> = Promise.resolve();
  const onAbort = () => {
    sent = s.cancel();
  };
  signal.addEventListener("abort", onAbort, { once: true });
  return async () => {
    signal.removeEventListener("abort", onAbort);
    await sent;
  };
}

async function finalTransaction(
  tx: Tx,
  deps: RunDeps,
  opts: RunOptions,
  runId: number,
  lost: () => boolean,
  extracted: Extracted | null,
  attempts: number,
): Promise<Final> {
  const { job, day } = opts;
  const input = job.input;
  let rowsIn: number | null = null;
  let builtFrom: Record<string, number> | null = null;
  if (extracted) {
    rowsIn = extracted.readings;
    await guards(tx, opts, rowsIn);
    deps.mark?.("guards");
  } else {
    // Checked again inside the transaction: an upstream run may have started since.
    const waiting = await upstreamNotReady(tx, job, day);
    if (waiting) throw new GuardError(`blocked: ${waiting}; nothing was written`);
    builtFrom = await upstreamRuns(tx, job, day);
  }
  const lostClaim = () =>
    new LostClaimError(
      `run ${runId} lost its claim on ${job.name} ${day} (its lease of ` +
        `${opts.leaseSeconds} s ran out and another runner took over); nothing was committed`,
    );
  const held = await tx.query(SQL.holdClaim, [job.name, day, runId]);
  if (held.length === 0 || lost()) throw lostClaim();
  await tx.query(job.deleteDaySql, [day]);
  deps.mark?.("delete");
  await deps.afterDelete?.(tx);
  const [{ rows_out: rowsOut }] = await tx.query<{ rows_out: number }>(
    job.transform.sql,
    job.transformTakesDay ? [day] : [],
  );
  deps.mark?.("transform");
  const status = (input.kind === "api" ? rowsIn === 0 : rowsOut === 0) ? "empty" : "succeeded";
  const recorded = await tx.query<{ tx_ms: number }>(SQL.recordSuccess, [
    job.name,
    day,
    runId,
    status,
    job.transform.version,
    job.transform.hash,
    rowsIn,
    rowsOut,
    builtFrom ? JSON.stringify(builtFrom) : null,
    extracted?.fingerprint.readings ?? null,
    extracted?.fingerprint.checksum ?? null,
  ]);
  if (recorded.length === 0) throw lostClaim();
  await tx.query(SQL.finishRun, [
    runId,
    status,
    rowsIn,
    rowsOut,
    job.transform.version,
    job.transform.hash,
    null,
    recorded[0].tx_ms,
    attempts || null,
  ]);
  deps.mark?.("record");
  return { status, rowsIn, rowsOut };
}

/** An empty or much smaller extract must not silently replace good rows. */
async function guards(tx: Tx, opts: RunOptions, rowsIn: number): Promise<void> {
  const [last] = await tx.query<
    { success_run_id: number | null; rows_in: number | null; rows_out: number | null }
  >(SQL.lastSuccess, [opts.job.name, opts.day]);
  if (!last?.success_run_id) return;
  const before = last.rows_in ?? 0;
  const what = `${opts.job.name} ${opts.day}`;
  if (rowsIn === 0 && (last.rows_out ?? 0) > 0 && !opts.allowEmpty) {
    throw new GuardError(
      `the source returned no readings for ${what}, but the target holds ${last.rows_out} rows ` +
        `from ${before} readings (run ${last.success_run_id}); nothing was replaced. ` +
        `If the day really is empty now, run it again with --allow-empty`,
    );
  }
  const maxShrink = opts.maxShrink ?? 0.1;
  if (rowsIn > 0 && before > 0 && rowsIn < before * (1 - maxShrink) && !opts.allowShrink) {
    const pct = Math.round((1 - rowsIn / before) * 1000) / 10;
    throw new GuardError(
      `the source returned ${rowsIn} readings for ${what}, ${pct}% fewer than the ${before} of ` +
        `the last successful run (limit ETL_MAX_SHRINK = ${Math.round(maxShrink * 100)}%); ` +
        `nothing was replaced. If the source really lost readings, run it again with --allow-shrink`,
    );
  }
}

interface UpstreamRow {
  job: string;
  status: string | null;
  success_run_id: number | null;
}

type Q = Pick<Db, "query">;

/** Why the job's upstream partitions of the day are not ready, or null when they all succeeded. */
export async function upstreamNotReady(q: Q, job: Job, day: string): Promise<string | null> {
  const rows = await q.query<UpstreamRow>(SQL.upstream, [JSON.stringify(job.upstream), day]);
  const waiting = waitingOn(day, rows);
  return waiting && `${waiting} to succeed`;
}

async function upstreamRuns(q: Q, job: Job, day: string): Promise<Record<string, number>> {
  const rows = await q.query<UpstreamRow>(SQL.upstream, [JSON.stringify(job.upstream), day]);
  return Object.fromEntries(rows.map((r) => [r.job, r.success_run_id ?? 0]));
}
