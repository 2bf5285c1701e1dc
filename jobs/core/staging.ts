/**
 * The staging table of an API job, made by the core from the job's declared
 * variables: a TEMP table of the run's own session (one pinned connection),
 * so concurrent runs never see each other's rows and a crash leaves nothing
 * behind. It is created when the run starts, loaded by an autocommit binary
 * COPY outside the final transaction (emptied first on a retry), read once
 * by the job's transform in that short transaction, and dropped with the
 * session (the adapter's DISCARD TEMP).
 *
 * Columns: `turbine text COLLATE "C", timestamp timestamptz`, then one
 * `float8` per variable, in the declared order — the order of the binary
 * COPY body the API sends for them.
 */

export interface StagingSql {
  /** The table's name (what the job's transform reads). */
  table: string;
  create: string;
  /** `COPY <table> (...) FROM STDIN (FORMAT binary)`. */
  copy: string;
  clear: string;
}

/** A plain lower-case SQL identifier: letters, digits, _; not starting with a digit. */
export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function stagingSql(table: string, variables: readonly string[]): StagingSql {
  for (const name of [table, ...variables]) {
    if (!IDENTIFIER.test(name)) {
      throw new Error(`${JSON.stringify(name)} is not a plain lower-case SQL identifier`);
    }
  }
  if (!variables.length) throw new Error("a staging table needs at least one variable");
  if (new Set(variables).size !== variables.length) throw new Error("a variable is named twice");
  for (const reserved of ["turbine", "timestamp"]) {
    if (variables.includes(reserved)) throw new Error(`"${reserved}" is a staging column already`);
  }
  const q = (name: string) => `"${name}"`;
  const columns = ["turbine", "timestamp", ...variables].map(q).join(", ");
  return {
    table,
    create: `CREATE TEMPORARY TABLE ${q(table)} (turbine text COLLATE "C", timestamp timestamptz` +
      variables.map((v) => `, ${q(v)} float8`).join("") + ")",
    copy: `COPY ${q(table)} (${columns}) FROM STDIN (FORMAT binary)`,
    clear: `TRUNCATE ${q(table)}`,
  };
}
