/**
 * `deno task bench [api|etl|fingerprint|scheduler|start|farm]`: benchmarks on a real PostgreSQL
 * (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server).
 * Not tests: they print figures and ratios to floors measured in the same run.
 */
import { benchApi } from "./api.ts";
import { benchEtl } from "./etl.ts";
import { benchFingerprint } from "./fingerprint.ts";
import { benchScheduler } from "./scheduler.ts";
import { benchStart } from "./start.ts";
import { benchFarm } from "./farm.ts";
import { BENCH_DATABASE_URL } from "./lib.ts";
import { describeUrl } from "../db/url.ts";

const which = Deno.args[0] ?? "all";
const log = (line: string) => console.log(line);
log(`windbin benchmarks on ${describeUrl(BENCH_DATABASE_URL)} (${Deno.build.target})`);
if (!["all", "api", "etl", "fingerprint", "scheduler", "start", "farm"].includes(which)) {
  console.error("usage: deno task bench [api|etl|fingerprint|scheduler|start|farm]");
  Deno.exit(2);
}
if (which === "api" || which === "all") {
  log("\n== Source API ==");
  await benchApi(log);
}
if (which === "fingerprint" || which === "all") {
  log("\n== Source fingerprints ==");
  await benchFingerprint(log);
}
if (which === "etl" || which === "all") {
  log("\n== ETL ==");
  await benchEtl(log);
}
if (which === "scheduler" || which === "all") {
  log("\n== Scheduler ==");
  await benchScheduler(log);
}
if (which === "start" || which === "all") {
  log("\n== deno task start (embedded) ==");
  await benchStart(log);
}
if (which === "farm" || which === "all") {
  log("\n== A wind farm ==");
  await benchFarm(log);
}
