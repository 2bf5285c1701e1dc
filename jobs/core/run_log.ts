/** The JSON log line of one finished run: the scheduler's and the page's runs alike. */
import type { Job } from "./job.ts";
import type { RunResult } from "./partition_run.ts";

export function runLogEntry(
  job: Job,
  day: string,
  trigger: string,
  runner: string,
  r: RunResult,
): Record<string, unknown> {
  return {
    event: "run",
    job: job.name,
    day,
    trigger,
    runner,
    status: r.status,
    ...("runId" in r ? { run: r.runId } : {}),
    ...(r.status === "succeeded" || r.status === "empty"
      ? {
        sql: `${job.transform.file} ${job.transform.hash.slice(0, 8)}`,
        rows_in: r.rowsIn,
        rows_out: r.rowsOut,
        ms: r.ms,
        claim_ms: r.phases.claim,
        extract_ms: r.phases.extract,
        tx_ms: r.phases.transaction,
        ...(r.incomplete?.length ? { incomplete: r.incomplete } : {}),
      }
      : {}),
    ...("ms" in r && !("phases" in r) ? { ms: r.ms } : {}),
    ...("error" in r ? { error: r.error } : {}),
    ...("recordError" in r && r.recordError ? { record_error: r.recordError } : {}),
    ...("reason" in r ? { reason: r.reason } : {}),
    ...(r.status === "busy" ? { holder: r.holder.runner } : {}),
  };
}
