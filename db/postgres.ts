/**
 * Real PostgreSQL through node-postgres (`pg`) and `pg-copy-streams`.
 *
 * Chosen over postgres.js 3.4.9, which crashes the process when a connection
 * dies mid-write (README, "Database driver"). pg sets TCP_NODELAY itself,
 * streams COPY both ways through its public API, and reports every failure
 * as a rejected promise, provided no EventEmitter 'error' goes unheard:
 * every client and both pools get a listener here, always (see `guard`).
 *
 * Two pools: one for queries, transactions and sessions, one for COPY TO
 * streams, so clients that read slowly never hold the connections that
 * queries need.
 */
import pg from "pg";
import { from as copyFromStdin } from "pg-copy-streams";
import { CopyOut } from "./copy_out.ts";
import type { Writable } from "node:stream";
import type { CopyFormat, Db, Row, Session, SessionSettings, Tx } from "./types.ts";
import { describeUrl } from "./url.ts";
import { sslConfig, tlsFromUrl } from "./tls.ts";
import { PINNED_SETTINGS, startupOptions, STREAM_SETTINGS } from "./settings.ts";

export interface PostgresOptions extends SessionSettings {
  /** Connections for queries, transactions and sessions. */
  max?: number;
  /** Connections for COPY TO streams. */
  maxStreams?: number;
}

const PINNED = startupOptions(PINNED_SETTINGS);

/** Stream connections also get STREAM_SETTINGS (db/settings.ts). */
const STREAM_ONLY = startupOptions(STREAM_SETTINGS);

/** `date` as postgres.js gave it (UTC midnight), not pg's local-time midnight. */
const types = {
  getTypeParser:
    ((oid: number, format?: string) =>
      oid === 1082 && format !== "binary"
        ? (s: string) => new Date(s)
        : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

type Guarded = { windbinGuarded?: boolean; windbinLost?: unknown };

/** An 'error' event nobody listens to is thrown by Node's EventEmitter: always listen. */
function guard(client: pg.PoolClient | pg.Client): void {
  const g = client as unknown as Guarded;
  if (!g.windbinGuarded) {
    g.windbinGuarded = true;
    // The query that was running (if any) is rejected with the same error;
    // the pool drops the client on release(err) or when it is idle. The
    // error is kept: it holds the server's reason (see withReason).
    client.on("error", (e) => {
      g.windbinLost ??= e;
    });
    // An immediate shutdown says why only as a WARNING (57P01) before it drops the connection.
    client.on("notice", (n) => {
      if (/^57P0/.test(n.code ?? "")) {
        g.windbinLost ??= Object.assign(new Error(n.message), {
          code: n.code,
          severity: n.severity,
        });
      }
    });
  }
}

/**
 * The error to report for a statement that failed on `client`: once its
 * connection is lost, pg rejects every later statement with a generic "Client
 * has encountered a connection error and is not queryable"; the reason is in
 * the error that connection got (e.g. "terminating connection due to
 * administrator command", SQLSTATE 57P01), so that one is reported instead.
 */
function withReason(client: pg.PoolClient, e: unknown): unknown {
  const lost = (client as unknown as Guarded).windbinLost;
  if (lost === undefined || lost === e) return e;
  return /not queryable|Connection terminated/i.test(String((e as Error)?.message)) ? lost : e;
}

/** `client.query(...)`, rejected with the connection's own reason when it was lost. */
async function send<T>(client: pg.PoolClient, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw withReason(client, e);
  }
}

function queryable(client: pg.PoolClient) {
  return {
    query: async <T extends object>(sql: string, params: readonly unknown[] = []) =>
      (await send(client, () => client.query({ text: sql, values: params as unknown[] })))
        .rows as T[],
    exec: async (sql: string) => {
      await send(client, () => client.query(sql));
    },
    copyFrom: (copySql: string, body: AsyncIterable<Uint8Array>) =>
      send(client, () => copyFrom(client, copySql, body)),
  };
}

async function copyFrom(
  client: pg.PoolClient,
  copySql: string,
  body: AsyncIterable<Uint8Array>,
): Promise<void> {
  const sink: Writable = client.query(copyFromStdin(copySql));
  const done = new Promise<void>((resolve, reject) => {
    sink.once("finish", resolve);
    sink.once("error", reject);
  });
  let failure: { e: unknown } | null = null;
  done.catch((e) => failure ??= { e });
  // A COPY that fails (a lost connection, say) emits 'error' and never drains:
  // waiting for room to write ends then too.
  const settled = done.then(() => {}, () => {});
  try {
    for await (const chunk of body) {
      if (failure) break;
      if (!sink.write(chunk)) {
        let go = () => {};
        await Promise.race([
          settled,
          new Promise<void>((resolve) => {
            go = () => resolve();
            sink.once("drain", go);
            sink.once("close", go);
          }),
        ]);
        sink.off("drain", go);
        sink.off("close", go);
      }
    }
  } catch (e) {
    // The source broke: destroy() sends CopyFail, so nothing of this COPY is kept.
    sink.destroy(e instanceof Error ? e : new Error(String(e)));
    await done.catch(() => {});
    throw e;
  }
  if (failure) throw (failure as { e: unknown }).e;
  sink.end();
  await done;
}

const COPY_OPTIONS: Record<CopyFormat, string> = {
  csv: "(FORMAT csv, HEADER true)",
  lines: "(FORMAT text)",
  binary: "(FORMAT binary)",
};

export class PostgresDb implements Db {
  readonly kind = "postgres" as const;
  readonly label: string;
  readonly #pool: pg.Pool;
  readonly #streams: pg.Pool;
  readonly #tlsOptional: boolean;

  constructor(url: string, opts: PostgresOptions = {}) {
    this.label = describeUrl(url);
    const { url: plain, tls } = tlsFromUrl(url);
    this.#tlsOptional = tls.mode === "prefer" || tls.mode === "allow";
    const config = (max: number, stream = false): pg.PoolConfig => ({
      connectionString: plain,
      ssl: sslConfig(tls, new URL(plain).hostname),
      max,
      types,
      application_name: new URL(plain).searchParams.get("application_name") ?? "windbin",
      options: stream ? `${PINNED} ${STREAM_ONLY}` : PINNED,
      statement_timeout: opts.statementTimeoutMs,
      lock_timeout: opts.lockTimeoutMs,
      idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs,
      idleTimeoutMillis: 30_000,
    });
    this.#pool = new pg.Pool(config(opts.max ?? 10));
    this.#streams = new pg.Pool(config(opts.maxStreams ?? 10, true));
    for (const pool of [this.#pool, this.#streams]) {
      // An idle client lost its connection (server restart, terminated backend):
      // the pool has dropped it already; the next checkout connects anew.
      pool.on("error", () => {});
      pool.on("connect", guard);
    }
  }

  /** A client of `pool`; `sslmode=prefer|allow` fall back to plain TCP when the server has no TLS. */
  async #connect(pool: pg.Pool): Promise<pg.PoolClient> {
    try {
      const c = await pool.connect();
      guard(c);
      return c;
    } catch (e) {
      const options = (pool as unknown as { options: pg.PoolConfig }).options;
      if (!this.#tlsOptional || !options.ssl || !/does not support SSL/i.test(String(e))) throw e;
      options.ssl = false;
      return await this.#connect(pool);
    }
  }

  /** Runs `fn` on one checked-out client; a client that failed is discarded, not pooled. */
  async #with<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#connect(pool);
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (e) {
      // A failed statement leaves a healthy connection; a lost one must not be reused.
      if (isBroken(client)) broken = e instanceof Error ? e : new Error(String(e));
      throw e;
    } finally {
      client.release(broken ?? isBroken(client));
    }
  }

  query<T extends object = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.#with(this.#pool, (c) => queryable(c).query<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.#with(this.#pool, (c) => queryable(c).exec(sql));
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.#with(this.#pool, (c) => inTransaction(c, fn));
  }

  async session<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    const c = await this.#connect(this.#pool);
    let ended = false;
    let cancelling: Promise<void> | null = null;
    const cancel = () => {
      if (ended) return Promise.resolve();
      const pid = (c as unknown as { processID: number }).processID;
      return cancelling ??= this.#cancelBackend(pid).catch(() => {});
    };
    // A connection that was sent a cancel is closed, never pooled: the cancel
    // is awaited first, so it cannot land on the next user's statement.
    const closeIfCancelled = async () => {
      ended = true;
      if (!cancelling) return false;
      await cancelling;
      c.release(true);
      return true;
    };
    let result: T;
    try {
      result = await fn({ ...queryable(c), transaction: (f) => inTransaction(c, f), cancel });
    } catch (e) {
      if (await closeIfCancelled()) throw e;
      // Reuse the connection only if it is clean again; otherwise drop it (and its TEMP tables).
      const clean = !isBroken(c) &&
        await c.query("ROLLBACK; DISCARD TEMP").then(() => true, () => false);
      c.release(!clean);
      throw e;
    }
    if (await closeIfCancelled()) return result;
    try {
      // What the session made TEMP must not outlive it on a pooled connection.
      await send(c, () => c.query("DISCARD TEMP"));
    } catch (e) {
      c.release(true);
      throw e;
    }
    c.release();
    return result;
  }

  /**
   * `pg_cancel_backend(pid)` on a connection of its own, so a cancel never
   * waits behind a full pool; resolves once the server has signalled it.
   */
  async #cancelBackend(pid: number): Promise<void> {
    const options = (this.#pool as unknown as { options: pg.PoolConfig }).options;
    const client = new pg.Client({ ...options, application_name: "windbin cancel" });
    guard(client);
    try {
      await client.connect();
      await client.query("SELECT pg_cancel_backend($1)", [pid]);
    } finally {
      await client.end().catch(() => {});
    }
  }

  async *copyOut(select: string, format: CopyFormat): AsyncIterable<Uint8Array> {
    const opts = COPY_OPTIONS[format];
    const client = await this.#connect(this.#streams);
    const copy = client.query(new CopyOut(`COPY (${select}) TO STDOUT ${opts}`));
    let finished = false;
    let failed = false;
    try {
      try {
        for (let block = await copy.next(); block; block = await copy.next()) yield block;
      } catch (e) {
        failed = true;
        throw withReason(client, e);
      }
      await copy.ready.promise;
      finished = true;
    } finally {
      let discard = isBroken(client);
      if (!finished && !failed) {
        // Left early (a client went away): the server may still be computing.
        // Cancel it, and drop the connection rather than read the rest.
        discard = true;
        copy.discard();
        const pid = (client as unknown as { processID: number }).processID;
        await this.query("SELECT pg_cancel_backend($1)", [pid]).catch(() => {});
      }
      if (failed && !discard) await copy.ready.promise;
      client.release(discard);
    }
  }

  #closing: Promise<void> | null = null;

  /** Ends both pools; a second call waits for the first (pg throws on a second end()). */
  close(): Promise<void> {
    this.#closing ??= Promise.all([this.#pool.end(), this.#streams.end()]).then(() => {});
    return this.#closing;
  }
}

async function inTransaction<T>(c: pg.PoolClient, fn: (tx: Tx) => Promise<T>): Promise<T> {
  await send(c, () => c.query("BEGIN"));
  let result: T;
  try {
    result = await fn(queryable(c));
  } catch (e) {
    // The first error is what the caller sees; a failed ROLLBACK (connection
    // gone) only marks the client broken, so the pool drops it.
    await c.query("ROLLBACK").catch(() => {});
    throw e;
  }
  await send(c, () => c.query("COMMIT"));
  return result;
}

/** True when the client's connection can no longer be used (pg's own flag). */
function isBroken(c: pg.PoolClient): boolean {
  const internal = c as unknown as { _queryable?: boolean; _ending?: boolean };
  return internal._queryable === false || internal._ending === true;
}
