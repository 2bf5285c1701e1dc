/**
 * Who may run partitions from the status page: a bearer token (API clients) or a
 * session cookie set by logging in with that token. The cookie carries a random
 * session id kept in memory (never the token); logging out forgets it.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

export const SESSION_COOKIE = "windbin_session";
const SESSION_TTL_MS = 12 * 3600_000;
const MAX_SESSIONS = 1000;

const encoder = new TextEncoder();

/** Constant-time comparison of two strings (through HMAC, so lengths leak nothing either). */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const key = await crypto.subtle.importKey(
    "raw",
    crypto.getRandomValues(new Uint8Array(32)),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const [x, y] = await Promise.all([
    crypto.subtle.sign("HMAC", key, encoder.encode(a)),
    crypto.subtle.sign("HMAC", key, encoder.encode(b)),
  ]);
  const u = new Uint8Array(x), v = new Uint8Array(y);
  let diff = 0;
  for (let i = 0; i < u.length; i++) diff |= u[i] ^ v[i];
  return diff === 0;
}

export class Sessions {
  readonly #expiry = new Map<string, number>();
  readonly #now: () => Date;

  constructor(now: () => Date) {
    this.#now = now;
  }

  create(): string {
    const t = this.#now().getTime();
    for (const [id, exp] of this.#expiry) if (exp <= t) this.#expiry.delete(id);
    // Bounded: the oldest session goes first.
    while (this.#expiry.size >= MAX_SESSIONS) {
      this.#expiry.delete(this.#expiry.keys().next().value!);
    }
    const id = Array.from(
      crypto.getRandomValues(new Uint8Array(32)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    this.#expiry.set(id, t + SESSION_TTL_MS);
    return id;
  }

  valid(id: string | undefined): boolean {
    if (!id) return false;
    const exp = this.#expiry.get(id);
    if (exp === undefined) return false;
    if (exp <= this.#now().getTime()) {
      this.#expiry.delete(id);
      return false;
    }
    return true;
  }

  drop(id: string | undefined): void {
    if (id) this.#expiry.delete(id);
  }

  /** Sets the cookie of a new session on the response. */
  login(c: Context): void {
    setCookie(c, SESSION_COOKIE, this.create(), {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: isHttps(c),
      maxAge: SESSION_TTL_MS / 1000,
    });
  }

  logout(c: Context): void {
    this.drop(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, {
      path: "/",
      httpOnly: true,
      sameSite: "Strict",
      secure: isHttps(c),
    });
  }

  fromCookie(c: Context): boolean {
    return this.valid(getCookie(c, SESSION_COOKIE));
  }
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" ||
    c.req.header("x-forwarded-proto") === "https";
}

/** The bearer token of the request, if it has one. */
export function bearer(c: Context): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  return m?.[1];
}

/**
 * Cross-site request check for cookie-authenticated POSTs (on top of SameSite=Strict):
 * a browser says where a request comes from with Sec-Fetch-Site and Origin.
 */
export function sameOrigin(c: Context): boolean {
  // Browsers set Sec-Fetch-Site themselves (scripts cannot): when present, it decides.
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined) return site === "same-origin" || site === "none";
  const origin = c.req.header("origin");
  if (origin === undefined) return true;
  if (origin === "null") return false;
  try {
    const host = c.req.header("x-forwarded-host") ?? c.req.header("host") ??
      new URL(c.req.url).host;
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
