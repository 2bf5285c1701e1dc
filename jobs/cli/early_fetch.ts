/**
 * `deno task etl --date D` of an API job asks the source for the day before
 * the target database is even open: the request (a read) is under way while
 * the process connects, checks the schema and claims the partition, and the
 * API's first bytes wait in the socket. The extract's first attempt takes
 * that response instead of asking again; a run that never gets that far
 * (busy, refused, blocked, a failure before the extract) aborts it unread.
 * Nothing is written before the claim, as ever. Only for a target on real
 * PostgreSQL: opening an embedded one takes far longer than the request.
 */
import { dataUrl, PGCOPY } from "../core/extract.ts";

export interface EarlyFetch {
  /** `fetch`, except that the first request for the prepared URL gets the early response. */
  fetch: typeof fetch;
  /** Aborts the early request if nothing took it. */
  close(): void;
}

export function earlyFetch(
  base: typeof fetch,
  req: { apiUrl: string; token: string; day: string; variables: readonly string[] },
  signal: AbortSignal,
): EarlyFetch {
  const url = dataUrl(req.apiUrl, req.day, req.variables);
  const drop = new AbortController();
  let early: Promise<Response> | null = base(url, {
    headers: { authorization: `Bearer ${req.token}`, accept: PGCOPY },
    signal: AbortSignal.any([signal, drop.signal]),
  });
  // Its failure is the extract's to report, if the extract takes it.
  early.catch(() => {});
  return {
    fetch: (input, init) => {
      if (early && String(input) === url) {
        const response = early;
        early = null;
        return response;
      }
      return base(input, init);
    },
    close() {
      if (!early) return;
      early = null;
      drop.abort("not needed");
    },
  };
}
