/**
 * Swagger UI at /docs, with its files served by this app from the
 * swagger-ui-dist package in node_modules: the page needs no internet access.
 */
import { Hono } from "hono";
import type { ErrorBody } from "./errors.ts";

const DIST = new URL("../node_modules/swagger-ui-dist/", import.meta.url);

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>windbin source API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// A file rather than an inline script, so the page works under a strict CSP.
const INIT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
});
`;

export function docsRoutes(): Hono {
  const app = new Hono();
  // Read on first use and kept: a few MB, and the files never change while we run.
  const cache = new Map<string, Promise<Uint8Array>>();

  app.get("/docs", (c) => c.html(PAGE));
  app.get(
    "/docs/init.js",
    (c) => c.body(INIT, 200, { "Content-Type": ASSETS["swagger-ui-bundle.js"] }),
  );
  app.get("/docs/:file", async (c) => {
    const file = c.req.param("file");
    if (!Object.hasOwn(ASSETS, file)) {
      return c.json<ErrorBody>({ error: "not_found", message: `no such docs file: ${file}` }, 404);
    }
    let bytes = cache.get(file);
    if (!bytes) {
      bytes = Deno.readFile(new URL(file, DIST));
      cache.set(file, bytes);
      bytes.catch(() => cache.delete(file));
    }
    let data: Uint8Array;
    try {
      data = await bytes;
    } catch (e) {
      console.error(`/docs: cannot read ${file} from ${DIST.pathname}: ${(e as Error).message}`);
      return c.json<ErrorBody>({
        error: "docs_unavailable",
        message: "the Swagger UI files are not installed; run `deno install` in the project",
      }, 503);
    }
    return c.body(data as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": ASSETS[file],
      "Cache-Control": "public, max-age=86400",
    });
  });
  return app;
}
