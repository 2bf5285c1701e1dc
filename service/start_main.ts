/**
 * `deno task start`: the whole of windbin in one process on the embedded
 * default — the source API with demo data, the scheduler and the status
 * page. (An embedded database can be opened by one process only, hence one
 * process.) The demo data is the DEMO_DAYS (10) days up to yesterday, and
 * PARTITION_START defaults to the first of them, so the partitions fill in
 * at once. Ctrl-C stops it cleanly; a second start finds them still done.
 */
import { Hono } from "hono";
import { loadConfig } from "../config/config.ts";
import { openMigrated } from "../migrations/open.ts";
import type { Db } from "../db/types.ts";
import { createApp } from "../api/app.ts";
import { describeFatal } from "../api/fatal.ts";
import { seedUnlessComplete } from "../api/seed.ts";
import { demoToken } from "../config/token_file.ts";
import { openRunner } from "../jobs/open_runner.ts";
import { startService } from "./service.ts";
import { addDays, yesterday } from "../jobs/core/days.ts";

const EVERY_SECONDS = 60;
const STOP_GRACE_MS = 8_000;

function log(entry: Record<string, unknown>) {
  console.log(JSON.stringify({ ts: new Date().toISOString(), ...entry }));
}

async function main(): Promise<number> {
  const env = loadConfig();
  const demoDays = env.demoDays;
  const first = addDays(yesterday(new Date()), -(demoDays - 1));
  const cfg = {
    ...env,
    partitionStart: Deno.env.get("PARTITION_START") ? env.partitionStart : first,
    sourceApiUrl: `http://127.0.0.1:${env.port}`,
  };
  const source = await openMigrated("source", { url: cfg.sourceDatabaseUrl, dataDir: cfg.dataDir });
  let api: Deno.HttpServer | null = null;
  try {
    const token = cfg.apiToken ?? (await demoToken(cfg.dataDir)).token;
    await seedDemo(source, first, demoDays);
    const ctx = await openRunner("start", { ...cfg, apiToken: token });
    try {
      const service = startService(ctx, {
        concurrency: cfg.schedulerConcurrency,
        maxAttempts: cfg.maxAttempts,
        port: cfg.runnerPort,
        token,
        maxRangeDays: cfg.maxRangeDays,
        trustProxy: cfg.trustProxy,
        log,
      });
      // The source API's request latency goes to the same /metrics as the runner's.
      const app = new Hono();
      app.use(service.metrics.middleware());
      app.route("/", createApp({ db: source, token, maxRangeDays: cfg.maxRangeDays }));
      api = Deno.serve({ port: cfg.port, hostname: cfg.host, onListen: () => {} }, app.fetch);
      console.log(`windbin is running (${demoDays} demo days from ${first}; Ctrl-C stops it)`);
      console.log(
        `  status page: ${service.url ?? "(not started, see above)"}   log in with the token`,
      );
      console.log(`  source API:  http://localhost:${cfg.port}/docs`);
      console.log(`  token:       ${token}`);
      service.scheduler.reconcile("startup");
      const signal = await untilSignal();
      log({ event: "stopping", signal });
      const graceful = await Promise.race([
        service.stop(signal).then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), STOP_GRACE_MS)),
      ]);
      log({ event: "stopped", signal, graceful });
    } finally {
      await ctx.db.close();
    }
  } finally {
    await api?.shutdown();
    await source.close();
  }
  return 0;
}

async function seedDemo(db: Db, from: string, days: number) {
  const rows = await seedUnlessComplete(db, { from, days, everySeconds: EVERY_SECONDS });
  if (rows) {
    console.log(`seeded ${days} demo days from ${from} (every ${EVERY_SECONDS} s): ${rows} rows`);
  }
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(sig, () => resolve(sig));
    }
  });
}

try {
  Deno.exit(await main());
} catch (e) {
  console.error(`start: ${describeFatal(e)}`);
  Deno.exit(e instanceof Deno.errors.NotCapable ? 2 : 1);
}
