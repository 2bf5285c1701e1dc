/**
 * The runner's side of the source's `GET /extent`: the first and the last
 * reading the source holds, as UTC days. An API job's first partition day
 * defaults to the first of them (catalog.ts).
 */
import { messageOf } from "./errors.ts";

/** UTC days (YYYY-MM-DD); null when the source holds no readings. */
export interface Extent {
  first: string | null;
  last: string | null;
}

export interface ExtentRequest {
  apiUrl: string;
  token: string;
  timeoutMs: number;
}

/** Throws (one line, naming the setting to check) when the source cannot say. */
export async function fetchExtent(fetchFn: typeof fetch, req: ExtentRequest): Promise<Extent> {
  let res: Response;
  try {
    res = await fetchFn(`${req.apiUrl}/extent`, {
      headers: { authorization: `Bearer ${req.token}`, accept: "application/json" },
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (e) {
    throw new Error(
      `cannot reach the source API at ${req.apiUrl} (SOURCE_API_URL): ${messageOf(e)}`,
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    const hint = res.status === 401 ? " (check API_TOKEN)" : "";
    throw new Error(`the source API answered ${res.status} to /extent${hint}`);
  }
  const body = await res.json().catch(() => null) as Record<string, unknown> | null;
  return { first: dayOf(body?.first), last: dayOf(body?.last) };
}

/** An instant (any offset) or a day, as its UTC day; null stays null. */
function dayOf(v: unknown): string | null {
  if (v === null) return null;
  if (typeof v === "string") {
    if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return new Date(t).toISOString().slice(0, 10);
  }
  throw new Error(
    `the source API's /extent answered ${JSON.stringify(v)?.slice(0, 60)} where it gives ` +
      `the first and last reading (an instant, or null)`,
  );
}
