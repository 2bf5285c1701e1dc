/** One Deno.cron per declared job; every tick asks for a reconcile. */
import type { Job } from "../core/job.ts";

/** Deno.cron's shape (tests pass a stand-in). */
export type Cron = (
  name: string,
  schedule: string,
  options: { backoffSchedule?: number[]; signal?: AbortSignal },
  handler: () => Promise<void> | void,
) => Promise<void>;

/**
 * Registers the schedules; returns what was registered ({ job: cron }).
 * `backoffSchedule` is explicit: a failing tick is retried after 1 and 5
 * minutes (reconcile itself never throws; this covers the unexpected).
 */
export function registerSchedules(
  cron: Cron,
  jobs: readonly Job[],
  signal: AbortSignal,
  onTick: (job: string) => Promise<unknown>,
): Record<string, string> {
  const registered: Record<string, string> = {};
  for (const job of jobs) {
    cron(
      `windbin ${job.name}`,
      job.schedule,
      { backoffSchedule: [60_000, 300_000], signal },
      async () => {
        await onTick(job.name);
      },
    ).catch(() => {});
    registered[job.name] = job.schedule;
  }
  return registered;
}
