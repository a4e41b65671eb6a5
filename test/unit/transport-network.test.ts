import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { AbortError, type RetryEvent, TimeoutError, UnavailableError } from "../../src/index.ts";
import { freePort } from "../support/ports.ts";
import * as stub from "../support/stubServer.ts";
import { makeClient, rejection } from "./promMock.ts";

/**
 * What only a real socket shows: a refused connection, a server that hangs, a body that stalls,
 * aborts mid-flight, and the proxy from the environment. Loopback stubs, no msw.
 */

const stubs: stub.StubServer[] = [];
afterEach(async () => {
  await Promise.all(stubs.splice(0).map((s) => s.close()));
});

async function startStub(handler: stub.StubHandler): Promise<stub.StubServer> {
  const server = await stub.startStubServer(handler);
  stubs.push(server);
  return server;
}

describe("connection failures", () => {
  it("a refused connection is retried, then an UnavailableError with a clean cause", async () => {
    const port = await freePort(); // bound and closed again: nothing listens there
    const client = makeClient({ url: `http://127.0.0.1:${port}`, headers: { "X-Api-Key": "k3y-s3cr3t" } });
    const retries: RetryEvent[] = [];
    client.on("retry", (e) => retries.push(e));
    const error = await rejection(client.query("up"));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toBe(`http://127.0.0.1:${port}/api/v1/query: the connection was refused`);
    expect(error.cause).toMatchObject({ code: "ECONNREFUSED" });
    expect(Object.keys(error.cause as object).sort()).toEqual(["code", "message", "name"]);
    expect(retries).toHaveLength(2);
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain("k3y-s3cr3t");
  });

  it("with retry: false, a refused connection fails after one attempt", async () => {
    const port = await freePort();
    const client = makeClient({ url: `http://127.0.0.1:${port}`, retry: false });
    let requests = 0;
    client.on("request", () => requests++);
    expect(await rejection(client.query("up"))).toBeInstanceOf(UnavailableError);
    expect(requests).toBe(1);
  });

  it("a connection cut in the middle of the body is retried, then reported", async () => {
    const server = await startStub(stub.closeMidBody());
    const error = await rejection(makeClient({ url: server.url }).query("up"));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(server.requests).toBe(3);
  });
});

describe("the deadline", () => {
  const bounds = (started: number, timeoutMs: number) => {
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 20);
    expect(elapsed).toBeLessThan(timeoutMs + 3_000);
  };

  it("a server that never answers ends in a TimeoutError at the deadline", async () => {
    const server = await startStub(stub.neverAnswers());
    const started = performance.now();
    const error = await rejection(makeClient({ url: server.url, timeout: 300 }).query("up"));
    bounds(started, 300);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 300, endpoint: `${server.url}/api/v1/query` });
    expect(error.message).toBe(`${server.url}/api/v1/query did not complete within the deadline of 300 ms`);
  });

  it("covers the body: headers then silence, or a body dripping too slowly", async () => {
    for (const handler of [stub.headersThenStall(), stub.dripBody(1, 50)]) {
      const server = await startStub(handler);
      const started = performance.now();
      const error = await rejection(makeClient({ url: server.url }).query("up", { timeout: 400 }));
      bounds(started, 400);
      expect(error).toBeInstanceOf(TimeoutError);
    }
  });

  it("covers the retries: a per-call deadline cuts a retry wait short", async () => {
    const server = await startStub(stub.textBody(503, "Service Unavailable", { "retry-after": "0.3" }));
    const started = performance.now();
    const error = await rejection(makeClient({ url: server.url, retry: 10 }).query("up", { timeout: 1_000 }));
    bounds(started, 1_000 - 350); // it stops at the deadline or when the next wait no longer fits
    expect(error).toBeInstanceOf(UnavailableError);
    expect(server.requests).toBeGreaterThanOrEqual(2);
  });
});

describe("abort", () => {
  it("an abort mid-request rejects with an AbortError whose cause is the signal's reason", async () => {
    const server = await startStub(stub.neverAnswers());
    const controller = new AbortController();
    const reason = new Error("user navigated away");
    setTimeout(() => controller.abort(reason), 100);
    const started = performance.now();
    const error = await rejection(makeClient({ url: server.url }).query("up", { signal: controller.signal }));
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe(reason);
    expect(error.message).toBe(`the call to ${server.url}/api/v1/query was aborted`);
  });

  it("an already aborted signal fails without any request", async () => {
    const server = await startStub(stub.jsonBody(200, stub.EMPTY_VECTOR_BODY));
    const error = await rejection(
      makeClient({ url: server.url }).query("up", { signal: AbortSignal.abort("stop") }),
    );
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe("stop");
    expect(server.requests).toBe(0);
  });

  it("an abort during a retry wait ends the wait at once", async () => {
    const server = await startStub(stub.textBody(503, "Service Unavailable", { "retry-after": "20" }));
    const controller = new AbortController();
    const client = makeClient({ url: server.url, timeout: 60_000 });
    client.on("retry", () => setTimeout(() => controller.abort(), 50));
    const started = performance.now();
    const error = await rejection(client.query("up", { signal: controller.signal }));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(AbortError);
    expect((error.cause as Error).name).toBe("AbortError");
  });

  it("an abort after the call ended changes nothing", async () => {
    const server = await startStub(stub.jsonBody(200, stub.EMPTY_VECTOR_BODY));
    const controller = new AbortController();
    const r = await makeClient({ url: server.url }).query("up", { signal: controller.signal });
    controller.abort();
    expect(r.data.resultType).toBe("vector");
  });
});

describe("redirects over real sockets (Node's fetch hands us the 3xx)", () => {
  interface Hit {
    method: string;
    url: string;
    body: string;
    headers: IncomingMessage["headers"];
  }
  /** A stub that records each request (body included) and answers with `answer(hit)`. */
  async function recording(answer: (hit: Hit, res: ServerResponse) => void) {
    const hits: Hit[] = [];
    const server = await startStub((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        body += chunk;
      });
      req.on("end", () => {
        const hit = { method: req.method ?? "", url: req.url ?? "", body, headers: req.headers };
        hits.push(hit);
        answer(hit, res);
      });
    });
    return { server, hits };
  }
  const vector = (res: ServerResponse) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(stub.EMPTY_VECTOR_BODY));
  };

  it("a same-origin 307 is re-POSTed with its form and credentials", async () => {
    const { server, hits } = await recording((hit, res) => {
      if (hit.url === "/api/v1/query") {
        res.writeHead(307, { location: "/moved/api/v1/query" });
        res.end();
      } else vector(res);
    });
    await makeClient({ url: server.url, headers: { "X-Api-Key": "k3y" } }).query("up", { time: 1 });
    expect(hits.map((h) => `${h.method} ${h.url}`)).toEqual([
      "POST /api/v1/query",
      "POST /moved/api/v1/query",
    ]);
    expect(hits[1]?.body).toBe(hits[0]?.body);
    expect(new URLSearchParams(hits[1]?.body).get("query")).toBe("up");
    expect(hits[1]?.headers["x-api-key"]).toBe("k3y");
  });

  it("a cross-origin redirect is refused; opted in, it is followed without any credential", async () => {
    const other = await recording((_hit, res) => vector(res));
    const { server } = await recording((_hit, res) => {
      res.writeHead(302, { location: `${other.server.url}/api/v1/query` });
      res.end();
    });
    const auth = {
      type: "bearer",
      apply: ({ headers }: { headers: Headers }) => headers.set("authorization", "Bearer s3cr3t"),
      identity: () => "s3cr3t",
      describe: () => "bearer",
    };
    const refused = await rejection(makeClient({ url: server.url, auth }).query("up"));
    expect(refused.message).toContain(`redirected to another origin (${other.server.url}/api/v1/query)`);
    expect(other.hits).toHaveLength(0);

    await makeClient({
      url: server.url,
      auth,
      headers: { "X-Api-Key": "k3y" },
      followCrossOriginRedirects: true,
    }).query("up", { time: 1 });
    expect(other.hits).toHaveLength(1);
    const [hit] = other.hits;
    expect(hit?.method).toBe("GET");
    expect(new URL(hit?.url ?? "", other.server.url).searchParams.get("time")).toBe("1");
    expect(hit?.headers.authorization).toBeUndefined();
    expect(hit?.headers["x-api-key"]).toBeUndefined();
  });
});

describe("HTTP_PROXY / NO_PROXY", () => {
  const saved = { ...process.env };
  const names = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"];
  const servers: Array<{ server: Server; sockets: Set<Socket> }> = [];
  afterEach(async () => {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    for (const { server, sockets } of servers.splice(0)) {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /** A CONNECT proxy (undici tunnels plain HTTP too) that sends every tunnel to `upstreamPort`. */
  async function connectProxy(upstreamPort: number) {
    const tunnels: string[] = [];
    const proxy = createServer();
    const sockets = new Set<Socket>();
    proxy.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(req.url ?? "");
      sockets.add(client);
      const upstream = connect(upstreamPort, "127.0.0.1", () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
      client.on("close", () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    servers.push({ server: proxy, sockets });
    return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, tunnels };
  }

  it("requests go through the proxy the environment names, unless NO_PROXY lists the host", async () => {
    const prometheus = await startStub(stub.jsonBody(200, stub.EMPTY_VECTOR_BODY));
    const proxy = await connectProxy(prometheus.port);
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = "direct.invalid";
    // The host does not resolve: only the proxy can reach it.
    const r = await makeClient({ url: "http://prometheus.invalid:9090", retry: false }).query("up");
    expect(r.data.resultType).toBe("vector");
    expect(proxy.tunnels).toEqual(["prometheus.invalid:9090"]);
    expect(prometheus.requests).toBe(1);

    process.env.NO_PROXY = "127.0.0.1";
    await makeClient({ url: prometheus.url }).query("up");
    expect(prometheus.requests).toBe(2);
    expect(proxy.tunnels).toHaveLength(1);
  });
});
