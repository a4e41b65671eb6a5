import { ResponseError } from "../errors/ResponseError.ts";
import { raceSignal } from "./deadline.ts";

/**
 * Reads a response body into one buffer, refusing it as soon as it passes `maxBytes` (checked
 * against Content-Length first, then while streaming), so an oversized answer is never buffered.
 *
 * With a Content-Length the buffer is allocated once at that size and each chunk is copied in as
 * it arrives and let go: the body is held once while it streams in, not twice as chunks plus
 * their concatenation (`res.arrayBuffer()` holds both). On a 4 MB vector that halves the
 * off-heap memory a call holds at its peak, and with it how often V8 collects to reclaim it.
 */
export async function readBody(
  response: Response,
  maxBytes: number,
  endpoint: string,
  signal: AbortSignal = new AbortController().signal,
): Promise<Uint8Array> {
  const header = response.headers.get("content-length");
  const declared = header === null ? Number.NaN : Number(header);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(endpoint, response.status, `Content-Length ${declared}`, maxBytes);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  // A compressed answer's Content-Length is its compressed size, not what fetch hands us.
  const sized = Number.isSafeInteger(declared) && declared >= 0 && !response.headers.has("content-encoding");
  const sink = new BodySink(sized ? declared : undefined, maxBytes);
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      // Our deadline ends the read even if the stream does not error when the fetch is aborted.
      chunk = await raceSignal(reader.read(), signal);
    } catch (error) {
      reader.cancel().catch(() => {});
      throw error;
    }
    const { done, value } = chunk;
    if (done) break;
    if (sink.total + value.byteLength > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(endpoint, response.status, `more than ${maxBytes} bytes`, maxBytes);
    }
    sink.add(value);
  }
  return sink.bytes();
}

/**
 * Collects a body's chunks: into one buffer of the declared size when there is one, or as a list
 * concatenated at the end when there is not. A body that outgrows its declared size (a server
 * that got it wrong) goes on as a list from there: it costs one copy at the end, never bytes,
 * and never a buffer larger than the body.
 */
class BodySink {
  total = 0;
  #buffer: Uint8Array | undefined;
  #chunks: Uint8Array[] = [];

  constructor(declared: number | undefined, maxBytes: number) {
    // A zero or absent length gives no buffer: chunks are kept (a single one is returned as is).
    if (declared !== undefined && declared > 0) this.#buffer = new Uint8Array(Math.min(declared, maxBytes));
  }

  add(chunk: Uint8Array): void {
    const end = this.total + chunk.byteLength;
    if (this.#buffer !== undefined && end > this.#buffer.byteLength) {
      // Wrong about its length: what came so far becomes the first chunk of a list.
      this.#chunks.push(this.#buffer.subarray(0, this.total));
      this.#buffer = undefined;
    }
    if (this.#buffer === undefined) this.#chunks.push(chunk);
    else this.#buffer.set(chunk, this.total);
    this.total = end;
  }

  bytes(): Uint8Array {
    if (this.#buffer !== undefined) return this.#buffer.subarray(0, this.total);
    if (this.#chunks.length === 1) return this.#chunks[0]!;
    const body = new Uint8Array(this.total);
    let offset = 0;
    for (const chunk of this.#chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return body;
  }
}

/** Discards a body we will not read, so the connection can be reused. */
export async function discardBody(response: Response, signal: AbortSignal): Promise<void> {
  const cancelled = response.body?.cancel();
  if (cancelled) await raceSignal(cancelled, signal).catch(() => {});
}

function tooLarge(endpoint: string, status: number, size: string, maxBytes: number): ResponseError {
  return new ResponseError(
    `${endpoint} sent ${size}, over maxResponseBytes (${maxBytes}); narrow the query or raise maxResponseBytes`,
    { endpoint, status },
  );
}
