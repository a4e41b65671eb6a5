import { describe, expect, it } from "vitest";
import {
  AbortError,
  type ApiResponse,
  type CacheEvent,
  InstantSample,
  RangeSeries,
  ScalarSample,
  TimeoutError,
} from "../../src/index.ts";
import { type CacheHarness, cacheContractFixture, miss, T } from "./cache-contract-fixture.ts";
import type { CountingUpstream } from "./cacheUpstream.ts";

/**
 * The cache contract, part one: a hit answers exactly what the miss did without a request, every
 * caller gets its own copy, concurrent identical calls share one request, each caller keeps its
 * own deadline, and hits, misses and stores are reported as cache events.
 */
export function cacheHitContract(setup: () => Promise<CacheHarness>): void {
  describe("hits, copies and coalescing", () => {
    let up: CountingUpstream;
    const { client } = cacheContractFixture(setup, (state) => {
      up = state.up;
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
