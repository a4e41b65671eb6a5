import type { Keyv } from "keyv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiResponse,
  type CacheEvent,
  createRedisCache,
  MetricsCollector,
  PrometheusClient,
  type QueryData,
} from "../../src/index.ts";
import { redisMissing } from "../support/binaries.ts";
import { type CachedResultEntry, cachedResults } from "../support/cachedResults.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";
import { capturingLogger, sleep } from "./helpers.ts";

/**
 * One run of a few hundred queries — a client and a two-cluster fleet over one real Redis — while
 * Redis is stopped, paused (SIGSTOP), killed, restarted empty, and full (maxmemory, noeviction):
 * no query fails, the cache adds a bounded delay to each (bounds generous: correctness, not
 * speed), caching resumes after every fault, no cached answer is older than its TTL (a write
 * that a paused Redis runs late is never served), and nothing escapes unhandled (setup.ts).
 */

const T = 1_700_000_000;
/** Generous bound on one query while the cache misbehaves; each cache call has a 75 ms deadline. */
const QUERY_BOUND_MS = 1_500;

describe.skipIf(redisMissing)("a run of queries through Redis faults", () => {
  let upstream: StubServer;
  let redis: RedisServer;
  let keyv: Keyv;
  let client: PrometheusClient;
  let fleet: MetricsCollector;
  const events: CacheEvent[] = [];
  const { logger, lines } = capturingLogger();
  /** Every query of the run, for the final accounting. */
  const runs: Array<{ phase: string; ms: number; ok: boolean; cached: boolean; stale: boolean }> = [];

  beforeAll(async () => {
    upstream = await startStubServer((req, res) => {
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        text += chunk;
      });
      req.on("end", () => {
        const time = new URLSearchParams(text).get("time") ?? "0";
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            status: "success",
            data: { resultType: "vector", result: [{ metric: { at: time }, value: [Number(time), "1"] }] },
          }),
        );
      });
    });
    redis = await startRedis({ maxmemory: "8mb" });
    keyv = createRedisCache(`${redis.url}/3`, { logger });
    client = new PrometheusClient({
      url: upstream.url,
      cluster: "solo",
      cache: keyv,
      logger,
      timeout: 5_000,
    });
    client.on("cache", (event) => events.push(event));
    fleet = new MetricsCollector({
      registry: [
        { id: "east", url: upstream.url },
        { id: "west", url: upstream.url },
      ],
      cache: `${redis.url}/4`,
      logger,
      timeout: 5_000,
    });
  });
  afterAll(async () => {
    redis?.resume();
    await fleet?.close();
    await client?.close();
    await keyv?.disconnect().catch(() => {});
    await upstream?.close();
    await redis?.stop();
  });

  /** One query through the client and one through the fleet; both must succeed within the bound. */
  async function step(phase: string, time: number, ttl?: number): Promise<ApiResponse<QueryData>> {
    const started = performance.now();
    const r = await client.query("up", ttl === undefined ? { time } : { time, cache: ttl });
    const ms = performance.now() - started;
    const stale = r.cached && (r.ageMs ?? 0) > (ttl ?? 30_000);
    runs.push({ phase, ms, ok: true, cached: r.cached, stale });
    expect(ms, `${phase}: one query`).toBeLessThan(QUERY_BOUND_MS);
    expect(r.data.resultType === "vector" && r.data.result[0]?.metric.at).toBe(String(time));

    const fleetStarted = performance.now();
    const f = await fleet.query("up", { time });
    const fleetMs = performance.now() - fleetStarted;
    for (const id of ["east", "west"]) {
      const cluster = f.get(id);
      expect(cluster?.status, `${phase}: ${id} ${cluster?.error?.message ?? ""}`).toBe("ok");
    }
    runs.push({
      phase: `${phase} (fleet)`,
      ms: fleetMs,
      ok: true,
      cached: f.get("east")?.cached ?? false,
      stale: false,
    });
    expect(fleetMs, `${phase}: one fleet query`).toBeLessThan(QUERY_BOUND_MS);
    return r;
  }

  /** `count` queries over a working set of 10 times, so a healthy cache answers most of them. */
  async function phase(name: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await step(name, T + (i % 10));
  }

  /** Polls until a query is answered from the cache again (writes happen in the background). */
  async function cachingResumes(name: string): Promise<void> {
    const started = performance.now();
    await expect
      .poll(
        async () => {
          await step(`${name}: resuming`, T + 999);
          await sleep(30);
          return (await step(`${name}: resuming`, T + 999)).cached;
        },
        { timeout: 20_000, interval: 250 },
      )
      .toBe(true);
    console.info(`caching resumed ${Math.round(performance.now() - started)} ms after ${name} ended`);
  }

  it("healthy: answers come from the cache", async () => {
    await phase("healthy", 30);
    expect(runs.filter((r) => r.cached).length).toBeGreaterThan(10);
  });

  it("stopped (SHUTDOWN), then restarted: no query fails; caching resumes", async () => {
    await redis.command("SHUTDOWN", "NOSAVE").catch(() => {});
    await phase("stopped", 40);
    await redis.restart();
    await cachingResumes("stopped");
  });

  it("paused (SIGSTOP), then continued: no query fails, and writes Redis runs late are never served", async () => {
    await step("before pause", T + 500); // fresh generation tokens, memoised for a second
    const writer = createRedisCache(`${redis.url}/3`);
    // A second client of the same cluster and identity: its own breaker, so it reads at once after the pause.
    const reader = new PrometheusClient({
      url: upstream.url,
      cluster: "solo",
      cache: writer,
      timeout: 5_000,
    });
    try {
      redis.pause();
      const pausedAt = performance.now();
      try {
        // Within the memo second: keys are built and their 3 s writes queue in the paused socket.
        for (let i = 0; i < 5; i++) await step("paused (short TTL)", T + 600 + i, 3_000);
        await phase("paused", 30);
        await sleep(3_600 - (performance.now() - pausedAt));
      } finally {
        redis.resume();
      }
      // Redis now runs the queued SETs: live keys (PX restarts now) holding results older than their TTL.
      let late: CachedResultEntry[] = [];
      await expect
        .poll(
          async () => {
            late = (await cachedResults(redis, 3)).filter((e) => e.ttlMs === 3_000 && e.pttl > 0);
            return late.length;
          },
          { timeout: 2_000 },
        )
        .toBeGreaterThan(0);
      // The last of them was sent up to ~0.5 s into the pause: wait until every one is older than its
      // TTL (Redis keeps them ~3 s more), so serving any would be serving stale data.
      const newest = Math.max(...late.map((e) => e.storedAt));
      await sleep(newest + 3_000 + 50 - Date.now());
      for (const e of late) expect(Date.now() - e.storedAt).toBeGreaterThan(e.ttlMs);
      expect((await cachedResults(redis, 3)).filter((e) => e.ttlMs === 3_000 && e.pttl > 0)).toHaveLength(
        late.length,
      );
      const before = upstream.requests;
      for (let i = 0; i < 5; i++) {
        const r = await reader.query("up", { time: T + 600 + i, cache: 3_000 });
        expect(r.cached, "a late write must not be served").toBe(false);
      }
      expect(upstream.requests).toBe(before + 5);
    } finally {
      await reader.close();
      await writer.disconnect().catch(() => {});
    }
    await cachingResumes("paused");
  });

  it("killed (SIGKILL), then restarted empty: no query fails; caching resumes", async () => {
    redis.kill();
    await phase("killed", 40);
    await redis.restart();
    await phase("restarted", 10);
    await cachingResumes("killed");
  });

  it("full (maxmemory, noeviction): writes fail, queries do not; caching resumes once there is room", async () => {
    await redis.fill!();
    await phase("full", 40);
    expect(events.some((e) => e.type === "error" && /OOM/.test(String(e.error?.message)))).toBe(true);
    await redis.command("CONFIG", "SET", "maxmemory", "0");
    await redis.command("FLUSHALL");
    await cachingResumes("full");
  });

  it("over the whole run: a few hundred queries, none failed, none stale, each within the bound", () => {
    expect(runs.length).toBeGreaterThan(300);
    expect(runs.every((r) => r.ok)).toBe(true);
    expect(runs.filter((r) => r.stale)).toEqual([]);
    const worst = Math.max(...runs.map((r) => r.ms));
    const mean = runs.reduce((sum, r) => sum + r.ms, 0) / runs.length;
    console.info(`${runs.length} queries; slowest ${Math.round(worst)} ms, mean ${mean.toFixed(1)} ms`);
    // The outages were reported, each kind once per outage, and the circuit opened and closed.
    expect(events.some((e) => e.type === "circuit-open")).toBe(true);
    expect(events.some((e) => e.type === "circuit-closed")).toBe(true);
    expect(lines.some((l) => l.level === "warn" && /the cache failed/.test(String(l.msg)))).toBe(true);
  });
});
