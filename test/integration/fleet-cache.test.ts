import { Keyv } from "keyv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MetricsCollector } from "../../src/index.ts";
import { prometheusMissing, redisMissing } from "../support/binaries.ts";
import { FIXTURE_END } from "../support/fixtures.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";

const prometheusUrl = inject("prometheusUrl");
const QUERY = "sum(fixture_requests_total)";

describe.skipIf(prometheusMissing)("a fleet with a memory cache", () => {
  it("serves repeated calls from the cache per cluster, and invalidate() drops one cluster or all", async () => {
    const keyv = new Keyv();
    const fleet = new MetricsCollector({
      registry: [
        { id: "a", url: prometheusUrl! },
        { id: "b", url: `${prometheusUrl}/` },
      ],
      cache: keyv,
      cacheTtl: 60_000,
    });
    let requests = 0;
    fleet.on("request", () => requests++);
    try {
      const first = await fleet.query(QUERY, { time: FIXTURE_END });
      expect(first.ok().map((c) => c.cached)).toEqual([false, false]);
      expect(requests).toBe(2);
      const second = await fleet.query(QUERY, { time: FIXTURE_END });
      expect(second.ok().map((c) => c.cached)).toEqual([true, true]);
      expect(second.merged().cached).toBe(true);
      expect(requests).toBe(2);

      await fleet.invalidate("a");
      const third = await fleet.query(QUERY, { time: FIXTURE_END });
      expect(third.get("a")?.cached).toBe(false);
      expect(third.get("b")?.cached).toBe(true);

      await fleet.invalidate();
      const fourth = await fleet.query(QUERY, { time: FIXTURE_END });
      expect(fourth.ok().map((c) => c.cached)).toEqual([false, false]);

      // A per-call `cache: false` passes through to every cluster's client.
      const bypass = await fleet.query(QUERY, { time: FIXTURE_END, cache: false });
      expect(bypass.ok().map((c) => c.cached)).toEqual([false, false]);
    } finally {
      await fleet.close();
    }
    // The caller's Keyv is the caller's: still usable after the collector closed.
    await keyv.set("still-open", 1);
    expect(await keyv.get("still-open")).toBe(1);
  });
});

describe.skipIf(prometheusMissing ?? redisMissing)("a fleet with a Redis cache it builds from a URL", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  /** Client connections Redis sees, besides the one asking. */
  async function redisClients(): Promise<number> {
    const list = String(await redis.command("CLIENT", "LIST"));
    return list.trim().split("\n").length - 1;
  }

  it("shares entries between replicas, invalidates across them, and disconnects in close()", async () => {
    const options = {
      registry: [{ id: "shared", url: prometheusUrl! }],
      cache: `${redis.url}/2`,
      cacheTtl: 60_000,
      cacheKeySecret: "fleet-test-key-secret",
    };
    const replicaA = new MetricsCollector(options);
    const replicaB = new MetricsCollector(options);
    try {
      expect((await replicaA.query(QUERY, { time: FIXTURE_END })).get("shared")?.cached).toBe(false);
      expect((await replicaB.query(QUERY, { time: FIXTURE_END })).get("shared")?.cached).toBe(true);
      expect(await redisClients()).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(replicaA)).toContain('"cache":"redis (owned)"');
      expect(JSON.stringify(replicaA)).not.toContain("fleet-test-key-secret");

      await replicaA.invalidate("shared");
      // Replicas memoise generations for up to a second (documented).
      await new Promise((r) => setTimeout(r, 1_200));
      expect((await replicaB.query(QUERY, { time: FIXTURE_END })).get("shared")?.cached).toBe(false);
    } finally {
      await replicaA.close();
      await replicaB.close();
    }
    // Both owned caches were disconnected.
    const deadline = Date.now() + 5_000;
    while ((await redisClients()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await redisClients()).toBe(0);
  });
});
