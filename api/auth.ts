/**
 * Bearer-token check for the data routes: hono's bearer-auth (constant-time
 * comparison of SHA-256 digests), answering every failure the same way: 401,
 * `WWW-Authenticate: Bearer realm="windbin"` and a JSON body. (Hono answers
 * a malformed header 400 by default; a client cannot tell one from a missing
 * token, and the reference answered 401.)
 */
import type { MiddlewareHandler } from "hono";
import { bearerAuth as honoBearerAuth } from "hono/bearer-auth";
import type { ErrorBody } from "./errors.ts";

export const WWW_AUTHENTICATE = 'Bearer realm="windbin"';

/** Token characters of RFC 6750 (token68), the only ones a bearer header can carry. */
export const TOKEN_CHARS = /^[A-Za-z0-9._~+/-]+=*$/;

export function bearerAuth(token: string): MiddlewareHandler {
  if (!token) throw new Error("bearerAuth needs a non-empty token");
  if (!TOKEN_CHARS.test(token)) {
    throw new Error(
      "the API token may hold only letters, digits and . _ ~ + / - (then = padding): " +
        "no client could send another one in a Bearer header",
    );
  }
  const refuse = (message: string) => ({
    wwwAuthenticateHeader: WWW_AUTHENTICATE,
    message: () =>
      new Response(JSON.stringify({ error: "unauthorized", message } satisfies ErrorBody), {
        status: 401,
        headers: { "Content-Type": "application/json", "WWW-Authenticate": WWW_AUTHENTICATE },
      }),
  });
  return honoBearerAuth({
    token,
    realm: "windbin",
    noAuthenticationHeader: refuse(
      "missing Authorization header; send Authorization: Bearer <API_TOKEN>",
    ),
    invalidAuthenticationHeader: refuse(
      "malformed Authorization header; expected Authorization: Bearer <API_TOKEN>",
    ),
    invalidToken: refuse("wrong token"),
  });
}
