import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Keyv } from "keyv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ApiResponse, createRedisCache, PrometheusClient } from "../../src/index.ts";
import { prometheusMissing, redisMissing } from "../support/binaries.ts";
import { FIXTURE_END, FIXTURE_T0 } from "../support/fixtures.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";

/**
 * The shared backfilled Prometheus behind a counting reverse proxy, with a real Redis as the cache:
 * real answers (NaN, ±Inf, 1.5e-07, escaped labels) come back from the cache exactly, a hit makes no
 * request, and 100 concurrent identical calls make one.
 */

/** A loopback reverse proxy to `target` that counts the requests it forwards. */
async function countingProxy(
  target: string,
): Promise<{ url: string; count: () => number; close(): Promise<void> }> {
  let count = 0;
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    count++;
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe.skipIf(prometheusMissing ?? redisMissing)("cache over a real Prometheus and Redis", () => {
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  let redis: RedisServer;
  let keyv: Keyv;
  let cached: PrometheusClient;
  let direct: PrometheusClient;

  beforeAll(async () => {
    const url = inject("prometheusUrl");
    if (url === undefined) throw new Error("the shared Prometheus did not start");
    proxy = await countingProxy(url);
    redis = await startRedis();
    keyv = createRedisCache(`${redis.url}/2`);
    cached = new PrometheusClient({ url: proxy.url, cache: keyv, cluster: "fixture", cacheKeySecret: "k" });
    direct = new PrometheusClient({ url });
  });
  afterAll(async () => {
    await cached?.close();
    await direct?.close();
    await keyv?.disconnect().catch(() => {});
    await redis?.stop();
    await proxy?.close();
  });

  /** Calls twice through the cache (waiting for the write in between) and once directly. */
  async function compare<T>(call: (c: PrometheusClient) => Promise<ApiResponse<T>>): Promise<ApiResponse<T>> {
    const stored = new Promise<void>((resolve) => {
      const off = cached.on("cache", (e) => {
        if (e.type !== "store") return;
        off();
        resolve();
      });
    });
    const before = proxy.count();
    const fresh = await call(cached);
    await stored;
    const hit = await call(cached);
    expect(proxy.count()).toBe(before + 1);
    expect(fresh.cached).toBe(false);
    expect(hit.cached).toBe(true);
    expect(hit.ageMs).toBeGreaterThanOrEqual(0);
    expect(hit.data).toStrictEqual(fresh.data);
    const reference = await call(direct);
    expect(JSON.stringify(hit)).toBe(JSON.stringify(reference));
    return hit;
  }

  it("range queries (aligned to the step) come back from Redis exactly", async () => {
    // FIXTURE_T0 is not a multiple of 15: the cached client sends the floored start, so does the reference.
    const start = FIXTURE_T0 - (FIXTURE_T0 % 15);
    const hit = await compare((c) =>
      c.queryRange("fixture_temperature", { start, end: FIXTURE_END, step: 15 }),
    );
    const values = hit.data.result[0]!.values;
    expect(values.some(Number.isNaN)).toBe(true);
    expect(values).toContain(Infinity);
    expect(values).toContain(1.5e-7);
  });

  it("instant queries, series, labels, label values and metadata come back exactly", async () => {
    await compare((c) => c.query('{__name__=~"fixture_.*"}', { time: FIXTURE_END }));
    await compare((c) => c.query("scalar(fixture_temperature)", { time: FIXTURE_T0 + 45 }));
    await compare((c) => c.series(['{__name__=~"fixture_.*"}'], { start: FIXTURE_T0, end: FIXTURE_END }));
    await compare((c) => c.labelNames({ start: FIXTURE_T0, end: FIXTURE_END }));
    await compare((c) => c.labelValues("__name__", { start: FIXTURE_T0, end: FIXTURE_END }));
    await compare((c) => c.metadata({ metric: "prometheus_build_info" }));
  });

  it("100 concurrent identical calls make exactly one request", async () => {
    const before = proxy.count();
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        cached.query("sum(fixture_requests_total)", { time: FIXTURE_END - 1 }),
      ),
    );
    expect(proxy.count()).toBe(before + 1);
    for (const r of results) expect(JSON.stringify(r)).toBe(JSON.stringify(results[0]));
  });
});
