import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthStrategy,
  basicAuth,
  bearerAuth,
  headerAuth,
  PrometheusClient,
  type PrometheusClientOptions,
  ResponseError,
} from "../../src/index.ts";
import { opensslMissing } from "../support/binaries.ts";
import { makeCertificates, type TestCertificates } from "../support/certs.ts";
import { EMPTY_VECTOR_BODY, type StubServer, startStubServer } from "../support/stubServer.ts";
import { failure, settle } from "./helpers.ts";

/**
 * Redirects, followed by promfleet itself: same-origin ones keep the request (a POST stays a POST
 * with its form on 307/308; 301/302/303 become a GET carrying the parameters) and its
 * credentials; a cross-origin one is refused, or with the opt-in followed carrying no credential
 * of any kind: no Authorization (bearer, basic), no custom auth header, no static header, and no
 * client certificate.
 */

const TOKEN = "tok-REDIRECT-bearer-91f3";
const PASSWORD = "pw-REDIRECT-basic-77aa";
const HEADER_SECRET = "hdr-REDIRECT-apikey-5c5c";
const TENANT = "tenant-REDIRECT-static";

/** What a recording server saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** Whether the TLS peer presented a client certificate (TLS servers only). */
  clientCertificate?: boolean;
}

/** Reads a request and records it. */
function record(req: IncomingMessage, into: Seen[], done: (seen: Seen) => void): void {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    body += chunk;
  });
  req.on("end", () => {
    const seen: Seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
    const socket = req.socket as Partial<TLSSocket>;
    if (typeof socket.getPeerCertificate === "function") {
      seen.clientCertificate = Object.keys(socket.getPeerCertificate()).length > 0;
    }
    into.push(seen);
    done(seen);
  });
}

/** Answers requests below `/final` with an empty vector, and redirects others as `route` says. */
function redirector(seen: Seen[], route: () => { status: number; location: string } | undefined) {
  return (req: IncomingMessage, res: ServerResponse) =>
    record(req, seen, (request) => {
      const target = request.url.startsWith("/final") ? undefined : route();
      if (target === undefined) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(EMPTY_VECTOR_BODY));
        return;
      }
      res.writeHead(target.status, { location: target.location, "content-type": "text/plain" });
      res.end("moved\n");
    });
}

/** The credentials of a request, as any server would see them. */
function credentials(seen: Seen): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(seen.headers)) {
    const text = String(value);
    if (name === "authorization" || name === "x-api-key" || name === "x-scope-orgid") found.push(name);
    else if ([TOKEN, PASSWORD, HEADER_SECRET, TENANT].some((secret) => text.includes(secret)))
      found.push(name);
  }
  if (seen.clientCertificate) found.push("client certificate");
  return found;
}

const strategies: Array<[string, AuthStrategy, Record<string, string>]> = [
  ["bearer", bearerAuth({ token: TOKEN }), {}],
  ["basic", basicAuth({ username: "admin", password: PASSWORD }), {}],
  ["custom header", headerAuth({ name: "X-Api-Key", value: HEADER_SECRET }), {}],
  ["static header", bearerAuth({ token: TOKEN }), { "X-Scope-OrgID": TENANT }],
];

const clients: PrometheusClient[] = [];
function client(options: PrometheusClientOptions): PrometheusClient {
  const c = new PrometheusClient({ timeout: 5_000, retry: 0, ...options });
  clients.push(c);
  return c;
}
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

describe("redirects over plain HTTP", () => {
  let a: StubServer;
  let b: StubServer;
  const seenA: Seen[] = [];
  const seenB: Seen[] = [];
  let route: () => { status: number; location: string } | undefined = () => undefined;

  beforeAll(async () => {
    a = await startStubServer(redirector(seenA, () => route()));
    b = await startStubServer(redirector(seenB, () => undefined));
  });
  afterEach(() => {
    seenA.length = 0;
    seenB.length = 0;
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it.each([307, 308])(
    "same origin, %i: the POST is re-sent with its form and its credentials",
    async (status) => {
      route = () => ({ status, location: "/final/api/v1/query" });
      const c = client({
        url: a.url,
        auth: bearerAuth({ token: TOKEN }),
        headers: { "X-Scope-OrgID": TENANT },
      });
      const r = await settle(() => c.query("up", { time: 1_700_000_000 }));
      expect(r.ok).toBe(true);
      const final = seenA.at(-1)!;
      expect(final.method).toBe("POST");
      expect(final.url).toBe("/final/api/v1/query");
      const form = new URLSearchParams(final.body);
      expect(form.get("query")).toBe("up");
      expect(form.get("time")).toBe("1700000000");
      expect(final.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(final.headers["x-scope-orgid"]).toBe(TENANT);
    },
  );

  it.each([301, 302, 303])("same origin, %i: a GET that still carries the parameters", async (status) => {
    route = () => ({ status, location: "/final/api/v1/query" });
    const c = client({ url: a.url, auth: bearerAuth({ token: TOKEN }) });
    const r = await settle(() => c.query("up", { time: 1_700_000_000 }));
    expect(r.ok).toBe(true);
    const final = seenA.at(-1)!;
    expect(final.method).toBe("GET");
    const params = new URL(final.url, "http://x").searchParams;
    expect(params.get("query")).toBe("up");
    expect(params.get("time")).toBe("1700000000");
    expect(final.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("a redirect loop ends with a ResponseError after maxRedirects", async () => {
    route = () => ({ status: 307, location: "/again" });
    const c = client({ url: a.url, maxRedirects: 3 });
    const error = failure(await settle(() => c.query("up")));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toContain("more than 3 times");
    expect(seenA).toHaveLength(4);
  });

  it.each(strategies)(
    "cross origin, refused by default (%s): nothing reaches the other host",
    async (_name, auth, headers) => {
      for (const status of [301, 302, 303, 307, 308]) {
        route = () => ({ status, location: `${b.url}/final/api/v1/query` });
        const c = client({ url: a.url, auth, headers });
        const error = failure(await settle(() => c.query("up")));
        expect(error).toBeInstanceOf(ResponseError);
        expect(error.message).toContain(`${b.url}/final/api/v1/query`);
        expect(error.message).toContain("followCrossOriginRedirects");
      }
      expect(seenB).toEqual([]);
    },
  );

  it.each(strategies)(
    "cross origin, opted in (%s): followed with no credential of any kind",
    async (_name, auth, headers) => {
      for (const status of [301, 302, 303, 307, 308]) {
        route = () => ({ status, location: `${b.url}/final/api/v1/query` });
        const c = client({ url: a.url, auth, headers, followCrossOriginRedirects: true });
        const r = await settle(() => c.query("up"));
        expect(r.ok).toBe(true);
        // The first hop carried them (the control), the other host saw none.
        expect(credentials(seenA.at(-1)!).length).toBeGreaterThan(0);
        expect(credentials(seenB.at(-1)!), `${status}`).toEqual([]);
        expect(new URLSearchParams(seenB.at(-1)!.body || seenB.at(-1)!.url.split("?")[1]).get("query")).toBe(
          "up",
        );
      }
    },
  );

  it("once a redirect left the origin, a redirect back to it stays without credentials", async () => {
    let hops = 0;
    route = () => (hops++ === 0 ? { status: 307, location: `${b.url}/bounce` } : undefined);
    // B sends the request back to A's /final.
    const bounce = await startStubServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: `${a.url}/final/api/v1/query` });
      res.end();
    });
    try {
      route = () => (hops++ === 0 ? { status: 307, location: `${bounce.url}/bounce` } : undefined);
      const c = client({ url: a.url, auth: bearerAuth({ token: TOKEN }), followCrossOriginRedirects: true });
      expect((await settle(() => c.query("up"))).ok).toBe(true);
      expect(seenA).toHaveLength(2);
      expect(credentials(seenA[0]!)).toEqual(["authorization"]);
      expect(credentials(seenA[1]!)).toEqual([]);
    } finally {
      await bounce.close();
    }
  });

  it("a Location holding user:password is not followed with them, and the error does not show them", async () => {
    route = () => ({
      status: 307,
      location: `http://mallory:hunter2@127.0.0.1:${b.port}/final/api/v1/query`,
    });
    for (const follow of [false, true]) {
      const c = client({
        url: a.url,
        auth: bearerAuth({ token: TOKEN }),
        followCrossOriginRedirects: follow,
      });
      const r = await settle(() => c.query("up"));
      // Refused (not opted in), or followed without the Location's user:password.
      expect(r.ok).toBe(follow);
      if (!r.ok) expect(String((r.error as Error).message)).not.toContain("hunter2");
      for (const seen of seenB) {
        expect(credentials(seen)).toEqual([]);
        expect(JSON.stringify(seen.headers)).not.toContain("hunter2");
        expect(JSON.stringify(seen.headers)).not.toContain(Buffer.from("mallory:hunter2").toString("base64"));
      }
    }
    expect(seenB).toHaveLength(1);
  });
});

describe.skipIf(opensslMissing)("redirects over HTTPS with a client certificate", () => {
  let certs: TestCertificates;
  const servers: https.Server[] = [];
  const seenA: Seen[] = [];
  const seenB: Seen[] = [];
  let urlA = "";
  let urlB = "";

  async function tlsServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const server = https.createServer(
      { cert: certs.server.cert, key: certs.server.key, requestCert: true, rejectUnauthorized: false },
      handler,
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    certs = await makeCertificates();
    urlB = await tlsServer(redirector(seenB, () => undefined));
    urlA = await tlsServer(
      redirector(seenA, () => ({ status: 307, location: `${urlB}/final/api/v1/query` })),
    );
  });
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("the client certificate is presented to its own origin and never to the other one", async () => {
    const tls = { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key };
    const refused = client({ url: urlA, tls, auth: bearerAuth({ token: TOKEN }) });
    expect(failure(await settle(() => refused.query("up")))).toBeInstanceOf(ResponseError);
    expect(seenB).toEqual([]);

    const follows = client({
      url: urlA,
      tls,
      auth: bearerAuth({ token: TOKEN }),
      followCrossOriginRedirects: true,
    });
    const r = await settle(() => follows.query("up"));
    expect(r.ok).toBe(true);
    expect(seenA.every((seen) => seen.clientCertificate === true)).toBe(true);
    expect(credentials(seenA.at(-1)!)).toEqual(["authorization", "client certificate"]);
    expect(seenB).toHaveLength(1);
    expect(seenB[0]!.clientCertificate).toBe(false);
    expect(credentials(seenB[0]!)).toEqual([]);
  });
});
