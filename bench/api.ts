/**
 * API benchmark on real PostgreSQL: one day at 1-second frequency (86,400
 * rows, 3 variables) through GET /data as CSV and as JSON, against the floor
 * measured in the same run: PostgreSQL's own `COPY (SELECT ...) TO STDOUT
 * (FORMAT csv)` of the same rows, read in-process. Also the API process'
 * peak RSS for a 1-day and a 30-day request (memory must not grow with range).
 */
import { openMigrated } from "../migrations/open.ts";
import { seed } from "../api/seed.ts";
import { dataSelect, loadApiSql } from "../api/query.ts";
import { dataQuerySpec } from "../api/params.ts";
import { alternate, dropDatabase, fmt, freshDatabase, ms, startApiProcess, time } from "./lib.ts";

const DAY = "2024-01-02";
const ROWS = 86_400;
const VARS = "variables=wind_speed,power,ambient_temperature";

async function drain(res: Response): Promise<number> {
  if (!res.ok) throw new Error(`/data answered ${res.status}: ${await res.text()}`);
  let bytes = 0;
  for await (const chunk of res.body!) bytes += chunk.length;
  return bytes;
}

export async function benchApi(log: (line: string) => void): Promise<void> {
  const sourceUrl = await freshDatabase("windbin_bench_api");
  const source = await openMigrated("source", { url: sourceUrl, dataDir: "" });
  try {
    const seeded = await time(async () => {
      await seed(source, { from: "2024-01-01", days: 30, everySeconds: 1 });
      await source.exec("VACUUM ANALYZE data");
    });
    log(`seeded 30 days at 1 s (2,592,000 rows) in ${ms(seeded)}`);

    const floorSelect = `SELECT timestamp, wind_speed, power, ambient_temperature FROM data
      WHERE turbine = 'default' AND timestamp >= '${DAY}T00:00:00Z'
        AND timestamp < '${DAY}T00:00:00Z'::timestamptz + interval '1 day'
      ORDER BY turbine, timestamp`;
    const copy = (select: string, format: "csv" | "lines") => async () => {
      let bytes = 0;
      for await (const chunk of source.copyOut(select, format)) bytes += chunk.length;
      return bytes;
    };
    const floor = copy(floorSelect, "csv");
    // The API's own SELECTs (timestamps and JSON text formatted by PostgreSQL), run the
    // same way: what the API costs beyond PostgreSQL doing the same work.
    const dataSql = await loadApiSql();
    const q = dataQuerySpec(31).parse(new URLSearchParams(`date=${DAY}&${VARS}`));
    const sameCsv = copy(dataSelect(dataSql, q, "csv", ["default"], false), "csv");
    const sameJson = copy(dataSelect(dataSql, q, "json", ["default"], false), "lines");

    const api = await startApiProcess(sourceUrl);
    try {
      const get = (accept: string) => () =>
        fetch(`${api.url}/data?date=${DAY}&${VARS}`, {
          headers: { authorization: `Bearer ${api.token}`, accept },
        }).then(drain);
      const n = 9;
      const [fc, csv] = await alternate(n, floor, get("text/csv"));
      const [fj, json] = await alternate(n, floor, get("application/json"));
      const rate = (t: number) => `${Math.round(ROWS / (t / 1000)).toLocaleString("en-US")} rows/s`;
      log(`one 1-second day (${ROWS.toLocaleString("en-US")} rows, 3 variables), ${n} runs each:`);
      log(`  floor COPY TO STDOUT csv (in-process)  ${fmt(fc)}  ${rate(fc.median)}`);
      log(`  GET /data text/csv                      ${fmt(csv)}  ${rate(csv.median)}`);
      log(`    throughput ${(fc.median / csv.median).toFixed(2)}x the floor's (target >= 0.7x)`);
      log(`  floor (again, beside JSON)              ${fmt(fj)}`);
      log(`  GET /data application/json              ${fmt(json)}  ${rate(json.median)}`);
      log(`    throughput ${(fj.median / json.median).toFixed(2)}x the floor's (target >= 0.5x)`);
      const [sc, csv2] = await alternate(n, sameCsv, get("text/csv"));
      const [sj, json2] = await alternate(n, sameJson, get("application/json"));
      log(`  against COPY of the API's own SELECT (same text, formatted by PostgreSQL):`);
      log(`    csv:  floor ${fmt(sc)}; API ${fmt(csv2)}; ${(sc.median / csv2.median).toFixed(2)}x`);
      log(
        `    json: floor ${fmt(sj)}; API ${fmt(json2)}; ${(sj.median / json2.median).toFixed(2)}x`,
      );
      const [bc, binary] = await alternate(n, get("text/csv"), get("application/x-pgcopy"));
      log(`  GET /data text/csv                      ${fmt(bc)}`);
      log(`  GET /data application/x-pgcopy (binary) ${fmt(binary)}`);
      log(`    binary takes ${(binary.median / bc.median).toFixed(2)}x the time of CSV`);
      log(`  (the reference FastAPI + pandas API: ~2 s and 182 MB for such a day)`);
    } finally {
      await api.stop();
    }

    log(`API process peak RSS, one request each in a fresh process:`);
    for (const accept of ["text/csv", "application/json"]) {
      const rss: Record<string, number | null> = {};
      for (
        const [label, query] of [
          ["1 day", `date=${DAY}`],
          ["10 days", `start=2024-01-01T00:00:00Z&end=2024-01-10T23:59:59Z`],
          ["30 days", `start=2024-01-01T00:00:00Z&end=2024-01-30T23:59:59Z`],
        ]
      ) {
        const p = await startApiProcess(sourceUrl);
        let bytes = 0;
        try {
          bytes = await fetch(`${p.url}/data?${query}&${VARS}`, {
            headers: { authorization: `Bearer ${p.token}`, accept },
          }).then(drain);
          rss[label] = await p.peakRssMb();
        } finally {
          await p.stop();
        }
        log(
          `  ${accept} ${label}: ${(bytes / 1e6).toFixed(0)} MB sent, peak RSS ${
            rss[label]?.toFixed(0) ?? "n/a"
          } MB`,
        );
      }
      if (rss["1 day"] && rss["10 days"] && rss["30 days"]) {
        // Past a warm-up of some tens of MB streamed, the heap stops growing: 10 vs 30 days shows it.
        log(
          `    30 days / 1 day: ${
            (rss["30 days"] / rss["1 day"]).toFixed(2)
          }x (target <= 1.25x); ` +
            `30 days / 10 days: ${(rss["30 days"] / rss["10 days"]).toFixed(2)}x`,
        );
      }
    }
  } finally {
    await source.close();
    await dropDatabase("windbin_bench_api");
  }
}
