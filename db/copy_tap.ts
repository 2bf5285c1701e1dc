/**
 * Reads `COPY ... TO STDOUT` data straight off a connection's socket.
 *
 * postgres.js turns every CopyData message — one per row — into a Buffer of its
 * own pushed through a Readable: 86,400 objects for a 1-second day, and the
 * garbage of millions of them makes the V8 heap of a streaming API grow by tens
 * of MB. The tap sits in front of postgres.js on the socket's 'data' events.
 * While a COPY is on, it copies the CopyData payloads into blocks of ~64 KiB
 * itself and hands postgres.js every other byte exactly as it came
 * (CopyOutResponse before; CopyDone, CommandComplete, ReadyForQuery or an
 * ErrorResponse after), so the driver's state machine runs as usual and only
 * sees a COPY without rows. The tap also does the socket's flow control for
 * the COPY: it pauses when blocks queue up and resumes as they are read, which
 * leaves no room for the driver's lost-resume hang.
 */
import { Buffer } from "node:buffer";
import type net from "node:net";

const COPY_OUT_RESPONSE = 0x48; // 'H'
const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const ERROR_RESPONSE = 0x45; // 'E'

type State =
  /** Everything goes to the driver. */
  | "forward"
  /** A COPY was asked for: forward until its CopyOutResponse. */
  | "waiting"
  /** CopyData is ours; other messages still go to the driver. */
  | "copying";

export class CopyTap {
  #forward: ((chunk: Buffer) => void) | null = null;
  #socket: net.Socket | null = null;
  #state: State = "forward";
  // The message parser: where we are in the byte stream.
  #header = new Uint8Array(5);
  #headerLen = 0;
  #bodyLeft = 0;
  #sinking = false;
  #copyAfterThis = false;
  // The output: blocks for the reader, and what ended the COPY.
  #block: Uint8Array;
  #blockLen = 0;
  #queue: Uint8Array[] = [];
  #done = false;
  #error: { e: unknown } | null = null;
  #discard = false;
  #paused = false;
  #wake: (() => void) | null = null;

  constructor(readonly blockSize = 64 * 1024, readonly maxQueued = 4) {
    this.#block = new Uint8Array(blockSize);
  }

  /** Puts the tap in front of the driver on a (new) socket of the connection. */
  attach(socket: net.Socket): void {
    // Untyped on purpose: EventEmitter's emit is overloaded per event in the typings.
    const emit = socket.emit as (event: string | symbol, ...args: unknown[]) => boolean;
    this.#socket = socket;
    this.#forward = (chunk) => emit.call(socket, "data", chunk);
    this.#headerLen = 0;
    this.#bodyLeft = 0;
    this.#sinking = false;
    this.#paused = false;
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === "data" && socket === this.#socket) {
        this.#feed(args[0] as Uint8Array);
        return true;
      }
      return emit.call(socket, event, ...args);
    }) as typeof socket.emit;
  }

  #copies = 0;

  /** Call before sending a COPY TO query: its rows will come out of next(). Returns its number. */
  begin(): number {
    this.#state = "waiting";
    this.#copyAfterThis = false;
    this.#queue = [];
    this.#blockLen = 0;
    this.#done = false;
    this.#error = null;
    this.#discard = false;
    return ++this.#copies;
  }

  /** The next block, or null once the COPY ended (CopyDone). Throws what failed it. */
  async next(): Promise<Uint8Array | null> {
    while (true) {
      // A failed COPY's remaining blocks are of no use: the error comes first.
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

  /** COPY number `copy` failed (the driver's stream reported the server's error). */
  fail(e: unknown, copy = this.#copies): void {
    // A late report about an earlier COPY must not fail the current one.
    if (copy !== this.#copies) return;
    this.#error ??= { e };
    this.#state = "forward";
    this.#resume();
    this.#notify();
  }

  /** The reader left: drop what else arrives and let the connection run to its end. */
  discard(): void {
    this.#discard = true;
    this.#queue = [];
    this.#resume();
  }

  /** True while a COPY is on and has neither ended nor failed. */
  get running(): boolean {
    return this.#state !== "forward" && !this.#done && !this.#error;
  }

  /** Resolves once the COPY ended, normally or not. */
  async settled(): Promise<void> {
    while (!this.#done && !this.#error) {
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  /** Back to forwarding everything (after a COPY, or a query that failed before it began). */
  end(): void {
    this.#state = "forward";
    this.#resume();
  }

  #feed(chunk: Uint8Array): void {
    const n = chunk.length;
    let p = 0;
    let fwdStart = -1;
    const flush = (end: number) => {
      if (fwdStart >= 0 && end > fwdStart) this.#forward!(toBuffer(chunk, fwdStart, end));
      fwdStart = -1;
    };
    while (p < n) {
      if (this.#bodyLeft > 0) {
        const take = Math.min(this.#bodyLeft, n - p);
        if (this.#sinking) this.#sink(chunk, p, take);
        else if (fwdStart < 0) fwdStart = p;
        p += take;
        this.#bodyLeft -= take;
        if (this.#bodyLeft === 0) this.#messageEnd();
        continue;
      }
      // At a message header (type byte and int32 length), maybe split across chunks.
      const start = p;
      const take = Math.min(5 - this.#headerLen, n - p);
      this.#header.set(chunk.subarray(p, p + take), this.#headerLen);
      const carried = this.#headerLen;
      this.#headerLen += take;
      p += take;
      if (this.#headerLen < 5) {
        flush(start); // the start of a header: decided when the rest arrives
        return;
      }
      this.#headerLen = 0;
      const type = this.#header[0];
      const length = (this.#header[1] << 24 | this.#header[2] << 16 | this.#header[3] << 8 |
        this.#header[4]) >>> 0;
      this.#bodyLeft = length - 4;
      this.#sinking = this.#state === "copying" && type === COPY_DATA;
      if (!this.#sinking) {
        if (this.#state === "copying") {
          if (type === COPY_DONE) this.#finish();
          // An ErrorResponse ends the COPY too; the driver's stream reports it (fail()).
          if (type === COPY_DONE || type === ERROR_RESPONSE) this.#state = "forward";
        }
        if (this.#state === "waiting" && type === COPY_OUT_RESPONSE) this.#copyAfterThis = true;
        flush(start);
        if (carried) this.#forward!(Buffer.from(this.#header.slice(0, carried)));
        fwdStart = start;
      } else {
        flush(start);
      }
      if (this.#bodyLeft === 0) this.#messageEnd();
    }
    flush(n);
  }

  #messageEnd() {
    if (this.#copyAfterThis) {
      this.#copyAfterThis = false;
      this.#state = "copying";
    }
  }

  #sink(chunk: Uint8Array, from: number, length: number) {
    if (this.#discard) return;
    let p = from;
    const end = from + length;
    while (p < end) {
      const take = Math.min(end - p, this.blockSize - this.#blockLen);
      this.#block.set(chunk.subarray(p, p + take), this.#blockLen);
      this.#blockLen += take;
      p += take;
      if (this.#blockLen === this.blockSize) this.#emitBlock();
    }
  }

  #emitBlock() {
    if (!this.#blockLen) return;
    this.#queue.push(this.#block.subarray(0, this.#blockLen));
    this.#block = new Uint8Array(this.blockSize);
    this.#blockLen = 0;
    if (this.#queue.length >= this.maxQueued && !this.#paused) {
      this.#paused = true;
      this.#socket?.pause();
    }
    this.#notify();
  }

  #finish() {
    if (!this.#discard) this.#emitBlock();
    this.#done = true;
    // What follows CopyDone (CommandComplete, ReadyForQuery) must be read.
    this.#resume();
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

function toBuffer(chunk: Uint8Array, from: number, to: number): Buffer {
  return Buffer.from(chunk.buffer, chunk.byteOffset + from, to - from);
}
