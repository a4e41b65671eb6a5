import { delay, HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { checkHealth } from "../../src/client/health.ts";
import { ApiResponse } from "../../src/decode/response.ts";
import {
  AbortError,
  AuthenticationError,
  AuthorizationError,
  InvalidArgumentError,
  PrometheusError,
  UnavailableError,
} from "../../src/index.ts";
import { BASE, EMPTY_VECTOR, goText, makeClient, mockPrometheus, rejection } from "./promMock.ts";

/** health(): probes, the vector(1) fallback behind proxies that hide /-/ paths, and the version lookup. */

const server = mockPrometheus();

const BUILD = { status: "success", data: { version: "2.53.1", revision: "x" } };

interface Behaviour {
  healthy?: () => Response | Promise<Response>;
  ready?: () => Response | Promise<Response>;
  query?: () => Response | Promise<Response>;
  build?: () => Response | Promise<Response>;
}

/** Serves the four endpoints health() may touch and counts the fallback queries. */
function serve(b: Behaviour): { queries: number } {
  const seen = { queries: 0 };
  server.use(
    http.get(`${BASE}/-/healthy`, () => b.healthy?.() ?? goText(200, "Prometheus Server is Healthy.")),
    http.get(`${BASE}/-/ready`, () => b.ready?.() ?? goText(200, "Prometheus Server is Ready.")),
    http.all(`${BASE}/api/v1/query`, () => {
      seen.queries++;
      return b.query?.() ?? HttpResponse.json(EMPTY_VECTOR);
    }),
    http.get(`${BASE}/api/v1/status/buildinfo`, () => b.build?.() ?? HttpResponse.json(BUILD)),
  );
  return seen;
}

describe("health()", () => {
  it("a healthy, ready server: via probe, with its version", async () => {
    const seen = serve({});
    const health = await makeClient({ cluster: "east" }).health();
    expect(health).toEqual({
      healthy: true,
      ready: true,
      via: "probe",
      version: "2.53.1",
      latencyMs: expect.any(Number),
    });
    expect(seen.queries).toBe(0);
  });

  it("healthy but not ready (starting, WAL replay): ready false with the server's text", async () => {
    serve({ ready: () => goText(503, "Service Unavailable") });
    const health = await makeClient({ cluster: "east" }).health();
    expect(health).toMatchObject({ healthy: true, ready: false, via: "probe" });
    expect(health.error).toBeInstanceOf(UnavailableError);
    expect(health.error).toMatchObject({ status: 503, endpoint: `${BASE}/-/ready`, cluster: "east" });
    expect(health.error?.message).toContain("Service Unavailable");
  });

  it("/-/healthy and /-/ready hidden by a proxy (404): a vector(1) query decides, via query", async () => {
    const seen = serve({
      healthy: () => goText(404, "404 page not found"),
      ready: () => goText(404, "404 page not found"),
    });
    const health = await makeClient().health();
    expect(health).toMatchObject({ healthy: true, ready: true, via: "query", version: "2.53.1" });
    expect(health.error).toBeUndefined();
    expect(seen.queries).toBe(1);
  });

  it("only /-/ready hidden: /-/healthy still counts, the query decides readiness", async () => {
    serve({ ready: () => goText(403, "Forbidden"), query: () => goText(503, "Service Unavailable") });
    const health = await makeClient({ retry: { limit: 0 } }).health();
    expect(health).toMatchObject({ healthy: true, ready: false, via: "query" });
    expect(health.error).toBeInstanceOf(UnavailableError);
  });

  it("hidden by kube-rbac-proxy and the query refused too: not healthy, the proxy's error kept", async () => {
    const forbidden = () =>
      goText(403, "Forbidden (user=system:serviceaccount:x:y, verb=get, resource=prometheuses)");
    serve({ healthy: forbidden, ready: forbidden, query: forbidden, build: forbidden });
    const health = await makeClient().health();
    expect(health).toMatchObject({ healthy: false, ready: false, via: "query" });
    expect(health.error).toBeInstanceOf(AuthorizationError);
    expect(health.error?.message).toContain("verb=get");
    expect(health.version).toBeUndefined();
  });

  it("a bad token (401 everywhere) reports an AuthenticationError", async () => {
    const unauthorized = () => goText(401, "Unauthorized");
    serve({ healthy: unauthorized, ready: unauthorized, query: unauthorized, build: unauthorized });
    const health = await makeClient().health();
    expect(health).toMatchObject({ healthy: false, ready: false, via: "query" });
    expect(health.error).toBeInstanceOf(AuthenticationError);
  });

  it("a server error on /-/healthy: not healthy, no fallback query", async () => {
    const seen = serve({ healthy: () => goText(500, "internal"), ready: () => goText(500, "internal") });
    const health = await makeClient().health();
    expect(health).toMatchObject({ healthy: false, ready: false, via: "probe" });
    expect(health.error).toMatchObject({ status: 500 });
    expect(seen.queries).toBe(0);
  });

  it("a connection failure: not healthy, never thrown, no fallback query", async () => {
    const seen = serve({
      healthy: () => HttpResponse.error(),
      ready: () => HttpResponse.error(),
      build: () => HttpResponse.error(),
    });
    const health = await makeClient({ retry: { limit: 0 } }).health();
    expect(health).toMatchObject({ healthy: false, ready: false, via: "probe" });
    expect(health.error).toBeInstanceOf(UnavailableError);
    expect(health.version).toBeUndefined();
    expect(seen.queries).toBe(0);
  });

  it("a hung buildinfo does not hold the answer: version left out after a short grace", async () => {
    serve({ build: () => delay("infinite").then(() => HttpResponse.json(BUILD)) });
    const started = performance.now();
    const health = await makeClient({ timeout: 20_000 }).health();
    // Generous bound: the answer must not wait for the 20 s deadline.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(health).toMatchObject({ healthy: true, ready: true, via: "probe" });
    expect(health.version).toBeUndefined();
  });

  it("a probe that outlives the deadline is a TimeoutError in `error`, not a throw", async () => {
    serve({ healthy: () => delay("infinite").then(() => goText(200, "ok")) });
    const health = await makeClient({ timeout: 300 }).health();
    expect(health.healthy).toBe(false);
    expect(health.error?.name).toBe("TimeoutError");
  });

  it("a caller's abort rejects with an AbortError", async () => {
    serve({ healthy: () => delay("infinite").then(() => goText(200, "ok")) });
    const controller = new AbortController();
    const pending = makeClient().health({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 20);
    expect(await rejection(pending)).toBeInstanceOf(AbortError);
  });

  it("bad arguments throw", async () => {
    serve({});
    expect(await rejection(makeClient().health({ timeout: -1 }))).toBeInstanceOf(InvalidArgumentError);
    expect(await rejection(makeClient().health({ signal: "x" as never }))).toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});

describe("checkHealth with a fake transport", () => {
  const io = {
    url: "http://p/",
    cluster: undefined,
    call: async <T>() => new ApiResponse({ version: "9" } as T, [], []),
  };

  it("turns a failure that is not a PrometheusError into one", async () => {
    const health = await checkHealth(
      {
        ...io,
        probe: async () => {
          throw new Error("odd failure");
        },
      },
      { timeoutMs: 1000 },
    );
    expect(health.healthy).toBe(false);
    expect(health.error).toBeInstanceOf(PrometheusError);
    expect(health.error?.message).toBe("odd failure");
  });

  it("names the failure generically when what was thrown is not an Error", async () => {
    const health = await checkHealth(
      {
        ...io,
        probe: async () => {
          throw "text";
        },
      },
      { timeoutMs: 1000 },
    );
    expect(health.error?.message).toBe("health check failed");
  });
});
