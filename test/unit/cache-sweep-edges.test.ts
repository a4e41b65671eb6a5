import { Keyv } from "keyv";
import { describe, expect, it } from "vitest";
import { type CacheReporter, KeyvGuard } from "../../src/cache/guard.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const reporter: CacheReporter = { failed: () => {}, transition: () => {} };
const call = { timeoutMs: 500, reporter };

async function fill(guard: KeyvGuard, prefix: string, n: number, ttl: number) {
  for (let i = 0; i < n; i++) await guard.set(`${prefix}${i}`, "v", ttl, call);
}

describe("Map store sweep", () => {
  it("reaches entries of a namespaced Keyv", async () => {
    const map = new Map<string, unknown>();
    const keyv = new Keyv({ store: map, namespace: "pf" });
    const guard = new KeyvGuard(keyv);
    await fill(guard, "old", 40, 5);
    await sleep(20);
    await fill(guard, "new", 64, 60_000);
    await sleep(5);
    expect([...map.keys()].filter((k) => k.includes("old"))).toEqual([]);
  });

  it("works with a Map subclass store", async () => {
    class Lru extends Map<string, unknown> {}
    const map = new Lru();
    const guard = new KeyvGuard(new Keyv({ store: map }));
    await fill(guard, "old", 40, 5);
    await sleep(20);
    await fill(guard, "new", 64, 60_000);
    await sleep(5);
    expect([...map.keys()].filter((k) => k.includes("old"))).toEqual([]);
  });

  it("a key rewritten with a longer TTL is kept", async () => {
    const map = new Map<string, unknown>();
    const keyv = new Keyv({ store: map });
    const guard = new KeyvGuard(keyv);
    await guard.set("k", "short", 5, call);
    await guard.set("k", "long", 60_000, call);
    await sleep(20);
    await fill(guard, "n", 64, 60_000);
    await sleep(5);
    expect(await keyv.get("k")).toBe("long");
  });
});
