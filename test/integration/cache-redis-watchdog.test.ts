import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisCache } from "../../src/index.ts";
import { redisMissing } from "../support/binaries.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";

/**
 * A loopback TCP proxy in front of Redis whose `blackhole()` stops carrying bytes on the
 * connections open now, without closing them: what a NAT or load balancer that dropped an idle
 * connection, or a failed-over cloud Redis, looks like from the client. New connections pass.
 */
async function blackholingProxy(port: number) {
  const open = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(port, "127.0.0.1");
    const pair = { client, upstream };
    open.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    get connections() {
      return connections;
    },
    /** Current connections carry nothing more, in either direction, and stay open. */
    blackhole(): void {
      for (const { client, upstream } of open) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
      open.clear();
    },
    async close(): Promise<void> {
      server.close();
      for (const { client, upstream } of open) {
        client.destroy();
        upstream.destroy();
      }
    },
  };
}

/** How `promise` ended within `ms`: its value, "rejected", or "pending". */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | "rejected" | "pending"> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<"pending">((resolve) => {
    timer = setTimeout(() => resolve("pending"), ms);
  });
  try {
    return await Promise.race([promise.catch(() => "rejected" as const), pending]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(redisMissing)("a Redis connection that goes silent", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("is found by the PING watchdog and replaced: commands work again within seconds", async () => {
    const proxy = await blackholingProxy(redis.port);
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
    const proxy = await blackholingProxy(redis.port);
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
    expect(() => createRedisCache("redis://127.0.0.1:1", { pingInterval: -1 })).toThrow("pingInterval");
    expect(() => createRedisCache("redis://127.0.0.1:1", { pingTimeout: 0 })).toThrow("pingTimeout");
  });
});
