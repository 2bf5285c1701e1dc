/**
 * Extract: one UTC day from the source API, streamed straight into the
 * staging table (COPY on PostgreSQL), with retries on transient failures.
 *
 * Each attempt runs under a savepoint, so a failed attempt leaves staging
 * empty for the next. The body is checked as it passes (content type, header
 * line, complete last line) without building per-row objects.
 */
import type { Tx } from "../db/types.ts";
import { readSql } from "../sql/load.ts";
import { ApiRefusedError, messageOf, TransientError, ValidationError } from "./errors.ts";

const COPY_STAGING = await readSql("etl/copy_staging.sql");

/** The variables this job aggregates, in the order of the staging columns. */
export const VARIABLES = ["wind_speed", "power"] as const;
const HEADER = ["timestamp", ...VARIABLES].join(",");

export interface ExtractOptions {
  apiUrl: string;
  token: string;
  day: string;
  /** Attempts in all (1 = no retry). */
  attempts: number;
  /** Per attempt, covering the whole response body. */
  timeoutMs: number;
  /** First backoff; doubles each retry, with full jitter, capped at `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface ExtractDeps {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  log: (message: string) => void;
}

export interface ExtractResult {
  attempts: number;
  bytes: number;
}

export function dataUrl(apiUrl: string, day: string): string {
  const q = new URLSearchParams({ date: day });
  for (const v of VARIABLES) q.append("variables", v);
  return `${apiUrl}/data?${q}`;
}

export async function extractDay(
  tx: Tx,
  deps: ExtractDeps,
  opts: ExtractOptions,
): Promise<ExtractResult> {
  const url = dataUrl(opts.apiUrl, opts.day);
  const base = opts.backoffMs ?? 500;
  const cap = opts.maxBackoffMs ?? 15_000;
  for (let attempt = 1;; attempt++) {
    await tx.exec("SAVEPOINT extract");
    try {
      const bytes = await attemptOnce(tx, deps, url, opts);
      await tx.exec("RELEASE SAVEPOINT extract");
      return { attempts: attempt, bytes };
    } catch (e) {
      await tx.exec("ROLLBACK TO SAVEPOINT extract");
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
      await deps.sleep(delay);
    }
  }
}

async function attemptOnce(
  tx: Tx,
  deps: ExtractDeps,
  url: string,
  opts: ExtractOptions,
): Promise<number> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let res: Response;
  try {
    res = await deps.fetch(url, {
      headers: { authorization: `Bearer ${opts.token}`, accept: "text/csv" },
      signal,
    });
  } catch (e) {
    throw new TransientError(
      signal.aborted
        ? `the source API did not answer within ${opts.timeoutMs} ms (${opts.apiUrl})`
        : `cannot reach the source API at ${opts.apiUrl}: ${
          messageOf(e)
        }. Is it running? (SOURCE_API_URL)`,
      { cause: e },
    );
  }
  if (!res.ok) {
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
  const body = new CheckedCsv(res.body!, signal, opts.timeoutMs);
  try {
    await tx.copyFrom(COPY_STAGING, body);
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

  constructor(
    readonly body: ReadableStream<Uint8Array>,
    readonly signal: AbortSignal,
    readonly timeoutMs: number,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const reader = this.body.getReader();
    try {
      while (true) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch (e) {
          throw new TransientError(
            this.signal.aborted
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
    if (line !== HEADER) {
      throw new ApiRefusedError(
        `the source API's CSV has header "${line.slice(0, 100)}", expected "${HEADER}"`,
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
