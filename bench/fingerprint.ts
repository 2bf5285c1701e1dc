/**
 * `deno task bench fingerprint`: the cost of GET /fingerprints' SQL for a
 * year of 1-minute data (365 x 1,440 readings) on real PostgreSQL, in-process
 * and through the API over HTTP. Target: well under a second.
 */
import { openMigrated } from "../migrations/open.ts";
import { seed } from "../api/seed.ts";
import { fingerprintSql } from "../sql/fingerprint.ts";
import { createApp } from "../api/app.ts";
import { dropDatabase, fmt, freshDatabase, ms, stats, time } from "./lib.ts";

export async function benchFingerprint(log: (line: string) => void): Promise<void> {
  const url = await freshDatabase("windbin_bench_fingerprint");
  const db = await openMigrated("source", { url, dataDir: "" });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createApp({ db, token: "bench", maxRangeDays: 31 }).fetch,
  );
  try {
    const seeded = await time(async () => {
      await seed(db, { from: "2024-01-01", days: 365, everySeconds: 60 });
      await db.exec("VACUUM ANALYZE data");
    });
    log(`seeded 365 days at 1 min (525,600 rows) in ${ms(seeded)}`);
    const sql = fingerprintSql("data", ["wind_speed", "power"]);
    const inProcess: number[] = [];
    const http: number[] = [];
    const base = `http://127.0.0.1:${server.addr.port}`;
    for (let i = 0; i < 8; i++) {
      inProcess.push(
        await time(async () => {
          const rows = await db.query(sql, ["2024-01-01", "2024-12-30"]);
          if (rows.length !== 365) throw new Error(`${rows.length} days, expected 365`);
        }),
      );
      http.push(
        await time(async () => {
          const res = await fetch(
            `${base}/fingerprints?start=2024-01-01&end=2024-12-30&variables=wind_speed,power`,
            { headers: { Authorization: "Bearer bench" } },
          );
          if ((await res.json()).length !== 365) throw new Error(`/fingerprints: ${res.status}`);
        }),
      );
    }
    log(
      `fingerprints of a year (365 days, 2 variables): SQL ${fmt(stats(inProcess.slice(1)))}, ` +
        `GET /fingerprints ${fmt(stats(http.slice(1)))} (target: well under 1 s)`,
    );
  } finally {
    await server.shutdown();
    await db.close();
    await dropDatabase("windbin_bench_fingerprint");
  }
}
