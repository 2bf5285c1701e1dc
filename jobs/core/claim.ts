/**
 * Claiming a partition through the target database, so that no two runners,
 * on any host, run the same day at once. A claim is a lease: the holder
 * extends it while it works (heartbeat); a holder that died stops extending
 * it, and once it runs out the partition can be taken over. Every write of
 * the run is fenced on its run id, so a run that lost its lease commits
 * nothing. Busy is answered at once: locks are taken with NOWAIT.
 */
import type { Db } from "../../db/types.ts";
import { isConnectionError, isLockNotAvailable } from "../../db/errors.ts";
import { readSqlFiles } from "../../sql/load.ts";

const SQL = await readSqlFiles({
  startRun: "runner/start_run.sql",
  lock: "runner/lock_partition.sql",
  peek: "runner/peek_partition.sql",
  claim: "runner/claim_partition.sql",
  expire: "runner/expire_run.sql",
  heartbeat: "runner/heartbeat.sql",
  stillHeld: "runner/still_held.sql",
  sweepAbandoned: "runner/sweep_abandoned.sql",
  sweepOrphans: "runner/sweep_orphan_runs.sql",
});

export interface ClaimRequest {
  job: string;
  day: string;
  trigger: string;
  runner: string;
  leaseSeconds: number;
  /**
   * The partition's run id when the run was planned (null: it had no row).
   * If another run touched it since, the claim is not taken ("moved"), so a
   * day planned by several runners at once runs once per round.
   */
  expectRunId?: number | null;
}

export interface Holder {
  runId: number;
  runner: string;
  startedAt: string;
  leaseUntil: string;
}

export type Claim =
  | { kind: "claimed"; runId: number }
  | { kind: "busy"; holder: Holder }
  | { kind: "moved"; runId: number | null; status: string | null };

interface PartitionRow {
  status: string;
  run_id: number | null;
  runner: string | null;
  lease_live: boolean | null;
  lease_until: string | null;
  started_at: string | null;
}

export async function claimPartition(db: Db, req: ClaimRequest): Promise<Claim> {
  try {
    return await claimOnce(db, req);
  } catch (e) {
    // A pooled connection the server dropped meanwhile (a restart, a killed
    // backend) fails its first statement: the claim is tried once more on a
    // fresh one. Nothing of the first try was committed.
    if (!isConnectionError(e)) throw e;
    return await claimOnce(db, req);
  }
}

async function claimOnce(db: Db, req: ClaimRequest): Promise<Claim> {
  try {
    return await db.transaction(async (tx): Promise<Claim> => {
      const [row] = await tx.query<PartitionRow>(SQL.lock, [req.job, req.day]);
      if (row?.status === "running" && row.lease_live) return busy(row);
      if (req.expectRunId !== undefined && (row?.run_id ?? null) !== req.expectRunId) {
        return { kind: "moved", runId: row?.run_id ?? null, status: row?.status ?? null };
      }
      const [{ id }] = await tx.query<{ id: number }>(SQL.startRun, [
        req.job,
        req.day,
        req.trigger,
        req.runner,
      ]);
      if (row?.status === "running" && row.run_id !== null) {
        await tx.query(SQL.expire, [
          row.run_id,
          `abandoned: runner ${row.runner} stopped renewing its claim (lease ran out at ` +
          `${row.lease_until}); run ${id} took the partition over`,
        ]);
      }
      const claimed = await tx.query(SQL.claim, [
        req.job,
        req.day,
        id,
        req.runner,
        req.leaseSeconds,
        req.expectRunId !== undefined,
        req.expectRunId ?? null,
      ]);
      if (claimed.length === 1) return { kind: "claimed", runId: id };
      // Lost a race with a claim that committed after our lock query: undo our run row.
      throw new BusyRace();
    });
  } catch (e) {
    // Locked by another runner right now (claiming it, or committing its run):
    // busy, said at once. The holder is read without waiting.
    if (!(e instanceof BusyRace) && !isLockNotAvailable(e)) throw e;
    const [row] = await db.query<PartitionRow>(SQL.peek, [req.job, req.day]);
    // Not held any more: another runner ran it meanwhile.
    if (row && row.status !== "running" && req.expectRunId !== undefined) {
      return { kind: "moved", runId: row.run_id, status: row.status };
    }
    return busy(row);
  }
}

class BusyRace extends Error {
  constructor() {
    super("partition claimed concurrently");
  }
}

function busy(row: PartitionRow | undefined): Claim {
  return {
    kind: "busy",
    holder: {
      runId: row?.run_id ?? 0,
      runner: row?.runner ?? "another runner",
      startedAt: row?.started_at ?? "just now",
      leaseUntil: row?.lease_until ?? "unknown",
    },
  };
}

/**
 * Renews the lease every third of its length until stopped. `onLost` is
 * called once if the partition was taken over (our lease had run out). The
 * renewal never waits on a lock (SKIP LOCKED), not even the run's own.
 */
export function startHeartbeat(
  db: Db,
  req: ClaimRequest & { runId: number },
  onLost: () => void,
  onBeat?: () => void,
): { stop(): Promise<void> } {
  let pending: Promise<void> = Promise.resolve();
  let lost = false;
  const timer = setInterval(() => {
    pending = pending.then(async () => {
      if (lost) return;
      try {
        const key = [req.job, req.day, req.runId];
        const renewed = await db.query(SQL.heartbeat, [...key, req.leaseSeconds]);
        if (renewed.length === 0) {
          // Skipped (our final transaction holds the row) or lost: a plain read tells.
          const held = await db.query(SQL.stillHeld, key);
          if (held.length === 0) {
            lost = true;
            onLost();
          }
        } else {
          onBeat?.();
        }
      } catch {
        // A missed beat is not fatal: the lease is three beats long, and the
        // final write is fenced anyway.
      }
    });
  }, Math.max(200, (req.leaseSeconds * 1000) / 3));
  return {
    async stop() {
      clearInterval(timer);
      await pending;
    },
  };
}

/**
 * Closes what dead runners left: expired claims become failed attempts
 * (abandoned in the runs history), and runs whose partition moved on are
 * closed. Never waits on a lock. Returns how many runs it closed.
 */
export async function sweepAbandoned(db: Db): Promise<number> {
  const a = await db.query(SQL.sweepAbandoned);
  const b = await db.query(SQL.sweepOrphans);
  return a.length + b.length;
}
