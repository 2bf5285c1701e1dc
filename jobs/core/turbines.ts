/**
 * The runner's side of the source's `GET /turbines`: each turbine's first and
 * last reading and its cadence, from which a run knows which turbines it
 * should have heard from on its day, and how often (completeness.ts). One
 * small request (the source answers it from a few index lookups per
 * turbine), asked once per plan or run: a process keeps the answer for a
 * while and shares it between its runs.
 */
import { messageOf } from "./errors.ts";

export interface SourceTurbine {
  turbine: string;
  /** UTC days of its first and last reading (YYYY-MM-DD). */
  firstDay: string;
  lastDay: string;
  /** Its most common step between readings, in seconds; null when not known. */
  cadenceSeconds: number | null;
}

export interface TurbinesRequest {
  apiUrl: string;
  token: string;
  timeoutMs: number;
}

/** Throws one line naming the setting to check when the source cannot say. */
export async function fetchTurbines(
  fetchFn: typeof fetch,
  req: TurbinesRequest,
): Promise<SourceTurbine[]> {
  let res: Response;
  try {
    res = await fetchFn(`${req.apiUrl}/turbines`, {
      headers: { authorization: `Bearer ${req.token}`, accept: "application/json" },
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (e) {
    throw new Error(
      `cannot reach the source API at ${req.apiUrl} (SOURCE_API_URL) for /turbines: ${
        messageOf(e)
      }`,
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    const hint = res.status === 401 ? " (check API_TOKEN)" : "";
    throw new Error(`the source API answered ${res.status} to /turbines${hint}`);
  }
  const body = await res.json().catch(() => null);
  if (!Array.isArray(body)) {
    throw new Error("the source API's /turbines did not answer a list of turbines");
  }
  return body.map((t: Record<string, unknown>) => {
    const first = dayOf(t?.first);
    const last = dayOf(t?.last);
    const cadence = t?.cadence_seconds;
    if (typeof t?.turbine !== "string" || !first || !last) {
      throw new Error(
        `the source API's /turbines answered ${JSON.stringify(t)?.slice(0, 80)}, not ` +
          `{"turbine", "first", "last", "cadence_seconds"}`,
      );
    }
    return {
      turbine: t.turbine,
      firstDay: first,
      lastDay: last,
      cadenceSeconds: typeof cadence === "number" && cadence > 0 ? cadence : null,
    };
  });
}

function dayOf(v: unknown): string | null {
  if (typeof v !== "string") return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString().slice(0, 10);
}

/** The source's turbines, asked at most once per `maxAgeMs` (concurrent callers share a request). */
export type TurbineSource = (opts?: { fresh?: boolean }) => Promise<SourceTurbine[]>;

export function cachedTurbines(
  ask: () => Promise<SourceTurbine[]>,
  maxAgeMs: number,
  clock: () => number = () => performance.now(),
): TurbineSource {
  let last: { at: number; list: Promise<SourceTurbine[]> } | null = null;
  return (opts = {}) => {
    if (last && !opts.fresh && clock() - last.at < maxAgeMs) return last.list;
    const entry = { at: clock(), list: ask() };
    last = entry;
    // A failure is not kept: the next run asks again.
    entry.list.catch(() => {
      if (last === entry) last = null;
    });
    return entry.list;
  };
}
