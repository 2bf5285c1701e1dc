import { ConfigError, tokenProblem } from "./settings.ts";

/**
 * The API token of the embedded demo: generated once, kept in
 * `<DATA_DIR>/api-token` (mode 0600) so that restarts and the ETL runner,
 * which reads the same file, agree on it.
 */
export interface DemoToken {
  token: string;
  path: string;
  /** True when this call created it. */
  created: boolean;
}

export function tokenPath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, "")}/api-token`;
}

export async function demoToken(dataDir: string): Promise<DemoToken> {
  const path = tokenPath(dataDir);
  const existing = await readToken(path);
  if (existing) return { token: existing, path, created: false };
  await Deno.mkdir(dataDir, { recursive: true });
  const token = Array.from(
    crypto.getRandomValues(new Uint8Array(24)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  try {
    // createNew: if another process wrote one meanwhile, use theirs.
    await Deno.writeTextFile(path, token + "\n", { mode: 0o600, createNew: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    const theirs = await readToken(path);
    if (theirs) return { token: theirs, path, created: false };
    throw new Error(`${path} is empty: delete it to have a new token generated, or set API_TOKEN`);
  }
  return { token, path, created: true };
}

/** The token in `path`, or null when the file is missing or empty; one that is no token is refused. */
export async function readToken(path: string): Promise<string | null> {
  let token: string;
  try {
    token = (await Deno.readTextFile(path)).trim();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  if (!token) return null;
  const problem = tokenProblem(token);
  if (problem) {
    throw new ConfigError(
      `the token in ${path} ${problem}: delete the file to have a new one generated, or set API_TOKEN`,
    );
  }
  return token;
}
