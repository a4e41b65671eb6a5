import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisMissing } from "../support/binaries.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";
import { redisCommand } from "../support/resp.ts";

/** The Redis launcher: pause and resume, a full memory, kill and restart on the same port. */

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
