/**
 * The check of a `/data` body in PostgreSQL's binary COPY format as it
 * arrives, chunk by chunk, without an object per row: the signature and
 * header, the field count and lengths of every tuple, turbines in strictly
 * increasing byte order and, within a turbine, timestamps strictly
 * increasing (so no reading appears twice), every timestamp inside the
 * day, no NaN or ±Infinity, and the trailer (a complete body). Every row
 * is handed to a `RowSink` (the day's fingerprint) in the same pass.
 *
 * The body is `SELECT turbine, timestamp, <variables>` (CONTRACTS.md):
 * a tuple is an int16 field count, then per field an int32 length (-1 for
 * NULL) and the value's binary send form (text bytes; int64 microseconds
 * since 2000-01-01 UTC; IEEE-754 float8), all big-endian.
 */
import { TransientError, ValidationError } from "./errors.ts";

/** Receives each row's raw fields (FingerprintHasher in sql/fingerprint.ts fits). */
export interface RowSink {
  turbine(bytes: Uint8Array, offset: number, length: number): void;
  reading(buf: Uint8Array, offset: number): void;
  value(index: number, buf: Uint8Array, offset: number): void;
  nullValue(index: number): void;
}

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
const HEADER = 19;
const US_PER_DAY = 86_400_000_000n;
const EPOCH_2000_MS = Date.UTC(2000, 0, 1);
const decoder = new TextDecoder();

/** A kind of problem in the rows: how many, and the first one's place. */
interface Problem {
  count: number;
  example: string;
}

export class CopyBodyCheck {
  /** Bytes seen so far. */
  bytes = 0;
  /** Rows seen so far (all of them, including rows with problems). */
  readings = 0;

  readonly #day: string;
  readonly #names: readonly string[];
  readonly #fields: number;
  readonly #sink: RowSink;
  /** The day as [lo, hi) in microseconds since 2000, split in int32 halves (exact comparisons). */
  readonly #lo: [number, number];
  readonly #hi: [number, number];

  #headerDone = false;
  #ended = false;
  #carry: Uint8Array | null = null;
  /** Per field of the tuple being read: offset of its bytes, and length (-1 NULL). */
  readonly #off: Int32Array;
  readonly #len: Int32Array;

  #turbine: Uint8Array | null = null;
  #turbineName = "";
  /** Rows of each turbine run before the current one, and of the current one. */
  readonly #counts = new Map<string, number>();
  #runRows = 0;
  #lastHi = 0;
  #lastLo = 0;
  #hasLast = false;

  readonly #problems = new Map<string, Problem>();

  constructor(day: string, variables: readonly string[], sink: RowSink) {
    this.#day = day;
    this.#names = ["turbine", "timestamp", ...variables];
    this.#fields = this.#names.length;
    this.#sink = sink;
    this.#off = new Int32Array(this.#fields);
    this.#len = new Int32Array(this.#fields);
    const start = BigInt(Date.parse(`${day}T00:00:00Z`) - EPOCH_2000_MS) * 1000n;
    this.#lo = halves(start);
    this.#hi = halves(start + US_PER_DAY);
  }

  /** True once a row had a problem: nothing more of the body should be loaded. */
  get failed(): boolean {
    return this.#problems.size > 0;
  }

  /** Checks the next chunk of the body. Throws on a body that cannot be read further. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const at = this.bytes;
    this.bytes += chunk.length;
    if (this.#ended) this.#malformed(at, "bytes after the end-of-data trailer");
    let from = 0;
    const carry = this.#carry;
    if (carry) {
      // A row (or the header) began in the previous chunk: finish it with as few of
      // this chunk's bytes as it needs, rather than copying the whole chunk.
      this.#carry = null;
      const base = at - carry.length;
      for (let take = Math.min(chunk.length, 256);; take = Math.min(chunk.length, take * 4)) {
        const joined = new Uint8Array(carry.length + take);
        joined.set(carry, 0);
        joined.set(chunk.subarray(0, take), carry.length);
        const used = this.#parse(joined, base, 0);
        if (used > carry.length || take === chunk.length) {
          if (used < carry.length) {
            this.#carry = joined.slice(used);
            return;
          }
          from = used - carry.length;
          break;
        }
      }
    }
    const used = this.#parse(chunk, at, from);
    if (used < chunk.length) this.#carry = chunk.slice(used);
  }

  /** The body ended: it must have ended with the trailer. */
  end(): void {
    if (this.#ended) return;
    throw new TransientError(
      `the source API's response ended without the binary COPY trailer after ${this.bytes} ` +
        `bytes (truncated body)`,
    );
  }

  /** One line per kind of problem found in the rows (empty when none). */
  problems(): string[] {
    const out: string[] = [];
    const p = (key: string, text: (n: number, e: string) => string) => {
      const found = this.#problems.get(key);
      if (found) out.push(text(found.count, found.example));
    };
    p("turbine", (n) => `${n} readings without a turbine`);
    p("timestamp", (n, e) => `${n} readings without a timestamp, e.g. ${e}`);
    p("outside", (n, e) => `${n} readings outside ${this.#day} (UTC), e.g. at ${e}`);
    p(
      "duplicate",
      (n, e) => `${n} extra readings for timestamps that appear more than once, e.g. ${e}`,
    );
    p(
      "order",
      (n, e) =>
        `${n} readings out of order (turbines must come in byte order, each one's timestamps ` +
        `increasing), e.g. at ${e}`,
    );
    p("non-finite", (n, e) => `${n} readings with NaN or infinite values, e.g. at ${e}`);
    return out;
  }

  /** Throws a ValidationError naming every problem found, if any. */
  assertValid(): void {
    const problems = this.problems();
    if (problems.length) {
      throw new ValidationError(
        `the source API's answer for ${this.#day} is invalid: ${problems.join("; ")}. ` +
          `Nothing was written; fix the source data or the API and run the day again.`,
      );
    }
  }

  /**
   * Reads what it can of `buf` from `from` (`buf[0]` is body byte `base`); returns the
   * offset of the first byte it could not use yet (a row not all there).
   */
  #parse(buf: Uint8Array, base: number, from: number): number {
    let o = from;
    if (this.#ended) {
      if (o < buf.length) this.#malformed(base + o, "bytes after the end-of-data trailer");
      return o;
    }
    if (!this.#headerDone) {
      if (buf.length < HEADER) return 0;
      for (let i = 0; i < SIGNATURE.length; i++) {
        if (buf[i] !== SIGNATURE[i]) {
          this.#malformed(
            base + i,
            "not PostgreSQL's binary COPY format (its signature is missing)",
          );
        }
      }
      // Flags: bit 16 says rows carry OIDs; bits 0-15 are critical flags a reader must know.
      const flags = int32(buf, 11);
      if (flags & (1 << 16)) this.#malformed(base + 11, "rows with OIDs");
      if (flags & 0xffff) this.#malformed(base + 11, "header flags this reader does not know");
      const ext = int32(buf, 15);
      if (ext < 0) this.#malformed(base + 15, "a negative header extension length");
      if (buf.length < HEADER + ext) return 0;
      o = HEADER + ext;
      this.#headerDone = true;
    }
    const fields = this.#fields;
    const off = this.#off;
    const len = this.#len;
    const n = buf.length;
    while (o + 2 <= n) {
      const count = (buf[o] << 8) | buf[o + 1];
      if (count === 0xffff) {
        this.#ended = true;
        o += 2;
        if (o < n) this.#malformed(base + o, "bytes after the end-of-data trailer");
        return o;
      }
      if (count !== fields) {
        this.#malformed(
          base + o,
          `a row of ${count} fields, expected ${fields} (${this.#names.join(", ")})`,
        );
      }
      // Find the tuple's end; stop (and wait for more bytes) when it is not all here.
      let p = o + 2;
      let complete = true;
      for (let f = 0; f < fields; f++) {
        if (p + 4 > n) {
          complete = false;
          break;
        }
        const l = int32(buf, p);
        if (l < -1 || (f > 0 && l !== -1 && l !== 8)) {
          this.#malformed(
            base + p,
            `a ${this.#names[f]} field of ${l} bytes, expected ${
              f === 1 ? "8 (timestamptz)" : "8 (float8)"
            } or NULL`,
          );
        }
        p += 4;
        off[f] = p;
        len[f] = l;
        if (l > 0) {
          if (p + l > n) {
            complete = false;
            break;
          }
          p += l;
        }
      }
      if (!complete) break;
      this.#row(buf);
      o = p;
    }
    return o;
  }

  /** One complete tuple, its fields at #off/#len. */
  #row(buf: Uint8Array): void {
    this.readings++;
    const off = this.#off;
    const len = this.#len;
    const sink = this.#sink;
    // Turbine: a new run when its bytes differ from the previous row's.
    if (len[0] < 0) {
      this.#problem("turbine", "");
      return;
    }
    if (!this.#sameTurbine(buf, off[0], len[0])) this.#newTurbine(buf, off[0], len[0]);
    this.#runRows++;
    if (len[1] < 0) {
      this.#problem("timestamp", `a row of turbine ${this.#turbineName}`);
      return;
    }
    const t = off[1];
    const hi = int32(buf, t);
    const lo = int32(buf, t + 4) >>> 0;
    if (less(hi, lo, this.#lo[0], this.#lo[1]) || !less(hi, lo, this.#hi[0], this.#hi[1])) {
      this.#problem("outside", this.#where(hi, lo));
    }
    if (this.#hasLast) {
      if (hi === this.#lastHi && lo === this.#lastLo) {
        this.#problem("duplicate", this.#where(hi, lo));
      } else if (less(hi, lo, this.#lastHi, this.#lastLo)) {
        this.#problem("order", this.#where(hi, lo));
      }
    }
    this.#lastHi = hi;
    this.#lastLo = lo;
    this.#hasLast = true;
    sink.reading(buf, t);
    for (let f = 2; f < this.#fields; f++) {
      if (len[f] < 0) {
        sink.nullValue(f - 2);
        continue;
      }
      // Exponent bits all ones: NaN or ±Infinity.
      if ((int32(buf, off[f]) & 0x7ff00000) === 0x7ff00000) {
        this.#problem("non-finite", this.#where(hi, lo));
      }
      sink.value(f - 2, buf, off[f]);
    }
  }

  #sameTurbine(buf: Uint8Array, o: number, l: number): boolean {
    const t = this.#turbine;
    if (!t || t.length !== l) return false;
    for (let i = 0; i < l; i++) if (t[i] !== buf[o + i]) return false;
    return true;
  }

  /** Rows per turbine, in body order. */
  turbines(): Map<string, number> {
    const out = new Map(this.#counts);
    if (this.#turbine) {
      out.set(this.#turbineName, (out.get(this.#turbineName) ?? 0) + this.#runRows);
    }
    return out;
  }

  #newTurbine(buf: Uint8Array, o: number, l: number): void {
    if (this.#turbine) {
      this.#counts.set(
        this.#turbineName,
        (this.#counts.get(this.#turbineName) ?? 0) + this.#runRows,
      );
    }
    this.#runRows = 0;
    const bytes = buf.slice(o, o + l);
    const prev = this.#turbine;
    this.#turbine = bytes;
    this.#turbineName = decoder.decode(bytes);
    this.#hasLast = false;
    // Strictly increasing byte order also means each turbine comes once.
    if (prev && compareBytes(bytes, prev) < 0) {
      this.#problem("order", `turbine ${this.#turbineName} after ${decoder.decode(prev)}`);
    }
    this.#sink.turbine(buf, o, l);
  }

  #where(hi: number, lo: number): string {
    const us = (BigInt(hi) << 32n) | BigInt(lo);
    const turbine = this.#counts.size > 0 || this.#turbineName !== "default"
      ? ` (turbine ${this.#turbineName})`
      : "";
    return `${instantText(us)}${turbine}`;
  }

  #problem(key: string, example: string): void {
    const p = this.#problems.get(key);
    if (p) p.count++;
    else this.#problems.set(key, { count: 1, example });
  }

  #malformed(at: number, what: string): never {
    throw new ValidationError(
      `the source API's body for ${this.#day} is malformed at byte ${at}: ${what}. ` +
        `Nothing was written; is SOURCE_API_URL a windbin source API?`,
    );
  }
}

function int32(b: Uint8Array, i: number): number {
  return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
}

/** (hi, lo) < (hi2, lo2) for int64s split in a signed high and an unsigned low half. */
function less(hi: number, lo: number, hi2: number, lo2: number): boolean {
  return hi < hi2 || (hi === hi2 && lo < lo2);
}

function halves(x: bigint): [number, number] {
  return [Number(BigInt.asIntN(32, x >> 32n)), Number(BigInt.asUintN(32, x))];
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Microseconds since 2000-01-01 UTC as ISO 8601 (with the fraction only when there is one). */
export function instantText(us: bigint): string {
  const ms = us >= 0n ? us / 1000n : -((-us + 999n) / 1000n);
  const rest = Number(us - ms * 1000n);
  const d = new Date(Number(ms) + EPOCH_2000_MS);
  if (Number.isNaN(d.getTime())) return `${us} µs after 2000-01-01T00:00:00Z`;
  const iso = d.toISOString();
  const frac = (iso.slice(20, 23) + String(rest).padStart(3, "0")).replace(/0+$/, "");
  return `${iso.slice(0, 19)}${frac ? `.${frac}` : ""}Z`;
}
