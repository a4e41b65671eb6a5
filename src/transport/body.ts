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
  const sink = new BodySink(Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined);
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
 * Collects a body's chunks: into one buffer of the declared size when there is one (a body that
 * outgrows it moves to a larger buffer, so a wrong Content-Length costs a copy, never bytes), or
 * as a list concatenated at the end when there is not.
 */
class BodySink {
  total = 0;
  #buffer: Uint8Array | undefined;
  #chunks: Uint8Array[] = [];

  constructor(declared: number | undefined) {
    // A zero or absent length gives no buffer: chunks are kept (a single one is returned as is).
    if (declared !== undefined && declared > 0) this.#buffer = new Uint8Array(declared);
  }

  add(chunk: Uint8Array): void {
    const end = this.total + chunk.byteLength;
    if (this.#buffer === undefined) {
      this.#chunks.push(chunk);
    } else {
      if (end > this.#buffer.byteLength) {
        const larger = new Uint8Array(Math.max(end, this.#buffer.byteLength * 2));
        larger.set(this.#buffer.subarray(0, this.total));
        this.#buffer = larger;
      }
      this.#buffer.set(chunk, this.total);
    }
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
