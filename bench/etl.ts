/**
 * ETL benchmarks on real PostgreSQL, each figure next to its goal (issue
 * "Back to the floor"), ratios measured in the same run:
 *
 * - the shared floor script, `../shared/bench/etl_vs_floor.sh`, run as it is
 *   (psql COPY TO piped into psql COPY FROM + the aggregate, against the
 *   whole `deno task etl` process and `deno task serve`): its one-day and
 *   backfill ratios (FLOOR_SCRIPT names another copy of it);
 * - where one 1-second day's `deno task etl --date` process spends its time
 *   (`--timings`, medians per phase);
 * - 10 one-second days, `--concurrency 2` against `--concurrency 1`;
 * - peak RSS of a one-day run and of a 10-day backfill;
 * - the API's peak RSS for 30 days against 1 day, per format.
 */
import { openMigrated } from "../migrations/open.ts";
import { seed } from "../api/seed.ts";
import { addDays } from "../jobs/core/days.ts";
import { etlPhases, formatPhases } from "./etl_phases.ts";
import {
  dropDatabase,
  freshDatabase,
  measureProcess,
  ms,
  ROOT,
  startApiProcess,
  stats,
  time,
} from "./lib.ts";

const FIRST = "2024-01-01";
const DAY = "2024-01-02";
const TEN = Array.from({ length: 10 }, (_, i) => addDays(FIRST, i));

const goal = (ratio: number, max: number, unit = "x") =>
  `${ratio.toFixed(2)}${unit} (goal <= ${max}${unit}: ${ratio <= max ? "met" : "NOT met"})`;

export async function benchEtl(log: (line: string) => void): Promise<void> {
  await floorScript(log);
  const sourceUrl = await freshDatabase("windbin_bench_source");
  const targetUrl = await freshDatabase("windbin_bench_target");
  const source = await openMigrated("source", { url: sourceUrl, dataDir: "" });
  const target = await openMigrated("target", { url: targetUrl, dataDir: "" });
  await target.close();
  const api = await startApiProcess(sourceUrl);
  try {
    const seeded = await time(async () => {
      await seed(source, { from: FIRST, days: 30, everySeconds: 1 });
      await source.exec("VACUUM ANALYZE data");
    });
    log(`\nseeded 30 days at 1 s (2,592,000 readings) in ${ms(seeded)}`);
    const env = {
      TARGET_DATABASE_URL: targetUrl,
      SOURCE_API_URL: api.url,
      API_TOKEN: api.token,
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
    };
    const etl = (args: string[]) => measureProcess(["deno", "task", "-q", "etl", ...args], env);
    const ok = async (args: string[]) => {
      const p = await etl(args);
      if (p.code !== 0) throw new Error(`deno task etl ${args.join(" ")} failed: ${p.stderr}`);
      return p;
    };

    // Warm-up (and the first run of the day), then the phases.
    await ok(["--date", DAY]);
    const phases = await etlPhases(env, DAY, 7);
    log(
      `one 1-second day (86,400 readings), whole \`deno task etl --date\`, --timings, medians of 7:`,
    );
    for (const line of formatPhases(phases)) log(line);

    const day: number[] = [];
    const dayRss: number[] = [];
    for (let i = 0; i < 5; i++) {
      const p = await ok(["--date", DAY]);
      day.push(p.ms);
      if (p.peakRssMb !== null) dayRss.push(p.peakRssMb);
    }
    const backfill = (
      c: number,
    ) => ["--from", TEN[0], "--to", TEN.at(-1)!, "--force", "--concurrency", String(c)];
    await ok(backfill(1));
    const c1: number[] = [];
    const c2: number[] = [];
    const bfRss: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await ok(backfill(1));
      c1.push(a.ms);
      if (a.peakRssMb !== null) bfRss.push(a.peakRssMb);
      c2.push((await ok(backfill(2))).ms);
    }
    const [m1, m2] = [stats(c1).median, stats(c2).median];
    log(`10 one-second days (864,000 readings), one backfill process, --force, medians of 3:`);
    log(`  --concurrency 1: ${ms(m1)}; --concurrency 2: ${ms(m2)}`);
    log(`  concurrency 2 / 1: ${goal(m2 / m1, 0.7)}`);
    log(`  (one day alone, whole process, median of 5: ${ms(stats(day).median)})`);
    if (dayRss.length && bfRss.length) {
      const one = stats(dayRss).median;
      const bf = stats(bfRss).median;
      log(`peak RSS (GNU time), medians:`);
      log(`  one-day run: ${one.toFixed(1)} MB: ${goal(one, 70, " MB")}`);
      log(
        `  10-day backfill, --concurrency 1: ${bf.toFixed(1)} MB, ${
          goal(bf / one, 1.2)
        } a one-day run`,
      );
    } else {
      log("peak RSS: not measured (no /usr/bin/time)");
    }
  } finally {
    await api.stop();
  }
  try {
    await apiRss(sourceUrl, log);
  } finally {
    await source.close();
    await dropDatabase("windbin_bench_source");
    await dropDatabase("windbin_bench_target");
  }
}

/** Runs the shared floor script as it is and prints its two ratios next to their goals. */
async function floorScript(log: (line: string) => void): Promise<void> {
  const script = Deno.env.get("FLOOR_SCRIPT") ?? "../shared/bench/etl_vs_floor.sh";
  // The script's own path may lie outside what this process may read: bash checks it.
  const out = await new Deno.Command("bash", {
    args: ["-c", '[ -f "$0" ] || exit 99; exec bash "$0"', script],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  log(`shared floor script (${script}):`);
  if (out.code === 99) {
    log(`  absent: no ${script} beside this checkout; not run`);
    return;
  }
  if (out.code !== 0) {
    log(`  failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr).trim().slice(-500)}`);
    return;
  }
  const goals: [RegExp, number][] = [[/^one 1-second day/, 1.5], [/^backfill of/, 1.3]];
  for (const line of text.trim().split("\n")) {
    const g = goals.find(([re]) => re.test(line));
    const ratio = /ratio ([\d.]+)x/.exec(line)?.[1];
    log(
      `  ${line}${
        g && ratio ? ` (goal <= ${g[1]}x: ${Number(ratio) <= g[1] ? "met" : "NOT met"})` : ""
      }`,
    );
  }
}

/** The API's peak RSS for one request of 1 day and of 30 days, each in a fresh process. */
async function apiRss(sourceUrl: string, log: (line: string) => void): Promise<void> {
  const vars = "variables=wind_speed,power,ambient_temperature";
  log(`API peak RSS, one /data request in a fresh \`deno task serve\` process:`);
  for (const accept of ["application/x-pgcopy", "text/csv", "application/json"]) {
    const rss: number[] = [];
    const sent: number[] = [];
    for (const query of [`date=${DAY}`, `start=${FIRST}&end=${addDays(FIRST, 29)}T23:59:59Z`]) {
      const p = await startApiProcess(sourceUrl);
      try {
        const res = await fetch(`${p.url}/data?${query}&${vars}`, {
          headers: { authorization: `Bearer ${p.token}`, accept },
        });
        if (!res.ok) throw new Error(`/data answered ${res.status}: ${await res.text()}`);
        let bytes = 0;
        for await (const chunk of res.body!) bytes += chunk.length;
        sent.push(bytes);
        rss.push((await p.peakRssMb()) ?? NaN);
      } finally {
        await p.stop();
      }
    }
    log(
      `  ${accept}: 1 day (${(sent[0] / 1e6).toFixed(0)} MB sent) ${rss[0].toFixed(0)} MB, ` +
        `30 days (${(sent[1] / 1e6).toFixed(0)} MB) ${rss[1].toFixed(0)} MB: ` +
        `${goal(rss[1] / rss[0], 1.25)}`,
    );
  }
}
