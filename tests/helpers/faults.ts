/**
 * Connection-loss scenarios: an operation in flight in one phase (query,
 * transaction, COPY FROM, COPY TO, session, or an idle pooled connection)
 * when the server kills the session or restarts. Used by
 * tests/db_connection_loss.test.ts (bench/driver.ts, since dropped, also ran
 * them against the old postgres.js adapter, and saw it crash: README,
 * "Database driver").
 */
import type { Db } from "../../db/types.ts";
import type { PrivateCluster } from "./private_cluster.ts";
import { delay, race } from "./streams.ts";

export type Phase = "query" | "transaction" | "copyFrom" | "copyOut" | "session" | "idle";
export type Fault = "terminate" | "fast" | "immediate";

export const PHASES: Phase[] = ["query", "transaction", "copyFrom", "copyOut", "session", "idle"];
export const FAULTS: Fault[] = ["terminate", "fast", "immediate"];

/** Rows fed slowly (bounded: at most ~10 s), so the fault lands mid-COPY FROM. */
async function* slowRows(): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  for (let i = 0; i < 500; i++) {
    yield enc.encode(`${i}\n`.repeat(200));
    await delay(20);
  }
}

/**
 * Starts the operation of `phase`; resolves once it is running on the server:
 * seen in pg_stat_activity, or (transaction, copyOut) once it produced something.
 */
async function start(
  db: Db | Omit<Db, "session">,
  phase: Phase,
  cluster: PrivateCluster,
): Promise<{ op: Promise<unknown> }> {
  const started = Promise.withResolvers<void>();
  const running = (queryPrefix: string) =>
    cluster.waitForQuery("windbin", queryPrefix).then(started.resolve, started.reject);
  let op: Promise<unknown>;
  switch (phase) {
    case "query":
      op = db.query("SELECT pg_sleep(10)");
      void running("SELECT pg_sleep(10)");
      break;
    case "transaction":
      op = db.transaction(async (tx) => {
        await tx.exec("CREATE TEMP TABLE t (a int)");
        started.resolve();
        await tx.query("SELECT pg_sleep(10)");
      });
      break;
    case "copyFrom":
      op = db.transaction(async (tx) => {
        await tx.exec("CREATE TEMP TABLE t (a int)");
        void running("COPY t FROM STDIN");
        await tx.copyFrom("COPY t FROM STDIN", slowRows());
      });
      break;
    case "session":
      op = (db as Db).session(async (s) => {
        await s.exec("CREATE TEMP TABLE staging (a int)");
        void running("COPY staging FROM STDIN");
        await s.copyFrom("COPY staging FROM STDIN", slowRows());
      });
      break;
    case "copyOut":
      op = (async () => {
        let n = 0;
        for await (
          const chunk of db.copyOut("SELECT g FROM generate_series(1, 20000000) g", "lines")
        ) {
          n += chunk.length;
          if (n > 200_000) started.resolve();
          await delay(5);
        }
      })();
      break;
    case "idle":
      op = db.query("SELECT 1");
      await op;
      started.resolve();
      break;
  }
  op.catch(() => {});
  // Bounded: an operation that ends before it got going (or is never seen) fails the scenario.
  await Promise.race([started.promise, op.then(() => {}, () => {})]);
  // Wrapped: an async function returning a promise would wait for it.
  return { op };
}

export interface Outcome {
  phase: Phase;
  fault: Fault;
  /** How the in-flight operation ended: "ok", or the error's message. */
  op: string;
  /** The error the operation rejected with (for classification). */
  error?: unknown;
  /** Whether a fresh query worked afterwards (within a few bounded retries). */
  recovered: boolean;
}

/** Runs one phase, injects the fault, and checks that the Db works again afterwards. */
export async function scenario(
  db: Db | Omit<Db, "session">,
  cluster: PrivateCluster,
  phase: Phase,
  fault: Fault,
): Promise<Outcome> {
  const { op } = await start(db, phase, cluster);
  if (fault === "terminate") await cluster.terminateBackends("windbin");
  else await cluster.restart(fault);
  let error: unknown;
  let result = "ok";
  try {
    const r = await race(op, 15_000);
    if (r.timedOut) throw new Error("the operation neither finished nor failed within 15 s");
  } catch (e) {
    error = e;
    result = (e as Error)?.message ?? String(e);
  }
  // A pooled connection may be found dead once more before the pool knows; retry a little.
  let recovered = false;
  for (let i = 0; i < 5 && !recovered; i++) {
    try {
      const [row] = await db.query<{ one: number }>("SELECT 1 AS one");
      recovered = row.one === 1;
    } catch {
      await delay(200);
    }
  }
  return { phase, fault, op: result, error, recovered };
}
