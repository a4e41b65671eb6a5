import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisCache, MetricsCollector } from "../../src/index.ts";
import { redisMissing } from "../support/binaries.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";
import { redisProxy as proxy, within } from "../support/redisProxy.ts";
import { startStubServer } from "../support/stubServer.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* a synchronous JSON.parse of a big body */
  }
}

describe.skipIf(redisMissing)("closing a Redis cache, and the watchdog under a blocked event loop", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis({ password: "s3cret-redis-pass" });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("disconnect() while a PING check is pending ends, and the check drops nothing after it", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const p = await proxy(redis.port);
    const url = p.url.replace("redis://", "redis://:s3cret-redis-pass@");
    const keyv = createRedisCache(`${url}/5`, { pingInterval: 100, pingTimeout: 300 });
    try {
      await keyv.set("k", "v");
      p.blackhole();
      await sleep(150); // a PING is now waiting on the silent connection
      const closing = within(keyv.disconnect(), 1_500);
      await sleep(600); // the check's timeout passes
      const closed = await closing;
      expect({ closed, unhandled: unhandled.map(String) }).toEqual({ closed: undefined, unhandled: [] });
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await p.close();
    }
  });

  it("disconnect() with a command pending on a silent connection ends after a grace, dropping it", async () => {
    const p = await proxy(redis.port);
    const url = p.url.replace("redis://", "redis://:s3cret-redis-pass@");
    const keyv = createRedisCache(`${url}/5`, { pingInterval: 200, pingTimeout: 300 });
    try {
      await keyv.set("k", "v");
      p.blackhole();
      // A cache read the client gave up on (cacheTimeout) is still in node-redis' queue.
      void keyv.get("k").catch(() => {});
      await sleep(50);
      // e.g. MetricsCollector.close() of a collector that owns its cache.
      expect(await within(keyv.disconnect(), 2_000)).toBe(undefined);
    } finally {
      await p.close();
    }
  });

  it("MetricsCollector.close() with its own Redis cache ends though Redis went silent with reads pending", async () => {
    const p = await proxy(redis.port);
    const url = p.url.replace("redis://", "redis://:s3cret-redis-pass@");
    const prom = await startStubServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } }));
    });
    const fleet = new MetricsCollector({
      registry: [{ id: "a", url: prom.url }],
      cache: `${url}/6`,
      cacheKeySecret: "k",
    });
    try {
      expect((await fleet.query("up", { time: 1_700_000_000 })).get("a")?.status).toBe("ok");
      p.blackhole();
      // Queries go on: their cache reads give up after cacheTimeout, but stay queued in node-redis.
      expect((await fleet.query("up", { time: 1_700_000_001 })).get("a")?.status).toBe("ok");
      expect(await within(fleet.close(), 3_000)).toBe(undefined);
    } finally {
      await p.close();
      await prom.close();
    }
  });

  it("a loop blocked for longer than pingTimeout right after the PING was queued does not drop a healthy connection", async () => {
    const lines: string[] = [];
    const logger = {
      debug: (obj: object, msg?: string) => void lines.push(`${msg} ${JSON.stringify(obj)}`),
      info() {},
      warn() {},
      error() {},
    };
    // 2 ms each way: a Redis on another host.
    const p = await proxy(redis.port, 2);
    const url = p.url.replace("redis://", "redis://:s3cret-redis-pass@");
    const keyv = createRedisCache(`${url}/5`, { pingInterval: 200, pingTimeout: 300, logger });
    try {
      await keyv.set("k", "v");
      const client = (keyv.store as unknown as { client: { ping(): Promise<unknown> } }).client;
      const ping = client.ping.bind(client);
      let blocks = 1;
      // The PING is queued (written at the next setImmediate); the same loop turn then blocks
      // for 1 s in other work (another timer's or an I/O callback's JSON.parse).
      client.ping = () => {
        const t0 = performance.now();
        const answer = ping();
        void answer.then(
          () => void lines.push(`ping answered after ${Math.round(performance.now() - t0)} ms`),
          (e) => void lines.push(`ping failed: ${String(e)}`),
        );
        // After this turn's check armed its 300 ms timer, before node-redis' setImmediate write.
        if (blocks-- > 0) queueMicrotask(() => busy(1_000));
        return answer;
      };
      await sleep(700);
      await sleep(500); // after the block
      expect(lines.filter((l) => /PING|ping failed/.test(l))).toEqual([]);
      expect(p.connections).toBe(1);
      // The watchdog's log line never carries the password.
      expect(lines.join("\n")).not.toContain("s3cret-redis-pass");
    } finally {
      await within(keyv.disconnect(), 1_000);
      await p.close();
    }
  });
});
