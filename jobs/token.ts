/**
 * The token the runner sends to the source API: API_TOKEN, or on the embedded
 * demo the one `deno task serve` generated and keeps in DATA_DIR/api-token.
 */
import { type Config, ConfigError } from "../config.ts";

export async function resolveApiToken(cfg: Config): Promise<string> {
  if (cfg.apiToken) return cfg.apiToken;
  const path = `${cfg.dataDir.replace(/\/+$/, "")}/api-token`;
  try {
    const token = (await Deno.readTextFile(path)).trim();
    if (token) return token;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  throw new ConfigError(
    `API_TOKEN is not set and ${path} does not exist. Set API_TOKEN to the source API's token ` +
      `(on the embedded demo, start the API once with \`deno task serve\`: it writes that file).`,
  );
}
