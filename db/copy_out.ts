/**
 * `COPY ... TO STDOUT` as a pg "submittable" query: pg parses the protocol and
 * hands us each CopyData message; we copy them into ~64 KiB blocks and pause
 * the socket while blocks queue up.
 *
 * Not pg-copy-streams' `to()`: it switches the socket between flowing and
 * paused ('readable') mode, and under Deno's node:net the socket then stops
 * reading for good on the connection's second COPY (measured: the next COPY
 * TO on that client never gets a byte). Flowing-mode pause/resume, used
 * here, works on both runtimes.
 */
import type { Connection } from "pg";
import { ChunkMerger } from "./chunks.ts";

export class CopyOut {
  readonly #merger = new ChunkMerger();
  #queue: Uint8Array[] = [];
  #done = false;
  #error: { e: unknown } | null = null;
  #wake: (() => void) | null = null;
  #socket: { pause(): void; resume(): void } | null = null;
  #paused = false;
  #discarding = false;
  /** Settles at ReadyForQuery: the connection is free again. */
  readonly ready = Promise.withResolvers<void>();

  constructor(readonly text: string, readonly maxQueued = 4) {
    this.ready.promise.catch(() => {});
  }

  /** Called by pg when the query's turn comes. */
  submit(connection: Connection): void {
    this.#socket = (connection as unknown as { stream: { pause(): void; resume(): void } }).stream;
    connection.query(this.text);
  }

  handleCopyData(msg: { chunk: Uint8Array }): void {
    // The chunk is a view into pg's parse buffer: ChunkMerger copies it (large ones here).
    const chunk = msg.chunk.length >= this.#merger.size ? msg.chunk.slice() : msg.chunk;
    const block = this.#merger.push(chunk);
    if (block) this.#enqueue(block);
  }

  handleCommandComplete(): void {
    const rest = this.#merger.flush();
    if (rest) this.#enqueue(rest);
    this.#done = true;
    this.#notify();
  }

  handleError(e: unknown): void {
    this.#error ??= { e };
    this.#resume();
    this.#notify();
    this.ready.resolve();
  }

  handleReadyForQuery(): void {
    this.ready.resolve();
  }

  // Messages a COPY does not send; pg calls them only on a protocol mix-up.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}

  /** The next block, or null once the COPY ended. Throws what failed it. */
  async next(): Promise<Uint8Array | null> {
    while (true) {
      if (this.#error) throw this.#error.e;
      const block = this.#queue.shift();
      if (block) {
        if (this.#paused && this.#queue.length < this.maxQueued / 2) this.#resume();
        return block;
      }
      if (this.#done) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  /** The reader left: drop what arrives from now on, and keep the socket reading. */
  discard(): void {
    this.#queue = [];
    this.#discarding = true;
    this.#resume();
  }

  #enqueue(block: Uint8Array) {
    if (this.#discarding) return;
    this.#queue.push(block);
    if (this.#queue.length >= this.maxQueued && !this.#paused) {
      this.#paused = true;
      this.#socket?.pause();
    }
    this.#notify();
  }

  #resume() {
    if (this.#paused) {
      this.#paused = false;
      this.#socket?.resume();
    }
  }

  #notify() {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
