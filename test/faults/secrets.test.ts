import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Keyv } from "keyv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthStrategy,
  authFromConfig,
  basicAuth,
  bearerAuth,
  type ClusterConfig,
  createRedisCache,
  headerAuth,
  MetricsCollector,
  PrometheusClient,
  type PrometheusClientOptions,
  type PromfleetEvents,
} from "../../src/index.ts";
import { opensslMissing, redisMissing } from "../support/binaries.ts";
import { makeCertificates, type TestCertificates } from "../support/certs.ts";
import { pemBodyLines, viewsOf } from "../support/leaks.ts";
import { freePort } from "../support/ports.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";
import { RespConnection } from "../support/resp.ts";
import { closeMidBody, neverAnswers, type StubServer, startStubServer } from "../support/stubServer.ts";
import { capturingLogger, type LogLine } from "./helpers.ts";

/**
 * One test gives promfleet a recognisable secret in every place one goes — each auth strategy
 * (static, provider, file; declarative), the TLS client key (inline and as a file, plus a broken
 * one), `cacheKeySecret`, and a Redis password — and drives the fault paths of this suite with a
 * capturing logger and listeners on every event: timeouts, 429s, 503s, cut bodies, redirects to
 * another origin, 401 and 403, HTML, a dead port, TLS failures, bad arguments, a killed Redis, and
 * a fleet of such clusters. Then it searches error messages and properties, `util.inspect` and
 * `JSON.stringify` of everything returned or thrown, log lines, event payloads, and every key and
 * value in Redis. Zero hits.
 */

const SECRETS = {
  token: "sek-TOKEN-static-a1b2c3",
  provider: "sek-TOKEN-provider-d4e5f6",
  fileToken: "sek-TOKEN-file-0718aa",
  password: "sek-PASSWORD-basic-99bb",
  filePassword: "sek-PASSWORD-file-77cc",
  header: "sek-HEADER-value-55dd",
  fileHeader: "sek-HEADER-file-33ee",
  configToken: "sek-TOKEN-config-11ff",
  configPassword: "sek-PASSWORD-config-2200",
  configHeader: "sek-HEADER-config-4411",
  cacheKey: "sek-CACHEKEY-hmac-6622",
  redis: "sek-REDIS-password-8833",
  brokenKey: "SEKBROKENKEYMATERIALxyz0123456789",
};

/** Every form a secret could leak in: as is, base64 (basic auth, headers), and the key's PEM lines. */
function needles(certs: TestCertificates | undefined): string[] {
  const out: string[] = Object.values(SECRETS);
  for (const secret of Object.values(SECRETS)) out.push(Buffer.from(secret).toString("base64"));
  for (const password of [SECRETS.password, SECRETS.filePassword, SECRETS.configPassword]) {
    out.push(Buffer.from(`admin:${password}`).toString("base64"));
  }
  for (const key of certs ? [certs.client.key] : []) {
    out.push(...pemBodyLines(key));
  }
  return out;
}

/** Every view of a value a person or a tool would look at, down its chain of causes. */
const views = (value: unknown): string[] => viewsOf(value, 5);

/** A route of the fault stub: the first path segment of the client's base URL picks it. */
type Route =
  | "ok"
  | "hang"
  | "429"
  | "503"
  | "cut"
  | "away"
  | "401"
  | "403"
  | "html"
  | "echo401"
  | "echo400"
  | "echo200"
  | "echo502";
const ROUTES: Route[] = [
  "ok",
  "hang",
  "429",
  "503",
  "cut",
  "away",
  "401",
  "403",
  "html",
  "echo401",
  "echo400",
  "echo200",
  "echo502",
];

/**
 * What a debugging gateway answers: the request's headers quoted back, and for Basic auth the
 * decoded `user:password` too.
 */
function echoed(req: IncomingMessage): string {
  const lines = Object.entries(req.headers).map(([name, value]) => `${name}: ${String(value)}`);
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  if (basic) lines.push(`decoded: ${Buffer.from(basic, "base64").toString("utf8")}`);
  return `no route for this request\n${lines.join("\n")}\n`;
}

describe.skipIf(redisMissing ?? opensslMissing)("no secret anywhere a person or a tool can see", () => {
  let certs: TestCertificates;
  let stub: StubServer;
  let elsewhere: StubServer;
  let tlsServer: https.Server;
  let tlsUrl = "";
  let redis: RedisServer;
  let dir = "";
  const caches: Keyv[] = [];
  const clients: PrometheusClient[] = [];
  const fleets: MetricsCollector[] = [];
  const seen: unknown[] = [];
  const thrown: unknown[] = [];
  const events: unknown[] = [];
  const { logger, lines } = capturingLogger();

  const answer = (res: ServerResponse) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1,"1"]}]}}',
    );
  };

  beforeAll(async () => {
    certs = await makeCertificates();
    dir = await mkdtemp(join(tmpdir(), "promfleet-faults-secrets-"));
    elsewhere = await startStubServer((req, res) => {
      req.resume();
      answer(res);
    });
    const cut = closeMidBody();
    const hang = neverAnswers();
    stub = await startStubServer((req: IncomingMessage, res: ServerResponse) => {
      const route = (req.url ?? "/").split("/")[1] as Route;
      if (route === "hang") return hang(req, res);
      if (route === "cut") return cut(req, res);
      req.resume();
      const text = (status: number, body: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
        res.end(body);
      };
      if (route === "429") return text(429, "slow down\n", { "retry-after": "3600" });
      if (route === "503") return text(503, "Service Unavailable");
      if (route === "away") return text(307, "", { location: `${elsewhere.url}/ok/api/v1/query` });
      if (route === "401") return text(401, "Unauthorized\n");
      if (route === "403") return text(403, "Forbidden (user=system:serviceaccount:x, verb=create)\n");
      if (route === "html")
        return text(200, "<html><body>Log in</body></html>", { "content-type": "text/html" });
      if (route === "echo401") return text(401, echoed(req));
      if (route === "echo200") return text(200, echoed(req));
      if (route === "echo502") return text(502, echoed(req));
      if (route === "echo400")
        return text(400, JSON.stringify({ status: "error", errorType: "bad_data", error: echoed(req) }), {
          "content-type": "application/json",
        });
      return answer(res);
    });
    tlsServer = https.createServer(
      { cert: certs.server.cert, key: certs.server.key, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        req.resume();
        answer(res);
      },
    );
    await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
    tlsUrl = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
    redis = await startRedis({ password: SECRETS.redis });
  });

  afterAll(async () => {
    redis?.resume();
    await Promise.all([...clients.map((c) => c.close()), ...fleets.map((f) => f.close())]);
    for (const keyv of caches) await keyv.disconnect().catch(() => {});
    tlsServer?.closeAllConnections();
    await new Promise((resolve) => (tlsServer ? tlsServer.close(resolve) : resolve(undefined)));
    await Promise.all([stub?.close(), elsewhere?.close(), redis?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Listens to every event of a client or a fleet. */
  function listen(target: PrometheusClient | MetricsCollector): void {
    const names: Array<keyof PromfleetEvents> = [
      "request",
      "response",
      "retry",
      "error",
      "cache",
      "cluster",
      "circuit",
    ];
    for (const name of names) target.on(name, (event) => events.push({ name, event }));
  }

  function client(options: PrometheusClientOptions): PrometheusClient {
    const c = new PrometheusClient({
      retry: { limit: 1, baseDelayMs: 5, maxDelayMs: 10 },
      timeout: 400,
      logger,
      ...options,
    });
    listen(c);
    clients.push(c);
    seen.push(c);
    return c;
  }

  /** Runs a call, keeping what it returned or threw. */
  async function drive(call: () => Promise<unknown>): Promise<void> {
    try {
      seen.push(await call());
    } catch (error) {
      thrown.push(error);
    }
  }

  /** Runs a constructor or factory that should refuse its arguments. */
  function refused(build: () => unknown): void {
    try {
      seen.push(build());
      throw new Error("expected the arguments to be refused");
    } catch (error) {
      thrown.push(error);
    }
  }

  it("drives every strategy, TLS option and cache through the fault paths", async () => {
    const tokenFile = join(dir, "token");
    const passwordFile = join(dir, "password");
    const headerFile = join(dir, "header");
    await writeFile(tokenFile, SECRETS.fileToken);
    await writeFile(passwordFile, `${SECRETS.filePassword}\n`);
    await writeFile(headerFile, SECRETS.fileHeader);
    const strategies: Array<() => AuthStrategy> = [
      () => bearerAuth({ token: SECRETS.token }),
      () => bearerAuth({ token: async () => ({ token: SECRETS.provider, expiresAt: Date.now() + 60_000 }) }),
      () => bearerAuth({ tokenFile }),
      () => basicAuth({ username: "admin", password: SECRETS.password }),
      () => basicAuth({ username: "admin", passwordFile }),
      () => headerAuth({ name: "X-Api-Key", value: SECRETS.header }),
      () => headerAuth({ name: "X-Api-Key", valueFile: headerFile }),
      () => authFromConfig({ type: "bearer", token: SECRETS.configToken }),
      () => authFromConfig({ type: "basic", username: "admin", password: SECRETS.configPassword }),
      () => authFromConfig({ type: "header", name: "X-Api-Key", value: SECRETS.configHeader }),
    ];
    const cache = createRedisCache(`${redis.url}/5`, { logger });
    caches.push(cache);
    seen.push(cache);

    // Every strategy against every fault route; the healthy route through the Redis cache.
    await Promise.all(
      strategies.map(async (strategy) => {
        for (const route of ROUTES) {
          const c = client({
            url: `${stub.url}/${route}`,
            auth: strategy(),
            cluster: `c-${route}`,
            cache,
            cacheKeySecret: SECRETS.cacheKey,
            followCrossOriginRedirects: route === "away" ? strategies.indexOf(strategy) % 2 === 0 : false,
          });
          await drive(() => c.query("up", { time: 1_700_000_000 }));
          await drive(() => c.query("up", { time: 1_700_000_000 })); // a cache hit on "ok"
          if (route.startsWith("echo")) await drive(() => c.health());
          if (route === "ok") {
            await drive(() => c.queryRange("up", { start: 1_700_000_000, end: 1_700_000_600, step: 60 }));
            await drive(() => c.series(["up"]));
            await drive(() => c.labelNames());
            await drive(() => c.health());
            await drive(() => c.invalidate({ query: "up" }));
            await drive(() => c.query("up", { time: "9".repeat(400) }));
            seen.push(await c.fingerprint(), await c.fingerprint(SECRETS.cacheKey));
          }
        }
      }),
    );
    const dead = `http://127.0.0.1:${await freePort()}`;
    await drive(() => client({ url: dead, auth: bearerAuth({ token: SECRETS.token }) }).query("up"));

    // TLS: the client key inline and as a file, skip-verify, an untrusted server, a broken key.
    const pem = {
      ca: certs.ca.cert,
      cert: certs.client.cert,
      key: certs.client.key,
      servername: "localhost",
    };
    const files = { ca: certs.ca.certFile, cert: certs.client.certFile, key: certs.client.keyFile };
    for (const tls of [pem, files, { cert: pem.cert, key: pem.key, insecureSkipVerify: true }]) {
      await drive(() => client({ url: tlsUrl, tls, auth: bearerAuth({ token: SECRETS.token }) }).query("up"));
    }
    await drive(() => client({ url: tlsUrl, tls: { ...pem, ca: certs.foreignCa.cert } }).query("up"));
    await drive(() =>
      client({
        url: `${tlsUrl}/x`,
        tls: pem,
        auth: basicAuth({ username: "admin", password: SECRETS.password }),
        timeout: 300,
      }).query("up", { signal: AbortSignal.abort(new Error("stop")) }),
    );
    const brokenKey = `-----BEGIN PRIVATE KEY-----\n${SECRETS.brokenKey}\n-----END PRIVATE KEY-----\n`;
    refused(() => new PrometheusClient({ url: tlsUrl, tls: { cert: pem.cert, key: brokenKey } }));
    refused(
      () => new PrometheusClient({ url: tlsUrl, tls: { cert: pem.cert, key: certs.foreignServer.key } }),
    );
    refused(() => bearerAuth({ token: `${SECRETS.token}\n` }));
    refused(() => headerAuth({ name: "X Api Key", value: SECRETS.header }));
    refused(() => new PrometheusClient({ url: `http://admin:${SECRETS.password}@127.0.0.1:1` }));
    refused(() => createRedisCache(`http://:${SECRETS.redis}@127.0.0.1:1`));
    refused(() => new PrometheusClient({ url: stub.url, cacheKeySecret: "" }));

    // Redis killed under the cache, then back: failures are logged and reported as events.
    redis.kill();
    const ok = clients.find((c) => c.cluster === "c-ok")!;
    for (let i = 0; i < 8; i++) await drive(() => ok.query("up", { time: 1_700_000_100 + i }));
    await redis.restart();

    // A fleet: declarative secrets, a cache it owns from a URL with the Redis password, bad clusters.
    const registry: ClusterConfig[] = [
      { id: "bearer", url: `${stub.url}/ok`, auth: { type: "bearer", token: SECRETS.configToken } },
      { id: "file", url: `${stub.url}/ok`, auth: { type: "bearer", tokenFile } },
      {
        id: "basic",
        url: `${stub.url}/401`,
        auth: { type: "basic", username: "admin", password: SECRETS.configPassword },
      },
      {
        id: "header",
        url: `${stub.url}/hang`,
        auth: { type: "header", name: "X-Api-Key", value: SECRETS.configHeader },
      },
      { id: "tls", url: tlsUrl, tls: pem, auth: { type: "bearer", token: SECRETS.token } },
      { id: "dead", url: dead, auth: { type: "basic", username: "admin", passwordFile } },
    ];
    const fleet = new MetricsCollector({
      registry,
      cache: `${redis.url}/6`,
      cacheKeySecret: SECRETS.cacheKey,
      logger,
      timeout: 500,
      clientOptions: { retry: { limit: 1, baseDelayMs: 5, maxDelayMs: 10 } },
    });
    fleets.push(fleet);
    listen(fleet);
    seen.push(fleet);
    await drive(() => fleet.query("up", { time: 1_700_000_000 }));
    await drive(() => fleet.query("up", { time: 1_700_000_000 }));
    await drive(() => fleet.queryRange("up", { start: 1_700_000_000, end: 1_700_000_600, step: 60 }));
    await drive(() => fleet.series(["up"]));
    await drive(() => fleet.labelNames());
    await drive(() => fleet.health());
    await drive(() => fleet.query("sum(", { time: 1_700_000_000 }));
    await drive(() => fleet.invalidate("bearer"));
    await drive(async () => (await fleet.query("up")).merged());
    refused(() =>
      new MetricsCollector({
        registry: [
          { id: "x", url: stub.url, auth: { type: "bearer", token: SECRETS.token, extra: 1 } as never },
        ],
      }).query("up"),
    );

    expect(thrown.length).toBeGreaterThan(60);
    expect(events.length).toBeGreaterThan(200);
    expect(lines.length).toBeGreaterThan(10);
  });

  it("finds none in errors, results, clients, fleets, caches, log lines or events", () => {
    const views_ = [
      ...seen,
      ...thrown,
      ...events,
      ...lines.map((l: LogLine) => ({ obj: l.obj, msg: l.msg })),
    ].flatMap(views);
    const hits: string[] = [];
    for (const needle of needles(certs)) {
      for (const text of views_) if (text.includes(needle)) hits.push(`${needle} in ${text.slice(0, 400)}`);
    }
    expect(hits).toEqual([]);
    // The search can find: a secret in a plain object is seen.
    expect(views({ held: SECRETS.token }).some((text) => text.includes(SECRETS.token))).toBe(true);
  });

  it("finds none in any key or value in Redis", async () => {
    const connection = await RespConnection.open(redis.port, { password: SECRETS.redis });
    const stored: string[] = [];
    try {
      for (const db of [0, 5, 6]) {
        await connection.send(["SELECT", String(db)]);
        const keys = (await connection.send(["KEYS", "*"])) as string[];
        for (const key of keys) {
          stored.push(key);
          if ((await connection.send(["TYPE", key])) === "string")
            stored.push(String(await connection.send(["GET", key])));
        }
      }
    } finally {
      connection.close();
    }
    // Entries were written after the restart (fleet) and before the kill was over.
    expect(stored.filter((text) => text.startsWith("promfleet:r1:")).length).toBeGreaterThan(3);
    const hits = needles(certs).flatMap((needle) =>
      stored.filter((text) => text.includes(needle)).map((text) => `${needle} in ${text.slice(0, 200)}`),
    );
    expect(hits).toEqual([]);
  });
});
