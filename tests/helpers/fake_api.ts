/**
 * A stand-in source API over real HTTP whose answers a test scripts request
 * by request: the way to inject 503s, bad bodies and broken connections.
 */
export type Answer = (req: Request) => Response | Promise<Response>;

export interface FakeApi {
  url: string;
  /** Requests seen so far (URL and headers, read when they arrived). */
  requests: { url: string; headers: Headers }[];
  /** Answers for the next requests, in order; the last one repeats. */
  answer(...answers: Answer[]): void;
  close(): Promise<void>;
}

export function startFakeApi(): FakeApi {
  let answers: Answer[] = [() => new Response("no answer scripted", { status: 500 })];
  const requests: FakeApi["requests"] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    requests.push({ url: req.url, headers: new Headers(req.headers) });
    const next = answers.length > 1 ? answers.shift()! : answers[0];
    return next(req);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    answer(...a) {
      answers = a;
    },
    close: () => server.shutdown(),
  };
}

export const csv = (body: string, status = 200): Answer => () =>
  new Response(body, { status, headers: { "content-type": "text/csv; charset=utf-8" } });

export const status = (code: number, text = `status ${code}`): Answer => () =>
  new Response(JSON.stringify({ error: text }), {
    status: code,
    headers: { "content-type": "application/json" },
  });

/** Sends `head`, then breaks the connection mid-body. */
export const brokenAfter = (head: string): Answer => () => {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode(head));
    },
    pull(c) {
      c.error(new Error("connection reset by test"));
    },
  });
  return new Response(body, { headers: { "content-type": "text/csv" } });
};

/** CSV of readings every `everySeconds` over a UTC day, values from `f(secondOfDay)`. */
export function dayCsv(
  day: string,
  everySeconds: number,
  f: (s: number) => [number | null, number | null] = (s) => [
    5 + Math.sin(s / 3000) * 3,
    1000 + Math.cos(s / 5000) * 500,
  ],
): string {
  const start = Date.parse(`${day}T00:00:00Z`);
  const lines = ["timestamp,wind_speed,power"];
  for (let s = 0; s < 86400; s += everySeconds) {
    const [w, p] = f(s);
    const ts = new Date(start + s * 1000).toISOString().replace(".000Z", "Z");
    lines.push(`${ts},${w ?? ""},${p ?? ""}`);
  }
  return lines.join("\n") + "\n";
}
