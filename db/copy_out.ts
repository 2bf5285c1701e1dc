/**
 * `COPY ... TO STDOUT` as a pg "submittable" query that reads the socket's
 * bytes itself: while the COPY streams, pg's own 'data' listener is set
 * aside and the CopyData messages are cut out of the raw socket chunks
 * straight into ~64 KiB blocks, with no object per message (pg's parser
 * makes one per row, and with it the API's memory grew with the range). At
 * the first message that is not CopyOutResponse or CopyData (CopyDone, an
 * error, a notice) pg's listener is put back and handed the rest, so pg
 * handles the end of the query as usual (and any CopyData after a notice
 * through `handleCopyData`, the slow way). The socket is paused while
 * blocks queue up.
 *
 * Not pg-copy-streams' `to()`: it switches the socket between flowing and
 * paused ('readable') mode, and under Deno's node:net the socket then stops
 * reading for good on the connection's second COPY (measured: the next COPY
 * TO on that client never gets a byte). Flowing-mode pause/resume, used
 * here, works on both runtimes.
 */
import type { Connection } from "pg";
import { ChunkMerger } from "./chunks.ts";

type DataListener = (chunk: Uint8Array) => void;

interface Socket {
  pause(): void;
  resume(): void;
  listeners(event: "data"): DataListener[];
  on(event: "data", fn: DataListener): void;
  removeListener(event: "data", fn: DataListener): void;
}

const COPY_DATA = 0x64; // 'd'
const COPY_OUT_RESPONSE = 0x48; // 'H'

export class CopyOut {
  readonly #merger = new ChunkMerger();
  #queue: Uint8Array[] = [];
  #done = false;
  #error: { e: unknown } | null = null;
  #wake: (() => void) | null = null;
  #socket: Socket | null = null;
  #paused = false;
  #discarding = false;
  /** Settles at ReadyForQuery: the connection is free again. */
  readonly ready = Promise.withResolvers<void>();

  /** pg's own listener while ours reads the socket; null once it is back. */
  #pgData: DataListener | null = null;
  /** A message header (type + int32 length) split between socket chunks. */
  readonly #head = new Uint8Array(5);
  #headLength = 0;
  /** Bytes of the current message's payload still to come, and whether it is CopyData. */
  #payloadLeft = 0;
  #payloadIsData = false;

  constructor(readonly text: string, readonly maxQueued = 4) {
    this.ready.promise.catch(() => {});
  }

  /** Called by pg when the query's turn comes. */
  submit(connection: Connection): void {
    const socket = (connection as unknown as { stream: Socket }).stream;
    this.#socket = socket;
    const listeners = socket.listeners("data");
    // Only when pg's parser is the one listener (and so has nothing half-read): else the slow way.
    if (listeners.length === 1) {
      this.#pgData = listeners[0];
      socket.removeListener("data", this.#pgData);
      socket.on("data", this.#onData);
    }
    connection.query(this.text);
  }

  /** Our socket listener: CopyData payloads into blocks, the rest back to pg. */
  readonly #onData = (chunk: Uint8Array): void => {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.#payloadLeft > 0) {
        const take = Math.min(this.#payloadLeft, n - i);
        if (this.#payloadIsData) this.#take(chunk.subarray(i, i + take));
        this.#payloadLeft -= take;
        i += take;
        continue;
      }
      // A message header: a type byte, then an int32 length that counts itself.
      let type: number;
      let length: number;
      if (this.#headLength === 0) {
        type = chunk[i];
        if (type !== COPY_DATA && type !== COPY_OUT_RESPONSE) return this.#handBack(chunk, i);
      }
      if (this.#headLength === 0 && n - i >= 5) {
        type = chunk[i];
        length = readInt32(chunk, i + 1) - 4;
        i += 5;
      } else {
        const head = this.#head;
        while (this.#headLength < 5 && i < n) head[this.#headLength++] = chunk[i++];
        if (this.#headLength < 5) return;
        this.#headLength = 0;
        type = head[0];
        length = readInt32(head, 1) - 4;
      }
      // CopyOutResponse (the column formats) is of no use here: skipped like a payload.
      this.#payloadIsData = type === COPY_DATA;
      this.#payloadLeft = length;
    }
  };

  #take(bytes: Uint8Array): void {
    if (this.#discarding) return;
    // `bytes` is a view of the socket's chunk: ChunkMerger copies it (large ones here).
    const block = this.#merger.push(bytes.length >= this.#merger.size ? bytes.slice() : bytes);
    if (block) this.#enqueue(block);
  }

  /** Puts pg's listener back and gives it the rest of `chunk`, from the message at `i`. */
  #handBack(chunk: Uint8Array, i: number): void {
    const pg = this.#restore();
    const rest = chunk.subarray(i);
    if (pg && rest.length) pg(rest);
  }

  /** Puts pg's listener back on the socket (once); returns it. */
  #restore(): DataListener | null {
    const socket = this.#socket;
    const pg = this.#pgData;
    if (!socket || !pg) return null;
    this.#pgData = null;
    socket.removeListener("data", this.#onData);
    socket.on("data", pg);
    return pg;
  }

  /** CopyData through pg's parser: only after a notice came in the middle of the COPY. */
  handleCopyData(msg: { chunk: Uint8Array }): void {
    this.#take(msg.chunk.slice());
  }

  handleCommandComplete(): void {
    const rest = this.#merger.flush();
    if (rest) this.#enqueue(rest);
    this.#done = true;
    this.#notify();
  }

  handleError(e: unknown): void {
    // A broken connection: pg never gets its listener back through the stream; put it back.
    this.#restore();
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

function readInt32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}
