import type { Keyv } from "keyv";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AbortError,
  type ApiResponse,
  BadQueryError,
  bearerAuth,
  type CacheEvent,
  InstantSample,
  PrometheusClient,
  type PrometheusClientOptions,
  RangeSeries,
  ScalarSample,
  TimeoutError,
} from "../../src/index.ts";
import { type CountingUpstream, startCountingUpstream } from "./cacheUpstream.ts";

/**
 * The cache contract: what any Keyv store must give promfleet's result cache. Run against a memory
 * Keyv (test/unit/cache-memory.test.ts) and a real redis-server through createRedisCache
 * (test/integration/cache-redis.test.ts), with a counting loopback upstream.
 */

/** A store under test. */
export interface CacheHarness {
  /** A Keyv over the store; two calls give two instances over the SAME data (two replicas). */
  keyv(): Keyv;
  /** Every key in the store starting with `prefix`. */
  keys(prefix: string): Promise<string[]>;
  /** Releases what `keyv()` opened. */
  close(): Promise<void>;
}

const T = 1_700_000_000;
let counter = 0;
/**
 * The contract is about what the store keeps, not about deadlines (the fault tests are): a
 * generous cacheTimeout keeps a loaded CI machine from turning a slow write into a miss.
 */
const CONTRACT_OPTIONS = { cluster: "east", cacheTimeout: 5_000 } as const;

/** Resolves when `client` has written its next entry (writes happen in the background); bounded. */
function nextStore(client: PrometheusClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error("no entry was written within 10 s"));
    }, 10_000);
    const off = client.on("cache", (event) => {
      if (event.type !== "store") return;
      off();
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Runs a call that misses, and waits until its entry is written. */
async function miss<R>(client: PrometheusClient, call: () => Promise<R>): Promise<R> {
  const stored = nextStore(client);
  const result = await call();
  await stored;
  return result;
}

/** Registers the contract suite; `setup` runs once before it. */
export function cacheContract(name: string, setup: () => Promise<CacheHarness>): void {
  describe(`cache contract: ${name}`, () => {
    let h: CacheHarness;
    let keyv: Keyv;
    let up: CountingUpstream;
    let ns: string;
    const clients: PrometheusClient[] = [];
    const client = (options: Partial<PrometheusClientOptions> = {}) => {
      const c = new PrometheusClient({
        url: up.url,
        cache: keyv,
        ...CONTRACT_OPTIONS,
        cacheNamespace: ns,
        ...options,
      });
      clients.push(c);
      return c;
    };
    const entryKeys = async () => (await h.keys(`${ns}:r1:`)).sort();

    beforeAll(async () => {
      h = await setup();
      keyv = h.keyv();
      up = await startCountingUpstream();
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.close()));
      await up?.close();
      await h?.close();
    });
    beforeEach(() => {
      ns = `t${++counter}x${process.pid}`;
      up.reset();
      up.delayMs = 0;
    });

    it("a hit makes no request and says it is cached, with its age", async () => {
      const c = client();
      const first = await miss(c, () => c.query("up", { time: T }));
      expect(first.cached).toBe(false);
      expect(first.ageMs).toBeUndefined();
      await new Promise((r) => setTimeout(r, 20));
      const second = await c.query("up", { time: T });
      expect(up.calls).toHaveLength(1);
      expect(second.cached).toBe(true);
      expect(second.ageMs).toBeGreaterThanOrEqual(15);
      expect(second.ageMs).toBeLessThan(5_000);
      expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    });

    it("every cacheable endpoint round-trips exactly (NaN, ±Inf, -0, histograms, Float64Array columns)", async () => {
      const c = client();
      const calls: Array<() => Promise<ApiResponse<unknown>>> = [
        () => c.query("up", { time: T }),
        () => c.query("scalar", { time: T }),
        () => c.query("string", { time: T }),
        () => c.query("stats", { time: T, stats: true }),
        () => c.queryRange("m", { start: T, end: T + 75, step: 15 }),
        () => c.series(["up"], { start: T, end: T + 60 }),
        () => c.labelNames({ start: T, end: T + 60 }),
        () => c.labelValues("job", { start: T, end: T + 60 }),
        () => c.metadata(),
      ];
      for (const call of calls) {
        const fresh = await miss(c, call);
        const cached = await call();
        expect(fresh.cached).toBe(false);
        expect(cached.cached).toBe(true);
        expect(cached.data).toStrictEqual(fresh.data);
        expect(JSON.stringify(cached)).toBe(JSON.stringify(fresh));
      }
      expect(up.calls).toHaveLength(calls.length);
      const vector = (await c.query("up", { time: T })).data;
      expect(vector.resultType).toBe("vector");
      const samples = vector.result as InstantSample[];
      expect(samples.every((s) => s instanceof InstantSample)).toBe(true);
      expect(samples[1]!.value).toBeNaN();
      expect(Object.is(samples[2]!.value, -0)).toBe(true);
      expect(samples[3]!.histogram?.buckets[1]).toEqual([3, -Infinity, Infinity, 1]);
      expect(samples[3]!.metric).toEqual({ __name__: "hist", $weird: "x" });
      const scalar = (await c.query("scalar", { time: T })).data.result;
      expect(scalar).toBeInstanceOf(ScalarSample);
      expect((scalar as ScalarSample).value).toBe(Infinity);
      const range = await c.queryRange("m", { start: T, end: T + 75, step: 15 });
      expect(range.cached).toBe(true);
      const [first, , hist] = range.data.result;
      expect(first).toBeInstanceOf(RangeSeries);
      expect(first!.values).toBeInstanceOf(Float64Array);
      expect(Buffer.from(first!.values.buffer).toString("hex")).toBe(
        Buffer.from(new Float64Array([NaN, Infinity, -Infinity, -0, 1.5e-7, 5.1]).buffer).toString("hex"),
      );
      expect(hist!.histograms?.timestamps).toEqual(new Float64Array([T, T + 15.5]));
      expect(hist!.histograms?.histograms[1]).toEqual({ count: NaN, sum: Infinity, buckets: [] });
    });

    it("callers never share mutable results: hits and coalesced calls each get their own copy", async () => {
      const c = client();
      const a = await miss(c, () => c.queryRange("m", { start: T, end: T + 75, step: 15 }));
      const b = await c.queryRange("m", { start: T, end: T + 75, step: 15 });
      b.data.result[0]!.values[0] = 42;
      b.data.result[0]!.metric.series = "changed";
      const again = await c.queryRange("m", { start: T, end: T + 75, step: 15 });
      expect(again.data.result[0]!.values[0]).toBeNaN();
      expect(again.data.result[0]!.metric.series).toBe("0");
      expect(a.data.result[0]!.values[0]).toBeNaN();
      up.delayMs = 100;
      const many = await Promise.all(
        Array.from({ length: 5 }, () => c.queryRange("m", { start: T, end: T + 90, step: 15 })),
      );
      many[0]!.data.result[1]!.values.fill(7);
      for (const r of many.slice(1)) expect(r.data.result[1]!.values[0]).toBe(1000.1);
      expect(new Set(many.map((r) => r.data.result[1]!.values.buffer)).size).toBe(5);
    });

    it("100 concurrent identical calls make exactly one upstream request", async () => {
      const c = client();
      const events: CacheEvent[] = [];
      c.on("cache", (e) => events.push(e));
      up.delayMs = 200;
      const results = await Promise.all(Array.from({ length: 100 }, () => c.query("up", { time: T })));
      expect(up.calls).toHaveLength(1);
      for (const r of results) expect(JSON.stringify(r)).toBe(JSON.stringify(results[0]));
      expect(events.filter((e) => e.type === "coalesced")).toHaveLength(99);
      expect(events.filter((e) => e.type === "miss")).toHaveLength(1);
    });

    it("two tokens, same cluster and query: two upstream requests, two entries, no token in keys or values", async () => {
      const alpha = client({ auth: bearerAuth({ token: "alpha-secret-token" }) });
      const beta = client({ auth: bearerAuth({ token: "beta-secret-token" }) });
      await miss(alpha, () => alpha.query("up", { time: T }));
      await miss(beta, () => beta.query("up", { time: T }));
      expect((await alpha.query("up", { time: T })).cached).toBe(true);
      expect((await beta.query("up", { time: T })).cached).toBe(true);
      expect(up.calls.map((call) => call.authorization)).toEqual([
        "Bearer alpha-secret-token",
        "Bearer beta-secret-token",
      ]);
      const keys = await entryKeys();
      expect(keys).toHaveLength(2);
      for (const key of keys) {
        expect(key).toMatch(new RegExp(`^${ns}:r1:east:[0-9a-f]{32}:0\\.0:query:[0-9a-f]{32}$`));
        expect(key).not.toContain("secret");
        expect(String(await keyv.get(key))).not.toContain("secret");
      }
    });

    it("the identity fingerprint depends on cacheKeySecret, and the deadline is not part of the key", async () => {
      const plain = client({ auth: bearerAuth({ token: "t" }) });
      const keyed = client({ auth: bearerAuth({ token: "t" }), cacheKeySecret: "k1" });
      await miss(plain, () => plain.query("up", { time: T, timeout: 5_000 }));
      expect((await plain.query("up", { time: T, timeout: 9_000 })).cached).toBe(true);
      await miss(keyed, () => keyed.query("up", { time: T }));
      expect(up.calls).toHaveLength(2);
      expect(up.calls.map((call) => call.params.get("timeout"))).toEqual([
        expect.stringMatching(/^\d/),
        expect.stringMatching(/^\d/),
      ]);
      const identities = (await entryKeys()).map((key) => key.split(":")[3]);
      expect(new Set(identities).size).toBe(2);
    });

    it("errors are shared by concurrent callers, never cached, and the next call tries again", async () => {
      const c = client();
      up.delayMs = 100;
      const failures = await Promise.allSettled([1, 2, 3].map(() => c.query("fail", { time: T })));
      expect(up.calls).toHaveLength(1);
      for (const f of failures) {
        expect(f.status).toBe("rejected");
        expect((f as PromiseRejectedResult).reason).toBeInstanceOf(BadQueryError);
      }
      await expect(c.query("fail", { time: T })).rejects.toBeInstanceOf(BadQueryError);
      expect(up.calls).toHaveLength(2);
      expect(await entryKeys()).toEqual([]);
    });

    it("results with warnings are not cached; infos are kept", async () => {
      const c = client();
      const warned = await c.query("warn", { time: T });
      expect(warned.warnings).toEqual(["partial response"]);
      expect((await c.query("warn", { time: T })).cached).toBe(false);
      await miss(c, () => c.query("info", { time: T }));
      const info = await c.query("info", { time: T });
      expect(info.cached).toBe(true);
      expect(info.infos).toEqual(["metric might not be a counter"]);
      expect(up.calls).toHaveLength(3);
    });

    it("entries over the size cap are served but not cached", async () => {
      const c = client({ cacheMaxEntryBytes: 20_000 });
      const big = await c.queryRange("big", { start: T, end: T + 6000, step: 15 });
      expect(big.data.result).toHaveLength(51);
      expect((await c.queryRange("big", { start: T, end: T + 6000, step: 15 })).cached).toBe(false);
      await miss(c, () => c.query("up", { time: T }));
      expect((await c.query("up", { time: T })).cached).toBe(true);
      expect(up.calls).toHaveLength(3);
    });

    it("cache: false bypasses the cache; a number is the call's TTL", async () => {
      const c = client();
      await c.query("up", { time: T, cache: false });
      await c.query("up", { time: T, cache: false });
      expect(up.calls).toHaveLength(2);
      expect(await entryKeys()).toEqual([]);
      await miss(c, () => c.query("up", { time: T, cache: 150 }));
      expect((await c.query("up", { time: T })).cached).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect((await c.query("up", { time: T })).cached).toBe(false);
      expect(up.calls).toHaveLength(4);
    });

    it("instant queries without time are keyed without time; recent ranges get a short TTL", async () => {
      const c = client();
      await miss(c, () => c.query("up"));
      await new Promise((r) => setTimeout(r, 30));
      expect((await c.query("up")).cached).toBe(true);
      expect(up.calls[0]!.params.has("time")).toBe(false);
      const now = Date.now() / 1000;
      await miss(c, () => c.queryRange("m", { start: now - 600, end: now, step: 60 }));
      await miss(c, () => c.queryRange("m", { start: T, end: T + 600, step: 60 }));
      const ttls = await Promise.all(
        (await entryKeys()).map(async (key) => JSON.parse(String(await keyv.get(key))).ttlMs as number),
      );
      expect(ttls.sort((a, b) => a - b)).toEqual([5_000, 30_000, 30_000]);
    });

    it("ranges are aligned to the step before sending; alignRanges: false keys the exact bounds", async () => {
      const c = client();
      await miss(c, () => c.queryRange("m", { start: T + 1.5, end: T + 50, step: 15 }));
      expect((await c.queryRange("m", { start: T + 3, end: T + 52, step: 15 })).cached).toBe(true);
      expect(up.calls).toHaveLength(1);
      expect(up.calls[0]!.params.get("start")).toBe(String(T - 5));
      expect(up.calls[0]!.params.get("end")).toBe(String(T + 40));
      const exact = client({ alignRanges: false, cacheNamespace: `${ns}b` });
      await miss(exact, () => exact.queryRange("m", { start: T + 1.5, end: T + 50, step: 15 }));
      await exact.queryRange("m", { start: T + 3, end: T + 52, step: 15 });
      expect(up.calls).toHaveLength(3);
      expect(up.calls[1]!.params.get("start")).toBe(String(T + 1.5));
    });

    it("invalidate() drops a query's entries or the whole cluster's, also for another replica", async () => {
      const c = client();
      const replicaKeyv = h.keyv();
      const replica = new PrometheusClient({
        url: up.url,
        cache: replicaKeyv,
        ...CONTRACT_OPTIONS,
        cacheNamespace: ns,
      });
      clients.push(replica);
      await miss(c, () => c.query("up", { time: T }));
      await miss(c, () => c.query("scalar", { time: T }));
      expect((await replica.query("up", { time: T })).cached).toBe(true);
      await c.invalidate({ query: "up" });
      expect((await miss(c, () => c.query("up", { time: T }))).cached).toBe(false);
      expect((await c.query("scalar", { time: T })).cached).toBe(true);
      await c.invalidate();
      expect((await miss(c, () => c.query("scalar", { time: T }))).cached).toBe(false);
      // The replica memoises generation tokens for at most a second, then sees the new ones.
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await replica.query("scalar", { time: T })).cached).toBe(true);
      expect((await replica.query("up", { time: T })).cached).toBe(false);
      expect(await h.keys(`${ns}:gen:east`)).toHaveLength(2);
      await expect(c.invalidate({ query: "" })).rejects.toThrow(/query/);
    });

    it("corrupt, foreign, other-version, future and over-age entries are misses and get overwritten", async () => {
      const c = client();
      await miss(c, () => c.query("up", { time: T }));
      const [key] = await entryKeys();
      const good = String(await keyv.get(key!));
      const envelope = JSON.parse(good) as Record<string, unknown>;
      const bad = [
        "garbage",
        `${good.slice(0, -10)}`,
        JSON.stringify({ ...envelope, promfleet: 2 }),
        JSON.stringify({ ...envelope, key: "other" }),
        JSON.stringify({ ...envelope, storedAt: Date.now() + 60_000 }),
        JSON.stringify({ ...envelope, storedAt: Date.now() - 31_000 }),
        JSON.stringify({ ...envelope, data: { resultType: "vector", result: [{ $rs: [1] }] } }),
        JSON.stringify({ ...envelope, data: { resultType: "matrix", result: [] } }).replace(
          "matrix",
          "vectorx",
        ),
      ];
      for (const value of bad) {
        await keyv.set(key!, value, 60_000);
        const before = up.calls.length;
        expect((await c.query("up", { time: T })).cached).toBe(false);
        expect(up.calls).toHaveLength(before + 1);
        await expect.poll(async () => (await c.query("up", { time: T })).cached).toBe(true);
      }
    });

    it("each caller stops at its own deadline or abort without cancelling the shared request", async () => {
      const c = client();
      up.delayMs = 1_500;
      const controller = new AbortController();
      const started = Date.now();
      const patient = c.query("up", { time: T });
      const hasty = expect(c.query("up", { time: T, timeout: 100 })).rejects.toBeInstanceOf(TimeoutError);
      // Handlers are attached at once: a rejection waiting for a handler would count as unhandled.
      const aborted = c.query("up", { time: T, signal: controller.signal }).catch((e: unknown) => e);
      setTimeout(() => controller.abort(new Error("user left")), 50);
      await hasty;
      const abort = await aborted;
      expect(abort).toBeInstanceOf(AbortError);
      expect((abort as AbortError).cause).toEqual(new Error("user left"));
      expect(Date.now() - started).toBeLessThan(1_200);
      expect((await patient).cached).toBe(false);
      expect(up.calls).toHaveLength(1);
      // When every caller leaves, the next call starts afresh.
      const gone = c.query("up", { time: T + 1, timeout: 200 });
      await expect(gone).rejects.toBeInstanceOf(TimeoutError);
      up.delayMs = 0;
      expect((await c.query("up", { time: T + 1 })).cached).toBe(false);
      expect(up.calls).toHaveLength(3);
    });

    it("reports hits, misses and stores as cache events", async () => {
      const c = client();
      const events: CacheEvent[] = [];
      c.on("cache", (e) => events.push(e));
      await c.query("up", { time: T });
      await expect.poll(() => events.map((e) => e.type)).toEqual(["miss", "store"]);
      await c.query("up", { time: T });
      expect(events[2]).toMatchObject({ type: "hit", cluster: "east", endpoint: `${up.url}/api/v1/query` });
      expect(events[2]!.ageMs).toBeGreaterThanOrEqual(0);
    });
  });
}
