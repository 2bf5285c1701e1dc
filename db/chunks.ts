/**
 * Merges small chunks into blocks of about `size` bytes.
 *
 * PostgreSQL sends one CopyData message per row; writing each as its own
 * HTTP chunk costs far more than copying them into one block first.
 */
export class ChunkMerger {
  #buf: Uint8Array;
  #len = 0;
  constructor(readonly size = 64 * 1024) {
    this.#buf = new Uint8Array(size);
  }

  /** Adds a chunk; returns a full block when one is ready. */
  push(chunk: Uint8Array): Uint8Array | null {
    if (this.#len + chunk.length > this.size) {
      const out = this.#take();
      if (chunk.length >= this.size) return concat(out, chunk);
      this.#buf.set(chunk, 0);
      this.#len = chunk.length;
      return out;
    }
    this.#buf.set(chunk, this.#len);
    this.#len += chunk.length;
    return null;
  }

  /** What is left, or null. */
  flush(): Uint8Array | null {
    return this.#len ? this.#take() : null;
  }

  #take(): Uint8Array {
    const out = this.#buf.slice(0, this.#len);
    this.#len = 0;
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (!a.length) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
