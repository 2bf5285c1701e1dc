/**
 * Prometheus metrics (prom-client), one Registry per instance (never the global one),
 * so that tests and several apps in one process do not collide.
 *
 * - `windbin_partitions{job,state}`: gauge, collected at scrape time from the status source
 *   (`windbin_partitions_scrape_ok` says whether that worked);
 * - `windbin_run_duration_seconds{job,status}`: histogram of finished runs (`observeRun`);
 * - `windbin_readings_extracted_total{job}`, `windbin_rows_written_total{job}`: counters;
 * - `windbin_process_resident_memory_bytes` and `..._peak_resident_memory_bytes`: the
 *   process's RSS now and its peak (getrusage's maxrss; Linux counts in the peak of the
 *   process that started it, up to its exec, e.g. `deno task`'s own), at scrape time;
 * - `http_request_duration_seconds{method,route,status,ok}` and `http_requests_total`:
 *   from `@hono/prometheus`, by route pattern (`/api/partitions/:job/:day/run`), so
 *   cardinality stays bounded. `middleware()` is for any Hono app (the source API too).
 */
import process from "node:process";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { prometheus } from "@hono/prometheus";
import type { MiddlewareHandler } from "hono";
import { PARTITION_STATES, type PartitionView } from "../jobs/core/port.ts";

export interface RunObservation {
  job: string;
  status: string;
  durationMs: number | null;
  rowsIn: number | null;
  rowsOut: number | null;
}

export interface Metrics {
  readonly registry: Registry;
  /** The runner calls it once per finished run. */
  observeRun(run: RunObservation): void;
  /** Request latency by route and status, for any Hono app. */
  middleware(): MiddlewareHandler;
  /** Where the partition gauge reads from at scrape time (the status app sets it). */
  setPartitionSource(read: () => Promise<PartitionView[]>): void;
  /** The exposition: body and its Content-Type. */
  render(): Promise<{ body: string; contentType: string }>;
}

export function createMetrics(opts: { partitions?: () => Promise<PartitionView[]> } = {}): Metrics {
  const registry = new Registry();
  let readPartitions = opts.partitions;

  // One read of the partitions per scrape, shared by the two gauges below (prom-client
  // collects every metric of a scrape at once).
  let pending: Promise<PartitionView[] | null> | undefined;
  const snapshot = () =>
    pending ??= (async () => {
      try {
        return readPartitions ? await readPartitions() : null;
      } catch (e) {
        // The rest of the metrics still render; windbin_partitions_scrape_ok says why not these.
        console.error(`metrics: could not read the partitions: ${(e as Error).message}`);
        return null;
      }
    })().finally(() => pending = undefined);

  new Gauge({
    name: "windbin_partitions_scrape_ok",
    help: "1 when windbin_partitions could be read at this scrape, 0 when the source failed",
    registers: [registry],
    async collect() {
      if (!readPartitions) return;
      this.set((await snapshot()) === null ? 0 : 1);
    },
  });
  new Gauge({
    name: "windbin_partitions",
    help: "Partitions by job and state (missing, blocked and stale are derived), at scrape time",
    labelNames: ["job", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const partitions = await snapshot();
      if (!partitions) return;
      const counts = new Map<string, Map<string, number>>();
      for (const p of partitions) {
        let byState = counts.get(p.job);
        if (!byState) {
          byState = new Map(PARTITION_STATES.map((s) => [s, 0]));
          counts.set(p.job, byState);
        }
        byState.set(p.state, (byState.get(p.state) ?? 0) + 1);
      }
      for (const [job, byState] of counts) {
        for (const [state, n] of byState) this.set({ job, state }, n);
      }
    },
  });
  new Gauge({
    name: "windbin_process_resident_memory_bytes",
    help: "Resident memory of this process, at scrape time",
    registers: [registry],
    collect() {
      this.set(Deno.memoryUsage().rss);
    },
  });
  new Gauge({
    name: "windbin_process_peak_resident_memory_bytes",
    help: "The highest resident memory this process has had (getrusage maxrss)",
    registers: [registry],
    collect() {
      this.set(process.resourceUsage().maxRSS * 1024);
    },
  });
  const duration = new Histogram({
    name: "windbin_run_duration_seconds",
    help: "Duration of finished partition runs",
    labelNames: ["job", "status"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const readings = new Counter({
    name: "windbin_readings_extracted_total",
    help: "Readings extracted from the source by partition runs",
    labelNames: ["job"] as const,
    registers: [registry],
  });
  const written = new Counter({
    name: "windbin_rows_written_total",
    help: "Rows written to the target by partition runs",
    labelNames: ["job"] as const,
    registers: [registry],
  });
  const http = prometheus({ registry });

  return {
    registry,
    observeRun(run) {
      if (run.durationMs !== null && Number.isFinite(run.durationMs) && run.durationMs >= 0) {
        duration.observe({ job: run.job, status: run.status }, run.durationMs / 1000);
      }
      if (run.rowsIn && run.rowsIn > 0) readings.inc({ job: run.job }, run.rowsIn);
      if (run.rowsOut && run.rowsOut > 0) written.inc({ job: run.job }, run.rowsOut);
    },
    middleware: () => http.registerMetrics,
    setPartitionSource(read) {
      readPartitions = read;
    },
    async render() {
      return { body: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
