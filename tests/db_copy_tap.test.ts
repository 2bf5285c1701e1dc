/**
 * The COPY tap's protocol parsing, byte by byte: whatever way the socket splits
 * the stream, the rows come out of the tap and every other byte reaches the
 * driver unchanged and in order. (The tap against a real server is covered by
 * the adapter, stream and API tests.)
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { Buffer } from "node:buffer";
import type net from "node:net";
import { CopyTap } from "../db/copy_tap.ts";

const enc = new TextEncoder();

function msg(type: string, body: Uint8Array | string): Uint8Array {
  const b = typeof body === "string" ? enc.encode(body) : body;
  const out = new Uint8Array(5 + b.length);
  out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setUint32(1, 4 + b.length);
  out.set(b, 5);
  return out;
}

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

const COPY_OUT_RESPONSE = msg("H", new Uint8Array([0, 0, 2, 0, 0, 0, 0]));
const ROWS = ["2024-01-02T00:00:00Z,1.5\n", "2024-01-02T00:00:01Z,\n", "x".repeat(300) + "\n"];
const NOTICE = msg("N", "SNOTICE\0Mhello\0\0");

/** A stream as the server sends it: what the driver must see, and the row bytes. */
function copyStream(ending: "done" | "error") {
  const before = [msg("S", "TimeZone\0UTC\0"), COPY_OUT_RESPONSE];
  const rows = ROWS.map((r) => msg("d", r));
  const end = ending === "done"
    ? [msg("c", ""), msg("C", "COPY 3\0"), msg("Z", "I")]
    : [msg("E", "SERROR\0C57014\0Mcanceled\0\0"), msg("Z", "I")];
  const all = concat([...before, rows[0], NOTICE, rows[1], rows[2], ...end]);
  const driver = concat([...before, NOTICE, ...end]);
  return { all, driver, rows: ROWS.join("") };
}

class FakeSocket extends EventEmitter {
  pauses = 0;
  resumes = 0;
  pause() {
    this.pauses++;
    return this;
  }
  resume() {
    this.resumes++;
    return this;
  }
}

function tapped(blockSize?: number, maxQueued?: number) {
  const socket = new FakeSocket();
  const tap = new CopyTap(blockSize, maxQueued);
  tap.attach(socket as unknown as net.Socket);
  const driver: Uint8Array[] = [];
  socket.on("data", (b: Uint8Array) => driver.push(new Uint8Array(b)));
  return { socket, tap, driver };
}

async function drain(tap: CopyTap): Promise<string> {
  let out = "";
  for (let b = await tap.next(); b; b = await tap.next()) out += new TextDecoder().decode(b);
  return out;
}

function splits(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

Deno.test("copy tap: rows out, everything else to the driver, at every split point", async () => {
  const { all, driver: expected, rows } = copyStream("done");
  for (let i = 1; i < all.length; i++) {
    const { socket, tap, driver } = tapped(64);
    tap.begin();
    for (const chunk of splits(all, [i])) socket.emit("data", chunk);
    assert.equal(await drain(tap), rows, `split at ${i}`);
    assert.deepEqual(concat(driver), expected, `split at ${i}`);
    tap.end();
  }
});

Deno.test("copy tap: one byte at a time, and two splits everywhere near the headers", async () => {
  const { all, driver: expected, rows } = copyStream("done");
  const oneByOne = tapped(16);
  oneByOne.tap.begin();
  for (let i = 0; i < all.length; i++) oneByOne.socket.emit("data", all.subarray(i, i + 1));
  assert.equal(await drain(oneByOne.tap), rows);
  assert.deepEqual(concat(oneByOne.driver), expected);
  for (let i = 1; i < 40; i++) {
    for (let j = i + 1; j < all.length; j += 7) {
      const { socket, tap, driver } = tapped();
      tap.begin();
      for (const chunk of splits(all, [i, j])) socket.emit("data", chunk);
      assert.equal(await drain(tap), rows, `splits at ${i}, ${j}`);
      assert.deepEqual(concat(driver), expected, `splits at ${i}, ${j}`);
    }
  }
});

Deno.test("copy tap: outside a COPY every byte goes to the driver", () => {
  const { socket, tap, driver } = tapped();
  const bytes = concat([msg("T", "whatever"), msg("d", "not a copy row"), msg("Z", "I")]);
  for (const chunk of splits(bytes, [3, 11])) socket.emit("data", chunk);
  assert.deepEqual(concat(driver), bytes);
  void tap;
});

Deno.test("copy tap: an ErrorResponse ends the COPY as a failure, reported by fail()", async () => {
  const { all, driver: expected } = copyStream("error");
  const { socket, tap, driver } = tapped(8);
  tap.begin();
  socket.emit("data", all);
  assert.deepEqual(concat(driver), expected);
  assert.ok(await tap.next(), "blocks before the error are there");
  tap.fail(new Error("canceling statement due to user request"));
  await assert.rejects(tap.next(), /canceling statement/, "the error comes before the rest");

  // A reader already waiting (no full block yet) is woken by the error.
  const waiting = tapped();
  waiting.tap.begin();
  waiting.socket.emit("data", all);
  const pending = waiting.tap.next();
  waiting.tap.fail(new Error("boom"));
  await assert.rejects(pending, /boom/);
});

Deno.test("copy tap: pauses the socket when blocks queue up, resumes as they are read", async () => {
  const { all, rows } = copyStream("done");
  // Up to the end of the second row: 47 row bytes, five blocks of 8 (and 7 bytes pending).
  const end = concat([
    msg("S", "TimeZone\0UTC\0"),
    COPY_OUT_RESPONSE,
    msg("d", ROWS[0]),
    NOTICE,
    msg("d", ROWS[1]),
  ]).length;
  const { socket, tap } = tapped(8, 4);
  tap.begin();
  socket.emit("data", all.subarray(0, end));
  assert.equal(socket.pauses, 1, "paused once 4 blocks are queued");
  let out = "";
  for (let i = 0; i < 3; i++) out += new TextDecoder().decode((await tap.next())!);
  assert.equal(socket.resumes, 0, "still paused with 2 blocks queued");
  out += new TextDecoder().decode((await tap.next())!);
  assert.equal(socket.resumes, 1, "resumed once fewer than 2 are queued");
  socket.emit("data", all.subarray(end));
  assert.equal(out + await drain(tap), rows);
});

Deno.test("copy tap: a reader that leaves discards the rest and still sees the end", async () => {
  const { all, driver: expected } = copyStream("done");
  const { socket, tap, driver } = tapped(8, 100);
  tap.begin();
  socket.emit("data", all.subarray(0, 60));
  assert.ok(await tap.next());
  tap.discard();
  socket.emit("data", all.subarray(60));
  await tap.settled();
  assert.deepEqual(concat(driver), expected);
  assert.equal(await tap.next(), null);
});
