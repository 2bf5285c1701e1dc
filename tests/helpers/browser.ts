/**
 * A real headless Chromium for the status page tests: Debian's `chromium` package,
 * driven by playwright-core (never `npx playwright install`). A fresh profile
 * (`--user-data-dir`) under tests/.artifacts/ for each launch, removed on close.
 *
 * Without chromium the tests fail loudly (CI installs it: `.ci/run`). Setting
 * `CHROMIUM=skip` turns them into ignored tests, for machines that cannot have it;
 * `CHROMIUM=/path/to/chromium` uses another binary.
 */
import { type BrowserContext, chromium } from "playwright-core";

const env = Deno.env.get("CHROMIUM") ?? "";
export const CHROMIUM_SKIPPED = env === "skip";
export const CHROMIUM_PATH = env && env !== "skip" ? env : "/usr/bin/chromium";
export const ARTIFACTS = new URL("../.artifacts/", import.meta.url);

if (CHROMIUM_SKIPPED) {
  console.warn("CHROMIUM=skip: the status page browser tests are ignored.");
}

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

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

/** Launches chromium with a fresh profile; `close()` ends it and removes the profile. */
export async function launchBrowser(): Promise<Browser> {
  assertChromium();
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  const profile = await Deno.makeTempDir({ dir: ARTIFACTS.pathname, prefix: "profile-" });
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
      timeout: 30_000,
    });
    return {
      context,
      async close() {
        try {
          await context.close();
        } finally {
          await Deno.remove(profile, { recursive: true }).catch(() => {});
        }
      },
    };
  } catch (e) {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
    throw e;
  }
}

/** Serves a Hono-like app over real HTTP on 127.0.0.1 (a free port). */
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
