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

/** As `-c name=value` words of the `options` startup parameter (spaces escaped). */
export function startupOptions(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v.replaceAll("\\", "\\\\").replaceAll(" ", "\\ ")}`)
    .join(" ");
}

/** As SET statements (PGlite, which has no startup parameters). */
export function setStatements(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([k, v]) => `SET ${k} = '${v.replaceAll("'", "''")}'`)
    .join("; ");
}
