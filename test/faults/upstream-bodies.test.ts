import { afterEach, describe, expect, it } from "vitest";
import { PrometheusError, ResponseError, UnavailableError } from "../../src/index.ts";
import type { StubHandler } from "../support/stubServer.ts";
import { failure, settle } from "./helpers.ts";
import { closeTrackedStubs, startTrackedStub } from "./trackedStub.ts";

/**
 * Answers a server should never send: an endless body, a Content-Length far over the cap, a body
 * that is not the gzip it claims, headers too large to parse, a connection reset before any
 * answer. Each call ends with a typed error well within its deadline, and its connection is
 * released.
 */

const DEADLINE_MS = 3_000;
afterEach(closeTrackedStubs);

async function setup(handler: StubHandler) {
  const { stub, client, carriedClosed, close } = await startTrackedStub(handler, {
    timeout: DEADLINE_MS,
    maxResponseBytes: 1024 * 1024,
    retry: { limit: 1, baseDelayMs: 10, maxDelayMs: 20 },
  });
  /** With `pooled`, the answer was read whole: its connection may wait in the pool until close(). */
  const released = async (pooled = false) => {
    if (!pooled) await carriedClosed("every connection that carried a request is closed");
    await close();
  };
  return { stub, client, released };
}

describe("answers no server should send", () => {
  it("an endless body is refused once past maxResponseBytes, while streaming", async () => {
    let sent = 0;
    const { stub, client, released } = await setup((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once("drain", pump);
      };
      res.write('{"status":"success","data":');
      pump();
    });
    const r = await settle(() => client.query("up"));
    const error = failure(r);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toContain("over maxResponseBytes (1048576)");
    expect(r.ms).toBeLessThan(DEADLINE_MS);
    expect(stub.requests).toBe(1); // a body over the cap is not retried
    await released();
    expect(sent).toBeLessThan(64 * 1024 * 1024); // it stopped reading, the server stopped writing
  });

  it("a Content-Length over maxResponseBytes is refused before reading", async () => {
    const { client, released } = await setup((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json", "content-length": String(10 * 1024 ** 3) });
      res.write("{");
    });
    const r = await settle(() => client.query("up"));
    expect(failure(r)).toBeInstanceOf(ResponseError);
    expect(failure(r).message).toContain("Content-Length 10737418240");
    await released();
  });

  it("a body that is not the gzip it claims: a typed error", async () => {
    const { client, released } = await setup((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end("this is not gzip at all");
    });
    const r = await settle(() => client.query("up"));
    expect(failure(r)).toBeInstanceOf(PrometheusError);
    expect(r.ms).toBeLessThan(DEADLINE_MS);
    await released(true);
  });

  it("headers too large to parse: UnavailableError", async () => {
    const { client, released } = await setup((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json", "x-huge": "x".repeat(200_000) });
      res.end("{}");
    });
    const r = await settle(() => client.query("up"));
    expect(failure(r)).toBeInstanceOf(UnavailableError);
    expect(r.ms).toBeLessThan(DEADLINE_MS);
    await released();
  });

  it("a connection reset before any answer: retried, then UnavailableError", async () => {
    const { stub, client, released } = await setup((req) => {
      req.socket.resetAndDestroy();
    });
    const r = await settle(() => client.query("up"));
    const error = failure(r);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toMatch(/reset|closed the connection/);
    expect(stub.requests).toBe(2);
    await released();
  });

  it("a 200 whose body is an HTML login page: ResponseError naming it", async () => {
    const { client, released } = await setup((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!DOCTYPE html><html><body>Sign in</body></html>");
    });
    const error = failure(await settle(() => client.query("up")));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toContain("HTML");
    await released(true);
  });
});
