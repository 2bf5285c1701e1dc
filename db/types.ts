/**
 * The one small database interface the rest of windbin codes against.
 *
 * Two adapters implement it: `postgres.ts` (postgres.js, real PostgreSQL) and
 * `pglite.ts` (embedded PostgreSQL in WASM). The same SQL runs on both; what
 * differs is how bytes get in and out in bulk (COPY over the wire vs PGlite's
 * in-process `/dev/blob`), which is why bulk I/O is part of this interface.
 */

export type Row = Record<string, unknown>;

export interface Queryable {
  /** One statement with `$1, $2, ...` parameters (extended protocol). */
  query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** A script of one or more statements without parameters (simple protocol). */
  exec(sql: string): Promise<void>;
}

export interface Tx extends Queryable {
  /**
   * Bulk-loads a byte stream with a `COPY <table> (...) FROM STDIN ...` statement.
   * The statement runs on the simple protocol, so it must be built only from
   * validated values. Count what arrived with a query afterwards.
   */
  copyFrom(copySql: string, body: AsyncIterable<Uint8Array>): Promise<void>;
}

/**
 * One pinned connection, for work that spans several statements outside one
 * transaction: a TEMP table loaded by an autocommit COPY and read by a later
 * short transaction on the same connection.
 */
export interface Session extends Queryable {
  /** Bulk-loads a byte stream (see Tx.copyFrom), in autocommit. */
  copyFrom(copySql: string, body: AsyncIterable<Uint8Array>): Promise<void>;
  /** One transaction on this session's connection. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

export type CopyFormat =
  /** CSV with a header line, NULL as an empty field. */
  | "csv"
  /** A query of one text column: each value on a line of its own. */
  | "lines";

export interface Db extends Queryable {
  /** Which adapter this is, for messages and the few places that must differ. */
  readonly kind: "postgres" | "pglite";
  /** A human label (database name or data directory), never a password. */
  readonly label: string;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one pinned connection (released afterwards). TEMP tables it
   * makes are the caller's to drop. On PGlite (one backend) sessions run one
   * at a time; plain queries of others may still run between its statements.
   */
  session<T>(fn: (s: Session) => Promise<T>): Promise<T>;
  /**
   * Streams the rows of a SELECT from a database cursor, formatted by the
   * database, in chunks of about 64 KiB. Memory stays flat whatever the row
   * count. Each chunk is a new array the caller may keep or change in place.
   * Breaking out of the iteration cancels the query. `select` runs as a
   * subquery of COPY on the simple protocol: build it from validated values.
   */
  copyOut(select: string, format: CopyFormat): AsyncIterable<Uint8Array>;
  /** Closes connections (and, for PGlite, the embedded instance and its lock). */
  close(): Promise<void>;
}
