/**
 * Who may run partitions and read everything on the status page: a bearer
 * token (API clients; checked by hono/bearer-auth) or a session cookie set by
 * logging in with that token. The cookie carries a random session id kept in
 * memory (never the token); logging out forgets it. Failed logins and wrong
 * tokens are counted per client and throttled.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

export const SESSION_COOKIE = "windbin_session";
const SESSION_TTL_MS = 12 * 3600_000;
const MAX_SESSIONS = 1000;

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
  login(c: Context, secure: boolean): void {
    setCookie(c, SESSION_COOKIE, this.create(), {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure,
      maxAge: SESSION_TTL_MS / 1000,
    });
  }

  logout(c: Context, secure: boolean): void {
    this.drop(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "Strict", secure });
  }

  fromCookie(c: Context): boolean {
    return this.valid(getCookie(c, SESSION_COOKIE));
  }
}

/**
 * Failures per client in a sliding window: after `limit` of them within
 * `windowMs`, `retryAfter` says how many seconds to wait. Memory is bounded
 * (the oldest clients are forgotten first).
 */
export class Throttle {
  readonly #failures = new Map<string, number[]>();

  constructor(
    readonly limit = 10,
    readonly windowMs = 60_000,
    readonly now: () => number = () => Date.now(),
    readonly maxClients = 10_000,
  ) {}

  #recent(client: string): number[] {
    const t = this.now();
    const list = (this.#failures.get(client) ?? []).filter((x) => x > t - this.windowMs);
    if (list.length) this.#failures.set(client, list);
    else this.#failures.delete(client);
    return list;
  }

  /** Seconds until the client may try again; 0 when it may now. */
  retryAfter(client: string): number {
    const list = this.#recent(client);
    if (list.length < this.limit) return 0;
    return Math.max(
      1,
      Math.ceil((list[list.length - this.limit] + this.windowMs - this.now()) / 1000),
    );
  }

  fail(client: string): void {
    const list = this.#recent(client);
    list.push(this.now());
    this.#failures.delete(client);
    this.#failures.set(client, list.slice(-this.limit));
    while (this.#failures.size > this.maxClients) {
      this.#failures.delete(this.#failures.keys().next().value!);
    }
  }

  reset(client: string): void {
    this.#failures.delete(client);
  }
}

/** How the app reads where a request comes from: the socket, or a trusted proxy's headers. */
export interface RequestOrigin {
  /** The client, for throttling: its address. */
  client(c: Context): string;
  /** The host the browser addressed (for the same-origin check). */
  host(c: Context): string;
  /** Whether the browser talks HTTPS (the cookie's Secure flag). */
  https(c: Context): boolean;
}

/**
 * Without `trustProxy`, only what the connection itself says counts: the
 * socket's address and the Host header (a client can write any
 * X-Forwarded-* header). With it (TRUST_PROXY, behind a reverse proxy that
 * sets them), X-Forwarded-For's last hop, X-Forwarded-Host and -Proto.
 */
export function requestOrigin(trustProxy: boolean): RequestOrigin {
  const socket = (c: Context) =>
    (c.env as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr?.hostname ??
      "unknown";
  const ownHost = (c: Context) => c.req.header("host") ?? new URL(c.req.url).host;
  const ownHttps = (c: Context) => new URL(c.req.url).protocol === "https:";
  if (!trustProxy) return { client: socket, host: ownHost, https: ownHttps };
  const last = (v: string | undefined) => v?.split(",").map((s) => s.trim()).filter(Boolean).at(-1);
  const first = (v: string | undefined) => v?.split(",")[0].trim() || undefined;
  return {
    client: (c) => last(c.req.header("x-forwarded-for")) ?? socket(c),
    host: (c) => first(c.req.header("x-forwarded-host")) ?? ownHost(c),
    https: (c) => (first(c.req.header("x-forwarded-proto")) ?? "") === "https" || ownHttps(c),
  };
}
