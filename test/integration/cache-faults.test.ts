import type { Keyv } from "keyv";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CacheEvent, createRedisCache, type Logger, PrometheusClient } from "../../src/index.ts";
import { redisMissing } from "../support/binaries.ts";
import { cachedResults } from "../support/cachedResults.ts";
import { freePort } from "../support/ports.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";
import { type CountingUpstream, startCountingUpstream } from "../unit/cacheUpstream.ts";

/**
 * A cache that never fails a query, against a real redis-server that is stopped before start,
 * killed, paused (SIGSTOP) and continued, restarted empty, and full (maxmemory + noeviction):
 * every query succeeds, the cache adds a bounded delay (bounds are generous: correctness, not
 * speed), caching resumes once Redis is back, and nothing is left unhandled (vitest fails the run
 * on an unhandled rejection or 'error' event).
 */

const T = 1_700_000_000;
/** Generous bound on one query's duration while the cache misbehaves (cacheTimeout is 75 ms). */
const BOUND_MS = 1_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Recorded {
  logger: Logger;
  warnings: string[];
}

function recordingLogger(): Recorded {
  const warnings: string[] = [];
  const noop = () => {};
  return {
    warnings,
    logger: { debug: noop, info: noop, error: noop, warn: (_obj, msg) => warnings.push(String(msg)) },
  };
}

describe.skipIf(redisMissing)("a cache that never fails a query", () => {
  let up: CountingUpstream;
  const open: Array<{ keyv: Keyv; client: PrometheusClient }> = [];
  const servers: RedisServer[] = [];

  beforeAll(async () => {
    up = await startCountingUpstream();
  });
  afterEach(async () => {
    for (const { keyv, client } of open.splice(0)) {
      await client.close();
      await keyv.disconnect().catch(() => {});
    }
    for (const server of servers.splice(0)) await server.stop();
    up.reset();
  });
  afterAll(async () => {
    await up?.close();
  });

  function setup(url: string) {
    const keyv = createRedisCache(url);
    const recorded = recordingLogger();
    const events: CacheEvent[] = [];
    const client = new PrometheusClient({
      url: up.url,
      cache: keyv,
      cluster: "east",
      logger: recorded.logger,
    });
    client.on("cache", (event) => events.push(event));
    open.push({ keyv, client });
    /** One timed query (a new `time` each call unless given): it must succeed within BOUND_MS. */
    let n = 0;
    const timedQuery = async (time = T + ++n, ttl?: number) => {
      const started = performance.now();
      const result = await client.query("up", ttl === undefined ? { time } : { time, cache: ttl });
      const ms = performance.now() - started;
      expect(ms).toBeLessThan(BOUND_MS);
      return result;
    };
    return { keyv, client, events, warnings: recorded.warnings, timedQuery };
  }

  async function redis(options?: Parameters<typeof startRedis>[0]): Promise<RedisServer> {
    const server = await startRedis(options);
    servers.push(server);
    return server;
  }

  /** Polls until a query is answered from the cache (again): writes happen in the background. */
  async function cachingResumes(c: ReturnType<typeof setup>): Promise<void> {
    await expect
      .poll(
        async () => {
          const time = T + 10_000;
          await c.timedQuery(time);
          await sleep(20);
          return (await c.timedQuery(time)).cached;
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(true);
  }

  it("Redis stopped before start: queries succeed, the circuit opens, one warning", async () => {
    const c = setup(`redis://127.0.0.1:${await freePort()}/2`);
    for (let i = 0; i < 20; i++) expect((await c.timedQuery()).cached).toBe(false);
    expect(up.calls).toHaveLength(20);
    expect(c.events.some((e) => e.type === "circuit-open")).toBe(true);
    expect(c.events.filter((e) => e.type === "error").length).toBeLessThanOrEqual(10);
    expect(c.warnings.filter((w) => w.startsWith("the cache failed"))).toHaveLength(1);
  });

  it("Redis killed mid-run, then restarted: no failed query, caching resumes", async () => {
    const server = await redis();
    const c = setup(`${server.url}/2`);
    await cachingResumes(c);
    server.kill();
    for (let i = 0; i < 15; i++) await c.timedQuery();
    expect(c.events.some((e) => e.type === "circuit-open")).toBe(true);
    await server.restart();
    await cachingResumes(c);
    expect(c.events.some((e) => e.type === "circuit-closed")).toBe(true);
  });

  it("Redis paused (SIGSTOP) then continued: bounded delay, and a write that lands late is not served", async () => {
    const server = await redis();
    const c = setup(`${server.url}/2`);
    await cachingResumes(c);
    // Fresh generation tokens, memoised for a second: the next query can build its key while paused.
    await c.client.invalidate();
    await c.client.invalidate({ query: "up" });
    server.pause();
    const pausedAt = performance.now();
    try {
      // The write of this result queues in the socket, with a 2 s TTL.
      const paused = await c.timedQuery(T + 500, 2_000);
      expect(paused.cached).toBe(false);
      for (let i = 0; i < 4; i++) await c.timedQuery();
      expect(c.events.some((e) => e.type === "circuit-open")).toBe(true);
      await sleep(2_600 - (performance.now() - pausedAt));
    } finally {
      server.resume();
    }
    // Redis now runs the queued SET, whose PX 2000 starts now: a live key holding data older than its TTL.
    await expect
      .poll(async () => (await cachedResults(server, 2)).some((e) => e.ttlMs === 2_000 && e.pttl > 0), {
        timeout: 1_000,
      })
      .toBe(true);
    const late = (await cachedResults(server, 2)).find((e) => e.ttlMs === 2_000)!;
    expect(Date.now() - late.storedAt).toBeGreaterThan(late.ttlMs);
    const before = up.calls.length;
    expect((await c.timedQuery(T + 500)).cached).toBe(false);
    expect(up.calls.length).toBe(before + 1);
    expect(c.events.some((e) => e.type === "circuit-closed")).toBe(true);
    await cachingResumes(c);
  });

  it("Redis restarted empty: no failed query, old entries gone, caching resumes", async () => {
    const server = await redis();
    const c = setup(`${server.url}/2`);
    await cachingResumes(c);
    await server.restart();
    expect((await c.timedQuery(T + 10_000)).cached).toBe(false);
    for (let i = 0; i < 5; i++) await c.timedQuery();
    await cachingResumes(c);
  });

  it("Redis full (maxmemory, noeviction): writes fail, queries do not; caching resumes when room is made", async () => {
    const server = await redis({ maxmemory: "4mb" });
    const c = setup(`${server.url}/2`);
    await cachingResumes(c);
    await server.fill!();
    for (let i = 0; i < 20; i++) expect((await c.timedQuery()).cached).toBe(false);
    await expect
      .poll(() => c.events.some((e) => e.type === "error" && /OOM/.test(String(e.error?.message))))
      .toBe(true);
    await server.command("CONFIG", "SET", "maxmemory", "0");
    await cachingResumes(c);
  });

  it("Redis full: only writes are skipped; what is stored is still served", async () => {
    const server = await redis({ maxmemory: "4mb" });
    const c = setup(`${server.url}/2`);
    await cachingResumes(c); // an entry for T + 10_000 is stored
    await server.fill!();
    for (let i = 0; i < 10; i++) expect((await c.timedQuery()).cached).toBe(false);
    await expect
      .poll(() => c.events.filter((e) => e.type === "circuit-open").map((e) => e.operation))
      .toEqual(["write"]);
    expect((await c.timedQuery(T + 10_000)).cached).toBe(true);
    // Every failure was a write's: no read was blamed for a write failing beside it.
    const failed = c.events.filter((e) => e.type === "error").map((e) => String(e.error?.message));
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((m) => m.startsWith("cache set failed: OOM"))).toBe(true);
    expect(c.warnings.filter((w) => w.startsWith("the cache failed"))).toHaveLength(1);
    expect(c.warnings).toContain(
      "cache writes keep failing: they are skipped for a while, then probed again",
    );
  });
});
