import type { Keyv } from "keyv";
import { describe, expect, it } from "vitest";
import { bearerAuth } from "../../src/index.ts";
import { type CacheHarness, cacheContractFixture, miss, T } from "./cache-contract-fixture.ts";
import type { CountingUpstream } from "./cacheUpstream.ts";

/**
 * The cache contract, part two: what an entry's key holds (a fingerprint of the identity, never a
 * secret; no deadline; the step-aligned range) and how long an entry lives.
 */
export function cacheKeyContract(setup: () => Promise<CacheHarness>): void {
  describe("keys and lifetimes", () => {
    let keyv: Keyv;
    let up: CountingUpstream;
    let ns: string;
    const { client, entryKeys } = cacheContractFixture(setup, (state) => {
      ({ keyv, up, ns } = state);
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
      // A call that skips the cache shares nothing, so it has nothing to align for: exact bounds.
      await c.queryRange("m", { start: T + 1.5, end: T + 50, step: 15, cache: false });
      expect(up.calls).toHaveLength(4);
      expect([up.calls[3]!.params.get("start"), up.calls[3]!.params.get("end")]).toEqual([
        String(T + 1.5),
        String(T + 50),
      ]);
    });
  });
}
