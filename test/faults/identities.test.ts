import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import type { Keyv } from "keyv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthStrategy,
  basicAuth,
  bearerAuth,
  createRedisCache,
  headerAuth,
  MetricsCollector,
  PrometheusClient,
  type PrometheusClientOptions,
} from "../../src/index.ts";
import { opensslMissing, redisMissing } from "../support/binaries.ts";
import { makeCertificates, type TestCertificates } from "../support/certs.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";

/**
 * Two identities on one cluster, sharing one Redis, never receive each other's cached results:
 * bearer tokens, basic passwords, the same secret under two strategies, a token file rotated to
 * another identity, client certificates, no auth against auth, and a fleet's clusters — with and
 * without `cacheKeySecret`, through one Keyv or two (replicas), sequentially and concurrently.
 * The upstream answers with the name of the identity it saw (never the secret itself).
 */

const T = 1_700_000_000;

/** Who a request came from, by its credentials; the secrets themselves stay in this table. */
const NAMES = new Map<string, string>([
  ["Bearer token-of-alice", "alice"],
  ["Bearer token-of-bob", "bob"],
  [`Basic ${Buffer.from("admin:alice-pw").toString("base64")}`, "admin/alice-pw"],
  [`Basic ${Buffer.from("admin:bob-pw").toString("base64")}`, "admin/bob-pw"],
  ["X-Api-Key token-of-alice", "header alice"],
]);

function whoIs(req: IncomingMessage): string {
  const parts: string[] = [];
  const authorization = req.headers.authorization;
  if (authorization !== undefined) parts.push(NAMES.get(authorization) ?? "unknown");
  const key = req.headers["x-api-key"];
  if (typeof key === "string") parts.push(NAMES.get(`X-Api-Key ${key}`) ?? "unknown");
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate === "function") {
    parts.push(`cert ${socket.getPeerCertificate().subject?.CN ?? "none"}`);
  }
  return parts.join(" + ") || "anonymous";
}

/** Answers a vector whose one sample says who asked; counts requests by identity. */
function answerWho(seen: Map<string, number>, delayMs: () => number) {
  return (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const who = whoIs(req);
    seen.set(who, (seen.get(who) ?? 0) + 1);
    const body = JSON.stringify({
      status: "success",
      data: { resultType: "vector", result: [{ metric: { who }, value: [T, "1"] }] },
    });
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    };
    const delay = delayMs();
    if (delay > 0) setTimeout(send, delay);
    else send();
  };
}

const whoAnswered = (r: { data: unknown }): string | undefined =>
  (r.data as { result: Array<{ metric: { who: string } }> }).result[0]?.metric.who;

describe.skipIf(redisMissing ?? opensslMissing)("two identities on one cluster", () => {
  let redis: RedisServer;
  let stub: StubServer;
  let tlsServer: https.Server;
  let tlsUrl = "";
  let certs: TestCertificates;
  let dir = "";
  let delay = 0;
  let db = 0;
  const seen = new Map<string, number>();
  const clients: PrometheusClient[] = [];
  const caches: Keyv[] = [];

  beforeAll(async () => {
    certs = await makeCertificates();
    dir = await mkdtemp(join(tmpdir(), "promfleet-faults-identities-"));
    redis = await startRedis();
    stub = await startStubServer(answerWho(seen, () => delay));
    tlsServer = https.createServer(
      { cert: certs.server.cert, key: certs.server.key, requestCert: true, rejectUnauthorized: false },
      answerWho(seen, () => 0),
    );
    await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
    tlsUrl = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const keyv of caches) await keyv.disconnect().catch(() => {});
    tlsServer?.closeAllConnections();
    await new Promise((resolve) => (tlsServer ? tlsServer.close(resolve) : resolve(undefined)));
    await stub?.close();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A Keyv over the test Redis, in a DB of its own per test. */
  function cache(dbNumber: number): Keyv {
    const keyv = createRedisCache(`${redis.url}/${dbNumber}`);
    caches.push(keyv);
    return keyv;
  }

  function client(options: Partial<PrometheusClientOptions>): PrometheusClient {
    const c = new PrometheusClient({ url: stub.url, cluster: "shared", timeout: 5_000, ...options });
    clients.push(c);
    return c;
  }

  /** Runs the same query through each client in turn, twice: first answers upstream, second from the cache. */
  async function eachGetsItsOwn(pairs: Array<[PrometheusClient, string]>, time: number): Promise<void> {
    for (const [c, who] of pairs) {
      const first = await c.query("up", { time });
      expect(whoAnswered(first), `first call as ${who}`).toBe(who);
      expect(first.cached, `first call as ${who}`).toBe(false);
    }
    for (const [c, who] of pairs) {
      // The write is in the background: poll until it is served from the cache, always as itself.
      await expect
        .poll(async () => {
          const again = await c.query("up", { time });
          expect(whoAnswered(again), `again as ${who}`).toBe(who);
          return again.cached;
        })
        .toBe(true);
    }
  }

  const pairs: Array<[string, () => [AuthStrategy | undefined, string][]]> = [
    [
      "bearer tokens",
      () => [
        [bearerAuth({ token: "token-of-alice" }), "alice"],
        [bearerAuth({ token: "token-of-bob" }), "bob"],
      ],
    ],
    [
      "basic passwords of one user",
      () => [
        [basicAuth({ username: "admin", password: "alice-pw" }), "admin/alice-pw"],
        [basicAuth({ username: "admin", password: "bob-pw" }), "admin/bob-pw"],
      ],
    ],
    [
      "one secret under two strategies",
      () => [
        [bearerAuth({ token: "token-of-alice" }), "alice"],
        [headerAuth({ name: "X-Api-Key", value: "token-of-alice" }), "header alice"],
      ],
    ],
    [
      "no auth and a token",
      () => [
        [undefined, "anonymous"],
        [bearerAuth({ token: "token-of-alice" }), "alice"],
      ],
    ],
  ];

  for (const [name, strategies] of pairs) {
    for (const keyed of [true, false]) {
      for (const replicas of [false, true]) {
        it(`${name}, ${keyed ? "with" : "without"} cacheKeySecret, ${replicas ? "two Keyv replicas" : "one Keyv"}`, async () => {
          const shared = cache(++db % 16);
          const made = strategies().map(([auth, who]): [PrometheusClient, string] => [
            client({
              ...(auth ? { auth } : {}),
              cache: replicas ? cache(db % 16) : shared,
              ...(keyed ? { cacheKeySecret: "one-secret-for-the-fleet" } : {}),
            }),
            who,
          ]);
          await eachGetsItsOwn(made, T + db);
        });
      }
    }
  }

  it("concurrent identical queries of two identities are not coalesced into one", async () => {
    const shared = cache(++db % 16);
    const alice = client({ auth: bearerAuth({ token: "token-of-alice" }), cache: shared });
    const bob = client({ auth: bearerAuth({ token: "token-of-bob" }), cache: shared });
    delay = 200;
    try {
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? alice : bob).query("up", { time: T + 7_777 })),
      );
      expect(answers.map(whoAnswered)).toEqual(["alice", "bob", "alice", "bob", "alice", "bob"]);
    } finally {
      delay = 0;
    }
  });

  it("a token file rotated to another identity stops receiving the first one's results", async () => {
    const tokenFile = join(dir, "token");
    await writeFile(tokenFile, "token-of-alice");
    const c = client({ auth: bearerAuth({ tokenFile }), cache: cache(++db % 16) });
    await eachGetsItsOwn([[c, "alice"]], T + 8_888);
    // An atomic swap, as the kubelet does it.
    await writeFile(`${tokenFile}.new`, "token-of-bob");
    await rename(`${tokenFile}.new`, tokenFile);
    const after = await c.query("up", { time: T + 8_888 });
    expect(whoAnswered(after)).toBe("bob");
    expect(after.cached).toBe(false);
  });

  it("client certificates: the same token with another certificate is another identity", async () => {
    const shared = cache(++db % 16);
    const auth = () => bearerAuth({ token: "token-of-alice" });
    const withCert = (cert: string, key: string) =>
      client({ url: tlsUrl, auth: auth(), cache: shared, tls: { ca: certs.ca.cert, cert, key } });
    await eachGetsItsOwn(
      [
        [withCert(certs.client.cert, certs.client.key), "alice + cert promfleet-test-client"],
        [withCert(certs.server.cert, certs.server.key), "alice + cert localhost"],
        [
          client({ url: tlsUrl, auth: auth(), cache: shared, tls: { ca: certs.ca.cert } }),
          "alice + cert none",
        ],
      ],
      T + 9_999,
    );
  });

  it("a fleet: two clusters on one URL with different tokens, and two collectors sharing Redis", async () => {
    const url = `redis://127.0.0.1:${redis.port}/${++db % 16}`;
    const fleets = [
      new MetricsCollector({
        registry: [
          { id: "east", url: stub.url, auth: { type: "bearer", token: "token-of-alice" } },
          { id: "west", url: stub.url, auth: { type: "bearer", token: "token-of-bob" } },
        ],
        cache: url,
      }),
      // Another replica, where "east" is configured with bob's token.
      new MetricsCollector({
        registry: [{ id: "east", url: stub.url, auth: { type: "bearer", token: "token-of-bob" } }],
        cache: url,
      }),
    ];
    try {
      for (let round = 0; round < 3; round++) {
        const [one, two] = await Promise.all(fleets.map((f) => f.query("up", { time: T + 5_555 })));
        expect(whoAnswered(one!.get("east")!.value!)).toBe("alice");
        expect(whoAnswered(one!.get("west")!.value!)).toBe("bob");
        expect(whoAnswered(two!.get("east")!.value!)).toBe("bob");
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await Promise.all(fleets.map((f) => f.close()));
    }
  });
});
