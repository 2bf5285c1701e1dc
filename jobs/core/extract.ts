/**
 * Extract: one UTC day from the source API, streamed straight into the
 * staging table (COPY on PostgreSQL), with retries on transient failures.
 *
 * This runs outside any transaction: the final transaction that replaces
 * the day stays short however long the source takes. The body is checked as it passes (content type, header
 * line, complete last line) without building per-row objects.
 */
import type { Session } from "../../db/types.ts";
import {
  ApiRefusedError,
  CancelledError,
  messageOf,
  TransientError,
  ValidationError,
} from "./errors.ts";

export interface ExtractOptions {
  apiUrl: string;
  token: string;
  day: string;
  /** The API variables, in the order of the staging columns after `timestamp`. */
  variables: readonly string[];
  /** `COPY staging (...) FROM STDIN ...` and the statement that empties staging. */
  copySql: string;
  clearSql: string;
  /** Attempts in all (1 = no retry). */
  attempts: number;
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
}

export interface ExtractResult {
  attempts: number;
  bytes: number;
}

export function dataUrl(apiUrl: string, day: string, variables: readonly string[]): string {
  const q = new URLSearchParams({ date: day });
  for (const v of variables) q.append("variables", v);
  return `${apiUrl}/data?${q}`;
}

/**
 * Loads the day into the session's staging table. Each attempt empties
 * staging and runs one autocommit COPY: a COPY that fails keeps none of its
 * rows, so the next attempt starts clean without a savepoint.
 */
export async function extractDay(
  s: Session,
  deps: ExtractDeps,
  opts: ExtractOptions,
): Promise<ExtractResult> {
  const url = dataUrl(opts.apiUrl, opts.day, opts.variables);
  const base = opts.backoffMs ?? 500;
  const cap = opts.maxBackoffMs ?? 15_000;
  for (let attempt = 1;; attempt++) {
    throwIfCancelled(opts.signal);
    await s.exec(opts.clearSql);
    try {
      const bytes = await attemptOnce(s, deps, url, opts);
      return { attempts: attempt, bytes };
    } catch (e) {
      if (opts.signal?.aborted) throw cancelled(opts.signal);
      const transient = e instanceof TransientError;
      if (!transient || attempt >= opts.attempts) {
        if (transient && opts.attempts > 1) {
          throw new TransientError(`${messageOf(e)} (gave up after ${attempt} attempts)`, {
            cause: e,
          });
        }
        throw e;
      }
      const delay = Math.round(deps.random() * Math.min(cap, base * 2 ** (attempt - 1)));
      deps.log(
        `attempt ${attempt}/${opts.attempts} failed: ${messageOf(e)}; retrying in ${delay} ms`,
      );
      await deps.sleep(delay, opts.signal);
    }
  }
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
): Promise<number> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  let res: Response;
  try {
    res = await deps.fetch(url, {
      headers: { authorization: `Bearer ${opts.token}`, accept: "text/csv" },
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
      throw new TransientError(what);
    }
    throw new ApiRefusedError(
      res.status === 401 || res.status === 403
        ? `${what}. Check API_TOKEN: it must be the token the API was started with.`
        : what,
    );
  }
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith("text/csv")) {
    await res.body?.cancel();
    throw new ApiRefusedError(
      `the source API answered with ${type || "no content type"}, not text/csv`,
    );
  }
  const body = new CheckedCsv(res.body!, signal, timeout, opts.timeoutMs, opts.variables);
  try {
    await s.copyFrom(opts.copySql, body);
  } catch (e) {
    // Data exceptions (SQLSTATE class 22: text in a number, a bad timestamp, a
    // wrong column count) mean the body is bad; anything else (the target
    // database itself failing) goes up as it is.
    const code = String((e as { code?: unknown }).code ?? "");
    if (!code.startsWith("22")) throw e;
    const where = (e as { where?: string }).where;
    throw new ValidationError(
      `the source API's CSV does not load: ${messageOf(e)}${where ? ` (${where})` : ""}`,
      { cause: e },
    );
  }
  body.assertComplete();
  return body.bytes;
}

/**
 * The response body as COPY will read it, checked on the way: the header
 * line must name our columns, and the body must end with a newline (a body
 * cut off mid-line would otherwise load a partial last row). A broken
 * connection becomes a TransientError.
 */
class CheckedCsv implements AsyncIterable<Uint8Array> {
  bytes = 0;
  #last = -1;
  #headerChecked = false;
  #head = "";

  readonly #header: string;

  constructor(
    readonly body: ReadableStream<Uint8Array>,
    readonly signal: AbortSignal,
    readonly timeout: AbortSignal,
    readonly timeoutMs: number,
    variables: readonly string[],
  ) {
    this.#header = ["timestamp", ...variables].join(",");
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const reader = this.body.getReader();
    try {
      while (true) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch (e) {
          throw new TransientError(
            this.timeout.aborted
              ? `the source API did not finish the response within ${this.timeoutMs} ms`
              : `the connection to the source API broke after ${this.bytes} bytes: ${messageOf(e)}`,
            { cause: e },
          );
        }
        if (r.done) break;
        const chunk = r.value;
        if (chunk.length === 0) continue;
        if (!this.#headerChecked) this.#checkHeader(chunk);
        this.bytes += chunk.length;
        this.#last = chunk[chunk.length - 1];
        yield chunk;
      }
      if (!this.#headerChecked) this.#checkHeader(new Uint8Array(), true);
    } finally {
      await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }

  #checkHeader(chunk: Uint8Array, end = false) {
    this.#head += new TextDecoder().decode(chunk.subarray(0, 200));
    const nl = this.#head.indexOf("\n");
    if (nl < 0 && !end && this.#head.length < 200) return;
    const line = (nl < 0 ? this.#head : this.#head.slice(0, nl)).replace(/\r$/, "");
    if (line !== this.#header) {
      throw new ApiRefusedError(
        `the source API's CSV has header "${line.slice(0, 100)}", expected "${this.#header}"`,
      );
    }
    this.#headerChecked = true;
  }

  assertComplete() {
    // A body that ends mid-line was cut off on the way (a proxy, a server that
    // died mid-stream): worth another attempt.
    if (this.bytes > 0 && this.#last !== 0x0a) {
      throw new TransientError(
        `the source API's response ended mid-line after ${this.bytes} bytes (truncated body)`,
      );
    }
  }
}
