/**
 * Runs a plan: one job after another (upstream first), the days of a job
 * with bounded concurrency, oldest first. Each of the `concurrency` slots
 * starts its next partition as soon as the current one reaches its final
 * transaction (its extract is done), so one day's commit overlaps the next
 * day's extract; a slot never has more than one run extracting and one
 * finishing. Every claim, fence and transaction is the run's own, as ever.
 * Stops taking new partitions once `signal` aborts; what runs then is
 * cancelled by the run itself.
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

/** What a run tells the plan: `onFinal` once it begins its final transaction. */
export interface RunHooks {
  onFinal: () => void;
}

export async function runPlan(
  items: readonly PlanItem[],
  run: (item: PlanItem, hooks: RunHooks) => Promise<RunResult>,
  opts: RunPlanOptions,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const waves: PlanItem[][] = [];
  for (const item of items) {
    const last = waves.at(-1);
    if (last && last[0].job.name === item.job.name) last.push(item);
    else waves.push([item]);
  }
  // A run that throws (rather than returning a failed result) stops the plan
  // once the runs in flight have ended; its error is what runPlan throws.
  let thrown: { e: unknown } | null = null;
  for (const wave of waves) {
    let next = 0;
    const slot = async () => {
      // The run of this slot that is finishing (its final transaction), if any.
      let finishing: Promise<void> = Promise.resolve();
      while (next < wave.length && !opts.signal?.aborted && !thrown) {
        const item = wave[next++];
        opts.onStart?.(item);
        const final = Promise.withResolvers<void>();
        const done = run(item, { onFinal: final.resolve }).then((result) => {
          const outcome = { item, result };
          outcomes.push(outcome);
          opts.onResult?.(outcome);
        }, (e) => {
          thrown ??= { e };
        }).finally(final.resolve);
        const previous = finishing;
        finishing = done;
        await Promise.all([final.promise, previous]);
      }
      await finishing;
    };
    const n = Math.max(1, Math.min(opts.concurrency, wave.length));
    // A wave ends when all its runs have ended: the next job's runs read their output.
    await Promise.all(Array.from({ length: n }, slot));
    if (thrown) throw (thrown as { e: unknown }).e;
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
