import { existsSync } from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import {
  htpasswdMissing,
  opensslMissing,
  prometheusMissing,
  redisMissing,
  requirePeer,
} from "../support/binaries.ts";
import { makeCertificates, type TestCertificates } from "../support/certs.ts";
import {
  FIXTURE_END,
  FIXTURE_SERIES,
  FIXTURE_T0,
  type FixtureSeries,
  TEMPERATURE,
  toOpenMetrics,
} from "../support/fixtures.ts";
import { httpRequest } from "../support/http.ts";
import { freePort, tempDir } from "../support/ports.ts";
import { type PrometheusServer, startPrometheus } from "../support/prometheus.ts";
import { type RbacProxy, startRbacProxy } from "../support/rbacProxy.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";
import { redisCommand } from "../support/resp.ts";
import * as stub from "../support/stubServer.ts";

/** Decodes a Prometheus sample value; parseFloat("+Inf") would be NaN. */
function sampleValue(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

type MatrixResult = { metric: Record<string, string>; values: [number, string][] }[];
type Envelope<T> = { status: string; data: T };

/** Queries the shared Prometheus with a plain fetch (the library client is written elsewhere). */
async function query<T>(base: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${base}/api/v1/query`, { method: "POST", body: new URLSearchParams(params) });
  expect(res.status).toBe(200);
  return ((await res.json()) as Envelope<T>).data;
}

/** A fixture series as the API returns it over a range selector. */
function decoded(series: FixtureSeries) {
  return { metric: series.labels, samples: series.samples.map(([t, v]) => [t, v]) };
}

describe.skipIf(prometheusMissing)("shared Prometheus (globalSetup)", () => {
  const url = inject("prometheusUrl") ?? "";

  it("returns every backfilled series with exactly the fixture values and timestamps", async () => {
    const data = await query<{ result: MatrixResult }>(url, {
      query: '{__name__=~"fixture_.*"}[10m]',
      time: String(FIXTURE_END),
    });
    const got = data.result.map((s) => ({
      metric: s.metric,
      samples: s.values.map(([t, v]) => [t, sampleValue(v)]),
    }));
    const key = (s: { metric: Record<string, string> }) => JSON.stringify(Object.entries(s.metric).sort());
    // toEqual treats NaN as equal to NaN, and ±Inf compare exactly.
    expect(got.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      FIXTURE_SERIES.map(decoded).sort((a, b) => key(a).localeCompare(key(b))),
    );
    const temperature = data.result.find((s) => s.metric.__name__ === "fixture_temperature");
    expect(temperature?.values[1]).toEqual([FIXTURE_T0 + 0.5, "20.125"]);
    expect(temperature?.values.map(([, v]) => v)).toContain("1.5e-07");
  });

  it("answers an instant query at a fixture time", async () => {
    const data = await query<{ result: { value: [number, string] }[] }>(url, {
      query: "fixture_temperature",
      time: String(FIXTURE_T0 + 1),
    });
    expect(data.result.map((s) => s.value)).toEqual([[FIXTURE_T0 + 1, String(TEMPERATURE.samples[1]?.[1])]]);
  });

  it("has scraped itself and evaluated the fixture rules", async () => {
    const up = await query<{ result: { value: [number, string] }[] }>(url, { query: "up" });
    expect(up.result[0]?.value[1]).toBe("1");
    const alerts = (await (await fetch(`${url}/api/v1/alerts`)).json()) as Envelope<{
      alerts: { state: string }[];
    }>;
    expect(alerts.data.alerts).toEqual([expect.objectContaining({ state: "firing" })]);
  });
});

describe("fixtures and ports", () => {
  it("renders OpenMetrics with TYPE lines, escapes and # EOF", () => {
    const text = toOpenMetrics();
    expect(text).toContain("# TYPE fixture_requests counter\n");
    expect(text).toContain('text="quote \\" backslash \\\\ newline \\n end;');
    expect(text.endsWith("# EOF\n")).toBe(true);
  });

  it("hands out distinct free ports and removable temp dirs", async () => {
    const [a, b] = await Promise.all([freePort(), freePort()]);
    expect(a).not.toBe(b);
    const dir = await tempDir("smoke");
    expect(existsSync(dir.path)).toBe(true);
    await dir.remove();
    expect(existsSync(dir.path)).toBe(false);
  });

  it("requirePeer returns a hint outside CI and throws in CI", () => {
    const saved = process.env.CI;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      delete process.env.CI;
      expect(requirePeer("promfleet-no-such-binary", "nothing")).toMatch(/apt-get install .* nothing/);
      process.env.CI = "true";
      expect(() => requirePeer("promfleet-no-such-binary", "nothing")).toThrow(/Debian package nothing/);
      expect(requirePeer("node", "nodejs")).toBeUndefined();
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });
});

describe.skipIf(opensslMissing)("certificates", () => {
  let certs: TestCertificates;
  beforeAll(async () => {
    certs = await makeCertificates();
  });

  it("are memoised per process", async () => {
    expect(await makeCertificates()).toBe(certs);
  });

  it.each([
    ["server", undefined],
    ["foreignServer", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"],
    ["wrongNameServer", "ERR_TLS_CERT_ALTNAME_INVALID"],
    ["expiredServer", "CERT_HAS_EXPIRED"],
  ] as const)("%s is judged by a client trusting the test CA: %s", async (name, code) => {
    const proxy = await startRbacProxy({ upstream: "http://127.0.0.1:9", tokens: {}, tls: certs[name] });
    try {
      const answer = httpRequest(proxy.url, { tls: { ca: certs.ca.cert } });
      if (code === undefined) expect((await answer).status).toBe(401);
      else await expect(answer).rejects.toMatchObject({ code });
    } finally {
      await proxy.close();
    }
  });
});

const secureMissing = prometheusMissing ?? htpasswdMissing ?? opensslMissing;

describe.skipIf(secureMissing)("Prometheus with basic auth and mTLS", () => {
  const basicAuth = { username: "admin", password: "s3cret" };
  let server: PrometheusServer;
  let certs: TestCertificates;
  beforeAll(async () => {
    certs = await makeCertificates();
    // No self-scrape: in 2.42 the first one takes ~5.5 s (checked by hand: `up` is 1 through auth + mTLS).
    server = await startPrometheus({
      backfill: false,
      scrapeSelf: false,
      basicAuth,
      tls: {
        certFile: certs.server.certFile,
        keyFile: certs.server.keyFile,
        clientCaFile: certs.ca.certFile,
        requireClientCert: true,
        caFile: certs.ca.certFile,
        clientCertFile: certs.client.certFile,
        clientKeyFile: certs.client.keyFile,
      },
    });
  });
  afterAll(() => server?.stop());

  it("answers 401 without credentials and 200 with them, over mTLS", async () => {
    const tls = { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key };
    const anonymous = await httpRequest(`${server.url}/api/v1/status/buildinfo`, { tls });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toBe("Unauthorized\n");
    const ok = await httpRequest(`${server.url}/api/v1/status/buildinfo`, { tls, basicAuth });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).data.version).toMatch(/^2\./);
  });

  it("refuses a client without a certificate", async () => {
    await expect(
      httpRequest(`${server.url}/-/ready`, { tls: { ca: certs.ca.cert }, basicAuth }),
    ).rejects.toThrow();
  });

  it("keeps its port over a restart", async () => {
    const port = server.port;
    await server.restart();
    expect(server.port).toBe(port);
    expect((await server.request("/-/ready")).status).toBe(200);
  });
});

describe("kube-rbac-proxy emulation", () => {
  let upstream: stub.StubServer;
  let proxy: RbacProxy;
  let tenancy: RbacProxy;
  beforeAll(async () => {
    // The upstream echoes what it received, so forwarding is checked field by field.
    upstream = await stub.startStubServer(stub.echo());
    const tokens = { reader: { user: "reader", verbs: ["get" as const] } };
    proxy = await startRbacProxy({ upstream: `${upstream.url}/prefix/`, tokens });
    tenancy = await startRbacProxy({ upstream: upstream.url, tokens, tenancy: true });
  });
  afterAll(async () => {
    await Promise.all([proxy?.close(), tenancy?.close(), upstream?.close()]);
  });
  const form = "application/x-www-form-urlencoded";
  /** One request with an optional bearer token; a body makes it a form POST. */
  const call = (url: string, token?: string, body?: string) =>
    httpRequest(url, {
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { "content-type": form } : {}),
      },
      ...(body === undefined ? {} : { method: "POST", body }),
    });

  it("answers 401 to a missing or unknown token, 403 to a POST without create", async () => {
    for (const token of [undefined, "nope"]) {
      const res = await call(`${proxy.url}/api/v1/query`, token);
      expect([res.status, res.headers["content-type"], res.body]).toEqual([
        401,
        "text/plain; charset=utf-8",
        "Unauthorized\n",
      ]);
    }
    const post = await call(`${proxy.url}/api/v1/query`, "reader", "query=up");
    const forbidden = "Forbidden (user=reader, verb=create, resource=prometheuses, subresource=api)\n";
    expect([post.status, post.body]).toEqual([403, forbidden]);
  });

  it("forwards method, path, query, body and content-type, but not the token", async () => {
    proxy.allow("writer", { user: "writer", verbs: ["get", "create"] });
    const echoed = JSON.parse((await call(`${proxy.url}/api/v1/query?x=1`, "writer", "query=up")).body);
    expect(echoed).toMatchObject({ method: "POST", url: "/prefix/api/v1/query?x=1", body: "query=up" });
    expect(echoed.headers).toMatchObject({ "content-type": form });
    expect(echoed.headers.authorization).toBeUndefined();
    proxy.revoke("writer");
    expect((await call(`${proxy.url}/api/v1/query`, "writer")).status).toBe(401);
    const last = { method: "GET", path: "/api/v1/query", search: "", authorization: true, status: 401 };
    expect(proxy.requests.at(-1)).toEqual(last);
  });

  it("in tenancy mode wants a namespace parameter, refuses POST, and limits namespaces", async () => {
    const missing = await call(`${tenancy.url}/api/v1/query?query=up`, "reader");
    const malformed = "Bad Request. The request or configuration is malformed.\n";
    expect([missing.status, missing.body]).toEqual([400, malformed]);
    expect((await call(`${tenancy.url}/api/v1/query?namespace=team-a`, "reader", "query=up")).status).toBe(
      405,
    );
    const ok = await call(`${tenancy.url}/api/v1/query?namespace=team-a&query=up`, "reader");
    expect([ok.status, JSON.parse(ok.body).url]).toEqual([200, "/api/v1/query?namespace=team-a&query=up"]);
    tenancy.allow("a-only", { user: "a", verbs: ["get"], namespaces: ["team-a"] });
    expect((await call(`${tenancy.url}/api/v1/query?namespace=team-b`, "a-only")).status).toBe(403);
  });

  it.skipIf(prometheusMissing)("forwards a form POST query to the shared Prometheus", async () => {
    const tokens = { t: { user: "u", verbs: ["create" as const] } };
    const real = await startRbacProxy({ upstream: inject("prometheusUrl") ?? "", tokens });
    try {
      const res = await call(`${real.url}/api/v1/query`, "t", "query=vector(42)");
      expect(JSON.parse(res.body).data.result[0].value[1]).toBe("42");
    } finally {
      await real.close();
    }
  });
});

describe.skipIf(redisMissing)("Redis", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis({ maxmemory: "4mb", password: "pw" });
  });
  afterAll(() => redis?.stop());
  const ping = (timeoutMs = 2000) => redisCommand(redis.port, ["PING"], { password: "pw", timeoutMs });

  it("answers PING, hangs while paused, and comes back after resume", async () => {
    expect(redis.url).toBe(`redis://:pw@127.0.0.1:${redis.port}`);
    expect(await ping()).toBe("PONG");
    redis.pause();
    await expect(ping(200)).rejects.toThrow(/no reply within 200 ms/);
    redis.resume();
    expect(await ping()).toBe("PONG");
  });

  it("refuses writes once filled, and starts empty on the same port after kill + restart", async () => {
    await redis.command("SET", "k", "v");
    await redis.fill?.();
    await expect(redis.command("SET", "k2", "v")).rejects.toThrow(/^OOM/);
    expect(await redis.command("GET", "k")).toBe("v");
    redis.kill();
    await expect(ping()).rejects.toThrow();
    await redis.restart();
    expect([await ping(), await redis.command("DBSIZE")]).toEqual(["PONG", 0]);
  });
});

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
