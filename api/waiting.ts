/**
 * What a long-running server answers while it waits for its database (the
 * source API, and the runner's status page): 503 with Retry-After on every
 * path; /health says what it waits for (no host, no error text: it needs no
 * login).
 */
export type Handler = (req: Request) => Response | Promise<Response>;

export function waitingHandler(what: string): Handler {
  return (req) => {
    const path = new URL(req.url).pathname;
    const body = path === "/health"
      ? { status: "waiting", waiting_for: what }
      : { error: "starting", message: `waiting for ${what}; try again shortly` };
    return Response.json(body, { status: 503, headers: { "Retry-After": "5" } });
  };
}
