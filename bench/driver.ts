/**
 * `deno task bench driver`: the evidence for the database driver decision
 * (README, "Database driver"). It compared pg with the postgres.js 3.4.9
 * adapter in the same run (commit 2a91703 has that version; the figures are
 * in the README); now that adapter is gone it measures pg alone:
 * - crash safety: every phase x fault of tests/helpers/faults.ts on a private
 *   cluster; an uncaught exception (which would kill a process) is caught by
 *   a global handler here and counted;
 * - COPY throughput, one 1-second day (86,400 rows) out (COPY TO, CSV) and
 *   in (COPY FROM inside a transaction).
 *
 * Needs `runuser` (private cluster) besides the bench database.
 */
import { PostgresDb } from "../db/postgres.ts";
import type { Db } from "../db/types.ts";
import { startPrivateCluster } from "../tests/helpers/private_cluster.ts";
import { FAULTS, PHASES, scenario } from "../tests/helpers/faults.ts";
import { alternate, dropDatabase, fmt, freshDatabase } from "./lib.ts";

type AnyDb = Db | Omit<Db, "session">;
const DRIVERS: Record<string, (url: string) => AnyDb> = {
  "pg": (url) => new PostgresDb(url, { max: 4, maxStreams: 2 }),
};

async function crashes(log: (l: string) => void) {
  let uncaught: string[] = [];
  const onError = (e: ErrorEvent) => {
    e.preventDefault();
    uncaught.push(String(e.error?.message ?? e.message));
  };
  const onRejection = (e: PromiseRejectionEvent) => {
    e.preventDefault();
    uncaught.push(String((e.reason as Error)?.message ?? e.reason));
  };
  addEventListener("error", onError);
  addEventListener("unhandledrejection", onRejection);
  try {
    for (const [name, open] of Object.entries(DRIVERS)) {
      const cluster = await startPrivateCluster();
      let crashed = 0;
      let recovered = 0;
      let n = 0;
      try {
        for (const fault of FAULTS) {
          for (const phase of PHASES) {
            uncaught = [];
            const db = open(cluster.url);
            const o = await scenario(db, cluster, phase, fault);
            await new Promise((r) => setTimeout(r, 200)); // late uncaught errors
            await Promise.race([db.close(), new Promise((r) => setTimeout(r, 6000))]);
            n++;
            if (o.recovered) recovered++;
            if (uncaught.length) {
              crashed++;
              log(`  ${name} ${phase}/${fault}: UNCAUGHT ${uncaught[0]}`);
            }
          }
        }
      } finally {
        await cluster.stop();
      }
      log(
        `${name}: ${n} faults, ${crashed} with an uncaught exception (process death), ` +
          `${recovered} recovered`,
      );
    }
  } finally {
    removeEventListener("error", onError);
    removeEventListener("unhandledrejection", onRejection);
  }
}

async function throughput(log: (l: string) => void) {
  const url = await freshDatabase("windbin_bench_driver");
  const dbs = Object.fromEntries(Object.entries(DRIVERS).map(([k, open]) => [k, open(url)]));
  try {
    await dbs.pg.exec(`CREATE TABLE data (timestamp timestamptz PRIMARY KEY, wind_speed float8,
      power float8);
      INSERT INTO data SELECT t, random() * 20, random() * 3000
        FROM generate_series('2024-01-02'::timestamptz, '2024-01-02 23:59:59', '1 second') t`);
    const select = "SELECT timestamp, wind_speed, power FROM data ORDER BY timestamp";
    const out = (db: AnyDb) => async () => {
      const parts: Uint8Array[] = [];
      for await (const c of db.copyOut(select, "csv")) parts.push(c);
      return parts;
    };
    const csv = await out(dbs.pg)();
    const bytes = csv.reduce((n, c) => n + c.length, 0);
    const into = (db: AnyDb) => () =>
      db.transaction(async (tx) => {
        await tx.exec(`CREATE TEMP TABLE s (timestamp timestamptz, wind_speed float8,
          power float8) ON COMMIT DROP`);
        await tx.copyFrom(
          "COPY s FROM STDIN (FORMAT csv, HEADER true)",
          (async function* () {
            yield* csv;
          })(),
        );
      });
    const [pgOut, pgIn] = await alternate(9, out(dbs.pg), into(dbs.pg));
    log(`COPY TO, 86,400 rows (${(bytes / 1e6).toFixed(1)} MB CSV): pg ${fmt(pgOut)}`);
    log(`COPY FROM, same rows, in a transaction: pg ${fmt(pgIn)}`);
  } finally {
    await Promise.all(Object.values(dbs).map((d) => d.close()));
    await dropDatabase("windbin_bench_driver");
  }
}

export async function benchDriver(log: (l: string) => void) {
  await throughput(log);
  await crashes(log);
}
