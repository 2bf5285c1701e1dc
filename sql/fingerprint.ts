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
 * turbine of the rows that follow (default: `default`). No allocation per row.
 */
export class FingerprintHasher {
  readonly variables: readonly string[];
  readonly #names: Uint8Array[];
  #turbine = new Uint8Array(0);
  /** Per variable: [non-NULL layout, NULL layout]. */
  #layouts: [Layout, Layout][] = [];
  #tsAt = 0;
  #valAt: number[] = [];
  readonly #ts = new Uint8Array(8);
  readonly #days = new Map<number, DayAcc>();
  #cur: DayAcc | null = null;
  #curStart = 0;
  #curEnd = 0;

  constructor(variables: readonly string[]) {
    if (variables.length === 0) throw new Error("FingerprintHasher: name at least one variable");
    if (new Set(variables).size !== variables.length) {
      throw new Error("FingerprintHasher: a variable named twice would cancel itself out");
    }
    this.variables = [...variables];
    this.#names = variables.map((v) => encoder.encode(v));
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
  }

  /** Variable `index`'s value: 8 bytes big-endian IEEE-754 (float8send) at buf[offset]. */
  value(index: number, buf: Uint8Array, offset: number): void {
    const l = this.#layouts[index][0];
    const m = l.bytes;
    const ts = this.#ts;
    const t = this.#tsAt;
    for (let i = 0; i < 8; i++) m[t + i] = ts[i];
    const v = this.#valAt[index];
    for (let i = 0; i < 8; i++) m[v + i] = buf[offset + i];
    md5(l.words, l.blocks);
    const cur = this.#cur!;
    cur.a ^= ha;
    cur.b ^= hb;
  }

  /** Variable `index` is NULL in this reading. */
  nullValue(index: number): void {
    const l = this.#layouts[index][1];
    const m = l.bytes;
    const ts = this.#ts;
    const t = this.#tsAt;
    for (let i = 0; i < 8; i++) m[t + i] = ts[i];
    md5(l.words, l.blocks);
    const cur = this.#cur!;
    cur.a ^= ha;
    cur.b ^= hb;
  }

  /** The days seen so far, in day order. */
  days(): DayFingerprint[] {
    return [...this.#days.values()]
      .filter((d) => d.readings > 0)
      .sort((x, y) => x.day - y.day)
      .map((d) => ({
        day: new Date(MS_2000 + d.day * 86_400_000).toISOString().slice(0, 10),
        readings: d.readings,
        checksum: hex32(bswap(d.a)) + hex32(bswap(d.b)),
      }));
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

// MD5 (RFC 1321) over whole padded blocks; the state after the last block is
// left in ha..hd (only ha and hb, the first 8 digest bytes, are used).
let ha = 0, hb = 0, hc = 0, hd = 0;

function md5(w: Int32Array, blocks: number): void {
  ha = 0x67452301;
  hb = 0xefcdab89 | 0;
  hc = 0x98badcfe | 0;
  hd = 0x10325476;
  for (let k = 0; k < blocks; k++) compress(w, k << 4);
}

function compress(w: Int32Array, o: number): void {
  const x0 = w[o], x1 = w[o + 1], x2 = w[o + 2], x3 = w[o + 3];
  const x4 = w[o + 4], x5 = w[o + 5], x6 = w[o + 6], x7 = w[o + 7];
  const x8 = w[o + 8], x9 = w[o + 9], x10 = w[o + 10], x11 = w[o + 11];
  const x12 = w[o + 12], x13 = w[o + 13], x14 = w[o + 14], x15 = w[o + 15];
  let a = ha, b = hb, c = hc, d = hd;
  a = (a + ((b & c) | (~b & d)) + x0 + -680876936) | 0;
  a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (d + ((a & b) | (~a & c)) + x1 + -389564586) | 0;
  d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (c + ((d & a) | (~d & b)) + x2 + 606105819) | 0;
  c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (b + ((c & d) | (~c & a)) + x3 + -1044525330) | 0;
  b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (a + ((b & c) | (~b & d)) + x4 + -176418897) | 0;
  a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (d + ((a & b) | (~a & c)) + x5 + 1200080426) | 0;
  d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (c + ((d & a) | (~d & b)) + x6 + -1473231341) | 0;
  c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (b + ((c & d) | (~c & a)) + x7 + -45705983) | 0;
  b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (a + ((b & c) | (~b & d)) + x8 + 1770035416) | 0;
  a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (d + ((a & b) | (~a & c)) + x9 + -1958414417) | 0;
  d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (c + ((d & a) | (~d & b)) + x10 + -42063) | 0;
  c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (b + ((c & d) | (~c & a)) + x11 + -1990404162) | 0;
  b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (a + ((b & c) | (~b & d)) + x12 + 1804603682) | 0;
  a = ((a << 7) | (a >>> 25)) + b | 0;
  d = (d + ((a & b) | (~a & c)) + x13 + -40341101) | 0;
  d = ((d << 12) | (d >>> 20)) + a | 0;
  c = (c + ((d & a) | (~d & b)) + x14 + -1502002290) | 0;
  c = ((c << 17) | (c >>> 15)) + d | 0;
  b = (b + ((c & d) | (~c & a)) + x15 + 1236535329) | 0;
  b = ((b << 22) | (b >>> 10)) + c | 0;
  a = (a + ((b & d) | (c & ~d)) + x1 + -165796510) | 0;
  a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (d + ((a & c) | (b & ~c)) + x6 + -1069501632) | 0;
  d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (c + ((d & b) | (a & ~b)) + x11 + 643717713) | 0;
  c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (b + ((c & a) | (d & ~a)) + x0 + -373897302) | 0;
  b = ((b << 20) | (b >>> 12)) + c | 0;
  a = (a + ((b & d) | (c & ~d)) + x5 + -701558691) | 0;
  a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (d + ((a & c) | (b & ~c)) + x10 + 38016083) | 0;
  d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (c + ((d & b) | (a & ~b)) + x15 + -660478335) | 0;
  c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (b + ((c & a) | (d & ~a)) + x4 + -405537848) | 0;
  b = ((b << 20) | (b >>> 12)) + c | 0;
  a = (a + ((b & d) | (c & ~d)) + x9 + 568446438) | 0;
  a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (d + ((a & c) | (b & ~c)) + x14 + -1019803690) | 0;
  d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (c + ((d & b) | (a & ~b)) + x3 + -187363961) | 0;
  c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (b + ((c & a) | (d & ~a)) + x8 + 1163531501) | 0;
  b = ((b << 20) | (b >>> 12)) + c | 0;
  a = (a + ((b & d) | (c & ~d)) + x13 + -1444681467) | 0;
  a = ((a << 5) | (a >>> 27)) + b | 0;
  d = (d + ((a & c) | (b & ~c)) + x2 + -51403784) | 0;
  d = ((d << 9) | (d >>> 23)) + a | 0;
  c = (c + ((d & b) | (a & ~b)) + x7 + 1735328473) | 0;
  c = ((c << 14) | (c >>> 18)) + d | 0;
  b = (b + ((c & a) | (d & ~a)) + x12 + -1926607734) | 0;
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
