/**
 * Turning a database byte stream into an HTTP response body.
 *
 * The body pulls one chunk from the database per read by the client, so a
 * slow client slows the query instead of filling memory. When the client goes
 * away the body is cancelled and the iterator's `return()` stops the query.
 */

/** Something that yields byte chunks and can be stopped (an async generator). */
export type ChunkIterator = AsyncIterator<Uint8Array, unknown, undefined>;

export interface StreamOptions {
  /**
   * A client that asks for nothing for this long is cut off: the body errors
   * (the transfer breaks) and the query is stopped, so its connection (on
   * PGlite: the one backend) is free for others.
   */
  stallMs?: number;
  /** Called once when the body is over for any reason (done, failed, left, stalled). */
  onEnd?: () => void;
}

/**
 * Starts `source` and waits for its first chunk, so that a failing query
 * (database down, bad SQL) throws here, before any status line is sent.
 */
export async function startStream(
  source: AsyncIterable<Uint8Array>,
  opts: StreamOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  const it = source[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array, unknown>;
  try {
    first = await it.next();
  } catch (e) {
    await it.return?.().catch(() => {});
    throw e;
  }
  return bodyFrom(it, first, opts);
}

function bodyFrom(
  it: ChunkIterator,
  first: IteratorResult<Uint8Array, unknown>,
  opts: StreamOptions,
) {
  let pending: IteratorResult<Uint8Array, unknown> | null = first;
  let cancelled = false;
  let ended = false;
  let stallTimer: ReturnType<typeof setTimeout> | undefined;
  const end = () => {
    clearTimeout(stallTimer);
    if (!ended) {
      ended = true;
      opts.onEnd?.();
    }
  };
  const stop = async () => {
    try {
      await it.return?.();
    } catch (e) {
      console.error(
        `/data: stopping the query after the client left failed: ${(e as Error).message}`,
      );
    }
  };
  // Armed between the client's reads: a read (pull) disarms it.
  const arm = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (!opts.stallMs || cancelled) return;
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => {
      cancelled = true;
      console.error(`/data: the client read nothing for ${opts.stallMs} ms: cut off`);
      controller.error(new Error("client stalled"));
      stop().finally(end);
    }, opts.stallMs);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      arm(controller);
    },
    async pull(controller) {
      clearTimeout(stallTimer);
      try {
        // Skip empty chunks: enqueueing nothing would leave the read unanswered.
        while (true) {
          const r = pending ?? await it.next();
          pending = null;
          // The client may have gone while we waited: the controller is closed then.
          if (cancelled) return;
          if (r.done) {
            controller.close();
            return end();
          }
          if (r.value.length) {
            controller.enqueue(r.value);
            return arm(controller);
          }
        }
      } catch (e) {
        if (cancelled) return;
        // Headers are out already: all we can do is break the body, so the
        // client sees a failed transfer rather than a short but valid answer.
        console.error(`/data: the stream failed mid-way: ${(e as Error).message}`);
        controller.error(e);
        end();
      }
    },
    async cancel() {
      cancelled = true;
      clearTimeout(stallTimer);
      await stop();
      end();
    },
  }, { highWaterMark: 0 });
}

const NL = 0x0a;
const COMMA_BYTE = 0x2c;
const OPEN = new Uint8Array([0x5b]); // [
const CLOSE = new Uint8Array([0x5d]); // ]
const EMPTY = new Uint8Array([0x5b, 0x5d]); // []

/**
 * One JSON text per line → one JSON array, byte-wise: newlines become commas,
 * except the last one. No row is parsed or built in JS, and no chunk is copied:
 * the source's chunks are changed in place (Db.copyOut hands them over), and
 * the brackets and the comma between two chunks go out as chunks of their own.
 * The `]` is written only when the source ended normally, so a failure never
 * looks complete.
 */
export async function* jsonArray(lines: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let first = true;
  let comma = false; // a line ended at the end of the previous chunk
  for await (const chunk of lines) {
    if (!chunk.length) continue;
    if (first) yield OPEN;
    else if (comma) yield new Uint8Array([COMMA_BYTE]);
    first = false;
    const endsLine = chunk[chunk.length - 1] === NL;
    const body = endsLine ? chunk.subarray(0, chunk.length - 1) : chunk;
    for (let i = body.indexOf(NL); i !== -1; i = body.indexOf(NL, i + 1)) body[i] = COMMA_BYTE;
    comma = endsLine;
    if (body.length) yield body;
  }
  yield first ? EMPTY : CLOSE;
}

const BACKSLASH = 0x5c;
/** COPY's text-format escapes: the byte after a backslash, and what it stands for. */
const UNESCAPE: Record<number, number> = {
  0x5c: 0x5c, // \\
  0x6e: 0x0a, // \n
  0x72: 0x0d, // \r
  0x74: 0x09, // \t
  0x62: 0x08, // \b
  0x66: 0x0c, // \f
  0x76: 0x0b, // \v
};

/**
 * Undoes COPY's text-format escaping, in place. Needed only when a value
 * holds a backslash: JSON text for a turbine name with `"` or `\` (to_json
 * escapes them, COPY doubles the backslash). Other JSON text passes COPY
 * unchanged, so the API skips this for it.
 */
export async function* unescapeCopyText(
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let escaped = false; // the previous chunk ended with a lone backslash
  for await (const chunk of source) {
    let w = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (escaped) {
        chunk[w++] = UNESCAPE[b] ?? b;
        escaped = false;
      } else if (b === BACKSLASH) {
        escaped = true;
      } else {
        chunk[w++] = b;
      }
    }
    if (w) yield chunk.subarray(0, w);
  }
}
