/**
 * Extract: one UTC day from the source API, streamed straight into the
 * staging table (binary COPY on PostgreSQL), with retries on transient
 * failures.
 *
 * This runs outside any transaction: the final transaction that replaces
 * the day stays short however long the source takes. The body (PostgreSQL's
 * binary COPY format) is checked as it passes, and the day's fingerprint
 * computed in the same pass, without building per-row objects
 * (copy_body.ts); a bad body never finishes its COPY, so staging keeps
 * nothing of it.
 */
import type { Session } from "../../db/types.ts";
import { EMPTY_CHECKSUM, FingerprintHasher } from "../../sql/fingerprint.ts";
import {
  ApiRefusedError,
  CancelledError,
  messageOf,
  TransientError,
  ValidationError,
} from "./errors.ts";
import { CopyBodyCheck } from "./copy_body.ts";
import type { StagingSql } from "./staging.ts";

/** The media type of PostgreSQL's binary COPY format, as the source API names it. */
export const PGCOPY = "application/x-pgcopy";

export interface ExtractOptions {
  apiUrl: string;
  token: string;
  day: string;
  /** The API variables, in the order of the staging columns after `timestamp`. */
  variables: readonly string[];
  /** The session's staging table (staging.ts). */
  staging: StagingSql;
  /**
   * The retry budget (ETL_RETRY_SECONDS): transient failures are tried again
   * while it lasts, counted from the first attempt's start, waiting what a
   * 503/429's Retry-After asks (else a backoff). 0: no retry.
   */
  retryMs: number;
  /** At most this many attempts (default: as many as the budget allows). */
  maxAttempts?: number;
  /** Per attempt, covering the whole response body. */
  timeoutMs: number;
  /** First backoff; doubles each retry, with full jitter, capped at `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Aborted by SIGINT/SIGTERM: the request and any backoff stop at once. */
  signal?: AbortSignal;
}

export interface ExtractDeps {
  fetch: typeof fetch;
  /** Waits `ms`, or less when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  log: (message: string) => void;
  /** Ends a named phase of the run (`deno task etl --timings`; see timings.ts). */
  mark?: (phase: string) => void;
  /** Milliseconds on a monotonic clock, for the retry budget (default performance.now). */
  clock?: () => number;
}

export interface ExtractResult {
  attempts: number;
  bytes: number;
  /** Readings loaded into staging. */
  readings: number;
  /** The day's source fingerprint over what was loaded (sql/fingerprint.ts). */
  fingerprint: { readings: number; checksum: string };
  /** Readings per turbine. */
  turbines: Map<string, number>;
}

export function dataUrl(apiUrl: string, day: string, variables: readonly string[]): string {
  const q = new URLSearchParams({ date: day });
  for (const v of variables) q.append("variables", v);
  return `${apiUrl}/data?${q}`;
}

/**
 * Loads the day into the session's staging table. Each attempt runs one
 * autocommit COPY that either loads a whole checked body or nothing; a retry
 * empties staging first all the same.
 */
export async function extractDay(
  s: Session,
  deps: ExtractDeps,
  opts: ExtractOptions,
): Promise<ExtractResult> {
  const url = dataUrl(opts.apiUrl, opts.day, opts.variables);
  const base = opts.backoffMs ?? 500;
  const cap = opts.maxBackoffMs ?? 15_000;
  const clock = deps.clock ?? (() => performance.now());
  const started = clock();
  const deadline = started + opts.retryMs;
  for (let attempt = 1;; attempt++) {
    throwIfCancelled(opts.signal);
    if (attempt > 1) await s.exec(opts.staging.clear);
    try {
      return { attempts: attempt, ...await attemptOnce(s, deps, url, opts) };
    } catch (e) {
      if (opts.signal?.aborted) throw cancelled(opts.signal);
      if (!(e instanceof TransientError)) throw e;
      const left = deadline - clock();
      const asked = e.retryAfterMs;
      const budget = `ETL_RETRY_SECONDS = ${Math.round(opts.retryMs / 1000)}`;
      const capped = opts.maxAttempts !== undefined && attempt >= opts.maxAttempts;
      const tooLong = asked !== undefined && left > 0 && asked > left;
      if (capped || left <= 0 || tooLong) {
        if (attempt === 1 && !tooLong) throw e;
        const why = tooLong
          ? `: the source API asks to wait ${secs(asked)} s, more than the ${
            secs(left)
          } s left of ${budget}`
          : capped
          ? ""
          : ` in ${secs(clock() - started)} s (${budget})`;
        throw new TransientError(
          `${messageOf(e)} (gave up after ${attempt} attempt${attempt > 1 ? "s" : ""}${why})`,
          { cause: e },
        );
      }
      // What the server asked for (with a little jitter, so waiting runners do not
      // all come back at once), else exponential backoff with full jitter.
      const wait = asked !== undefined
        ? asked + Math.min(1000, asked / 10) * deps.random()
        : deps.random() * Math.min(cap, base * 2 ** (attempt - 1));
      const delay = Math.round(Math.min(wait, left));
      deps.log(
        `attempt ${attempt} failed: ${messageOf(e)}; retrying in ${delay} ms` +
          (asked !== undefined ? " (as its Retry-After asks)" : ""),
      );
      await deps.sleep(delay, opts.signal);
    }
  }
}

const secs = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);

/** A Retry-After header (delay-seconds or an HTTP date) in ms from `now`; undefined if absent or bad. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function cancelled(signal: AbortSignal): CancelledError {
  const why = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? "");
  return new CancelledError(`cancelled${why ? ` (${why})` : ""}; nothing was committed`);
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled(signal);
}

async function attemptOnce(
  s: Session,
  deps: ExtractDeps,
  url: string,
  opts: ExtractOptions,
): Promise<Omit<ExtractResult, "attempts">> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  let res: Response;
  try {
    res = await deps.fetch(url, {
      headers: { authorization: `Bearer ${opts.token}`, accept: PGCOPY },
      signal,
    });
  } catch (e) {
    throw new TransientError(
      timeout.aborted
        ? `the source API did not answer within ${opts.timeoutMs} ms (${opts.apiUrl})`
        : `cannot reach the source API at ${opts.apiUrl}: ${
          messageOf(e)
        }. Is it running? (SOURCE_API_URL)`,
      { cause: e },
    );
  }
  if (!res.ok) {
    // Shown to the operator and stored: safe_text.ts strips NUL and redacts tokens later.
    const detail = (await res.text().catch(() => "")).slice(0, 300).trim();
    const what = `the source API answered ${res.status} ${res.statusText}${
      detail ? `: ${detail}` : ""
    }`;
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      const e = new TransientError(what);
      e.retryAfterMs = retryAfterMs(res.headers.get("retry-after"));
      throw e;
    }
    throw new ApiRefusedError(
      res.status === 401 || res.status === 403
        ? `${what}. Check that API_TOKEN is the token the source API was started with.`
        : what,
    );
  }
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith(PGCOPY)) {
    await res.body?.cancel();
    throw new ApiRefusedError(
      `the source API answered with ${type || "no content type"}, not ${PGCOPY} ` +
        `(binary COPY): is SOURCE_API_URL a windbin source API?`,
    );
  }
  deps.mark?.("http");
  const hasher = new FingerprintHasher(opts.variables);
  const check = new CopyBodyCheck(opts.day, opts.variables, hasher);
  const body = checkedBody(res.body!, check, timeout, opts.timeoutMs);
  try {
    await s.copyFrom(opts.staging.copy, body);
  } catch (e) {
    // Data exceptions (SQLSTATE class 22: text that is not UTF-8, say) mean the
    // body is bad; anything else (the target database itself failing) goes up as it is.
    const code = String((e as { code?: unknown }).code ?? "");
    if (!code.startsWith("22")) throw e;
    const where = (e as { where?: string }).where;
    throw new ValidationError(
      `the source API's body does not load: ${messageOf(e)}${where ? ` (${where})` : ""}`,
      { cause: e },
    );
  }
  deps.mark?.("body+check+copy");
  const day = hasher.days().find((d) => d.day === opts.day);
  return {
    bytes: check.bytes,
    readings: check.readings,
    fingerprint: day
      ? { readings: day.readings, checksum: day.checksum }
      : { readings: 0, checksum: EMPTY_CHECKSUM },
    turbines: check.turbines(),
  };
}

/**
 * The response body as COPY reads it, checked on the way. Once a row has a
 * problem nothing more is passed on (the rest is still read, to name every
 * problem); the checks that need the whole body (trailer, problems) throw
 * before the iteration ends, so the COPY is abandoned and loads nothing. A
 * broken connection becomes a TransientError.
 */
async function* checkedBody(
  body: ReadableStream<Uint8Array>,
  check: CopyBodyCheck,
  timeout: AbortSignal,
  timeoutMs: number,
): AsyncIterable<Uint8Array> {
  const reader = body.getReader();
  try {
    while (true) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        throw new TransientError(
          timeout.aborted
            ? `the source API did not finish the response within ${timeoutMs} ms`
            : `the connection to the source API broke after ${check.bytes} bytes: ${messageOf(e)}`,
          { cause: e },
        );
      }
      if (r.done) break;
      check.push(r.value);
      if (!check.failed && r.value.length) yield r.value;
    }
    check.end();
    check.assertValid();
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
