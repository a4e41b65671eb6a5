import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest } from "../support/http.ts";
import * as stub from "../support/stubServer.ts";

/** The stub server's fault handlers: status sequences, latency, dripped and cut bodies, stalls. */

describe("stub server", () => {
  let server: stub.StubServer;
  beforeAll(async () => {
    server = await stub.startStubServer(stub.jsonBody(503, { status: "error" }, { "retry-after": "1" }));
  });
  afterAll(() => server?.close());
  const get = (timeoutMs = 2000) => httpRequest(server.url, { timeoutMs });

  it("serves JSON, text and sequences, and counts requests", async () => {
    const before = server.requests;
    const json = await get();
    expect([json.status, json.headers["retry-after"], json.body]).toEqual([503, "1", '{"status":"error"}']);
    server.setHandler(stub.sequence(stub.textBody(502, "bad gateway"), stub.withLatency(50)));
    expect((await get()).status).toBe(502);
    const started = Date.now();
    expect(JSON.parse((await get()).body)).toEqual(stub.EMPTY_VECTOR_BODY);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(server.requests - before).toBe(3);
  });

  it("drips a body slowly but completely, and cuts one short", async () => {
    server.setHandler(stub.dripBody(20, 5));
    expect(JSON.parse((await get()).body)).toEqual(stub.EMPTY_VECTOR_BODY);
    server.setHandler(stub.closeMidBody());
    await expect(get()).rejects.toThrow();
  });

  it("stalls without answering, or after the headers, until the client gives up", async () => {
    server.setHandler(stub.neverAnswers());
    await expect(get(100)).rejects.toThrow(/no complete answer within 100 ms/);
    server.setHandler(stub.headersThenStall());
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = http.get(server.url, { agent: false }, (res) => {
        resolve(res.statusCode);
        req.destroy();
      });
      req.on("error", reject);
    });
    expect(status).toBe(200);
    await expect(get(100)).rejects.toThrow(/within 100 ms/);
  });

  it("close() ends even with a connection the handler keeps open", async () => {
    const hung = await stub.startStubServer(stub.neverAnswers());
    const pending = httpRequest(hung.url, { timeoutMs: 5000 }).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hung.openSockets()).toBe(1);
    await hung.close();
    expect(hung.openSockets()).toBe(0);
    expect(await pending).toBeInstanceOf(Error);
  });
});
