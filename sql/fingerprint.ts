/**
 * Source fingerprint v2: per UTC day, the reading count and a checksum of the
 * day's values, defined on bytes (CONTRACTS.md "Fingerprint v2"), so that no
 * server setting, PostgreSQL version or text format changes it:
 *
 *   h(r, v) = first 8 bytes of md5(utf8(turbine) 0x00 ts8 utf8(v) 0x00 val),
 *             a big-endian int64; ts8 = timestamptz_send(ts) (microseconds
 *             since 2000-01-01, big-endian); val = 0x01 float8send(x), or
 *             0x00 for NULL
 *   checksum  = XOR of h over the day's readings and the chosen variables,
 *               as 16 lower-case hex digits (two's complement)
 *
 * Three implementations that tests hold equal: the source's SQL function
 * windbin_reading_hash (migrations/source/0002_*.sql, kept per day in
 * reading_days), fingerprintSql() below (any table, e.g. a staging table),
 * and FingerprintHasher, which the runner feeds with the raw binary COPY
 * fields it receives.
 */

export interface DayFingerprint {
  /** YYYY-MM-DD (UTC). */
  day: string;
  readings: number;
  /** 16 lower-case hex digits. */
  checksum: string;
}

/** The row shape of fingerprintSql() and of GET /fingerprints. */
export type FingerprintRow = DayFingerprint;

/** A day without readings (GET /fingerprints leaves such days out). */
export const EMPTY_CHECKSUM = "0000000000000000";

// ---------------------------------------------------------------------------
// SQL over any table with a timestamp column and float8 variables.

const TEMPLATE = Deno.readTextFileSync(new URL("./fingerprint.sql", import.meta.url))
  .split("\n").filter((l) => !/^\s*--/.test(l)).join("\n").trim();

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Per day in [$1::date, $2::date] with readings: day, readings, checksum,
 * computed over `table`. Its turbine is the column `turbine` when
 * `opts.turbineColumn` is true, else every row belongs to `default` (a
 * single-turbine staging table).
 */
export function fingerprintSql(
  table: string,
  variables: readonly string[],
  opts: { turbineColumn?: boolean } = {},
): string {
  for (const name of [table, ...variables]) {
    if (!IDENT.test(name)) {
      throw new Error(
        `fingerprintSql: ${JSON.stringify(name)} is not a plain lower-case identifier`,
      );
    }
  }
  if (variables.length === 0) throw new Error("fingerprintSql: name at least one variable");
  if (new Set(variables).size !== variables.length) {
    throw new Error("fingerprintSql: a variable named twice would cancel itself out");
  }
  const turbine = opts.turbineColumn ? "turbine" : "'default'::text";
  const hashes = variables.map((v) =>
    `('x' || md5(convert_to(${turbine}, 'UTF8') || '\\x00'::bytea || timestamptz_send(timestamp)` +
    ` || '\\x${hex(encoder.encode(v))}00'::bytea` +
    ` || CASE WHEN ${v} IS NULL THEN '\\x00'::bytea ELSE '\\x01'::bytea || float8send(${v}) END` +
    `))::bit(64)::bigint`
  ).join("\n         # ");
  return TEMPLATE.replace("{{table}}", table).replace("{{hashes}}", hashes);
}

// ---------------------------------------------------------------------------
// The JS side: an allocation-free MD5 over short messages, laid out once per
// turbine, so that a row costs one compression per variable (two or more only
// for turbine names longer than about 25 bytes).

const encoder = new TextEncoder();

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  // MD5 words are little-endian; the Int32Array views below assume the platform is too.
  throw new Error("sql/fingerprint.ts: a big-endian platform is not supported");
}

/** One variable's message, with its turbine laid out; ts and value written per row. */
interface Layout {
  bytes: Uint8Array;
  words: Int32Array;
  blocks: number;
}

interface DayAcc {
  day: number;
  readings: number;
  /** XOR of the digests' first two little-endian words (byte-swapped at the end). */
  a: number;
  b: number;
}

const DAY_US = 86_400_000_000;
/** Below this |high word| a timestamp in microseconds is exact as a double. */
const EXACT_HI = 1 << 21;
const MS_2000 = Date.UTC(2000, 0, 1);

/**
 * Fingerprints readings as they arrive in binary form (e.g. straight from a
 * binary COPY body), per UTC day. For each row: `reading(buf, tsOffset)` with
 * its 8 timestamp bytes, then `value(i, buf, offset)` (8 float8 bytes) or
 * `nullValue(i)` for every variable i, in any order. `turbine()` sets the
 * turbine of the rows that follow (default: `default`). A row is hashed when
 * the next one starts (two variables at a time, see md5x2) or at `days()`.
 * No allocation per row; the bytes are copied, so `buf` may be reused.
 */
export class FingerprintHasher {
  readonly variables: readonly string[];
  readonly #names: Uint8Array[];
  readonly #full: number;
  #turbine = new Uint8Array(0);
  /** Per variable: [non-NULL layout, NULL layout]. */
  #layouts: [Layout, Layout][] = [];
  /** Per variable, its layout in the current row. */
  readonly #row: Layout[] = [];
  /** Bit i: variable i has its value (or NULL) in the current row. */
  #given = 0;
  #pending = false;
  #tsAt = 0;
  #valAt: number[] = [];
  readonly #ts = new Uint8Array(8);
  readonly #days = new Map<number, DayAcc>();
  #cur: DayAcc | null = null;
  #curStart = 0;
  #curEnd = 0;

  constructor(variables: readonly string[]) {
    if (variables.length === 0) throw new Error("FingerprintHasher: name at least one variable");
    if (variables.length > 30) throw new Error("FingerprintHasher: at most 30 variables");
    if (new Set(variables).size !== variables.length) {
      throw new Error("FingerprintHasher: a variable named twice would cancel itself out");
    }
    this.variables = [...variables];
    this.#names = variables.map((v) => encoder.encode(v));
    this.#full = (1 << variables.length) - 1;
    this.turbine(encoder.encode("default"));
  }

  /** The turbine (its UTF-8 bytes) of the rows that follow; cheap when unchanged. */
  turbine(bytes: Uint8Array, offset = 0, length = bytes.length - offset): void {
    const t = this.#turbine;
    if (t.length === length) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (t[i] !== bytes[offset + i]) {
          same = false;
          break;
        }
      }
      if (same) return;
    }
    this.#flush();
    this.#turbine = bytes.slice(offset, offset + length);
    this.#tsAt = length + 1;
    this.#layouts = this.#names.map((name) => [
      layout(this.#turbine, name, true),
      layout(this.#turbine, name, false),
    ]);
    this.#valAt = this.#names.map((name) => length + name.length + 11);
  }

  /** Starts a reading: its timestamp, 8 bytes big-endian (timestamptz_send) at buf[offset]. */
  reading(buf: Uint8Array, offset: number): void {
    this.#flush();
    const ts = this.#ts;
    for (let i = 0; i < 8; i++) ts[i] = buf[offset + i];
    const hi = (ts[0] << 24) | (ts[1] << 16) | (ts[2] << 8) | ts[3];
    const lo = ((ts[4] << 24) | (ts[5] << 16) | (ts[6] << 8) | ts[7]) >>> 0;
    let cur = this.#cur;
    if (hi > -EXACT_HI && hi < EXACT_HI) {
      const us = hi * 4294967296 + lo;
      if (cur === null || us < this.#curStart || us >= this.#curEnd) {
        cur = this.#enter(Math.floor(us / DAY_US));
      }
    } else {
      const us = (BigInt(hi) << 32n) | BigInt(lo);
      const q = us / 86_400_000_000n;
      cur = this.#enter(Number(us < 0n && q * 86_400_000_000n !== us ? q - 1n : q));
    }
    cur.readings++;
    this.#pending = true;
    this.#given = 0;
  }

  /** Variable `index`'s value: 8 bytes big-endian IEEE-754 (float8send) at buf[offset]. */
  value(index: number, buf: Uint8Array, offset: number): void {
    const l = this.#layouts[index][0];
    const m = l.bytes;
    const v = this.#valAt[index];
    for (let i = 0; i < 8; i++) m[v + i] = buf[offset + i];
    this.#row[index] = l;
    this.#given |= 1 << index;
  }

  /** Variable `index` is NULL in this reading. */
  nullValue(index: number): void {
    this.#row[index] = this.#layouts[index][1];
    this.#given |= 1 << index;
  }

  /** The days seen so far, in day order. */
  days(): DayFingerprint[] {
    this.#flush();
    return [...this.#days.values()]
      .filter((d) => d.readings > 0)
      .sort((x, y) => x.day - y.day)
      .map((d) => ({
        day: new Date(MS_2000 + d.day * 86_400_000).toISOString().slice(0, 10),
        readings: d.readings,
        checksum: hex32(bswap(d.a)) + hex32(bswap(d.b)),
      }));
  }

  /** Hashes the pending row's values into its day. */
  #flush(): void {
    if (!this.#pending) return;
    this.#pending = false;
    if (this.#given !== this.#full) {
      throw new Error(
        "FingerprintHasher: a reading without a value or NULL for every variable",
      );
    }
    const row = this.#row;
    const ts = this.#ts;
    const t = this.#tsAt;
    const n = row.length;
    for (let k = 0; k < n; k++) {
      const m = row[k].bytes;
      for (let i = 0; i < 8; i++) m[t + i] = ts[i];
    }
    const cur = this.#cur!;
    let k = 0;
    for (; k + 1 < n; k += 2) {
      const p = row[k], q = row[k + 1];
      if (p.blocks === 1 && q.blocks === 1) {
        md5x2(p.words, q.words);
        cur.a ^= DIGEST[0] ^ DIGEST[2];
        cur.b ^= DIGEST[1] ^ DIGEST[3];
      } else {
        md5(p.words, p.blocks);
        cur.a ^= DIGEST[0];
        cur.b ^= DIGEST[1];
        md5(q.words, q.blocks);
        cur.a ^= DIGEST[0];
        cur.b ^= DIGEST[1];
      }
    }
    if (k < n) {
      md5(row[k].words, row[k].blocks);
      cur.a ^= DIGEST[0];
      cur.b ^= DIGEST[1];
    }
  }

  #enter(day: number): DayAcc {
    let acc = this.#days.get(day);
    if (!acc) {
      acc = { day, readings: 0, a: 0, b: 0 };
      this.#days.set(day, acc);
    }
    this.#cur = acc;
    this.#curStart = day * DAY_US;
    this.#curEnd = this.#curStart + DAY_US;
    return acc;
  }
}

/**
 * The day fingerprints of a whole binary COPY body of
 * `SELECT turbine, timestamp, <variables> ...` (what GET /data sends for
 * Accept: application/x-pgcopy). A reference for tests and tools; it checks
 * the framing, not the content (the runner validates on arrival).
 */
export function fingerprintCopyBinary(
  body: Uint8Array,
  variables: readonly string[],
): DayFingerprint[] {
  const h = new FingerprintHasher(variables);
  const fields = 2 + variables.length;
  const bad = (what: string): never => {
    throw new Error(`fingerprintCopyBinary: ${what}`);
  };
  const int32 = (i: number) =>
    i + 4 <= body.length
      ? (body[i] << 24) | (body[i + 1] << 16) | (body[i + 2] << 8) | body[i + 3]
      : bad("cut off");
  for (let i = 0; i < 11; i++) if (body[i] !== COPY_SIGNATURE[i]) bad("not a binary COPY body");
  let o = 19 + int32(15);
  while (true) {
    if (o + 2 > body.length) bad("no trailer: the body is cut off");
    const n = (body[o] << 8) | body[o + 1];
    o += 2;
    if (n === 0xffff) break;
    if (n !== fields) bad(`a tuple of ${n} fields, expected ${fields}`);
    const tl = int32(o);
    if (tl < 0) bad("a NULL turbine");
    h.turbine(body, o + 4, tl);
    o += 4 + tl;
    if (int32(o) !== 8) bad("a timestamp that is not 8 bytes");
    h.reading(body, o + 4);
    o += 12;
    for (let v = 0; v < variables.length; v++) {
      const len = int32(o);
      if (len === -1) {
        h.nullValue(v);
        o += 4;
      } else if (len === 8) {
        h.value(v, body, o + 4);
        o += 12;
      } else {
        bad("a value that is not 8 bytes");
      }
    }
  }
  if (o !== body.length) bad("bytes after the trailer");
  return h.days();
}

const COPY_SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];

function layout(turbine: Uint8Array, name: Uint8Array, nonNull: boolean): Layout {
  const length = turbine.length + 1 + 8 + name.length + 2 + (nonNull ? 8 : 0);
  const blocks = Math.floor((length + 8) / 64) + 1;
  const bytes = new Uint8Array(blocks * 64);
  bytes.set(turbine, 0);
  bytes.set(name, turbine.length + 9);
  bytes[turbine.length + 10 + name.length] = nonNull ? 1 : 0;
  bytes[length] = 0x80;
  const bits = length * 8;
  const tail = bytes.length - 8;
  for (let i = 0; i < 4; i++) bytes[tail + i] = (bits >>> (8 * i)) & 0xff;
  return { bytes, words: new Int32Array(bytes.buffer), blocks };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function bswap(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, "0");
}

// MD5 (RFC 1321) over whole padded blocks. Only the first 8 bytes of each
// digest are used: they go to DIGEST (little-endian words). Everything else
// stays in locals, which is what makes it fast.
const DIGEST = new Int32Array(4);

function md5(w: Int32Array, blocks: number): void {
  let ha = 0x67452301, hb = 0xefcdab89 | 0, hc = 0x98badcfe | 0, hd = 0x10325476;
  for (let o = 0; o < blocks << 4; o += 16) {
    const x0 = w[o], x1 = w[o + 1], x2 = w[o + 2], x3 = w[o + 3];
    const x4 = w[o + 4], x5 = w[o + 5], x6 = w[o + 6], x7 = w[o + 7];
    const x8 = w[o + 8], x9 = w[o + 9], x10 = w[o + 10], x11 = w[o + 11];
    const x12 = w[o + 12], x13 = w[o + 13], x14 = w[o + 14], x15 = w[o + 15];
    let a = ha, b = hb, c = hc, d = hd;
    a = (a + (d ^ (b & (c ^ d))) + x0 + -680876936) | 0;
    a = ((a << 7) | (a >>> 25)) + b | 0;
    d = (d + (c ^ (a & (b ^ c))) + x1 + -389564586) | 0;
    d = ((d << 12) | (d >>> 20)) + a | 0;
    c = (c + (b ^ (d & (a ^ b))) + x2 + 606105819) | 0;
    c = ((c << 17) | (c >>> 15)) + d | 0;
    b = (b + (a ^ (c & (d ^ a))) + x3 + -1044525330) | 0;
    b = ((b << 22) | (b >>> 10)) + c | 0;
    a = (a + (d ^ (b & (c ^ d))) + x4 + -176418897) | 0;
    a = ((a << 7) | (a >>> 25)) + b | 0;
    d = (d + (c ^ (a & (b ^ c))) + x5 + 1200080426) | 0;
    d = ((d << 12) | (d >>> 20)) + a | 0;
    c = (c + (b ^ (d & (a ^ b))) + x6 + -1473231341) | 0;
    c = ((c << 17) | (c >>> 15)) + d | 0;
    b = (b + (a ^ (c & (d ^ a))) + x7 + -45705983) | 0;
    b = ((b << 22) | (b >>> 10)) + c | 0;
    a = (a + (d ^ (b & (c ^ d))) + x8 + 1770035416) | 0;
    a = ((a << 7) | (a >>> 25)) + b | 0;
    d = (d + (c ^ (a & (b ^ c))) + x9 + -1958414417) | 0;
    d = ((d << 12) | (d >>> 20)) + a | 0;
    c = (c + (b ^ (d & (a ^ b))) + x10 + -42063) | 0;
    c = ((c << 17) | (c >>> 15)) + d | 0;
    b = (b + (a ^ (c & (d ^ a))) + x11 + -1990404162) | 0;
    b = ((b << 22) | (b >>> 10)) + c | 0;
    a = (a + (d ^ (b & (c ^ d))) + x12 + 1804603682) | 0;
    a = ((a << 7) | (a >>> 25)) + b | 0;
    d = (d + (c ^ (a & (b ^ c))) + x13 + -40341101) | 0;
    d = ((d << 12) | (d >>> 20)) + a | 0;
    c = (c + (b ^ (d & (a ^ b))) + x14 + -1502002290) | 0;
    c = ((c << 17) | (c >>> 15)) + d | 0;
    b = (b + (a ^ (c & (d ^ a))) + x15 + 1236535329) | 0;
    b = ((b << 22) | (b >>> 10)) + c | 0;
    a = (a + (c ^ (d & (b ^ c))) + x1 + -165796510) | 0;
    a = ((a << 5) | (a >>> 27)) + b | 0;
    d = (d + (b ^ (c & (a ^ b))) + x6 + -1069501632) | 0;
    d = ((d << 9) | (d >>> 23)) + a | 0;
    c = (c + (a ^ (b & (d ^ a))) + x11 + 643717713) | 0;
    c = ((c << 14) | (c >>> 18)) + d | 0;
    b = (b + (d ^ (a & (c ^ d))) + x0 + -373897302) | 0;
    b = ((b << 20) | (b >>> 12)) + c | 0;
    a = (a + (c ^ (d & (b ^ c))) + x5 + -701558691) | 0;
    a = ((a << 5) | (a >>> 27)) + b | 0;
    d = (d + (b ^ (c & (a ^ b))) + x10 + 38016083) | 0;
    d = ((d << 9) | (d >>> 23)) + a | 0;
    c = (c + (a ^ (b & (d ^ a))) + x15 + -660478335) | 0;
    c = ((c << 14) | (c >>> 18)) + d | 0;
    b = (b + (d ^ (a & (c ^ d))) + x4 + -405537848) | 0;
    b = ((b << 20) | (b >>> 12)) + c | 0;
    a = (a + (c ^ (d & (b ^ c))) + x9 + 568446438) | 0;
    a = ((a << 5) | (a >>> 27)) + b | 0;
    d = (d + (b ^ (c & (a ^ b))) + x14 + -1019803690) | 0;
    d = ((d << 9) | (d >>> 23)) + a | 0;
    c = (c + (a ^ (b & (d ^ a))) + x3 + -187363961) | 0;
    c = ((c << 14) | (c >>> 18)) + d | 0;
    b = (b + (d ^ (a & (c ^ d))) + x8 + 1163531501) | 0;
    b = ((b << 20) | (b >>> 12)) + c | 0;
    a = (a + (c ^ (d & (b ^ c))) + x13 + -1444681467) | 0;
    a = ((a << 5) | (a >>> 27)) + b | 0;
    d = (d + (b ^ (c & (a ^ b))) + x2 + -51403784) | 0;
    d = ((d << 9) | (d >>> 23)) + a | 0;
    c = (c + (a ^ (b & (d ^ a))) + x7 + 1735328473) | 0;
    c = ((c << 14) | (c >>> 18)) + d | 0;
    b = (b + (d ^ (a & (c ^ d))) + x12 + -1926607734) | 0;
    b = ((b << 20) | (b >>> 12)) + c | 0;
    a = (a + (b ^ c ^ d) + x5 + -378558) | 0;
    a = ((a << 4) | (a >>> 28)) + b | 0;
    d = (d + (a ^ b ^ c) + x8 + -2022574463) | 0;
    d = ((d << 11) | (d >>> 21)) + a | 0;
    c = (c + (d ^ a ^ b) + x11 + 1839030562) | 0;
    c = ((c << 16) | (c >>> 16)) + d | 0;
    b = (b + (c ^ d ^ a) + x14 + -35309556) | 0;
    b = ((b << 23) | (b >>> 9)) + c | 0;
    a = (a + (b ^ c ^ d) + x1 + -1530992060) | 0;
    a = ((a << 4) | (a >>> 28)) + b | 0;
    d = (d + (a ^ b ^ c) + x4 + 1272893353) | 0;
    d = ((d << 11) | (d >>> 21)) + a | 0;
    c = (c + (d ^ a ^ b) + x7 + -155497632) | 0;
    c = ((c << 16) | (c >>> 16)) + d | 0;
    b = (b + (c ^ d ^ a) + x10 + -1094730640) | 0;
    b = ((b << 23) | (b >>> 9)) + c | 0;
    a = (a + (b ^ c ^ d) + x13 + 681279174) | 0;
    a = ((a << 4) | (a >>> 28)) + b | 0;
    d = (d + (a ^ b ^ c) + x0 + -358537222) | 0;
    d = ((d << 11) | (d >>> 21)) + a | 0;
    c = (c + (d ^ a ^ b) + x3 + -722521979) | 0;
    c = ((c << 16) | (c >>> 16)) + d | 0;
    b = (b + (c ^ d ^ a) + x6 + 76029189) | 0;
    b = ((b << 23) | (b >>> 9)) + c | 0;
    a = (a + (b ^ c ^ d) + x9 + -640364487) | 0;
    a = ((a << 4) | (a >>> 28)) + b | 0;
    d = (d + (a ^ b ^ c) + x12 + -421815835) | 0;
    d = ((d << 11) | (d >>> 21)) + a | 0;
    c = (c + (d ^ a ^ b) + x15 + 530742520) | 0;
    c = ((c << 16) | (c >>> 16)) + d | 0;
    b = (b + (c ^ d ^ a) + x2 + -995338651) | 0;
    b = ((b << 23) | (b >>> 9)) + c | 0;
    a = (a + (c ^ (b | ~d)) + x0 + -198630844) | 0;
    a = ((a << 6) | (a >>> 26)) + b | 0;
    d = (d + (b ^ (a | ~c)) + x7 + 1126891415) | 0;
    d = ((d << 10) | (d >>> 22)) + a | 0;
    c = (c + (a ^ (d | ~b)) + x14 + -1416354905) | 0;
    c = ((c << 15) | (c >>> 17)) + d | 0;
    b = (b + (d ^ (c | ~a)) + x5 + -57434055) | 0;
    b = ((b << 21) | (b >>> 11)) + c | 0;
    a = (a + (c ^ (b | ~d)) + x12 + 1700485571) | 0;
    a = ((a << 6) | (a >>> 26)) + b | 0;
    d = (d + (b ^ (a | ~c)) + x3 + -1894986606) | 0;
    d = ((d << 10) | (d >>> 22)) + a | 0;
    c = (c + (a ^ (d | ~b)) + x10 + -1051523) | 0;
    c = ((c << 15) | (c >>> 17)) + d | 0;
    b = (b + (d ^ (c | ~a)) + x1 + -2054922799) | 0;
    b = ((b << 21) | (b >>> 11)) + c | 0;
    a = (a + (c ^ (b | ~d)) + x8 + 1873313359) | 0;
    a = ((a << 6) | (a >>> 26)) + b | 0;
    d = (d + (b ^ (a | ~c)) + x15 + -30611744) | 0;
    d = ((d << 10) | (d >>> 22)) + a | 0;
    c = (c + (a ^ (d | ~b)) + x6 + -1560198380) | 0;
    c = ((c << 15) | (c >>> 17)) + d | 0;
    b = (b + (d ^ (c | ~a)) + x13 + 1309151649) | 0;
    b = ((b << 21) | (b >>> 11)) + c | 0;
    a = (a + (c ^ (b | ~d)) + x4 + -145523070) | 0;
    a = ((a << 6) | (a >>> 26)) + b | 0;
    d = (d + (b ^ (a | ~c)) + x11 + -1120210379) | 0;
    d = ((d << 10) | (d >>> 22)) + a | 0;
    c = (c + (a ^ (d | ~b)) + x2 + 718787259) | 0;
    c = ((c << 15) | (c >>> 17)) + d | 0;
    b = (b + (d ^ (c | ~a)) + x9 + -343485551) | 0;
    b = ((b << 21) | (b >>> 11)) + c | 0;
    ha = (ha + a) | 0;
    hb = (hb + b) | 0;
    hc = (hc + c) | 0;
    hd = (hd + d) | 0;
  }
  DIGEST[0] = ha;
  DIGEST[1] = hb;
}

/**
 * Two one-block MD5s at once, their steps interleaved: each MD5 is one long
 * chain of dependent steps, so the CPU runs the other chain's step in the
 * gaps (measured: about 1.6x the throughput of two md5() calls).
 */
function md5x2(w: Int32Array, v: Int32Array): void {
  const x0 = w[0], x1 = w[1], x2 = w[2], x3 = w[3], x4 = w[4], x5 = w[5], x6 = w[6], x7 = w[7];
  const x8 = w[8], x9 = w[9], x10 = w[10], x11 = w[11];
  const x12 = w[12], x13 = w[13], x14 = w[14], x15 = w[15];
  const y0 = v[0], y1 = v[1], y2 = v[2], y3 = v[3], y4 = v[4], y5 = v[5], y6 = v[6], y7 = v[7];
  const y8 = v[8], y9 = v[9], y10 = v[10], y11 = v[11];
  const y12 = v[12], y13 = v[13], y14 = v[14], y15 = v[15];
  let a1 = 0x67452301, b1 = 0xefcdab89 | 0, c1 = 0x98badcfe | 0, d1 = 0x10325476;
  let a2 = a1, b2 = b1, c2 = c1, d2 = d1;
  a1 = (a1 + (d1 ^ (b1 & (c1 ^ d1))) + x0 + -680876936) | 0;
  a1 = ((a1 << 7) | (a1 >>> 25)) + b1 | 0;
  a2 = (a2 + (d2 ^ (b2 & (c2 ^ d2))) + y0 + -680876936) | 0;
  a2 = ((a2 << 7) | (a2 >>> 25)) + b2 | 0;
  d1 = (d1 + (c1 ^ (a1 & (b1 ^ c1))) + x1 + -389564586) | 0;
  d1 = ((d1 << 12) | (d1 >>> 20)) + a1 | 0;
  d2 = (d2 + (c2 ^ (a2 & (b2 ^ c2))) + y1 + -389564586) | 0;
  d2 = ((d2 << 12) | (d2 >>> 20)) + a2 | 0;
  c1 = (c1 + (b1 ^ (d1 & (a1 ^ b1))) + x2 + 606105819) | 0;
  c1 = ((c1 << 17) | (c1 >>> 15)) + d1 | 0;
  c2 = (c2 + (b2 ^ (d2 & (a2 ^ b2))) + y2 + 606105819) | 0;
  c2 = ((c2 << 17) | (c2 >>> 15)) + d2 | 0;
  b1 = (b1 + (a1 ^ (c1 & (d1 ^ a1))) + x3 + -1044525330) | 0;
  b1 = ((b1 << 22) | (b1 >>> 10)) + c1 | 0;
  b2 = (b2 + (a2 ^ (c2 & (d2 ^ a2))) + y3 + -1044525330) | 0;
  b2 = ((b2 << 22) | (b2 >>> 10)) + c2 | 0;
  a1 = (a1 + (d1 ^ (b1 & (c1 ^ d1))) + x4 + -176418897) | 0;
  a1 = ((a1 << 7) | (a1 >>> 25)) + b1 | 0;
  a2 = (a2 + (d2 ^ (b2 & (c2 ^ d2))) + y4 + -176418897) | 0;
  a2 = ((a2 << 7) | (a2 >>> 25)) + b2 | 0;
  d1 = (d1 + (c1 ^ (a1 & (b1 ^ c1))) + x5 + 1200080426) | 0;
  d1 = ((d1 << 12) | (d1 >>> 20)) + a1 | 0;
  d2 = (d2 + (c2 ^ (a2 & (b2 ^ c2))) + y5 + 1200080426) | 0;
  d2 = ((d2 << 12) | (d2 >>> 20)) + a2 | 0;
  c1 = (c1 + (b1 ^ (d1 & (a1 ^ b1))) + x6 + -1473231341) | 0;
  c1 = ((c1 << 17) | (c1 >>> 15)) + d1 | 0;
  c2 = (c2 + (b2 ^ (d2 & (a2 ^ b2))) + y6 + -1473231341) | 0;
  c2 = ((c2 << 17) | (c2 >>> 15)) + d2 | 0;
  b1 = (b1 + (a1 ^ (c1 & (d1 ^ a1))) + x7 + -45705983) | 0;
  b1 = ((b1 << 22) | (b1 >>> 10)) + c1 | 0;
  b2 = (b2 + (a2 ^ (c2 & (d2 ^ a2))) + y7 + -45705983) | 0;
  b2 = ((b2 << 22) | (b2 >>> 10)) + c2 | 0;
  a1 = (a1 + (d1 ^ (b1 & (c1 ^ d1))) + x8 + 1770035416) | 0;
  a1 = ((a1 << 7) | (a1 >>> 25)) + b1 | 0;
  a2 = (a2 + (d2 ^ (b2 & (c2 ^ d2))) + y8 + 1770035416) | 0;
  a2 = ((a2 << 7) | (a2 >>> 25)) + b2 | 0;
  d1 = (d1 + (c1 ^ (a1 & (b1 ^ c1))) + x9 + -1958414417) | 0;
  d1 = ((d1 << 12) | (d1 >>> 20)) + a1 | 0;
  d2 = (d2 + (c2 ^ (a2 & (b2 ^ c2))) + y9 + -1958414417) | 0;
  d2 = ((d2 << 12) | (d2 >>> 20)) + a2 | 0;
  c1 = (c1 + (b1 ^ (d1 & (a1 ^ b1))) + x10 + -42063) | 0;
  c1 = ((c1 << 17) | (c1 >>> 15)) + d1 | 0;
  c2 = (c2 + (b2 ^ (d2 & (a2 ^ b2))) + y10 + -42063) | 0;
  c2 = ((c2 << 17) | (c2 >>> 15)) + d2 | 0;
  b1 = (b1 + (a1 ^ (c1 & (d1 ^ a1))) + x11 + -1990404162) | 0;
  b1 = ((b1 << 22) | (b1 >>> 10)) + c1 | 0;
  b2 = (b2 + (a2 ^ (c2 & (d2 ^ a2))) + y11 + -1990404162) | 0;
  b2 = ((b2 << 22) | (b2 >>> 10)) + c2 | 0;
  a1 = (a1 + (d1 ^ (b1 & (c1 ^ d1))) + x12 + 1804603682) | 0;
  a1 = ((a1 << 7) | (a1 >>> 25)) + b1 | 0;
  a2 = (a2 + (d2 ^ (b2 & (c2 ^ d2))) + y12 + 1804603682) | 0;
  a2 = ((a2 << 7) | (a2 >>> 25)) + b2 | 0;
  d1 = (d1 + (c1 ^ (a1 & (b1 ^ c1))) + x13 + -40341101) | 0;
  d1 = ((d1 << 12) | (d1 >>> 20)) + a1 | 0;
  d2 = (d2 + (c2 ^ (a2 & (b2 ^ c2))) + y13 + -40341101) | 0;
  d2 = ((d2 << 12) | (d2 >>> 20)) + a2 | 0;
  c1 = (c1 + (b1 ^ (d1 & (a1 ^ b1))) + x14 + -1502002290) | 0;
  c1 = ((c1 << 17) | (c1 >>> 15)) + d1 | 0;
  c2 = (c2 + (b2 ^ (d2 & (a2 ^ b2))) + y14 + -1502002290) | 0;
  c2 = ((c2 << 17) | (c2 >>> 15)) + d2 | 0;
  b1 = (b1 + (a1 ^ (c1 & (d1 ^ a1))) + x15 + 1236535329) | 0;
  b1 = ((b1 << 22) | (b1 >>> 10)) + c1 | 0;
  b2 = (b2 + (a2 ^ (c2 & (d2 ^ a2))) + y15 + 1236535329) | 0;
  b2 = ((b2 << 22) | (b2 >>> 10)) + c2 | 0;
  a1 = (a1 + (c1 ^ (d1 & (b1 ^ c1))) + x1 + -165796510) | 0;
  a1 = ((a1 << 5) | (a1 >>> 27)) + b1 | 0;
  a2 = (a2 + (c2 ^ (d2 & (b2 ^ c2))) + y1 + -165796510) | 0;
  a2 = ((a2 << 5) | (a2 >>> 27)) + b2 | 0;
  d1 = (d1 + (b1 ^ (c1 & (a1 ^ b1))) + x6 + -1069501632) | 0;
  d1 = ((d1 << 9) | (d1 >>> 23)) + a1 | 0;
  d2 = (d2 + (b2 ^ (c2 & (a2 ^ b2))) + y6 + -1069501632) | 0;
  d2 = ((d2 << 9) | (d2 >>> 23)) + a2 | 0;
  c1 = (c1 + (a1 ^ (b1 & (d1 ^ a1))) + x11 + 643717713) | 0;
  c1 = ((c1 << 14) | (c1 >>> 18)) + d1 | 0;
  c2 = (c2 + (a2 ^ (b2 & (d2 ^ a2))) + y11 + 643717713) | 0;
  c2 = ((c2 << 14) | (c2 >>> 18)) + d2 | 0;
  b1 = (b1 + (d1 ^ (a1 & (c1 ^ d1))) + x0 + -373897302) | 0;
  b1 = ((b1 << 20) | (b1 >>> 12)) + c1 | 0;
  b2 = (b2 + (d2 ^ (a2 & (c2 ^ d2))) + y0 + -373897302) | 0;
  b2 = ((b2 << 20) | (b2 >>> 12)) + c2 | 0;
  a1 = (a1 + (c1 ^ (d1 & (b1 ^ c1))) + x5 + -701558691) | 0;
  a1 = ((a1 << 5) | (a1 >>> 27)) + b1 | 0;
  a2 = (a2 + (c2 ^ (d2 & (b2 ^ c2))) + y5 + -701558691) | 0;
  a2 = ((a2 << 5) | (a2 >>> 27)) + b2 | 0;
  d1 = (d1 + (b1 ^ (c1 & (a1 ^ b1))) + x10 + 38016083) | 0;
  d1 = ((d1 << 9) | (d1 >>> 23)) + a1 | 0;
  d2 = (d2 + (b2 ^ (c2 & (a2 ^ b2))) + y10 + 38016083) | 0;
  d2 = ((d2 << 9) | (d2 >>> 23)) + a2 | 0;
  c1 = (c1 + (a1 ^ (b1 & (d1 ^ a1))) + x15 + -660478335) | 0;
  c1 = ((c1 << 14) | (c1 >>> 18)) + d1 | 0;
  c2 = (c2 + (a2 ^ (b2 & (d2 ^ a2))) + y15 + -660478335) | 0;
  c2 = ((c2 << 14) | (c2 >>> 18)) + d2 | 0;
  b1 = (b1 + (d1 ^ (a1 & (c1 ^ d1))) + x4 + -405537848) | 0;
  b1 = ((b1 << 20) | (b1 >>> 12)) + c1 | 0;
  b2 = (b2 + (d2 ^ (a2 & (c2 ^ d2))) + y4 + -405537848) | 0;
  b2 = ((b2 << 20) | (b2 >>> 12)) + c2 | 0;
  a1 = (a1 + (c1 ^ (d1 & (b1 ^ c1))) + x9 + 568446438) | 0;
  a1 = ((a1 << 5) | (a1 >>> 27)) + b1 | 0;
  a2 = (a2 + (c2 ^ (d2 & (b2 ^ c2))) + y9 + 568446438) | 0;
  a2 = ((a2 << 5) | (a2 >>> 27)) + b2 | 0;
  d1 = (d1 + (b1 ^ (c1 & (a1 ^ b1))) + x14 + -1019803690) | 0;
  d1 = ((d1 << 9) | (d1 >>> 23)) + a1 | 0;
  d2 = (d2 + (b2 ^ (c2 & (a2 ^ b2))) + y14 + -1019803690) | 0;
  d2 = ((d2 << 9) | (d2 >>> 23)) + a2 | 0;
  c1 = (c1 + (a1 ^ (b1 & (d1 ^ a1))) + x3 + -187363961) | 0;
  c1 = ((c1 << 14) | (c1 >>> 18)) + d1 | 0;
  c2 = (c2 + (a2 ^ (b2 & (d2 ^ a2))) + y3 + -187363961) | 0;
  c2 = ((c2 << 14) | (c2 >>> 18)) + d2 | 0;
  b1 = (b1 + (d1 ^ (a1 & (c1 ^ d1))) + x8 + 1163531501) | 0;
  b1 = ((b1 << 20) | (b1 >>> 12)) + c1 | 0;
  b2 = (b2 + (d2 ^ (a2 & (c2 ^ d2))) + y8 + 1163531501) | 0;
  b2 = ((b2 << 20) | (b2 >>> 12)) + c2 | 0;
  a1 = (a1 + (c1 ^ (d1 & (b1 ^ c1))) + x13 + -1444681467) | 0;
  a1 = ((a1 << 5) | (a1 >>> 27)) + b1 | 0;
  a2 = (a2 + (c2 ^ (d2 & (b2 ^ c2))) + y13 + -1444681467) | 0;
  a2 = ((a2 << 5) | (a2 >>> 27)) + b2 | 0;
  d1 = (d1 + (b1 ^ (c1 & (a1 ^ b1))) + x2 + -51403784) | 0;
  d1 = ((d1 << 9) | (d1 >>> 23)) + a1 | 0;
  d2 = (d2 + (b2 ^ (c2 & (a2 ^ b2))) + y2 + -51403784) | 0;
  d2 = ((d2 << 9) | (d2 >>> 23)) + a2 | 0;
  c1 = (c1 + (a1 ^ (b1 & (d1 ^ a1))) + x7 + 1735328473) | 0;
  c1 = ((c1 << 14) | (c1 >>> 18)) + d1 | 0;
  c2 = (c2 + (a2 ^ (b2 & (d2 ^ a2))) + y7 + 1735328473) | 0;
  c2 = ((c2 << 14) | (c2 >>> 18)) + d2 | 0;
  b1 = (b1 + (d1 ^ (a1 & (c1 ^ d1))) + x12 + -1926607734) | 0;
  b1 = ((b1 << 20) | (b1 >>> 12)) + c1 | 0;
  b2 = (b2 + (d2 ^ (a2 & (c2 ^ d2))) + y12 + -1926607734) | 0;
  b2 = ((b2 << 20) | (b2 >>> 12)) + c2 | 0;
  a1 = (a1 + (b1 ^ c1 ^ d1) + x5 + -378558) | 0;
  a1 = ((a1 << 4) | (a1 >>> 28)) + b1 | 0;
  a2 = (a2 + (b2 ^ c2 ^ d2) + y5 + -378558) | 0;
  a2 = ((a2 << 4) | (a2 >>> 28)) + b2 | 0;
  d1 = (d1 + (a1 ^ b1 ^ c1) + x8 + -2022574463) | 0;
  d1 = ((d1 << 11) | (d1 >>> 21)) + a1 | 0;
  d2 = (d2 + (a2 ^ b2 ^ c2) + y8 + -2022574463) | 0;
  d2 = ((d2 << 11) | (d2 >>> 21)) + a2 | 0;
  c1 = (c1 + (d1 ^ a1 ^ b1) + x11 + 1839030562) | 0;
  c1 = ((c1 << 16) | (c1 >>> 16)) + d1 | 0;
  c2 = (c2 + (d2 ^ a2 ^ b2) + y11 + 1839030562) | 0;
  c2 = ((c2 << 16) | (c2 >>> 16)) + d2 | 0;
  b1 = (b1 + (c1 ^ d1 ^ a1) + x14 + -35309556) | 0;
  b1 = ((b1 << 23) | (b1 >>> 9)) + c1 | 0;
  b2 = (b2 + (c2 ^ d2 ^ a2) + y14 + -35309556) | 0;
  b2 = ((b2 << 23) | (b2 >>> 9)) + c2 | 0;
  a1 = (a1 + (b1 ^ c1 ^ d1) + x1 + -1530992060) | 0;
  a1 = ((a1 << 4) | (a1 >>> 28)) + b1 | 0;
  a2 = (a2 + (b2 ^ c2 ^ d2) + y1 + -1530992060) | 0;
  a2 = ((a2 << 4) | (a2 >>> 28)) + b2 | 0;
  d1 = (d1 + (a1 ^ b1 ^ c1) + x4 + 1272893353) | 0;
  d1 = ((d1 << 11) | (d1 >>> 21)) + a1 | 0;
  d2 = (d2 + (a2 ^ b2 ^ c2) + y4 + 1272893353) | 0;
  d2 = ((d2 << 11) | (d2 >>> 21)) + a2 | 0;
  c1 = (c1 + (d1 ^ a1 ^ b1) + x7 + -155497632) | 0;
  c1 = ((c1 << 16) | (c1 >>> 16)) + d1 | 0;
  c2 = (c2 + (d2 ^ a2 ^ b2) + y7 + -155497632) | 0;
  c2 = ((c2 << 16) | (c2 >>> 16)) + d2 | 0;
  b1 = (b1 + (c1 ^ d1 ^ a1) + x10 + -1094730640) | 0;
  b1 = ((b1 << 23) | (b1 >>> 9)) + c1 | 0;
  b2 = (b2 + (c2 ^ d2 ^ a2) + y10 + -1094730640) | 0;
  b2 = ((b2 << 23) | (b2 >>> 9)) + c2 | 0;
  a1 = (a1 + (b1 ^ c1 ^ d1) + x13 + 681279174) | 0;
  a1 = ((a1 << 4) | (a1 >>> 28)) + b1 | 0;
  a2 = (a2 + (b2 ^ c2 ^ d2) + y13 + 681279174) | 0;
  a2 = ((a2 << 4) | (a2 >>> 28)) + b2 | 0;
  d1 = (d1 + (a1 ^ b1 ^ c1) + x0 + -358537222) | 0;
  d1 = ((d1 << 11) | (d1 >>> 21)) + a1 | 0;
  d2 = (d2 + (a2 ^ b2 ^ c2) + y0 + -358537222) | 0;
  d2 = ((d2 << 11) | (d2 >>> 21)) + a2 | 0;
  c1 = (c1 + (d1 ^ a1 ^ b1) + x3 + -722521979) | 0;
  c1 = ((c1 << 16) | (c1 >>> 16)) + d1 | 0;
  c2 = (c2 + (d2 ^ a2 ^ b2) + y3 + -722521979) | 0;
  c2 = ((c2 << 16) | (c2 >>> 16)) + d2 | 0;
  b1 = (b1 + (c1 ^ d1 ^ a1) + x6 + 76029189) | 0;
  b1 = ((b1 << 23) | (b1 >>> 9)) + c1 | 0;
  b2 = (b2 + (c2 ^ d2 ^ a2) + y6 + 76029189) | 0;
  b2 = ((b2 << 23) | (b2 >>> 9)) + c2 | 0;
  a1 = (a1 + (b1 ^ c1 ^ d1) + x9 + -640364487) | 0;
  a1 = ((a1 << 4) | (a1 >>> 28)) + b1 | 0;
  a2 = (a2 + (b2 ^ c2 ^ d2) + y9 + -640364487) | 0;
  a2 = ((a2 << 4) | (a2 >>> 28)) + b2 | 0;
  d1 = (d1 + (a1 ^ b1 ^ c1) + x12 + -421815835) | 0;
  d1 = ((d1 << 11) | (d1 >>> 21)) + a1 | 0;
  d2 = (d2 + (a2 ^ b2 ^ c2) + y12 + -421815835) | 0;
  d2 = ((d2 << 11) | (d2 >>> 21)) + a2 | 0;
  c1 = (c1 + (d1 ^ a1 ^ b1) + x15 + 530742520) | 0;
  c1 = ((c1 << 16) | (c1 >>> 16)) + d1 | 0;
  c2 = (c2 + (d2 ^ a2 ^ b2) + y15 + 530742520) | 0;
  c2 = ((c2 << 16) | (c2 >>> 16)) + d2 | 0;
  b1 = (b1 + (c1 ^ d1 ^ a1) + x2 + -995338651) | 0;
  b1 = ((b1 << 23) | (b1 >>> 9)) + c1 | 0;
  b2 = (b2 + (c2 ^ d2 ^ a2) + y2 + -995338651) | 0;
  b2 = ((b2 << 23) | (b2 >>> 9)) + c2 | 0;
  a1 = (a1 + (c1 ^ (b1 | ~d1)) + x0 + -198630844) | 0;
  a1 = ((a1 << 6) | (a1 >>> 26)) + b1 | 0;
  a2 = (a2 + (c2 ^ (b2 | ~d2)) + y0 + -198630844) | 0;
  a2 = ((a2 << 6) | (a2 >>> 26)) + b2 | 0;
  d1 = (d1 + (b1 ^ (a1 | ~c1)) + x7 + 1126891415) | 0;
  d1 = ((d1 << 10) | (d1 >>> 22)) + a1 | 0;
  d2 = (d2 + (b2 ^ (a2 | ~c2)) + y7 + 1126891415) | 0;
  d2 = ((d2 << 10) | (d2 >>> 22)) + a2 | 0;
  c1 = (c1 + (a1 ^ (d1 | ~b1)) + x14 + -1416354905) | 0;
  c1 = ((c1 << 15) | (c1 >>> 17)) + d1 | 0;
  c2 = (c2 + (a2 ^ (d2 | ~b2)) + y14 + -1416354905) | 0;
  c2 = ((c2 << 15) | (c2 >>> 17)) + d2 | 0;
  b1 = (b1 + (d1 ^ (c1 | ~a1)) + x5 + -57434055) | 0;
  b1 = ((b1 << 21) | (b1 >>> 11)) + c1 | 0;
  b2 = (b2 + (d2 ^ (c2 | ~a2)) + y5 + -57434055) | 0;
  b2 = ((b2 << 21) | (b2 >>> 11)) + c2 | 0;
  a1 = (a1 + (c1 ^ (b1 | ~d1)) + x12 + 1700485571) | 0;
  a1 = ((a1 << 6) | (a1 >>> 26)) + b1 | 0;
  a2 = (a2 + (c2 ^ (b2 | ~d2)) + y12 + 1700485571) | 0;
  a2 = ((a2 << 6) | (a2 >>> 26)) + b2 | 0;
  d1 = (d1 + (b1 ^ (a1 | ~c1)) + x3 + -1894986606) | 0;
  d1 = ((d1 << 10) | (d1 >>> 22)) + a1 | 0;
  d2 = (d2 + (b2 ^ (a2 | ~c2)) + y3 + -1894986606) | 0;
  d2 = ((d2 << 10) | (d2 >>> 22)) + a2 | 0;
  c1 = (c1 + (a1 ^ (d1 | ~b1)) + x10 + -1051523) | 0;
  c1 = ((c1 << 15) | (c1 >>> 17)) + d1 | 0;
  c2 = (c2 + (a2 ^ (d2 | ~b2)) + y10 + -1051523) | 0;
  c2 = ((c2 << 15) | (c2 >>> 17)) + d2 | 0;
  b1 = (b1 + (d1 ^ (c1 | ~a1)) + x1 + -2054922799) | 0;
  b1 = ((b1 << 21) | (b1 >>> 11)) + c1 | 0;
  b2 = (b2 + (d2 ^ (c2 | ~a2)) + y1 + -2054922799) | 0;
  b2 = ((b2 << 21) | (b2 >>> 11)) + c2 | 0;
  a1 = (a1 + (c1 ^ (b1 | ~d1)) + x8 + 1873313359) | 0;
  a1 = ((a1 << 6) | (a1 >>> 26)) + b1 | 0;
  a2 = (a2 + (c2 ^ (b2 | ~d2)) + y8 + 1873313359) | 0;
  a2 = ((a2 << 6) | (a2 >>> 26)) + b2 | 0;
  d1 = (d1 + (b1 ^ (a1 | ~c1)) + x15 + -30611744) | 0;
  d1 = ((d1 << 10) | (d1 >>> 22)) + a1 | 0;
  d2 = (d2 + (b2 ^ (a2 | ~c2)) + y15 + -30611744) | 0;
  d2 = ((d2 << 10) | (d2 >>> 22)) + a2 | 0;
  c1 = (c1 + (a1 ^ (d1 | ~b1)) + x6 + -1560198380) | 0;
  c1 = ((c1 << 15) | (c1 >>> 17)) + d1 | 0;
  c2 = (c2 + (a2 ^ (d2 | ~b2)) + y6 + -1560198380) | 0;
  c2 = ((c2 << 15) | (c2 >>> 17)) + d2 | 0;
  b1 = (b1 + (d1 ^ (c1 | ~a1)) + x13 + 1309151649) | 0;
  b1 = ((b1 << 21) | (b1 >>> 11)) + c1 | 0;
  b2 = (b2 + (d2 ^ (c2 | ~a2)) + y13 + 1309151649) | 0;
  b2 = ((b2 << 21) | (b2 >>> 11)) + c2 | 0;
  a1 = (a1 + (c1 ^ (b1 | ~d1)) + x4 + -145523070) | 0;
  a1 = ((a1 << 6) | (a1 >>> 26)) + b1 | 0;
  a2 = (a2 + (c2 ^ (b2 | ~d2)) + y4 + -145523070) | 0;
  a2 = ((a2 << 6) | (a2 >>> 26)) + b2 | 0;
  d1 = (d1 + (b1 ^ (a1 | ~c1)) + x11 + -1120210379) | 0;
  d1 = ((d1 << 10) | (d1 >>> 22)) + a1 | 0;
  d2 = (d2 + (b2 ^ (a2 | ~c2)) + y11 + -1120210379) | 0;
  d2 = ((d2 << 10) | (d2 >>> 22)) + a2 | 0;
  c1 = (c1 + (a1 ^ (d1 | ~b1)) + x2 + 718787259) | 0;
  c1 = ((c1 << 15) | (c1 >>> 17)) + d1 | 0;
  c2 = (c2 + (a2 ^ (d2 | ~b2)) + y2 + 718787259) | 0;
  c2 = ((c2 << 15) | (c2 >>> 17)) + d2 | 0;
  b1 = (b1 + (d1 ^ (c1 | ~a1)) + x9 + -343485551) | 0;
  b1 = ((b1 << 21) | (b1 >>> 11)) + c1 | 0;
  b2 = (b2 + (d2 ^ (c2 | ~a2)) + y9 + -343485551) | 0;
  b2 = ((b2 << 21) | (b2 >>> 11)) + c2 | 0;
  DIGEST[0] = (a1 + 0x67452301) | 0;
  DIGEST[1] = (b1 + (0xefcdab89 | 0)) | 0;
  DIGEST[2] = (a2 + 0x67452301) | 0;
  DIGEST[3] = (b2 + (0xefcdab89 | 0)) | 0;
}
