/**
 * A real headless Chromium for the status page tests: Debian's `chromium` package,
 * driven over the Chrome DevTools Protocol (CDP) on a WebSocket, by the small client
 * below. (playwright-core loads under Deno, but reads /proc/sys/fs/binfmt_misc at
 * import, which Deno allows only with --allow-all; the test task stays narrow.)
 *
 * Each launch gets a fresh profile (`--user-data-dir`) under tests/.artifacts/, removed
 * on close; `--remote-debugging-port=0` and the port read from chromium's stderr.
 * Chromium is `chromium` on PATH or `CHROMIUM=/path/to/binary`; without one (or with
 * `CHROMIUM=skip`) the tests are ignored and one line says why (helpers/binaries.ts).
 * CI installs it (`.ci/run`) and counts an ignored test as failed.
 */
import { findChromium } from "./binaries.ts";

const chromium = findChromium();
export const CHROMIUM_SKIPPED = !chromium.ok;
export const CHROMIUM_PATH = chromium.ok ? chromium.path : "chromium";
export const ARTIFACTS = new URL("../.artifacts/", import.meta.url);

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
  "--mute-audio",
];

function assertChromium(): void {
  try {
    if (Deno.statSync(CHROMIUM_PATH).isFile) return;
  } catch { /* reported below */ }
  throw new Error(
    `No chromium at ${CHROMIUM_PATH}: the status page browser tests need Debian's chromium ` +
      `(apt-get install -y chromium; .ci/run installs it). Set CHROMIUM=/path/to/binary to use ` +
      `another one, or CHROMIUM=skip to ignore these tests on this machine.`,
  );
}

type Json = Record<string, unknown>;
interface Pending {
  resolve: (v: Json) => void;
  reject: (e: Error) => void;
  method: string;
}

/** One CDP connection (browser endpoint), sessions multiplexed with `sessionId` (flatten). */
class Cdp {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(method: string, params: Json, sessionId?: string) => void>();
  readonly closed: Promise<void>;
  #id = 0;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.closed = promise;
    ws.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data));
      if (typeof msg.id === "number") {
        const p = this.#pending.get(msg.id);
        if (!p) return;
        this.#pending.delete(msg.id);
        if (msg.error) {
          p.reject(new Error(`${p.method}: ${msg.error.message} ${msg.error.data ?? ""}`));
        } else p.resolve(msg.result ?? {});
      } else if (msg.method) {
        for (const l of this.#listeners) l(msg.method, msg.params ?? {}, msg.sessionId);
      }
    };
    ws.onclose = () => {
      for (const p of this.#pending.values()) p.reject(new Error(`${p.method}: connection closed`));
      this.#pending.clear();
      resolve();
    };
  }

  static async connect(url: string): Promise<Cdp> {
    const ws = new WebSocket(url);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    ws.onopen = () => resolve();
    ws.onerror = (e) =>
      reject(new Error(`CDP WebSocket ${url}: ${(e as ErrorEvent).message ?? "error"}`));
    await promise;
    return new Cdp(ws);
  }

  send(method: string, params: Json = {}, sessionId?: string): Promise<Json> {
    const id = ++this.#id;
    const { promise, resolve, reject } = Promise.withResolvers<Json>();
    this.#pending.set(id, { resolve, reject, method });
    this.#ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return promise;
  }

  on(fn: (method: string, params: Json, sessionId?: string) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  async close(): Promise<void> {
    if (this.#ws.readyState !== WebSocket.CLOSED) this.#ws.close();
    await this.closed;
  }
}

export interface Cookie {
  name: string;
  value: string;
  httpOnly: boolean;
  sameSite?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tab. Every read goes through `eval`, retried while a navigation swaps the document. */
export class Page {
  constructor(readonly cdp: Cdp, readonly sessionId: string) {}

  #send(method: string, params: Json = {}) {
    return this.cdp.send(method, params, this.sessionId);
  }

  /** Evaluates a JS expression in the page (promises awaited) and returns its JSON value. */
  async eval<T>(expression: string): Promise<T> {
    for (let attempt = 0;; attempt++) {
      try {
        const r = await this.#send("Runtime.evaluate", {
          expression,
          returnByValue: true,
          awaitPromise: true,
        });
        const ex = r.exceptionDetails as
          | { exception?: { description?: string }; text?: string }
          | undefined;
        if (ex) throw new Error(`in page: ${ex.exception?.description ?? ex.text}`);
        return (r.result as { value: T }).value;
      } catch (e) {
        const m = (e as Error).message;
        if (
          attempt < 50 && /context|navigat|Inspected target/i.test(m) && !m.startsWith("in page")
        ) {
          await sleep(50);
          continue;
        }
        throw e;
      }
    }
  }

  /** Waits until `expression` is truthy in the page (polled, across reloads). */
  async waitFor(expression: string, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < end) {
      try {
        if (await this.eval<boolean>(`!!(${expression}) && document.readyState === "complete"`)) {
          return;
        }
      } catch (e) {
        last = e;
      }
      await sleep(100);
    }
    throw new Error(
      `timed out after ${timeoutMs} ms waiting for ${expression}${last ? ` (${last})` : ""}`,
    );
  }

  waitForUrl(re: RegExp, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(`${re}.test(location.href)`, timeoutMs);
  }

  /** Navigates and waits for the page to be loaded; returns the HTTP status. */
  async goto(url: string): Promise<number> {
    const r = await this.#send("Page.navigate", { url });
    if (r.errorText) throw new Error(`navigate ${url}: ${r.errorText}`);
    await this.waitFor(
      `location.href === ${JSON.stringify(url)} || location.href.startsWith(${
        JSON.stringify(url + "#")
      })`,
    );
    return await this.eval<number>(`performance.getEntriesByType("navigation")[0].responseStatus`);
  }

  reload(): Promise<number> {
    return this.eval<string>("location.href").then((u) => this.goto(u));
  }

  count(selector: string): Promise<number> {
    return this.eval(`document.querySelectorAll(${JSON.stringify(selector)}).length`);
  }

  /** The attribute of the first match (throws when nothing matches). */
  attr(selector: string, name: string): Promise<string | null> {
    return this.eval(`(() => { const e = document.querySelector(${JSON.stringify(selector)});
      if (!e) throw new Error("no element " + ${JSON.stringify(selector)}); return e.getAttribute(${
      JSON.stringify(name)
    }); })()`);
  }

  /** The rendered text of the first match. */
  text(selector: string): Promise<string> {
    return this.eval(`(() => { const e = document.querySelector(${JSON.stringify(selector)});
      if (!e) throw new Error("no element " + ${
      JSON.stringify(selector)
    }); return e.innerText ?? e.textContent; })()`);
  }

  /** All matches' attributes, as arrays of values in `names` order. */
  attrsAll(selector: string, names: string[]): Promise<(string | null)[][]> {
    return this.eval(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) =>
      ${JSON.stringify(names)}.map((n) => e.getAttribute(n)))`);
  }

  /** Clicks the first match with real mouse events at its centre. */
  async click(selector: string): Promise<void> {
    const box = await this.eval<{ x: number; y: number } | null>(`(() => {
      const e = document.querySelector(${JSON.stringify(selector)}); if (!e) return null;
      e.scrollIntoView({ block: "center" }); const r = e.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()`);
    if (!box) throw new Error(`click: no element ${selector}`);
    for (const type of ["mouseMoved", "mousePressed", "mouseReleased"]) {
      await this.#send("Input.dispatchMouseEvent", {
        type,
        x: box.x,
        y: box.y,
        button: "left",
        clickCount: 1,
      });
    }
  }

  /** Sets an input's value and submits its form, in one step (the page may reload itself). */
  async fillAndSubmit(selector: string, value: string): Promise<void> {
    await this.eval(`(() => { const e = document.querySelector(${JSON.stringify(selector)});
      if (!e) throw new Error("no element " + ${JSON.stringify(selector)});
      e.value = ${JSON.stringify(value)}; e.form.requestSubmit(); })()`);
  }

  async cookies(): Promise<Cookie[]> {
    return (await this.#send("Network.getCookies")).cookies as Cookie[];
  }

  async setViewport(width: number, height: number): Promise<void> {
    await this.#send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: width < 600,
    });
  }

  /** A PNG of the viewport, or of the whole page (cut at `maxHeight`). */
  async screenshot(
    path: string | URL,
    opts: { fullPage?: boolean; maxHeight?: number } = {},
  ): Promise<void> {
    let clip: Json | undefined;
    if (opts.fullPage) {
      const m = await this.#send("Page.getLayoutMetrics");
      const size = m.cssContentSize as { width: number; height: number };
      const vp = m.cssLayoutViewport as { clientWidth: number };
      const height = Math.min(Math.ceil(size.height), opts.maxHeight ?? Infinity);
      clip = { x: 0, y: 0, width: vp.clientWidth, height, scale: 1 };
    }
    const r = await this.#send("Page.captureScreenshot", {
      format: "png",
      ...(clip ? { clip, captureBeyondViewport: true } : {}),
    });
    await Deno.writeFile(path, Uint8Array.from(atob(r.data as string), (c) => c.charCodeAt(0)));
  }
}

export interface Browser {
  newPage(opts?: { width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

/** Launches chromium with a fresh profile; `close()` ends it and removes the profile. */
export async function launchBrowser(): Promise<Browser> {
  assertChromium();
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  const profile = await Deno.makeTempDir({ dir: ARTIFACTS.pathname, prefix: "profile-" });
  const child = new Deno.Command(CHROMIUM_PATH, {
    args: [
      ...CHROMIUM_ARGS,
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Read stderr until the DevTools endpoint shows, then keep draining it (kept for errors).
  const lines: string[] = [];
  const found = Promise.withResolvers<string>();
  const drain = (async () => {
    let buf = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (lines.length < 200) lines.push(line);
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(line);
        if (m) found.resolve(m[1]);
      }
    }
    found.reject(
      new Error(`chromium exited before DevTools listened:\n${lines.slice(-20).join("\n")}`),
    );
  })();
  let cdp: Cdp | undefined;
  const stop = async () => {
    await cdp?.close().catch(() => {});
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 5000);
    await child.status;
    clearTimeout(timer);
    await drain.catch(() => {});
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  };
  try {
    const timeout = setTimeout(
      () => found.reject(new Error("chromium did not start within 30 s")),
      30_000,
    );
    const wsUrl = await found.promise.finally(() => clearTimeout(timeout));
    cdp = await Cdp.connect(wsUrl);
  } catch (e) {
    await stop();
    throw e;
  }
  const browserCdp = cdp;
  return {
    async newPage(opts = {}) {
      const { targetId } = await browserCdp.send("Target.createTarget", { url: "about:blank" });
      const { sessionId } = await browserCdp.send("Target.attachToTarget", {
        targetId,
        flatten: true,
      });
      const page = new Page(browserCdp, sessionId as string);
      await browserCdp.send("Page.enable", {}, sessionId as string);
      await browserCdp.send("Runtime.enable", {}, sessionId as string);
      await page.setViewport(opts.width ?? 1280, opts.height ?? 800);
      return page;
    },
    close: stop,
  };
}

/** Serves a fetch handler over real HTTP on 127.0.0.1 (a free port). */
export function serveApp(
  fetch: (req: Request) => Response | Promise<Response>,
): Promise<{ url: string; close(): Promise<void> }> {
  const { promise, resolve } = Promise.withResolvers<{ url: string; close(): Promise<void> }>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: (addr) =>
      resolve({
        url: `http://127.0.0.1:${addr.port}`,
        close: () => server.shutdown(),
      }),
  }, fetch);
  return promise;
}
