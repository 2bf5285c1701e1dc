/**
 * The one small database interface the rest of windbin codes against.
 *
 * Two adapters implement it: `postgres.ts` (node-postgres, real PostgreSQL) and
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
 * Several statements on ONE connection, outside any transaction unless asked:
 * a TEMP table made in it (say `staging`) survives between an autocommit
 * `copyFrom` and a later short `transaction` of the same session.
 */
export interface Session extends Queryable {
  /** As `Tx.copyFrom`, in autocommit (the COPY is its own transaction). */
  copyFrom(copySql: string, body: AsyncIterable<Uint8Array>): Promise<void>;
  /** One transaction on the session's connection: committed when `fn` resolves. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Cancels the statement the session runs now, if any (SIGINT/SIGTERM), and
   * resolves once the server was told. A session that was sent a cancel does
   * not give its connection back to the pool: it is closed when the session
   * ends, so a cancel can never reach a statement of anyone else. After the
   * session ended it does nothing. (PGlite: a no-op; statements there cannot
   * be interrupted.)
   */
  cancel(): Promise<void>;
}

/** Session settings applied on every connection of a Db (unset: the server's defaults). */
export interface SessionSettings {
  /** `lock_timeout`: a statement waiting longer for a lock fails (SQLSTATE 55P03). */
  lockTimeoutMs?: number;
  /** `statement_timeout`: a statement running longer is cancelled (SQLSTATE 57014). */
  statementTimeoutMs?: number;
  /** `idle_in_transaction_session_timeout`: a transaction left idle longer is ended by the server. */
  idleInTransactionTimeoutMs?: number;
}

export type CopyFormat =
  /** CSV with a header line, NULL as an empty field. */
  | "csv"
  /**
   * A query of one text column: each value on a line of its own, as COPY's
   * text format writes it (backslash doubled; newline, CR, tab, \b, \v, \f
   * escaped; NULL as \N).
   */
  | "lines"
  /**
   * PostgreSQL's binary COPY format: the 19-byte header, one tuple per row
   * (int16 field count, then per field an int32 length, -1 for NULL, and the
   * value's binary send form), the int16 -1 trailer.
   */
  | "binary";

export interface Db extends Queryable {
  /** Which adapter this is, for messages and the few places that must differ. */
  readonly kind: "postgres" | "pglite";
  /** A human label (database name or data directory), never a password. */
  readonly label: string;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one pinned connection (see Session), then gives it back: to
   * the pool after `DISCARD TEMP` (so the adapter drops every TEMP table the
   * session made; callers need not), or closed when it broke. On PGlite (one
   * backend) sessions exclude each other, but plain `query`/`exec` calls of
   * others may run between a session's statements.
   */
  session<T>(fn: (s: Session) => Promise<T>): Promise<T>;
  /**
   * Streams the rows of a SELECT from a database cursor, formatted by the
   * database, in chunks of about 64 KiB. Memory stays flat whatever the row
   * count. Each chunk is a new array the caller may keep or change in place.
   * Breaking out of the iteration cancels the query. `select` runs as a
   * subquery of COPY on the simple protocol: build it from validated values.
   * Streams run with `enable_sort` off, so an ORDER BY that an index can give
   * streams in index order rather than after a sort of everything.
   */
  copyOut(select: string, format: CopyFormat): AsyncIterable<Uint8Array>;
  /** Closes connections (and, for PGlite, the embedded instance and its lock). */
  close(): Promise<void>;
}
