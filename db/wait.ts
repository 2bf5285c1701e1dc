/**
 * Waiting for a database that is down or still starting: a long-running
 * process (the scheduler, `start`, the source API) started during a blip
 * retries with backoff instead of exiting, and a stop signal ends the wait
 * at once. Only "cannot reach it (yet)" is waited out; anything else (a
 * wrong password, a migration error, an embedded database held elsewhere)
 * is thrown at once, as before.
 */
import { isConnectionError, sqlState } from "./errors.ts";

export interface WaitOptions<T> {
  signal?: AbortSignal;
  /** Called once per failed attempt, before the pause. */
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
  /** First pause (default 1 s); doubles per attempt up to `maxDelayMs` (default 30 s). */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Releases what an attempt still in flight opens after the wait was given up. */
  dispose?: (value: T) => Promise<void> | void;
}

/** Worth waiting for: the server is unreachable, restarting, starting up or full. */
export function isTransientOpenError(e: unknown): boolean {
  if (isConnectionError(e)) return true;
  // 53300 too_many_connections; a name that does not resolve *yet* (DNS of a container starting).
  if (sqlState(e) === "53300") return true;
  const code = (e as { code?: unknown } | null)?.code;
  return code === "EAI_AGAIN";
}

/**
 * `open()` until it succeeds; null when `signal` aborts first (also while an
 * attempt is in flight: the caller is not kept waiting for it).
 */
export async function waitForDatabase<T>(
  open: () => Promise<T>,
  o: WaitOptions<T> = {},
): Promise<T | null> {
  const first = o.firstDelayMs ?? 1_000;
  const max = o.maxDelayMs ?? 30_000;
  for (let attempt = 1;; attempt++) {
    if (o.signal?.aborted) return null;
    const tried = open();
    const outcome = await race(tried, o.signal);
    if (outcome.kind === "aborted") {
      tried.then((v) => o.dispose?.(v), () => {});
      return null;
    }
    if (outcome.kind === "ok") return outcome.value;
    if (!isTransientOpenError(outcome.error)) throw outcome.error;
    const delay = Math.min(max, first * 2 ** (attempt - 1));
    o.onRetry?.(attempt, delay, outcome.error);
    if (!await pause(delay, o.signal)) return null;
  }
}

type Outcome<T> = { kind: "ok"; value: T } | { kind: "error"; error: unknown } | {
  kind: "aborted";
};

function race<T>(p: Promise<T>, signal?: AbortSignal): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const onAbort = () => resolve({ kind: "aborted" });
    signal?.addEventListener("abort", onAbort, { once: true });
    p.then(
      (value) => resolve({ kind: "ok", value }),
      (error) => resolve({ kind: "error", error }),
    ).finally(() => signal?.removeEventListener("abort", onAbort));
  });
}

/** Sleeps `ms`; false when the signal aborted it. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
