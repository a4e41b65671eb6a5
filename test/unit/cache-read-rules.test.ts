import { Keyv } from "keyv";
import { afterEach, describe, expect, it, vi } from "vitest";
import { estimateBytes } from "../../src/cache/estimate.ts";
import { ResultCache, type ResultCacheSettings } from "../../src/cache/ResultCache.ts";
import { InstantSample } from "../../src/decode/types.ts";
import { ApiResponse, PrometheusClient } from "../../src/index.ts";
import type { RequestSpec } from "../../src/transport/Transport.ts";
import { startCountingUpstream } from "./cacheUpstream.ts";
import { resultCacheSettings } from "./resultCacheSettings.ts";

afterEach(() => vi.useRealTimers());

const settings = (overrides: Partial<ResultCacheSettings>) =>
  resultCacheSettings({ maxEntryBytes: 8 * 1024 * 1024, clientTimeoutMs: 300_000, ...overrides });
const decode = () => ({ ok: true as const, data: 1, warnings: [], infos: [] });

describe("what a cached entry may answer", () => {
  it("a default call does not take 'last minute' data older than 5 s stored by a call with a long TTL", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const up = await startCountingUpstream();
    try {
      const client = new PrometheusClient({ url: up.url, cache: new Keyv(), cluster: "c" });
      const now = Date.now();
      const range = { start: new Date(now - 600_000), end: new Date(now), step: 15 };
      await client.queryRange("x", { ...range, cache: 3_600_000 });
      vi.setSystemTime(now + 20_000);
      expect((await client.queryRange("x", range)).cached).toBe(false);
      // The long-TTL call itself still takes it.
      vi.setSystemTime(now + 25_000);
      await client.queryRange("x", { ...range, cache: 3_600_000 });
      await client.close();
    } finally {
      await up.close();
    }
  });

  it("a query about 'now' that ran over a minute is stored with the short TTL, its age counted from the send", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.now();
    const keyv = new Keyv();
    const data = { resultType: "vector", result: [new InstantSample({ a: "b" }, t0 / 1000, 1)] };
    const rc = new ResultCache(
      settings({
        keyv,
        fetch: async () => {
          vi.setSystemTime(t0 + 61_000); // the query ran 61 s
          return new ApiResponse<unknown>(data, [], []) as never;
        },
      }),
    );
    const spec: RequestSpec = {
      path: "api/v1/query",
      params: [
        ["query", "up"],
        ["time", String(t0 / 1000)],
      ],
      method: "form",
    };
    await rc.run(spec, decode, { signal: undefined, timeoutMs: 300_000, cache: true });
    await new Promise((r) => setTimeout(r, 20));
    const [stored] = [...(keyv.store as Map<string, unknown>).values()].map(
      (v) => JSON.parse(JSON.parse(String(v)).value ?? v) as { ttlMs: number; storedAt: number },
    );
    expect(stored?.ttlMs).toBe(5_000);
    expect(stored?.storedAt).toBe(t0);
  });
});

describe("what a key holds", () => {
  it("a `timeout` in params, replaced by the deadline on the wire, does not split the key", async () => {
    const up = await startCountingUpstream();
    try {
      const client = new PrometheusClient({ url: up.url, cache: new Keyv(), cluster: "c" });
      await client.query("up", { time: 1_700_000_000 });
      const second = await client.query("up", { time: 1_700_000_000, params: { timeout: "7s" } });
      expect(second.cached).toBe(true);
      expect(up.calls).toHaveLength(1);
      await client.close();
    } finally {
      await up.close();
    }
  });
});

describe("estimateBytes", () => {
  const vector = (n: number) =>
    Array.from({ length: n }, (_, i) => new InstantSample({ __name__: "up", pod: `pod-${i}` }, 1, i));

  it("is near the encoded size of a small result, and over the cap for a huge one without walking it all", () => {
    const small = { resultType: "vector", result: vector(100) };
    const encoded = JSON.stringify(small).length;
    const estimate = estimateBytes(small);
    expect(estimate).toBeGreaterThan(encoded / 2);
    expect(estimate).toBeLessThan(encoded * 2);
    // 400,000 series: measured on 256 of them and scaled.
    expect(estimateBytes({ resultType: "vector", result: vector(400_000) })).toBeGreaterThan(8 * 1024 * 1024);
  });

  it("counts typed columns as base64", () => {
    expect(estimateBytes(new Float64Array(300))).toBe(3_200);
  });
});
