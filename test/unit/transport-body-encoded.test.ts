import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { readBody } from "../../src/transport/body.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";

let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

describe("readBody's single buffer", () => {
  it("a gzip answer's Content-Length (the compressed size) is not taken for the body's", async () => {
    // 5 MB of JSON that compresses to a few kB; the cap is 6 MB, so the body is within it.
    const json = Buffer.from(JSON.stringify({ status: "success", data: "x".repeat(5_000_000) }));
    const gz = gzipSync(json);
    stub = await startStubServer((req, res) => {
      req.resume();
      res.writeHead(200, {
        "content-type": "application/json",
        "content-encoding": "gzip",
        "content-length": gz.length,
      });
      res.end(gz);
    });
    const maxBytes = 6_000_000;
    const response = await fetch(stub.url);
    const bytes = await readBody(response, maxBytes, "stub");
    expect(bytes.byteLength).toBe(json.length);
    // Neither a buffer doubled from the compressed length nor one past maxResponseBytes is held.
    expect(bytes.buffer.byteLength).toBeLessThanOrEqual(maxBytes);
  });
});
