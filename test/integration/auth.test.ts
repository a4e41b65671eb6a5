import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  AuthenticationError,
  AuthorizationError,
  type AuthStrategy,
  BadQueryError,
  basicAuth,
  bearerAuth,
  InvalidArgumentError,
  inClusterOptions,
  MetricsCollector,
  PrometheusClient,
  type PrometheusClientOptions,
  StaticClusterRegistry,
} from "../../src/index.ts";
import { htpasswdMissing, opensslMissing, prometheusMissing } from "../support/binaries.ts";
import { makeCertificates } from "../support/certs.ts";
import { type PrometheusServer, startPrometheus } from "../support/prometheus.ts";
import { type RbacEntry, type RbacProxy, startRbacProxy } from "../support/rbacProxy.ts";
import { projectedVolume, scratchDir } from "../unit/authFiles.ts";
import { failure } from "./failure.ts";

const dir = scratchDir("auth-it");
const clients: PrometheusClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

/** A client closed after the file; fast retries so failures show quickly. */
function client(options: PrometheusClientOptions): PrometheusClient {
  const c = new PrometheusClient({ retry: { baseDelayMs: 5, maxDelayMs: 20 }, timeout: 10_000, ...options });
  clients.push(c);
  return c;
}

/** `vector(1)` evaluates without data: the answer proves the request got through. */
async function expectOne(c: PrometheusClient, options: { namespace?: string } = {}) {
  const { data } = await c.query("vector(1)", { time: 1_700_000_000, ...options });
  expect(data.resultType).toBe("vector");
  if (data.resultType === "vector")
    expect(data.result[0]).toMatchObject({ timestamp: 1_700_000_000, value: 1 });
}

describe.skipIf(prometheusMissing ?? htpasswdMissing)("basic auth against Prometheus' web config", () => {
  const PASSWORD = "pw-Recognisable-91x";
  let prometheus: PrometheusServer;
  beforeAll(async () => {
    prometheus = await startPrometheus({
      backfill: false,
      scrapeSelf: false,
      basicAuth: { username: "admin", password: PASSWORD },
    });
  });
  afterAll(() => prometheus?.stop());

  it("gets through with the right password", async () => {
    await expectOne(
      client({ url: prometheus.url, auth: basicAuth({ username: "admin", password: PASSWORD }) }),
    );
  });

  it("fails with an AuthenticationError on a wrong password, without the password in it", async () => {
    const wrong = "wrong-Recognisable-33";
    const error = await failure(
      client({ url: prometheus.url, auth: basicAuth({ username: "admin", password: wrong }) }).query(
        "vector(1)",
      ),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, endpoint: `${prometheus.url}/api/v1/query` });
    expect(error.message).toBe(`${prometheus.url}/api/v1/query answered 401: Unauthorized`);
    expect(JSON.stringify(error)).not.toContain(wrong);
    const none = await failure(client({ url: prometheus.url }).query("vector(1)"));
    expect(none).toBeInstanceOf(AuthenticationError);
  });

  it("follows a password file as it changes", async () => {
    const file = join(dir, "prometheus-password");
    writeFileSync(file, `${PASSWORD}\n`);
    const c = client({ url: prometheus.url, auth: basicAuth({ username: "admin", passwordFile: file }) });
    await expectOne(c);
    writeFileSync(file, "not-it\n");
    expect(await failure(c.query("vector(1)"))).toBeInstanceOf(AuthenticationError);
    writeFileSync(file, PASSWORD);
    await expectOne(c);
  });
});

describe.skipIf(prometheusMissing)("bearer tokens through a kube-rbac-proxy-like proxy", () => {
  const upstream = inject("prometheusUrl") ?? "";
  const collector: RbacEntry = {
    user: "system:serviceaccount:monitoring:collector",
    verbs: ["get", "create"],
  };
  const viewer: RbacEntry = {
    user: "system:serviceaccount:team-a:viewer",
    verbs: ["get"],
    namespaces: ["team-a"],
  };
  let proxy: RbacProxy;
  let tenancy: RbacProxy;
  beforeAll(async () => {
    proxy = await startRbacProxy({
      upstream,
      tokens: { "collector-token": collector, "viewer-token": viewer },
    });
    tenancy = await startRbacProxy({ upstream, tenancy: true, tokens: { "viewer-token": viewer } });
  });
  afterAll(async () => {
    await proxy?.close();
    await tenancy?.close();
  });
  const seen = (from: number) => proxy.requests.slice(from).map((r) => `${r.method} ${r.status}`);

  it("a refused token is an AuthenticationError with the proxy's text, not replayed", async () => {
    const from = proxy.requests.length;
    const error = await failure(
      client({ url: proxy.url, auth: bearerAuth({ token: "revoked-token-x1" }) }).query("up"),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe(`${proxy.url}/api/v1/query answered 401: Unauthorized`);
    expect(JSON.stringify(error)).not.toContain("revoked-token-x1");
    expect(seen(from)).toEqual(["POST 401"]);
  });

  it("a GET-only token: POST is Forbidden, the same query by GET works, and the endpoint stays on GET", async () => {
    const c = client({ url: proxy.url, auth: bearerAuth({ token: "viewer-token" }) });
    const from = proxy.requests.length;
    await expectOne(c);
    expect(seen(from)).toEqual(["POST 403", "GET 200"]);
    await expectOne(c);
    expect(seen(from)).toEqual(["POST 403", "GET 200", "GET 200"]);
  });

  it("tenancy: the namespace goes in the URL by GET; another namespace is Forbidden and never replayed", async () => {
    let calls = 0;
    const c = client({
      url: tenancy.url,
      auth: bearerAuth({
        token: async () => {
          calls++;
          return "viewer-token";
        },
      }),
    });
    await expectOne(c, { namespace: "team-a" });
    expect(tenancy.requests.at(-1)).toMatchObject({
      method: "GET",
      search: expect.stringContaining("namespace=team-a"),
    });
    const from = tenancy.requests.length;
    const denied = await failure(c.query("vector(1)", { namespace: "kube-system" }));
    expect(denied).toBeInstanceOf(AuthorizationError);
    expect(denied.message).toContain(
      "answered 403: Forbidden (user=system:serviceaccount:team-a:viewer, verb=get, resource=pods",
    );
    expect(tenancy.requests.length - from).toBe(1);
    expect(calls).toBe(1);
    const missing = await failure(c.query("vector(1)"));
    expect(missing).toBeInstanceOf(BadQueryError);
    expect(missing.message).toContain("answered 400: Bad Request");
  });

  it("tenancy: health() asks its fallback query in the namespace given, by GET", async () => {
    const c = client({ url: tenancy.url, auth: bearerAuth({ token: "viewer-token" }) });
    const errors: unknown[] = [];
    c.on("error", (event) => errors.push(event));
    const from = tenancy.requests.length;
    const health = await c.health({ namespace: "team-a" });
    expect(health).toMatchObject({ healthy: true, ready: true, via: "query" });
    expect(health.error).toBeUndefined();
    // The port refuses buildinfo too: no version, and that best-effort lookup is no `error` event.
    expect(health.version).toBeUndefined();
    expect(tenancy.requests.slice(from).map((r) => `${r.path} ${r.status}`)).toContain(
      "/api/v1/status/buildinfo 400",
    );
    expect(errors).toEqual([]);
    expect(tenancy.requests.slice(from)).toContainEqual(
      expect.objectContaining({
        method: "GET",
        path: "/api/v1/query",
        search: expect.stringContaining("namespace=team-a"),
        status: 200,
      }),
    );
    // Without a namespace the tenancy port refuses the fallback: unhealthy, and the reason says so.
    const without = await c.health();
    expect(without.healthy).toBe(false);
    expect(without.error).toBeInstanceOf(BadQueryError);
    await expect(c.health({ namespace: "Not_A_Namespace" })).rejects.toThrow(
      "namespace must be a Kubernetes namespace name",
    );
    // The fleet passes it to every cluster's check, and refuses a bad one before sending anything.
    await using fleet = new MetricsCollector({
      registry: new StaticClusterRegistry([
        { id: "tenant", url: tenancy.url, auth: { type: "bearer", token: "viewer-token" } },
      ]),
    });
    expect((await fleet.health({ namespace: "team-a" })).get("tenant")).toMatchObject({
      status: "ok",
      value: { healthy: true, via: "query" },
    });
    expect((await fleet.health()).get("tenant")?.status).toBe("error");
    const sent = tenancy.requests.length;
    await expect(fleet.health({ namespace: "-x" })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(tenancy.requests.length).toBe(sent);
  });

  it("a token provider is asked again after a 401 and the call replayed once", async () => {
    let calls = 0;
    const c = client({ url: proxy.url, auth: bearerAuth({ token: async () => `provided-${++calls}` }) });
    proxy.allow("provided-1", collector);
    await expectOne(c);
    proxy.revoke("provided-1");
    proxy.allow("provided-2", collector);
    const from = proxy.requests.length;
    await expectOne(c);
    expect(seen(from)).toEqual(["POST 401", "POST 200"]);
    expect(calls).toBe(2);
    await expectOne(c);
    expect(calls).toBe(2);
    // A provider whose fresh token is refused too: one replay, then the 401 stands.
    proxy.revoke("provided-2");
    const error = await failure(c.query("vector(1)"));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(calls).toBe(3);
  });

  it("a token file rotated by the kubelet's symlink swap, old token revoked at once: no call fails", async () => {
    const volume = projectedVolume(dir, "projected-0");
    proxy.allow("projected-0", collector);
    const c = client({ url: proxy.url, auth: bearerAuth({ tokenFile: volume.tokenFile }) });
    let ok = 0;
    const failures: Error[] = [];
    let running = true;
    const worker = async () => {
      while (running) {
        try {
          await expectOne(c);
          ok++;
        } catch (error) {
          failures.push(error as Error);
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    for (let generation = 1; generation <= 3; generation++) {
      await new Promise((r) => setTimeout(r, 250));
      proxy.allow(`projected-${generation}`, collector);
      volume.rotate(`projected-${generation}`);
      proxy.revoke(`projected-${generation - 1}`);
    }
    await new Promise((r) => setTimeout(r, 250));
    running = false;
    await Promise.all(workers);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(20);
    await expectOne(c); // with projected-3, the only token left
  });

  it("a 401 for a token already replaced on disk re-reads the file and replays", async () => {
    const volume = projectedVolume(dir, "swap-a");
    proxy.allow("swap-a", collector);
    const inner = bearerAuth({ tokenFile: volume.tokenFile });
    let swapped = false;
    // Rotates right after the token was put on the request: the request leaves with the old one.
    const auth: AuthStrategy = {
      type: inner.type,
      apply: async (request) => {
        await inner.apply(request);
        if (!swapped) {
          swapped = true;
          proxy.allow("swap-b", collector);
          volume.rotate("swap-b");
          proxy.revoke("swap-a");
        }
      },
      refresh: (context) => inner.refresh?.(context) ?? false,
      identity: () => inner.identity(),
      describe: () => inner.describe(),
    };
    const from = proxy.requests.length;
    await expectOne(client({ url: proxy.url, auth }));
    expect(seen(from)).toEqual(["POST 401", "POST 200"]);
  });

  it("a missing or unreadable token file is an AuthenticationError naming the file; nothing is sent", async () => {
    const missing = join(dir, "no-such", "token");
    const directory = join(dir, "token-is-a-directory");
    mkdirSync(directory);
    const from = proxy.requests.length;
    for (const [path, reason] of [
      [missing, "does not exist (ENOENT)"],
      [directory, "is a directory, not a file (EISDIR)"],
    ]) {
      const error = await failure(
        client({ url: proxy.url, auth: bearerAuth({ tokenFile: path! }) }).query("up"),
      );
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.message).toBe(
        `could not load credentials for bearer(tokenFile=${path}): ${path} ${reason}`,
      );
      expect(error).toMatchObject({ endpoint: `${proxy.url}/api/v1/query` });
    }
    expect(proxy.requests.length).toBe(from);
  });
});

describe.skipIf(prometheusMissing ?? opensslMissing)("in-cluster options against an HTTPS proxy", () => {
  const upstream = inject("prometheusUrl") ?? "";
  let proxy: RbacProxy;
  afterAll(() => proxy?.close());

  it("uses the service-account token and OpenShift's service CA", async () => {
    const certs = await makeCertificates();
    proxy = await startRbacProxy({
      upstream,
      tls: { cert: certs.server.cert, key: certs.server.key },
      tokens: {
        "sa-token-1": { user: "system:serviceaccount:monitoring:promfleet", verbs: ["get", "create"] },
      },
    });
    const volume = projectedVolume(dir, "sa-token-1");
    writeFileSync(join(volume.dir, "service-ca.crt"), certs.ca.cert);
    writeFileSync(join(volume.dir, "ca.crt"), certs.foreignCa.cert);
    const options = inClusterOptions({ dir: volume.dir, url: proxy.url });
    const c = client(options);
    await expectOne(c);
    proxy.allow("sa-token-2", {
      user: "system:serviceaccount:monitoring:promfleet",
      verbs: ["get", "create"],
    });
    volume.rotate("sa-token-2");
    proxy.revoke("sa-token-1");
    await expectOne(c);
  });
});
