/** Small stream and timing helpers for the database-layer tests. */

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Races `p` against a timer: resolves to `{ timedOut: true }` if `p` has not
 * settled after `ms`. The timer is always cleared (test sanitizers), and `p`
 * keeps running: the caller decides what to do with it.
 */
export async function race<T>(
  p: Promise<T>,
  ms: number,
): Promise<{ timedOut: false; value: T } | { timedOut: true }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<{ timedOut: true }>((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), ms);
  });
  try {
    return await Promise.race([p.then((value) => ({ timedOut: false as const, value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Like `race`, but a timeout is an error naming `what` (so a hang fails instead of hanging). */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  const r = await race(p, ms);
  if (r.timedOut) throw new Error(`${what} did not finish within ${ms} ms`);
  return r.value;
}

/** Collects a byte stream into one array, and how many chunks it came in. */
export async function collect(
  source: AsyncIterable<Uint8Array>,
): Promise<{ bytes: Uint8Array; chunks: number }> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of source) {
    parts.push(chunk);
    length += chunk.length;
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.length;
  }
  return { bytes, chunks: parts.length };
}

/** A byte stream of `text` cut into pieces of `size` bytes (across row boundaries on purpose). */
export async function* pieces(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) {
    await Promise.resolve();
    yield bytes.subarray(i, i + size);
  }
}

/** Where two long strings first differ, with some context: readable failures for MB-sized text. */
export function firstDifference(actual: string, expected: string): string | null {
  if (actual === expected) return null;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 40), i + 40));
  return `lengths ${actual.length} vs ${expected.length}; first difference at ${i}: ` +
    `actual ${around(actual)} expected ${around(expected)}`;
}
