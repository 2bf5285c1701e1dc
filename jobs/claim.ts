/**
 * Claiming a partition through the target database, so that no two runners,
 * on any host, run the same day at once. A claim is a lease: the holder
 * extends it while it works (heartbeat); a holder that died stops extending
 * it, and once it runs out the partition can be taken over. Every write of
 * the run is fenced on its run id, so a run that lost its lease commits nothing.
 */
import type { Db } from "../db/types.ts";
import { readSqlFiles } from "../sql/load.ts";

const SQL = await readSqlFiles({
  startRun: "etl/start_run.sql",
  lock: "etl/lock_partition.sql",
  claim: "etl/claim_partition.sql",
  expire: "etl/expire_run.sql",
  heartbeat: "etl/heartbeat.sql",
});

export interface ClaimRequest {
  job: string;
  day: string;
  trigger: string;
  runner: string;
  leaseSeconds: number;
}

export interface Holder {
  runId: number;
  runner: string;
  startedAt: string;
  leaseUntil: string;
}

export type Claim = { kind: "claimed"; runId: number } | { kind: "busy"; holder: Holder };

interface PartitionRow {
  status: string;
  run_id: number | null;
  runner: string | null;
  lease_live: boolean | null;
  lease_until: string | null;
  started_at: string | null;
}

export async function claimPartition(db: Db, req: ClaimRequest): Promise<Claim> {
  return await db.transaction(async (tx): Promise<Claim> => {
    const [row] = await tx.query<PartitionRow>(SQL.lock, [req.job, req.day]);
    if (row?.status === "running" && row.lease_live) return busy(row);
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
    ]);
    if (claimed.length === 1) return { kind: "claimed", runId: id };
    // Lost a race with a claim that committed after our lock query: undo our run row.
    const [now] = await tx.query<PartitionRow>(SQL.lock, [req.job, req.day]);
    throw new BusyRace(busy(now ?? row));
  }).catch((e) => {
    if (e instanceof BusyRace) return e.claim;
    throw e;
  });
}

class BusyRace extends Error {
  constructor(readonly claim: Claim) {
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
 * called once if the partition was taken over (our lease had run out).
 */
export function startHeartbeat(
  db: Db,
  req: ClaimRequest & { runId: number },
  onLost: () => void,
): { stop(): Promise<void> } {
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(async () => {
      try {
        const held = await db.query(SQL.heartbeat, [req.job, req.day, req.runId, req.leaseSeconds]);
        if (held.length === 0) onLost();
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
