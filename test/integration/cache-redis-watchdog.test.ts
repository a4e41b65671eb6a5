import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisCache } from "../../src/index.ts";
import { redisMissing } from "../support/binaries.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";
import { redisProxy, within } from "../support/redisProxy.ts";

describe.skipIf(redisMissing)("a Redis connection that goes silent", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("is found by the PING watchdog and replaced: commands work again within seconds", async () => {
    const proxy = await redisProxy(redis.port);
    const lines: string[] = [];
    const logger = {
      debug: (_obj: object, msg?: string) => void lines.push(msg ?? ""),
      info() {},
      warn() {},
      error() {},
    };
    const keyv = createRedisCache(`${proxy.url}/5`, { pingInterval: 200, pingTimeout: 300, logger });
    try {
      await keyv.set("k", "before");
      proxy.blackhole();
      // The watchdog drops the silent connection (≤ 0.5 s after the next ping) and connects
      // again at once, before any command asks for it.
      const reconnectBy = performance.now() + 3_000;
      while (proxy.connections < 2 && performance.now() < reconnectBy)
        await new Promise((r) => setTimeout(r, 50));
      expect(proxy.connections).toBe(2);
      const deadline = performance.now() + 5_000;
      let value: unknown = "pending";
      while (performance.now() < deadline) {
        value = await within(keyv.get("k"), 500);
        if (value === "before") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(value).toBe("before");
      expect(proxy.connections).toBeGreaterThanOrEqual(2);
      expect(lines).toContain("redis did not answer PING in time: reconnecting");
    } finally {
      await keyv.disconnect();
      await proxy.close();
    }
  });

  it("control: with the watchdog off, a command on the silent connection does not end", async () => {
    const proxy = await redisProxy(redis.port);
    const keyv = createRedisCache(`${proxy.url}/5`, { pingInterval: 0 });
    try {
      await keyv.set("k", "before");
      proxy.blackhole();
      expect(await within(keyv.get("k"), 1_500)).toBe("pending");
      expect(proxy.connections).toBe(1);
    } finally {
      await proxy.close();
      await within(keyv.disconnect(), 1_000);
    }
  });

  it("checks its options", () => {
    expect(() => createRedisCache("redis://127.0.0.1:1", { pingInterval: -1 })).toThrow(
      "pingInterval must be 0 (off) or a positive number",
    );
    // Text before a colon may be a secret in the wrong field: only known schemes are named.
    expect(() => createRedisCache("s3cret-token:xyz")).toThrow(
      /^url must use redis: or rediss: \(it does not start with redis:\/\/ or rediss:\/\/\)$/,
    );
    expect(() => createRedisCache("http://redis.example")).toThrow(
      "url must use redis: or rediss:, not http:",
    );
    expect(() => createRedisCache("redis://127.0.0.1:1", { pingTimeout: 0 })).toThrow("pingTimeout");
  });
});
