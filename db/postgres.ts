/**
 * Real PostgreSQL through postgres.js.
 *
 * Two things postgres.js 3.4.9 gets wrong under Deno are handled here:
 * - It never sets TCP_NODELAY, so the statement after a COPY or inside a
 *   transaction stalls ~40 ms on Nagle's algorithm: we create the sockets.
 * - Its `COPY ... TO STDOUT` stream makes one Buffer per row (heap growth on
 *   long streams), and when the last rows and CopyDone arrive while it is
 *   paused by backpressure it leaves the socket paused for good: the next
 *   query on that connection never returns. Streams therefore run on clients
 *   of one connection each, whose socket carries a tap (copy_tap.ts) that
 *   reads the rows itself and does the flow control.
 * - An error that arrives after CopyDone of a `COPY ... FROM STDIN` is dropped:
 *   see copyCompletion below.
 */
import type net from "node:net";
import { Buffer } from "node:buffer";
import type { Readable } from "node:stream";
import postgres from "postgres";
import type { CopyFormat, Db, Row, Session, Tx } from "./types.ts";
import { ChunkMerger } from "./chunks.ts";
import { describeUrl } from "./url.ts";
import { CopyTap } from "./copy_tap.ts";
import { socketFactory, type Tls, tlsFromUrl } from "./socket.ts";

type Sql = postgres.Sql;
type TxSql = postgres.TransactionSql;

export interface PostgresOptions {
  /** Connections for ordinary queries. */
  max?: number;
  /** Clients kept for streaming COPY TO (each one connection). */
  maxStreams?: number;
  /**
   * Stream COPY TO through postgres.js' own Readable, without our fixes (only to
   * reproduce its lost-resume hang in a test).
   */
  unsafeNoCopyResume?: boolean;
  /** Session settings of ordinary connections (0 or absent: the server's default). */
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
}

function connect(
  url: string,
  tlsOpts: Tls,
  max: number,
  onSocket?: (s: net.Socket) => void,
  settings: Record<string, string> = {},
): Sql {
  const options = {
    max,
    // TLS is negotiated by our socket factory (socket.ts), never by postgres.js.
    ssl: false,
    onnotice: () => {},
    // UTC and ISO dates: SQL that prints timestamps (the API) relies on both.
    connection: {
      application_name: "windbin",
      TimeZone: "UTC",
      DateStyle: "ISO, YMD",
      ...settings,
    },
    // Not in postgres.js' typings, but supported: it lets us set TCP_NODELAY.
    socket: socketFactory(tlsOpts, onSocket),
  };
  return postgres(url, options as postgres.Options<Record<string, never>>);
}

/** One-connection client used for one COPY TO at a time, with a tap on its socket. */
class StreamClient {
  socket: net.Socket | null = null;
  /** The server process of the current connection (to cancel a COPY it is running). */
  pid: number | null = null;
  readonly tap = new CopyTap();
  readonly sql: Sql;
  constructor(url: string, tlsOpts: Tls) {
    // A cancel request opens a short-lived socket too; keep the live connection's one.
    this.sql = connect(url, tlsOpts, 1, (s) => {
      if (!this.socket || this.socket.destroyed) {
        this.socket = s;
        this.pid = null;
        this.tap.attach(s);
      }
    });
  }

  async backendPid(): Promise<number> {
    if (this.pid === null) {
      const [row] = await this.sql.unsafe("SELECT pg_backend_pid() AS pid");
      this.pid = row.pid as number;
    }
    return this.pid;
  }
}

function wrapTx(tx: TxSql): Tx {
  return {
    query: <T extends object>(sql: string, params: readonly unknown[] = []) =>
      tx.unsafe(sql, params as postgres.ParameterOrJSON<never>[]) as unknown as Promise<T[]>,
    exec: async (sql: string) => {
      await tx.unsafe(sql).simple();
    },
    copyFrom: async (copySql, body) => {
      const query = tx.unsafe(copySql);
      const completed = copyCompletion(query as unknown as CopyQuery);
      const writable = await query.writable();
      // The server can reject the data mid-stream: remember the first error, stop writing.
      let failure: unknown = null;
      completed.catch((e) => failure ??= e);
      writable.on("error", (e) => failure ??= e);
      const drained = () =>
        new Promise<void>((resolve) => {
          const done = () => {
            writable.off("drain", done);
            writable.off("close", done);
            resolve();
          };
          writable.once("drain", done);
          writable.once("close", done);
          completed.then(done, done);
        });
      try {
        for await (const chunk of body) {
          if (failure || writable.destroyed) break;
          if (!writable.write(chunk)) await drained();
        }
      } catch (e) {
        // The source broke: abort the COPY (CopyFail) so nothing of it is kept.
        writable.destroy(e instanceof Error ? e : new Error(String(e)));
        await completed.catch(() => {});
        throw e;
      }
      if (!failure && !writable.destroyed) writable.end();
      await completed;
      if (failure) throw failure;
    },
  };
}

interface CopyQuery {
  resolve: (x: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Settles when a COPY FROM STDIN query really ends: resolved at ReadyForQuery,
 * rejected with the server's error. postgres.js 3.4.9 resolves the query with
 * the writable first and drops an error that arrives after CopyDone (the
 * writable then never finishes), so we listen on the query's own
 * resolve/reject, which it calls again at the end.
 */
function copyCompletion(query: CopyQuery): Promise<void> {
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  const origResolve = query.resolve;
  const origReject = query.reject;
  let resolves = 0;
  query.resolve = (x) => {
    // First call hands out the writable (CopyInResponse); the second is ReadyForQuery.
    if (++resolves === 2) resolve();
    origResolve(x);
  };
  query.reject = (e) => {
    reject(e);
    origReject(e);
  };
  promise.catch(() => {});
  return promise;
}

export class PostgresDb implements Db {
  readonly kind = "postgres" as const;
  readonly label: string;
  readonly #url: string;
  readonly #tls: Tls;
  readonly #sql: Sql;
  readonly #opts: PostgresOptions;
  readonly #idle: StreamClient[] = [];
  readonly #all = new Set<StreamClient>();
  readonly #waiters: ((c: StreamClient) => void)[] = [];

  constructor(url: string, opts: PostgresOptions = {}) {
    this.#opts = opts;
    this.label = describeUrl(url);
    const { url: plain, tls } = tlsFromUrl(url);
    this.#url = plain;
    this.#tls = tls;
    const settings: Record<string, string> = {};
    if (opts.lockTimeoutMs) settings.lock_timeout = `${opts.lockTimeoutMs}ms`;
    if (opts.statementTimeoutMs) settings.statement_timeout = `${opts.statementTimeoutMs}ms`;
    if (opts.idleInTransactionTimeoutMs) {
      settings.idle_in_transaction_session_timeout = `${opts.idleInTransactionTimeoutMs}ms`;
    }
    this.#sql = connect(plain, tls, opts.max ?? 10, undefined, settings);
  }

  query<T extends object = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.#sql.unsafe(sql, params as postgres.ParameterOrJSON<never>[]) as unknown as Promise<
      T[]
    >;
  }

  async exec(sql: string): Promise<void> {
    await this.#sql.unsafe(sql).simple();
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.#sql.begin((tx) => fn(wrapTx(tx))) as Promise<T>;
  }

  async session<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    const reserved = await this.#sql.reserve();
    try {
      const conn = wrapTx(reserved as unknown as TxSql);
      return await fn({
        ...conn,
        transaction: async <U>(body: (tx: Tx) => Promise<U>): Promise<U> => {
          await conn.exec("BEGIN");
          let out: U;
          try {
            out = await body(conn);
          } catch (e) {
            await conn.exec("ROLLBACK").catch(() => {});
            throw e;
          }
          await conn.exec("COMMIT");
          return out;
        },
      });
    } finally {
      reserved.release();
    }
  }

  async *copyOut(select: string, format: CopyFormat): AsyncIterable<Uint8Array> {
    const opts = format === "csv" ? "(FORMAT csv, HEADER true)" : "(FORMAT text)";
    const copy = `COPY (${select}) TO STDOUT ${opts}`;
    const client = await this.#acquire();
    try {
      if (this.#opts.unsafeNoCopyResume) yield* driverStream(client, copy);
      else yield* tappedStream(client, copy, (pid) => this.#cancel(pid));
    } finally {
      this.#release(client);
    }
  }

  /** Stops whatever server process `pid` runs (one of our stream connections). */
  async #cancel(pid: number): Promise<void> {
    await this.#sql.unsafe("SELECT pg_cancel_backend($1)", [pid]).catch(() => {});
  }

  async close(): Promise<void> {
    await Promise.all([
      this.#sql.end({ timeout: 5 }),
      ...[...this.#all].map(async (c) => {
        // A socket left paused (the lost-resume hang, or a stream abandoned
        // mid-COPY) never reads the answers end() waits for, nor the close
        // that would cancel postgres.js' lifetime timer (which then keeps the
        // process alive): read on, and after end() drop the socket for sure.
        // A socket we destroyed (a stream left early) is closed already; over TLS
        // postgres.js would not see that and wait out its timeout.
        c.socket?.resume();
        await c.sql.end({ timeout: c.socket?.destroyed ? 0 : 5 });
        c.socket?.destroy();
      }),
    ]);
  }

  async #acquire(): Promise<StreamClient> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.size < (this.#opts.maxStreams ?? 10)) {
      const c = new StreamClient(this.#url, this.#tls);
      this.#all.add(c);
      return c;
    }
    return await new Promise((resolve) => this.#waiters.push(resolve));
  }

  #release(c: StreamClient) {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(c);
    else this.#idle.push(c);
  }
}

/**
 * COPY TO with the rows read by the tap (db/copy_tap.ts): blocks of ~64 KiB, no
 * object per row, flow control by the tap. postgres.js still runs the query and
 * reports its end (its stream ends at CopyDone) or its error.
 */
async function* tappedStream(
  client: StreamClient,
  copy: string,
  cancel: (pid: number) => Promise<void>,
): AsyncGenerator<Uint8Array> {
  const pid = await client.backendPid();
  const tap = client.tap;
  const copyNo = tap.begin();
  const query = client.sql.unsafe(copy);
  let readable: Readable;
  try {
    readable = await query.readable() as unknown as Readable;
  } catch (e) {
    // Failed before it began (bad SQL, no connection): nothing to wind down.
    tap.end();
    throw e;
  }
  let finished = false;
  try {
    // Nothing is pushed into it (the tap keeps the rows), and it is never read:
    // reading it would make postgres.js resume the socket behind the tap's back.
    readable.on("error", (e) => tap.fail(e, copyNo));
    while (true) {
      const block = await tap.next();
      if (!block) break;
      yield block;
    }
    finished = true;
  } finally {
    if (!finished && tap.running) {
      // The consumer went away (a client disconnected). A query that postgres.js
      // has resolved cannot be cancelled through it: drop the connection
      // (postgres.js fails the stream; the client reconnects on its next use)
      // and cancel the server process, which might otherwise compute on
      // until its next write.
      tap.discard();
      client.socket?.destroy();
      await Promise.all([cancel(pid), tap.settled().catch(() => {})]);
    }
    tap.end();
  }
}

/**
 * COPY TO through postgres.js' own stream, as 3.4.9 gives it: one Buffer per
 * row, and the lost-resume hang. Kept only to reproduce that hang in a test.
 */
async function* driverStream(client: StreamClient, copy: string): AsyncGenerator<Uint8Array> {
  const query = client.sql.unsafe(copy);
  const readable = await query.readable() as unknown as Readable;
  const merger = new ChunkMerger();
  let finished = false;
  try {
    for await (const chunk of readable.iterator({ destroyOnReturn: false })) {
      const out = merger.push(chunk as Uint8Array);
      if (out) yield out;
    }
    finished = true;
  } finally {
    if (!finished) {
      await query.cancel?.();
      await drain(readable);
    }
  }
  const rest = merger.flush();
  if (rest) yield rest;
}

async function drain(readable: Readable): Promise<void> {
  try {
    for await (const _ of readable as AsyncIterable<Buffer>) { /* discard */ }
  } catch {
    // The cancel makes the COPY end with an error: expected.
  }
}
