import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CacheEvent, createRedisCache, PrometheusClient } from "../../src/index.ts";
import { type FakePrometheus, startFakePrometheus } from "../../src/testing/index.ts";
import { redisMissing } from "../support/binaries.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";

const T = 1_700_000_000;

// The first commands on a new createRedisCache race KeyvRedis' lazy connect; with the offline
// queue off they used to fail at once ("The client is offline"), so a fleet's first fan-out
// counted cache errors and stored nothing.
describe.skipIf(redisMissing)("a new Redis cache under concurrent first use", () => {
  let redis: RedisServer;
  let fake: FakePrometheus;
  beforeAll(async () => {
    redis = await startRedis();
    fake = await startFakePrometheus({
      series: Array.from({ length: 20 }, (_, i) => ({
        labels: { __name__: `m${i}`, job: "api" },
        samples: [[T, i]] as [number, number][],
      })),
    });
  });
  afterAll(async () => {
    await fake?.close();
    await redis?.stop();
  });

  it("serves every concurrent first command once the one connection is up", async () => {
    const keyv = createRedisCache(`${redis.url}/3`);
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => keyv.set(`k${i}`, `v${i}`)),
      );
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      expect(await keyv.get("k7")).toBe("v7");
    } finally {
      await keyv.disconnect();
    }
  });

  it("stores the results of 20 different first queries with no cache error", async () => {
    const cache = createRedisCache(`${redis.url}/4`);
    // A generous cache deadline: this test is about connecting, not about a slow machine.
    const client = new PrometheusClient({ url: fake.url, cache, cacheTimeout: 2_000 });
    const events: CacheEvent[] = [];
    client.on("cache", (event) => events.push(event));
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => client.query(`m${i}`, { time: T })));
      expect(events.filter((e) => e.type === "error")).toEqual([]);
      const again = await Promise.all(
        Array.from({ length: 20 }, (_, i) => client.query(`m${i}`, { time: T })),
      );
      expect(again.every((r) => r.cached)).toBe(true);
      expect(fake.requests).toHaveLength(20);
    } finally {
      await client.close();
      await cache.disconnect();
    }
  });
});
