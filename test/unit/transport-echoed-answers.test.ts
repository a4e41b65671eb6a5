import { afterEach, describe, expect, it } from "vitest";
import { bearerAuth, headerAuth, PrometheusClient } from "../../src/index.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";

let stub: StubServer | undefined;
const clients: PrometheusClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ graceMs: 0 })));
  await stub?.close();
  stub = undefined;
});

/** A proxy that echoes the request's headers in its 401 text, after `pad` characters of prose. */
function echoingProxy(pad: number) {
  return startStubServer((req, res) => {
    req.resume();
    const { authorization, ...rest } = req.headers;
    const lines = Object.entries(rest).map(([k, v]) => `${k}: ${String(v)}`);
    if (authorization !== undefined) lines.unshift(`authorization: ${authorization}`);
    res.writeHead(401, { "content-type": "text/plain; charset=utf-8" });
    res.end(`${"x".repeat(pad)} denied; request headers were:\n${lines.join("\n")}`);
  });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("echoed credentials", () => {
  it("a long token the 512-character detail limit would cut is masked before the cut", async () => {
    stub = await echoingProxy(400);
    const token = `eyJ${"A1b2C3d4".repeat(40)}`; // a JWT-sized bearer token (323 chars)
    const client = new PrometheusClient({ url: stub.url, auth: bearerAuth({ token }), retry: false });
    clients.push(client);
    const error = await failure(client.query("up"));
    expect(error.message).toContain("denied");
    // Masked first, then cut: a token cut in two could not be recognised, and its start would show.
    expect(error.message).toContain("authorization: ***");
    expect(error.message).not.toContain(token.slice(0, 16));
  });

  it("a static header whose name says credential is masked; other static headers stay readable", async () => {
    stub = await echoingProxy(0);
    const client = new PrometheusClient({
      url: stub.url,
      headers: { "X-Api-Key": "static-s3cret-key-0001", "X-Scope-OrgID": "tenant-a" },
      retry: false,
    });
    clients.push(client);
    const error = await failure(client.query("up"));
    expect(error.message).toContain("denied");
    expect(error.message).not.toContain("static-s3cret-key-0001");
    expect(error.message).toContain("x-api-key: ***");
    expect(error.message).toContain("x-scope-orgid: tenant-a");
  });

  it("a credential echoed into a 2xx body's value that does not decode is not quoted cut short", async () => {
    stub = await startStubServer((req, res) => {
      req.resume();
      const echoed = String(req.headers.authorization);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          status: "success",
          data: { blocks: [{ ulid: "01J", minTime: echoed, maxTime: 1 }] },
        }),
      );
    });
    const token = `eyJ${"A1b2C3d4".repeat(8)}`; // longer than the 40 characters a bad value may show
    const client = new PrometheusClient({ url: stub.url, auth: bearerAuth({ token }), retry: false });
    clients.push(client);
    const error = await failure(client.tsdbBlocks());
    expect(error.message).toContain("expected a number or a numeric string, got a string of");
    expect(error.message).not.toContain(token.slice(0, 12));
  });

  it("a header strategy's value is masked", async () => {
    stub = await echoingProxy(0);
    const client = new PrometheusClient({
      url: stub.url,
      auth: headerAuth({ name: "X-Api-Key", value: "auth-s3cret-key-0001" }),
      retry: false,
    });
    clients.push(client);
    const error = await failure(client.query("up"));
    expect(error.message).toContain("x-api-key: ***");
  });
});
