/**
 * `deno task seed [--from 2024-01-01] [--days 10] [--every 1m] [--turbines 1]`:
 * demo data into the source database (SOURCE_DATABASE_URL, or the embedded
 * one in DATA_DIR).
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../config/config.ts";
import { startupProblem } from "../config/permissions.ts";
import { openMigrated } from "../migrations/open.ts";
import { describeFatal } from "./fatal.ts";
import {
  checkSeedOptions,
  MAX_SEED_TURBINES,
  seed,
  type SeedOptions,
  turbineNames,
} from "./seed.ts";
import { demoPlan, describeTurbines, describeWindow } from "./demo.ts";

const USAGE =
  `Usage: deno task seed [--from YYYY-MM-DD] [--days N] [--every INTERVAL] [--turbines N]

Fills the source database with synthetic wind-turbine readings: wind speed with
weather, daily cycle and gusts; power on a 2 MW power curve; temperature with a
daily cycle. Values depend only on the timestamp and the turbine: seeding a
range again gives the same rows.

  --from      first UTC day (default 2024-01-01)
  --days      number of days (default 10)
  --every     time between readings: 1s .. 1d as Ns, Nm or Nh, e.g. 1m, 30s, 1s (default 1m)
  --turbines  1 (default): one series, turbine "default"; 2 to ${MAX_SEED_TURBINES}: a farm T01 ..,
              each turbine with its own wind and power, the last one down for
              5 hours (03:00-08:00 UTC) on the middle day: no readings
  -h, --help

Database: SOURCE_DATABASE_URL, or the embedded one under DATA_DIR (default ./.data).`;

class UsageError extends Error {}

/** `30s`, `1m`, `2h`, or plain seconds. */
export function parseEvery(raw: string): number {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(raw.trim());
  const seconds = m ? Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? "s"]! : NaN;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86400) {
    throw new UsageError(`--every must be 1s to 1d, e.g. 1m, 30s or 1s (got "${raw}")`);
  }
  return seconds;
}

export function parseSeedArgs(args: string[]): (SeedOptions & { turbines: number }) | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        from: { type: "string", default: "2024-01-01" },
        days: { type: "string", default: "10" },
        every: { type: "string", default: "1m" },
        turbines: { type: "string", default: "1" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return "help";
  if (!/^\d+$/.test(values.days)) {
    throw new UsageError(`--days must be a whole number (got "${values.days}")`);
  }
  if (!/^\d+$/.test(values.turbines)) {
    throw new UsageError(`--turbines must be a whole number (got "${values.turbines}")`);
  }
  const opts = {
    from: values.from,
    days: Number(values.days),
    everySeconds: parseEvery(values.every),
    turbines: Number(values.turbines),
  };
  try {
    checkSeedOptions(opts);
  } catch (e) {
    throw new UsageError(`--${(e as Error).message}`);
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseSeedArgs(Deno.args);
  if (opts === "help") return console.log(USAGE);
  const cfg = loadConfig({ command: "seed" });
  const db = await openMigrated("source", { url: cfg.sourceDatabaseUrl, dataDir: cfg.dataDir });
  try {
    const tty = Deno.stdout.isTerminal();
    const t0 = performance.now();
    const last = Temporal.PlainDate.from(opts.from).add({ days: opts.days - 1 }).toString();
    // A farm's turbine that is down, as in the demo (api/demo.ts); nothing arrives late here.
    const { down } = demoPlan({
      yesterday: last,
      days: opts.days,
      turbines: opts.turbines,
      lateSeconds: 0,
    });
    const { rows } = await seed(db, {
      ...opts,
      gaps: down ? [down] : [],
      onDay: tty
        ? (day, n) => Deno.stdout.writeSync(enc.encode(`\r  ${day}: ${n} rows`))
        : undefined,
    });
    if (tty) Deno.stdout.writeSync(enc.encode("\r\x1b[K"));
    // One turbine: the line as it was before turbines.
    const farm = opts.turbines > 1
      ? `, ${describeTurbines({ turbines: opts.turbines, names: turbineNames(opts.turbines) })}` +
        (down ? `; ${down.turbine} down ${describeWindow(down)}` : "")
      : "";
    console.log(
      `Seeded ${rows} rows (${opts.from} .. ${last}, every ${opts.everySeconds} s${farm}) into ` +
        `${db.label} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  } finally {
    await db.close();
  }
}

const enc = new TextEncoder();

if (import.meta.main) {
  try {
    await main();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\n\n${USAGE}`);
      Deno.exit(2);
    }
    const problem = startupProblem(e);
    if (problem) {
      console.error(`seed: ${problem.message}`);
      Deno.exit(problem.code);
    }
    console.error(describeFatal(e));
    Deno.exit(1);
  }
}
