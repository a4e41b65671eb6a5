import { ResponseError } from "../errors/ResponseError.ts";
import { raceSignal } from "./deadline.ts";

/**
 * Reads a response body into one buffer, refusing it as soon as it passes `maxBytes` (checked
 * against Content-Length first, then while streaming), so an oversized answer is never buffered.
 */
export async function readBody(
  response: Response,
  maxBytes: number,
  endpoint: string,
  signal: AbortSignal = new AbortController().signal,
): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(endpoint, response.status, `Content-Length ${declared}`, maxBytes);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
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
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(endpoint, response.status, `more than ${maxBytes} bytes`, maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
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
