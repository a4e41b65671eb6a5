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
