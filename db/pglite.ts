/**
 * Embedded PostgreSQL (PGlite), the zero-configuration default.
 *
 * PGlite runs one backend inside this process. Bulk loads use its in-process
 * `COPY ... FROM '/dev/blob'` (its socket server crashes on COPY FROM STDIN),
 * and streams read a real cursor batch by batch inside a transaction.
 *
 * Memory: an instance is a whole PostgreSQL in one WebAssembly memory (at
 * least 128 MB reserved, only the touched pages resident) that never shrinks.
 * PostgreSQL allocates and zeroes shared_buffers at start: initdb's 128 MB
 * made each instance ~160 MB resident before any query, so we ask for 16 MB
 * (~30 MB resident). Creating a database runs initdb in a second, throwaway
 * instance that copies its whole 128 MB heap and holds the new data directory
 * twice in JS (~350-450 MB that V8 only frees at its next full GC); starting
 * from an image of a new database (TEMPLATE_FILE, when present) skips initdb.
 */
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { CopyFormat, Db, Row, Session, SessionSettings, Tx } from "./types.ts";
import { type DirLock, lockDataDir } from "./dir_lock.ts";
import { ChunkMerger } from "./chunks.ts";
import { PINNED_SETTINGS, setStatements, STREAM_SETTINGS } from "./settings.ts";

const FETCH_ROWS = 2000;
/** PostgreSQL settings for every instance (see "Memory" above). */
const PG_SETTINGS = ["shared_buffers=16MB"];
const PG_OPTIONS = {
  startParams: [...PGlite.defaultStartParams, ...PG_SETTINGS.flatMap((s) => ["-c", s])],
  // initdb's bootstrap backend uses them too, and writes them into postgresql.conf.
  initDbStartParams: PG_SETTINGS.flatMap((s) => ["-c", s]),
};
/**
 * An image of a new, empty database (`PgliteDb.template("gzip")` of this
 * PGlite version). When present, a new data directory is unpacked from it
 * instead of running initdb; when absent, or when it does not start (made by
 * another PGlite version), initdb runs as before.
 */
const TEMPLATE_FILE = new URL("./pglite_template.tar.gz", import.meta.url);
/** As the postgres adapter's connection parameters (db/settings.ts). */
const SESSION = setStatements(PINNED_SETTINGS);

/** The SET statements of the session settings (validated numbers only). */
function settingsSql(s: SessionSettings = {}): string {
  const out = [SESSION];
  const set = (name: string, ms: number | undefined) => {
    if (ms === undefined) return;
    if (!Number.isInteger(ms) || ms < 0) throw new Error(`${name} must be a whole number of ms`);
    out.push(`SET ${name} = ${ms}`);
  };
  set("lock_timeout", s.lockTimeoutMs);
  set("statement_timeout", s.statementTimeoutMs);
  set("idle_in_transaction_session_timeout", s.idleInTransactionTimeoutMs);
  return out.join("; ");
}
const encoder = new TextEncoder();

type PgQueryable = Pick<Transaction, "query" | "exec">;

function queryable(pg: PgQueryable) {
  return {
    query: async <T extends object>(sql: string, params: readonly unknown[] = []) =>
      (await pg.query<T>(sql, params as unknown[])).rows,
    exec: async (sql: string) => {
      await pg.exec(sql);
    },
  };
}

export class PgliteDb implements Db {
  readonly kind = "pglite" as const;
  readonly label: string;
  readonly #pg: PGlite;
  readonly #lock: DirLock;
  #cursors = 0;
  #sessions: Promise<void> = Promise.resolve();

  private constructor(pg: PGlite, lock: DirLock, dir: string) {
    this.#pg = pg;
    this.#lock = lock;
    this.label = `embedded ${dir}`;
  }

  /** Opens (creating if needed) the database in `dir`; `what` names it in errors. */
  static async open(dir: string, what: string, settings?: SessionSettings): Promise<PgliteDb> {
    const parent = dir.replace(/\/[^/]*\/?$/, "") || ".";
    await Deno.mkdir(parent, { recursive: true });
    const lock = lockDataDir(dir, what);
    try {
      const pg = await createInDir(dir);
      await pg.exec(settingsSql(settings));
      return new PgliteDb(pg, lock, dir);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** An in-memory database (tests), optionally started from a `template()` image. */
  static async memory(template?: Blob, settings?: SessionSettings): Promise<PgliteDb> {
    const pg = await PGlite.create(
      template ? { ...PG_OPTIONS, loadDataDir: template } : PG_OPTIONS,
    );
    if (!template) await collectGarbage();
    await pg.exec(settingsSql(settings));
    return new PgliteDb(pg, { release() {} }, "(in memory)");
  }

  /**
   * An image of a new empty database: starting from it skips initdb (~2 s to
   * ~0.5 s, and initdb's memory). "gzip" makes the TEMPLATE_FILE (4-5 MB):
   * `deno eval 'import { PgliteDb } from "./db/pglite.ts";
   *  await Deno.writeFile("db/pglite_template.tar.gz",
   *    new Uint8Array(await (await PgliteDb.template("gzip")).arrayBuffer()))'`
   */
  static async template(compression: "none" | "gzip" = "none"): Promise<Blob> {
    const pg = await PGlite.create(PG_OPTIONS);
    try {
      // Everything on disk, so that a database started from the image has nothing to recover.
      await pg.exec("CHECKPOINT");
      return await pg.dumpDataDir(compression);
    } finally {
      await pg.close();
      await collectGarbage();
    }
  }

  query<T extends object = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return queryable(this.#pg).query<T>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return queryable(this.#pg).exec(sql);
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.#pg.transaction((t) =>
      fn({ ...queryable(t), copyFrom: (copySql, body) => copyFromBlob(t, copySql, body) })
    );
  }

  async session<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    // One backend for everything: sessions take turns; others' plain queries may interleave.
    const turn = this.#sessions;
    const { promise: done, resolve: release } = Promise.withResolvers<void>();
    this.#sessions = turn.then(() => done);
    await turn;
    try {
      const result = await fn({
        ...queryable(this.#pg),
        copyFrom: (copySql, body) => copyFromBlob(this.#pg, copySql, body),
        transaction: (f) => this.transaction(f),
        // One in-process backend: a statement cannot be interrupted; callers check their signal.
        cancel: () => Promise.resolve(),
      });
      return result;
    } finally {
      try {
        // As on PostgreSQL: the session's TEMP tables end with it.
        await this.#pg.exec("DISCARD TEMP");
      } finally {
        release();
      }
    }
  }

  async *copyOut(select: string, format: CopyFormat): AsyncIterable<Uint8Array> {
    const cursor = `windbin_out_${++this.#cursors}`;
    const channel = new BatchChannel();
    // Binary: each row's record_send() (the server's own send functions, as
    // binary COPY uses), reshaped into a COPY tuple below.
    const query = format === "binary" ? `SELECT record_send(r) FROM (${select}) r` : select;
    // The transaction (and with it PGlite's only connection) is held while the
    // consumer reads; each FETCH waits for the consumer to ask for more.
    const done = this.#pg.transaction(async (t) => {
      // As on PostgreSQL's stream connections: index order rather than a sort.
      await t.exec(setStatements(STREAM_SETTINGS, true));
      await t.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${query}`);
      while (await channel.wanted()) {
        const res = await t.query<unknown[]>(`FETCH ${FETCH_ROWS} FROM ${cursor}`, [], {
          rowMode: "array",
          // The server's own text, as COPY writes it (JS numbers would print -0
          // as 0 and 1e+20 as 100000000000000000000); record_send's bytea parsed.
          parsers: format === "binary" ? undefined : serverText(this.#pg),
        });
        channel.put({ fields: res.fields.map((f) => f.name), rows: res.rows });
        if (res.rows.length === 0) break;
      }
      await t.query(`CLOSE ${cursor}`);
    });
    done.catch((e) => channel.fail(e));
    const merger = new ChunkMerger();
    let header = format === "csv";
    try {
      if (format === "binary") merger.push(BINARY_HEADER);
      while (true) {
        const batch = await channel.next();
        if (header) {
          merger.push(encoder.encode(batch.fields.map(csvField).join(",") + "\n"));
          header = false;
        }
        if (batch.rows.length === 0) break;
        const bytes = format === "binary" ? binaryTuples(batch.rows) : encoder.encode(
          format === "csv"
            ? batch.rows.map((r) => r.map(csvField).join(",")).join("\n") + "\n"
            : batch.rows.map((r) => copyText(r[0])).join("\n") + "\n",
        );
        const out = merger.push(bytes);
        if (out) yield out;
      }
      if (format === "binary") {
        const out = merger.push(BINARY_TRAILER);
        if (out) yield out;
      }
      const rest = merger.flush();
      if (rest) yield rest;
    } finally {
      channel.stop();
      await done.catch(() => {});
    }
    await done;
  }

  async close(): Promise<void> {
    try {
      await this.#pg.close();
    } finally {
      this.#lock.release();
    }
    await collectGarbage();
  }
}

/** Opens the database in `dir`, making it first when the directory is missing or empty. */
async function createInDir(dir: string): Promise<PGlite> {
  if (await isEmptyDir(dir)) {
    try {
      if (await unpackTemplate(dir)) return await PGlite.create({ dataDir: dir, ...PG_OPTIONS });
    } catch {
      // A template this PGlite cannot start (or unpack): make the database the slow way.
      for (const path of [dir, `${dir}.unpacking`]) {
        await Deno.remove(path, { recursive: true }).catch(() => {});
      }
    }
  }
  const isNew = !(await exists(`${dir}/PG_VERSION`));
  const pg = await PGlite.create({ dataDir: dir, ...PG_OPTIONS });
  if (isNew) await collectGarbage(); // initdb's instance
  return pg;
}

/**
 * Unpacks TEMPLATE_FILE as the (empty or missing) `dir`, streaming, into a
 * sibling that is renamed into place, so that a process killed half-way
 * leaves no half database. False when there is no template file.
 * (PGlite's own `loadDataDir` holds the image three times in JS: ~85 MB more.)
 */
async function unpackTemplate(dir: string): Promise<boolean> {
  let image: Deno.FsFile;
  try {
    image = await Deno.open(TEMPLATE_FILE);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotCapable) return false;
    throw e;
  }
  const partial = `${dir}.unpacking`;
  await Deno.remove(partial, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  await Deno.mkdir(partial);
  await untar(image.readable.pipeThrough(new DecompressionStream("gzip")), partial);
  await Deno.remove(dir).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  await Deno.rename(partial, dir);
  return true;
}

/** Extracts a tar stream of directories and regular files (what `dumpDataDir` writes) into `dir`. */
async function untar(tar: ReadableStream<Uint8Array>, dir: string): Promise<void> {
  const reader = tar.getReader();
  let buf: Uint8Array = new Uint8Array(0);
  /** Reads on until `buf` holds at least `n` bytes. */
  const fill = async (n: number) => {
    while (buf.length < n) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the database template ${TEMPLATE_FILE.pathname} is cut short`);
      if (buf.length === 0) buf = value;
      else {
        const joined = new Uint8Array(buf.length + value.length);
        joined.set(buf);
        joined.set(value, buf.length);
        buf = joined;
      }
    }
  };
  const take = (n: number) => {
    const out = buf.subarray(0, n);
    buf = buf.subarray(n);
    return out;
  };
  const text = (b: Uint8Array) => {
    const end = b.indexOf(0);
    return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
  };
  try {
    while (true) {
      await fill(512);
      const header = take(512);
      if (header.every((b) => b === 0)) break;
      const prefix = text(header.subarray(345, 500));
      const name = (prefix ? `${prefix}/` : "") + text(header.subarray(0, 100));
      const size = parseInt(text(header.subarray(124, 136)).trim() || "0", 8);
      const type = String.fromCharCode(header[156]);
      const parts = name.split("/").filter((p) => p && p !== ".");
      if (parts.includes("..") || !Number.isSafeInteger(size)) {
        throw new Error(`the database template holds an unexpected entry "${name}"`);
      }
      const path = [dir, ...parts].join("/");
      if (type === "5") {
        await Deno.mkdir(path, { recursive: true });
      } else if (type === "0" || type === "\0") {
        await Deno.mkdir(path.replace(/\/[^/]*$/, ""), { recursive: true });
        const out = await Deno.open(path, { write: true, createNew: true });
        try {
          for (let left = size; left > 0;) {
            await fill(1);
            const piece = take(Math.min(left, buf.length));
            for (let at = 0; at < piece.length;) at += await out.write(piece.subarray(at));
            left -= piece.length;
          }
        } finally {
          out.close();
        }
      } else {
        throw new Error(`the database template holds an entry of type "${type}" ("${name}")`);
      }
      const padding = (512 - size % 512) % 512;
      if (padding) {
        await fill(padding);
        take(padding);
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return false;
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return true;
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Frees what a closed instance (or initdb's) held now rather than at V8's
 * next full GC, which can be minutes away in an idle process: the WebAssembly
 * memories and copies are outside V8's heap, so they do not hasten it. Only
 * when `gc` is exposed (`--v8-flags=--expose-gc`, as `deno task start` does);
 * after a turn of the event loop, when the finished work is unreachable.
 */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
}

/** COPY FROM STDIN as PGlite's in-process `COPY ... FROM '/dev/blob'` (the body is gathered first). */
async function copyFromBlob(
  pg: Pick<Transaction, "query">,
  copySql: string,
  body: AsyncIterable<Uint8Array>,
): Promise<void> {
  const sql = copySql.replace(/\bFROM\s+STDIN\b/i, "FROM '/dev/blob'");
  if (sql === copySql) throw new Error(`copyFrom needs a COPY ... FROM STDIN statement`);
  const parts: Uint8Array[] = [];
  for await (const chunk of body) parts.push(chunk);
  await pg.query(sql, [], { blob: new Blob(parts as BlobPart[]) });
}

/** Binary COPY: the signature "PGCOPY\n\xff\r\n\0", flags 0 (no OIDs), header extension length 0. */
// deno-fmt-ignore
const BINARY_HEADER = new Uint8Array([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);
const BINARY_TRAILER = new Uint8Array([0xff, 0xff]);

/**
 * record_send() rows into binary COPY tuples. record_send writes an int32
 * column count, then per column its type OID, an int32 length (-1 for NULL)
 * and the bytes; a COPY tuple is an int16 count, then length and bytes.
 */
function binaryTuples(rows: unknown[][]): Uint8Array {
  let size = 0;
  for (const r of rows) {
    const rec = r[0] as Uint8Array;
    size += rec.length - 2 - 4 * readInt32(rec, 0);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const r of rows) {
    const rec = r[0] as Uint8Array;
    const fields = readInt32(rec, 0);
    out[o++] = fields >> 8;
    out[o++] = fields;
    let i = 4;
    for (let f = 0; f < fields; f++) {
      i += 4; // the type OID
      const len = readInt32(rec, i);
      const end = i + 4 + (len > 0 ? len : 0);
      out.set(rec.subarray(i, end), o);
      o += end - i;
      i = end;
    }
  }
  return out;
}

function readInt32(b: Uint8Array, i: number): number {
  return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
}

/** One value as COPY's text format writes it (as PostgreSQL's "lines"): escapes, NULL as \N. */
function copyText(v: unknown): string {
  if (v === null || v === undefined) return "\\N";
  const s = String(v);
  return COPY_SPECIAL.test(s) ? s.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c]) : s;
}

const COPY_SPECIAL = /[\\\n\r\t\b\v\f]/;
const COPY_SPECIALS = /[\\\n\r\t\b\v\f]/g;
const COPY_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\v": "\\v",
  "\f": "\\f",
};

/** Parsers that keep every value as the server's text: one for each type this PGlite parses. */
function serverText(pg: PGlite): Record<string, (text: string) => string> {
  const parsers = (pg as unknown as { parsers: Record<string, unknown> }).parsers;
  return Object.fromEntries(Object.keys(parsers).map((oid) => [oid, (text: string) => text]));
}

/** As COPY's CSV: NULL is an empty field, an empty string is "". */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return s === "" || /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

interface Batch {
  fields: string[];
  rows: unknown[][];
}

/** Hands cursor batches from the transaction to the reader, one per request. */
class BatchChannel {
  #request = Promise.withResolvers<boolean>();
  #reply: PromiseWithResolvers<Batch> | null = null;
  #error: { e: unknown } | null = null;
  #stopped = false;

  /** Transaction side: resolves true when the reader wants a batch, false once it stopped. */
  wanted(): Promise<boolean> {
    return this.#request.promise;
  }

  put(batch: Batch) {
    this.#request = Promise.withResolvers();
    if (this.#stopped) this.#request.resolve(false);
    const reply = this.#reply;
    this.#reply = null;
    reply?.resolve(batch);
  }

  fail(e: unknown) {
    this.#error = { e };
    const reply = this.#reply;
    this.#reply = null;
    reply?.reject(e);
  }

  /** Reader side: asks for the next batch. */
  next(): Promise<Batch> {
    if (this.#error) return Promise.reject(this.#error.e);
    this.#reply = Promise.withResolvers();
    this.#request.resolve(true);
    return this.#reply.promise;
  }

  stop() {
    this.#stopped = true;
    this.#request.resolve(false);
  }
}
