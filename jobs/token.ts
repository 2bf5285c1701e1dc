/**
 * The token the runner sends to the source API: API_TOKEN, or on the embedded
 * demo the one `deno task serve` generated and keeps in DATA_DIR/api-token.
 */
import { type Config, ConfigError } from "../config/config.ts";
import { readToken, tokenPath } from "../config/token_file.ts";

export async function resolveApiToken(cfg: Config): Promise<string> {
  if (cfg.apiToken) return cfg.apiToken;
  const path = tokenPath(cfg.dataDir);
  const token = await readToken(path);
  if (token) return token;
  throw new ConfigError(
    `API_TOKEN is not set and ${path} does not exist or is empty. Set API_TOKEN to the source API's token ` +
      `(on the embedded demo, start the API once with \`deno task serve\`: it writes that file).`,
  );
}
