/**
 * Bearer-token check for the data routes.
 *
 * The token is compared as SHA-256 digests with timingSafeEqual: equal-length
 * inputs, and the time taken does not depend on how much of the token matched.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { ErrorBody } from "./errors.ts";

export const WWW_AUTHENTICATE = 'Bearer realm="windbin"';

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

export function bearerAuth(token: string): MiddlewareHandler {
  if (!token) throw new Error("bearerAuth needs a non-empty token");
  const expected = digest(token);
  return async (c, next) => {
    const header = c.req.header("authorization");
    const m = header === undefined ? null : /^Bearer +([^\s]+) *$/i.exec(header);
    let problem: string | null = null;
    if (header === undefined) {
      problem = "missing Authorization header; send Authorization: Bearer <API_TOKEN>";
    } else if (!m) {
      problem = "malformed Authorization header; expected Authorization: Bearer <API_TOKEN>";
    } else if (!timingSafeEqual(digest(m[1]), expected)) {
      problem = "wrong token";
    }
    if (problem) {
      c.header("WWW-Authenticate", WWW_AUTHENTICATE);
      return c.json<ErrorBody>({ error: "unauthorized", message: problem }, 401);
    }
    await next();
    return undefined;
  };
}
