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

export const status = (code: number, text = `status ${code}`): Answer => () =>
  new Response(JSON.stringify({ error: text }), {
    status: code,
    headers: { "content-type": "application/json" },
  });

/** A `/data` answer in PostgreSQL's binary COPY format (what the runner asks for). */
export const copy = (body: Uint8Array, status = 200): Answer => () =>
  new Response(body as BodyInit, { status, headers: { "content-type": "application/x-pgcopy" } });

/** Sends `head`, then breaks the connection mid-body. */
export const brokenAfter = (head: Uint8Array): Answer => () => {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(head);
    },
    pull(c) {
      c.error(new Error("connection reset by test"));
    },
  });
  return new Response(body, { headers: { "content-type": "application/x-pgcopy" } });
};

/** One reading: its turbine (default `default`), instant (ISO 8601, to the microsecond) and values. */
export interface Reading {
  turbine?: string;
  at: string;
  values: (number | null)[];
}

// The binary COPY format, written independently of the runner's reader: header, tuples, trailer.
const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
export const COPY_HEADER = new Uint8Array([...SIGNATURE, 0, 0, 0, 0, 0, 0, 0, 0]);
export const COPY_TRAILER = new Uint8Array([0xff, 0xff]);
const US_2000 = 946_684_800_000_000n;

/** A field's bytes: text (UTF-8), an instant (int64 µs since 2000), a float8, or NULL. */
export type Field = Uint8Array | null;
export const textField = (s: string): Field => new TextEncoder().encode(s);
export function instantField(iso: string): Field {
  const us = Temporal.Instant.from(iso).epochNanoseconds / 1000n - US_2000;
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, us);
  return b;
}
export function float8Field(x: number | null): Field {
  if (x === null) return null;
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x);
  return b;
}

/** One tuple: int16 field count, then per field an int32 length (-1 for NULL) and its bytes. */
export function tuple(fields: Field[]): Uint8Array {
  const size = 2 + fields.reduce((n, f) => n + 4 + (f?.length ?? 0), 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setInt16(0, fields.length);
  let o = 2;
  for (const f of fields) {
    v.setInt32(o, f ? f.length : -1);
    o += 4;
    if (f) {
      out.set(f, o);
      o += f.length;
    }
  }
  return out;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A whole body: header, one tuple per reading (turbine, timestamp, values...), trailer. */
export function copyBody(readings: Iterable<Reading>, { trailer = true } = {}): Uint8Array {
  const parts: Uint8Array[] = [COPY_HEADER];
  for (const r of readings) {
    parts.push(tuple([
      textField(r.turbine ?? "default"),
      instantField(r.at),
      ...r.values.map(float8Field),
    ]));
  }
  if (trailer) parts.push(COPY_TRAILER);
  return concatBytes(parts);
}

/** Readings every `everySeconds` over a UTC day, values from `f(secondOfDay)`. */
export function dayReadings(
  day: string,
  everySeconds: number,
  f: (s: number) => [number | null, number | null] = (s) => [
    5 + Math.sin(s / 3000) * 3,
    1000 + Math.cos(s / 5000) * 500,
  ],
): Reading[] {
  const start = Date.parse(`${day}T00:00:00Z`);
  const out: Reading[] = [];
  for (let s = 0; s < 86400; s += everySeconds) {
    out.push({ at: new Date(start + s * 1000).toISOString(), values: f(s) });
  }
  return out;
}

/** The binary COPY body of `dayReadings(...)`. */
export const dayCopy = (...args: Parameters<typeof dayReadings>): Uint8Array =>
  copyBody(dayReadings(...args));
