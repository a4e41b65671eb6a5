import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { ResponseError } from "../../src/index.ts";
import { readBody } from "../../src/transport/body.ts";
import { makeClient, mockPrometheus, QUERY_URL, rejection } from "./promMock.ts";

const server = mockPrometheus();
const CHUNK = new TextEncoder().encode(`${" ".repeat(1023)}\n`);

/** An endless body of 1 KiB chunks that counts how many were pulled and whether it was cancelled. */
function endlessBody() {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled++;
      controller.enqueue(CHUNK);
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

describe("maxResponseBytes", () => {
  it("a Content-Length over the cap is refused before reading the body", async () => {
    const { stream, state } = endlessBody();
    server.use(
      http.post(
        QUERY_URL,
        () => new HttpResponse(stream, { headers: { "content-length": String(10 * 1024 * 1024) } }),
      ),
    );
    const error = await rejection(makeClient({ maxResponseBytes: 1024 * 1024 }).query("up"));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error).toMatchObject({ status: 200, endpoint: QUERY_URL });
    expect(error.message).toBe(
      `${QUERY_URL} sent Content-Length 10485760, over maxResponseBytes (1048576); narrow the query or raise maxResponseBytes`,
    );
    // Only what the fetch pipeline buffers ahead was ever produced; the rest was cancelled.
    expect(state.pulled).toBeLessThan(1024);
    await expect.poll(() => state.cancelled).toBe(true);
  });

  it("a body without Content-Length is refused while streaming, not buffered to the end", async () => {
    const { stream, state } = endlessBody();
    server.use(
      http.post(
        QUERY_URL,
        () => new HttpResponse(stream, { headers: { "content-type": "application/json" } }),
      ),
    );
    const error = await rejection(makeClient({ maxResponseBytes: 64 * 1024 }).query("up"));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toContain("sent more than 65536 bytes, over maxResponseBytes (65536)");
    // An endless body: the call could only end by stopping the stream.
    expect(state.pulled).toBeLessThan(200);
    await expect.poll(() => state.cancelled).toBe(true);
  });

  it("an oversized answer is not retried, also on a retryable status", async () => {
    let requests = 0;
    server.use(
      http.post(QUERY_URL, () => {
        requests++;
        return new HttpResponse("x".repeat(4096), { status: 503 });
      }),
    );
    expect(await rejection(makeClient({ maxResponseBytes: 1024 }).query("up"))).toBeInstanceOf(ResponseError);
    expect(requests).toBe(1);
  });

  it("a body exactly at the cap is accepted", async () => {
    const body = JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } });
    server.use(http.post(QUERY_URL, () => new HttpResponse(body)));
    const r = await makeClient({ maxResponseBytes: Buffer.byteLength(body) }).query("up");
    expect(r.data.resultType).toBe("vector");
  });
});

describe("readBody", () => {
  it("joins many chunks into one buffer", async () => {
    const parts = ["ab", "cd", "e"].map((s) => new TextEncoder().encode(s));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of parts) controller.enqueue(p);
        controller.close();
      },
    });
    const bytes = await readBody(new Response(stream), 100, "e");
    expect(new TextDecoder().decode(bytes)).toBe("abcde");
  });

  it("an empty body is zero bytes", async () => {
    expect(await readBody(new Response(null, { status: 204 }), 10, "e")).toHaveLength(0);
  });

  /** A response streaming `parts` with a Content-Length header of `length` (true or not). */
  function declared(parts: string[], length: number): Response {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of parts) controller.enqueue(new TextEncoder().encode(p));
        controller.close();
      },
    });
    return new Response(stream, { headers: { "content-length": String(length) } });
  }

  it("fills one buffer of the declared length, chunk by chunk", async () => {
    const bytes = await readBody(declared(["ab", "cd", "e"], 5), 100, "e");
    expect(new TextDecoder().decode(bytes)).toBe("abcde");
    expect(bytes.buffer.byteLength).toBe(5); // no second buffer for a concatenation
  });

  it("keeps every byte when the body is longer than its Content-Length says", async () => {
    const bytes = await readBody(declared(["abc", "defg", "hij"], 4), 100, "e");
    expect(new TextDecoder().decode(bytes)).toBe("abcdefghij");
  });

  it("returns only the bytes that came when the body is shorter than declared", async () => {
    const bytes = await readBody(declared(["ab", "c"], 50), 100, "e");
    expect(new TextDecoder().decode(bytes)).toBe("abc");
  });

  it("takes a Content-Length of 0 that is wrong, and one that is not a number", async () => {
    expect(new TextDecoder().decode(await readBody(declared(["xy"], 0), 100, "e"))).toBe("xy");
    const odd = new Response("xyz", { headers: { "content-length": "3, 3" } });
    expect(new TextDecoder().decode(await readBody(odd, 100, "e"))).toBe("xyz");
  });

  it("refuses a body that streams past maxBytes though its Content-Length was under it", async () => {
    await expect(readBody(declared(["abcd", "efgh"], 4), 6, "https://p/api")).rejects.toMatchObject({
      name: "ResponseError",
      message: expect.stringContaining("more than 6 bytes"),
    });
  });
});
