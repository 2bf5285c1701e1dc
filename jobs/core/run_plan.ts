/**
 * Runs a plan: one job after another (upstream first), the days of a job
 * with bounded concurrency, oldest first. Stops taking new partitions once
 * `signal` aborts; what runs then is cancelled by the run itself.
 */
import type { PlanItem } from "./plan.ts";
import type { RunResult } from "./partition_run.ts";

export interface Outcome {
  item: PlanItem;
  result: RunResult;
}

export interface RunPlanOptions {
  concurrency: number;
  signal?: AbortSignal;
  onStart?: (item: PlanItem) => void;
  onResult?: (outcome: Outcome) => void;
}

export async function runPlan(
  items: readonly PlanItem[],
  run: (item: PlanItem) => Promise<RunResult>,
  opts: RunPlanOptions,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const waves: PlanItem[][] = [];
  for (const item of items) {
    const last = waves.at(-1);
    if (last && last[0].job.name === item.job.name) last.push(item);
    else waves.push([item]);
  }
  for (const wave of waves) {
    let next = 0;
    const worker = async () => {
      while (next < wave.length && !opts.signal?.aborted) {
        const item = wave[next++];
        opts.onStart?.(item);
        const outcome = { item, result: await run(item) };
        outcomes.push(outcome);
        opts.onResult?.(outcome);
      }
    };
    const n = Math.max(1, Math.min(opts.concurrency, wave.length));
    await Promise.all(Array.from({ length: n }, worker));
    if (opts.signal?.aborted) break;
  }
  return outcomes;
}

export interface Summary {
  planned: number;
  ran: number;
  succeeded: number;
  empty: number;
  failed: number;
  cancelled: number;
  busy: number;
  skipped: number;
  blocked: number;
  refused: number;
  readings: number;
  rowsOut: number;
}

export function summarize(planned: number, outcomes: readonly Outcome[]): Summary {
  const s: Summary = {
    planned,
    ran: outcomes.length,
    succeeded: 0,
    empty: 0,
    failed: 0,
    cancelled: 0,
    busy: 0,
    skipped: 0,
    blocked: 0,
    refused: 0,
    readings: 0,
    rowsOut: 0,
  };
  for (const { result: r } of outcomes) {
    s[r.status]++;
    if (r.status === "succeeded" || r.status === "empty") {
      s.readings += r.rowsIn ?? 0;
      s.rowsOut += r.rowsOut;
    }
  }
  return s;
}
