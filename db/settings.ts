/**
 * Session settings that change how values print, pinned on every connection
 * of both adapters: no server, database or role setting may change a value
 * the API writes (extra_float_digits = 0 cuts float8 text to 15 significant
 * digits) or the text of a timestamp. On PostgreSQL they go in the `options`
 * startup parameter, which outranks ALTER DATABASE/ROLE ... SET.
 */
export const PINNED_SETTINGS = {
  extra_float_digits: "3",
  DateStyle: "ISO, YMD",
  IntervalStyle: "postgres",
  TimeZone: "UTC",
  client_encoding: "UTF8",
  // How '\x00' literals in our SQL read.
  standard_conforming_strings: "on",
} as const;

/**
 * On the connections that stream (copyOut) only: streams serve ordered ranges,
 * and with sorts priced out an ORDER BY that an index provides streams in
 * index order from the first row, instead of waiting for a sort of the whole
 * range (PostgreSQL 15 picks bitmap scan + sort for a turbine-day when the
 * turbines' readings are interleaved on disk).
 */
export const STREAM_SETTINGS = { enable_sort: "off" } as const;

/** As `-c name=value` words of the `options` startup parameter (spaces escaped). */
export function startupOptions(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v.replaceAll("\\", "\\\\").replaceAll(" ", "\\ ")}`)
    .join(" ");
}

/** As SET statements (PGlite, which has no startup parameters); `local`: SET LOCAL. */
export function setStatements(settings: Record<string, string>, local = false): string {
  return Object.entries(settings)
    .map(([k, v]) => `SET ${local ? "LOCAL " : ""}${k} = '${v.replaceAll("'", "''")}'`)
    .join("; ");
}
