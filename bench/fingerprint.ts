/**
 * `deno task bench fingerprint`:
 *
 * 1. GET /fingerprints over 3,650 days on real PostgreSQL, for a source with
 *    24 and with 1,440 readings per day: it reads only reading_days, so the
 *    time must not grow with the readings per day (target: < 50 ms).
 * 2. The runner's JS hasher (sql/fingerprint.ts) over one 1-second day of two
 *    variables (172,800 values), in CPU time: the first day of a process
 *    (V8 still compiling) and after (target: ~25 ms).
 */
import process from "node:process";
import { openMigrated } from "../migrations/open.ts";
import { createApp } from "../api/app.ts";
import { FingerprintHasher } from "../sql/fingerprint.ts";
import { dropDatabase, fmt, freshDatabase, ms, stats, time } from "./lib.ts";

const FIRST = "2015-01-01";
const DAYS = 3650;

export async function benchFingerprint(log: (line: string) => void): Promise<void> {
  benchHasher(log);
  await benchEndpoint(log);
}

async function benchEndpoint(log: (line: string) => void): Promise<void> {
  const url = await freshDatabase("windbin_bench_fingerprint");
  const db = await openMigrated("source", { url, dataDir: "" });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createApp({ db, token: "bench", maxRangeDays: 3660 }).fetch,
  );
  const last = Temporal.PlainDate.from(FIRST).add({ days: DAYS - 1 }).toString();
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const results: string[] = [];
    for (const everyMinutes of [60, 1]) {
      const perDay = (24 * 60) / everyMinutes;
      await db.exec("TRUNCATE data");
      // Set-based, through the triggers that keep reading_days (their cost is in this time).
      const loaded = await time(async () => {
        await db.exec(`INSERT INTO data (timestamp, wind_speed, power, ambient_temperature)
          SELECT t, (hashint8(e) % 2500) / 100.0, (hashint8(e + 1) % 20000) / 10.0,
                 (hashint8(e + 2) % 4000) / 100.0
            FROM generate_series('${FIRST}'::timestamptz,
                                 '${last}'::timestamptz + interval '1 day' - interval '1 second',
                                 interval '${everyMinutes} minutes') t,
                 LATERAL (SELECT extract(epoch FROM t)::bigint AS e) x`);
        await db.exec("VACUUM ANALYZE data, reading_days");
      });
      const rows = DAYS * perDay;
      log(
        `loaded ${DAYS} days x ${perDay} readings (${rows.toLocaleString("en-US")} rows, ` +
          `reading_days kept by the triggers) in ${ms(loaded)}`,
      );
      const http: number[] = [];
      for (let i = 0; i < 10; i++) {
        http.push(
          await time(async () => {
            const res = await fetch(
              `${base}/fingerprints?start=${FIRST}&end=${last}&variables=wind_speed,power`,
              { headers: { Authorization: "Bearer bench" } },
            );
            const days = await res.json();
            if (days.length !== DAYS || days[0].readings !== perDay) {
              throw new Error(`/fingerprints: ${res.status}, ${days.length} days`);
            }
          }),
        );
      }
      const s = stats(http.slice(1));
      results.push(`${perDay}/day: ${fmt(s)}`);
      log(`  GET /fingerprints, ${DAYS} days, ${perDay} readings/day: ${fmt(s)} (target < 50 ms)`);
    }
    log(`  the same whatever the readings per day: ${results.join("; ")}`);
  } finally {
    await server.shutdown();
    await db.close();
    await dropDatabase("windbin_bench_fingerprint");
  }
}

/** 172,800 values (86,400 readings x 2 variables), fed as a binary COPY reader would. */
function benchHasher(log: (line: string) => void): void {
  const rows = 86_400;
  const buf = new Uint8Array(rows * 24);
  const dv = new DataView(buf.buffer);
  const day = 757_382_400_000_000n; // 2024-01-01 in microseconds since 2000
  for (let i = 0; i < rows; i++) {
    dv.setBigInt64(i * 24, day + BigInt(i) * 1_000_000n);
    dv.setFloat64(i * 24 + 8, (i % 1000) / 7);
    dv.setFloat64(i * 24 + 16, (i % 977) * 3.3);
  }
  const cpu: number[] = [];
  for (let run = 0; run < 12; run++) {
    const before = process.cpuUsage();
    const h = new FingerprintHasher(["wind_speed", "power"]);
    for (let i = 0; i < rows; i++) {
      const o = i * 24;
      h.reading(buf, o);
      h.value(0, buf, o + 8);
      h.value(1, buf, o + 16);
    }
    if (h.days()[0].readings !== rows) throw new Error("hasher: wrong count");
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
  }
  const rest = stats(cpu.slice(1));
  log(
    `JS hasher, one 1-second day (172,800 values), CPU: first day of the process ` +
      `${cpu[0].toFixed(1)} ms (V8 compiling included), then min ${rest.min.toFixed(1)} / ` +
      `median ${rest.median.toFixed(1)} ms ` +
      `(${((rest.median * 1000) / 172_800).toFixed(3)} µs per value; target ~25 ms)`,
  );
}
