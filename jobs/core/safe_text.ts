/**
 * Text that is safe to store and print: an error message may carry bytes a
 * PostgreSQL text column refuses (NUL) or a terminal would act on (escape
 * sequences), and a source's error body may echo a token back.
 */

const MAX_LENGTH = 2000;

/**
 * Drops NUL and other control characters (tab and newline stay), redacts
 * bearer tokens, `token=`/`password=` values, URL passwords and the given
 * secrets, and caps the length.
 */
export function safeText(text: string, secrets: readonly (string | undefined)[] = []): string {
  // deno-lint-ignore no-control-regex
  let s = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => c === "\u0000" ? "\\0" : "");
  for (const secret of secrets) {
    if (secret && secret.length >= 4) s = s.replaceAll(secret, "[redacted]");
  }
  s = s
    .replace(/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [redacted]")
    .replace(
      /\b(authorization)(["']?\s*[:=]\s*["']?)[^"',;\s]+(\s+[^"',;\s]+)?/gi,
      "$1$2[redacted]",
    )
    .replace(
      /\b(api_token|token|password|secret)(["']?\s*[:=]\s*["']?)[^"',;&\s]+/gi,
      "$1$2[redacted]",
    )
    .replace(/(\w+:\/\/[^:/@\s]+):[^@\s]+@/g, "$1:[redacted]@");
  return s.length > MAX_LENGTH ? s.slice(0, MAX_LENGTH) + "… (cut)" : s;
}
