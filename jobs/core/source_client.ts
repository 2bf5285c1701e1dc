/**
 * The runner's side of the source fingerprint endpoint: per day of a range,
 * the reading count and checksum the source computes (GET /fingerprints).
 * A year is one request; longer ranges are split.
 */
import type { SourceFingerprint } from "./states.ts";
import type { Job } from "./job.ts";
import type { RunnerContext } from "./runner.ts";
import { addDays } from "./days.ts";
import { messageOf } from "./errors.ts";

const MAX_DAYS = 366;

export interface FingerprintRequest {
  apiUrl: string;
  token: string;
  variables: readonly string[];
  from: string;
  to: string;
  timeoutMs: number;
}

export async function fetchFingerprints(
  fetchFn: typeof fetch,
  req: FingerprintRequest,
): Promise<Map<string, SourceFingerprint>> {
  const out = new Map<string, SourceFingerprint>();
  for (let start = req.from; start <= req.to; start = addDays(start, MAX_DAYS)) {
    const last = addDays(start, MAX_DAYS - 1);
    const end = last < req.to ? last : req.to;
    const q = new URLSearchParams({ start, end, variables: req.variables.join(",") });
    let res: Response;
    try {
      res = await fetchFn(`${req.apiUrl}/fingerprints?${q}`, {
        headers: { authorization: `Bearer ${req.token}`, accept: "application/json" },
        signal: AbortSignal.timeout(req.timeoutMs),
      });
    } catch (e) {
      throw new Error(`cannot reach the source API at ${req.apiUrl}: ${messageOf(e)}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`the source API answered ${res.status} to /fingerprints`);
    }
    const days = await res.json() as { day: string; readings: number; checksum: string }[];
    for (const d of days) out.set(d.day, { readings: d.readings, checksum: d.checksum });
  }
  return out;
}

/**
 * The source's fingerprints for the API jobs among `jobs` (one request per
 * year of days), so that stale-by-source can be told. When the source cannot
 * say, that reason is left out and a warning says so.
 */
export async function sourceFingerprints(
  ctx: RunnerContext,
  jobs: readonly Job[],
  from: string,
  to: string,
  io: { err: (line: string) => void },
): Promise<Map<string, Map<string, SourceFingerprint>> | undefined> {
  const out = new Map<string, Map<string, SourceFingerprint>>();
  for (const job of jobs) {
    if (job.input.kind !== "api" || !job.firstDay || from > to) continue;
    try {
      out.set(
        job.name,
        await fetchFingerprints(ctx.fetch, {
          apiUrl: ctx.settings.apiUrl,
          token: ctx.settings.token,
          variables: job.input.variables,
          from: from > job.firstDay ? from : job.firstDay,
          to,
          timeoutMs: ctx.settings.timeoutMs,
        }),
      );
    } catch (e) {
      io.err(
        `${job.name}: source fingerprints unavailable (${
          messageOf(e)
        }); stale by source not checked`,
      );
    }
  }
  return out.size ? out : undefined;
}
