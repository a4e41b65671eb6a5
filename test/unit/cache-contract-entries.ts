import type { Keyv } from "keyv";
import { describe, expect, it } from "vitest";
import { BadQueryError, PrometheusClient } from "../../src/index.ts";
import {
  type CacheHarness,
  CONTRACT_OPTIONS,
  cacheContractFixture,
  miss,
  T,
} from "./cache-contract-fixture.ts";
import type { CountingUpstream } from "./cacheUpstream.ts";

/**
 * The cache contract, part three: which answers are stored (not errors, warnings, oversized
 * entries or `cache: false` calls), how invalidate() drops them for every replica, and that a
 * damaged entry is a miss.
 */
export function cacheEntryContract(setup: () => Promise<CacheHarness>): void {
  describe("what is stored, dropped and refused", () => {
    let h: CacheHarness;
    let keyv: Keyv;
    let up: CountingUpstream;
    let ns: string;
    const { client, clients, entryKeys } = cacheContractFixture(setup, (state) => {
      ({ h, keyv, up, ns } = state);
    });

    it("an error goes to every concurrent caller (each its own copy), is never cached, and the next call tries again", async () => {
      const c = client();
      up.delayMs = 100;
      const failures = await Promise.allSettled([1, 2, 3].map(() => c.query("fail", { time: T })));
      expect(up.calls).toHaveLength(1);
      for (const f of failures) {
        expect(f.status).toBe("rejected");
        expect((f as PromiseRejectedResult).reason).toBeInstanceOf(BadQueryError);
      }
      // Each caller its own copy: changing one changes no other.
      const [first, second] = failures.map((f) => (f as PromiseRejectedResult).reason as BadQueryError);
      expect(second).not.toBe(first);
      expect({ ...second, stack: undefined }).toEqual({ ...first, stack: undefined });
      expect(second?.message).toBe(first?.message);
      first!.cluster = "changed";
      (first!.warnings as string[]).push("changed");
      expect(second?.cluster).not.toBe("changed");
      expect(second?.warnings).not.toContain("changed");
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
  });
}
