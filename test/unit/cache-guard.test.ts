import { Keyv, type KeyvStoreAdapter } from "keyv";
import { describe, expect, it, vi } from "vitest";
import { CircuitBreaker } from "../../src/cache/breaker.ts";
import { FlightGroup } from "../../src/cache/flight.ts";
import { Generations } from "../../src/cache/generations.ts";
import { describeStoreError, guardFor, KeyvGuard, writeTimeoutMs } from "../../src/cache/guard.ts";
import { recordingReporter } from "./guardReporter.ts";

/**
 * A Keyv store whose operations do what `behave` says: answer, throw, or hang. Like @keyv/redis, it
 * emits 'error' before throwing (Keyv relays that; without throwOnErrors Keyv.get then returns undefined).
 */
function store(behave: () => "ok" | "throw" | "hang", data = new Map<string, unknown>()): KeyvStoreAdapter {
  const listeners: Array<(error: unknown) => void> = [];
  const run = <T>(value: () => T): Promise<T> => {
    const mode = behave();
    if (mode === "hang") return new Promise(() => {});
    if (mode === "throw") {
      const error = new Error("ECONNREFUSED redis://user:pw@10.0.0.1:6379");
      for (const listener of listeners) listener(error);
      return Promise.reject(error);
    }
    return Promise.resolve(value());
  };
  return {
    opts: {},
    namespace: undefined,
    get: (key: string) => run(() => data.get(key)),
    set: (key: string, value: unknown) => run(() => void data.set(key, value)),
    delete: (key: string) => run(() => data.delete(key)),
    clear: () => run(() => data.clear()),
    on: (event: string, listener: (error: unknown) => void) => {
      if (event === "error") listeners.push(listener);
    },
  } as unknown as KeyvStoreAdapter;
}

describe("circuit breaker", () => {
  it("opens after the threshold, lets one probe through per cooldown, and doubles the cooldown", () => {
    let now = 0;
    const breaker = new CircuitBreaker(
      { failureThreshold: 2, cooldownMs: 100, maxCooldownMs: 250 },
      () => now,
    );
    expect(breaker.failure()).toBeUndefined();
    expect(breaker.success()).toBeUndefined();
    breaker.failure();
    expect(breaker.failure()).toBe("opened");
    expect(breaker.isOpen).toBe(true);
    expect(breaker.allow()).toBe(false);
    now = 100;
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false); // one probe at a time
    expect(breaker.failure()).toBeUndefined();
    now = 250;
    expect(breaker.allow()).toBe(false); // cooldown doubled to 200
    now = 300;
    expect(breaker.allow()).toBe(true);
    breaker.release();
    expect(breaker.allow()).toBe(true);
    breaker.failure(); // cooldown capped at 250
    expect(breaker.failure()).toBeUndefined(); // a late failure while open changes nothing
    now = 550;
    expect(breaker.allow()).toBe(true);
    expect(breaker.success()).toBe("closed");
    expect(breaker.allow()).toBe(true);
  });
});

describe("guard", () => {
  it("a hung store is a bounded failure; the breaker then skips it; errors are masked", async () => {
    const guard = new KeyvGuard(new Keyv({ store: store(() => "hang"), throwOnErrors: true }));
    const r = recordingReporter();
    const started = performance.now();
    for (let i = 0; i < 5; i++) {
      expect(await guard.get("k", { timeoutMs: 20, reporter: r })).toEqual({ ok: false, reason: "failed" });
    }
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(r.failures[0]).toEqual(["cache get timed out after 20 ms", true]);
    expect(r.failures[1]![1]).toBe(false);
    expect(r.transitions).toEqual(["read opened"]);
    expect(await guard.get("k", { timeoutMs: 20, reporter: r })).toEqual({ ok: false, reason: "skipped" });
    expect(describeStoreError(new Error("at redis://u:secret@h:1"))).toBe("at redis://***@h:1");
    expect(describeStoreError("text")).toBe("text");
    expect(describeStoreError(5)).toBe("unknown error");
  });

  it("errors thrown, errors swallowed by Keyv, refused writes and wrong shapes are failures", async () => {
    let mode: "ok" | "throw" = "throw";
    const r = recordingReporter();
    const throwing = new KeyvGuard(new Keyv({ store: store(() => mode), throwOnErrors: true }));
    expect(await throwing.get("k", { timeoutMs: 500, reporter: r })).toEqual({ ok: false, reason: "failed" });
    expect(r.failures[0]![0]).toBe("cache get failed: ECONNREFUSED redis://***@10.0.0.1:6379");
    mode = "ok";
    expect(await throwing.set("k", "v", 100, { timeoutMs: 500, reporter: r })).toEqual({
      ok: true,
      value: true,
    });
    // Keyv without throwOnErrors returns undefined and emits 'error': the guard still sees it.
    mode = "throw";
    const quiet = new Keyv({ store: store(() => mode) });
    const quietGuard = guardFor(quiet);
    expect(guardFor(quiet)).toBe(quietGuard);
    expect(await quietGuard.get("k", { timeoutMs: 500, reporter: r })).toEqual({
      ok: false,
      reason: "failed",
    });
    expect(await quietGuard.set("k", "v", 100, { timeoutMs: 500, reporter: r })).toEqual({
      ok: false,
      reason: "failed",
    });
    const odd = new Keyv();
    odd.getMany = (async () => "nope") as unknown as Keyv["getMany"];
    const oddGuard = new KeyvGuard(odd);
    expect(await oddGuard.getMany(["a"], { timeoutMs: 500, reporter: r })).toEqual({
      ok: false,
      reason: "failed",
    });
    expect(r.failures.at(-1)![0]).toBe("cache getMany answered a wrong shape");
    const sync = new Keyv();
    sync.get = (() => {
      throw new Error("sync");
    }) as unknown as Keyv["get"];
    expect(await new KeyvGuard(sync).get("k", { timeoutMs: 500, reporter: r })).toEqual({
      ok: false,
      reason: "failed",
    });
  });

  it("reads and writes have a breaker each: failing writes leave reads served", async () => {
    const keyv = new Keyv({ store: store(() => "ok"), throwOnErrors: true });
    await keyv.set("k", "stored");
    const guard = new KeyvGuard(keyv);
    // A full Redis: every write refused with OOM, reads answered.
    keyv.set = (() => Promise.reject(new Error("OOM command not allowed"))) as Keyv["set"];
    const r = recordingReporter();
    // Reads succeed between the failing writes: they neither reset the writes' count nor get skipped.
    for (let i = 0; i < 6; i++) {
      await guard.set("n", "v", 100, { timeoutMs: 500, reporter: r });
      expect(await guard.get("k", { timeoutMs: 500, reporter: r })).toEqual({ ok: true, value: "stored" });
    }
    expect(r.transitions).toEqual(["write opened"]);
    expect(guard.breakers.read.isOpen).toBe(false);
    expect(await guard.set("n", "v", 100, { timeoutMs: 500, reporter: r })).toEqual({
      ok: false,
      reason: "skipped",
    });
    // One warning for the write outage, not one after every read that succeeded in between.
    expect(r.failures.filter(([, first]) => first)).toHaveLength(1);
    expect(r.failures[0]![0]).toBe("cache set failed: OOM command not allowed");
  });

  it("with Keyv's default Map store, expired entries are deleted as writes go on", async () => {
    const keyv = new Keyv();
    const store = keyv.store as Map<string, unknown>;
    const guard = new KeyvGuard(keyv);
    const call = { timeoutMs: 500, reporter: recordingReporter() };
    // Keys that move on, as promfleet's do (a new time each poll): none is ever read again.
    // A TTL the thousand writes finish well within, even on a loaded CI machine.
    for (let i = 0; i < 1_000; i++) await guard.set(`old-${i}`, "v", 1_000, call);
    await guard.set("forever", "v", undefined, call);
    expect(store.size).toBe(1_001);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    for (let i = 0; i < 300; i++) await guard.set(`new-${i}`, "v", 60_000, call);
    // The expired ones are gone; the live ones and the one without a TTL stay.
    expect(store.size).toBe(301);
    expect(await keyv.get("forever")).toBe("v");
    expect(await keyv.get("new-299")).toBe("v");
  });

  it("a write's deadline grows with the entry: 1 ms for each 10 kB over the cache timeout", () => {
    expect(writeTimeoutMs(75, 0)).toBe(75);
    expect(writeTimeoutMs(75, 8 * 1024 * 1024)).toBe(75 + 839);
    expect(writeTimeoutMs(20, 1)).toBe(21);
  });

  it("an aborted caller stops waiting without counting a failure", async () => {
    const guard = new KeyvGuard(new Keyv({ store: store(() => "hang") }));
    const r = recordingReporter();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    expect(await guard.get("k", { timeoutMs: 5_000, signal: controller.signal, reporter: r })).toEqual({
      ok: false,
      reason: "aborted",
    });
    expect(await guard.get("k", { timeoutMs: 5_000, signal: controller.signal, reporter: r })).toEqual({
      ok: false,
      reason: "aborted",
    });
    expect(r.failures).toEqual([]);
  });
});

describe("generations", () => {
  it("memoises tokens for a second, shares concurrent reads, and lets a local bump win", async () => {
    let now = 0;
    const keyv = new Keyv();
    const getMany = vi.spyOn(keyv, "getMany");
    const generations = new Generations(new KeyvGuard(keyv), () => now);
    const call = { timeoutMs: 500, reporter: recordingReporter() };
    await keyv.set("a", "tokenA");
    await keyv.set("b", 42);
    const [one, two] = await Promise.all([
      generations.read(["a", "b"], call),
      generations.read(["a", "b"], call),
    ]);
    expect(one).toEqual({ ok: true, value: ["tokenA", "0"] });
    expect(two).toBe(one);
    expect(getMany).toHaveBeenCalledTimes(1);
    now = 999;
    await generations.read(["a", "b"], call);
    expect(getMany).toHaveBeenCalledTimes(1);
    expect(generations.current("a")).toBe("tokenA");
    now = 1_000;
    expect(generations.current("a")).toBeUndefined();
    // A bump made while a read is in flight is not overwritten by what that read returns.
    const reading = generations.read(["a"], call);
    await generations.bump("a", 0, call);
    const bumped = generations.current("a");
    expect(bumped).toMatch(/^[0-9a-z]+$/);
    expect(await reading).toEqual({ ok: true, value: [bumped] });
    expect(await keyv.get("a")).toBe(bumped);
  });

  it("forgets old tokens when the memo grows large", async () => {
    let now = 0;
    const generations = new Generations(new KeyvGuard(new Keyv()), () => now);
    const call = { timeoutMs: 500, reporter: recordingReporter() };
    for (let i = 0; i < 10_000; i++) await generations.bump(`k${i}`, 0, call);
    now = 5_000;
    await generations.bump("last", 0, call);
    expect(generations.current("k0")).toBeUndefined();
    expect(generations.current("last")).toBeDefined();
  });
});

describe("flight group", () => {
  it("shares one run, gives copies, and aborts the run when every waiter leaves", async () => {
    const group = new FlightGroup((v) => structuredClone(v));
    let runs = 0;
    let release: (v: { n: number }) => void = () => {};
    const start = () => {
      runs++;
      return new Promise<{ n: number }>((resolve) => {
        release = resolve;
      });
    };
    const waiter = () => ({ signal: new AbortController().signal, error: () => new Error("left") });
    const a = group.join("k", start, waiter());
    const b = group.join("k", start, waiter());
    await Promise.resolve();
    expect([a.coalesced, b.coalesced, runs, group.size]).toEqual([false, true, 1, 1]);
    release({ n: 1 });
    const [va, vb] = await Promise.all([a.promise, b.promise]);
    expect(va).toEqual(vb);
    expect(va).not.toBe(vb);
    expect(group.size).toBe(0);

    const gone = new AbortController();
    gone.abort();
    const late = group.join("k2", start, { signal: gone.signal, error: () => new Error("already gone") });
    await expect(late.promise).rejects.toThrow("already gone");
    expect(group.size).toBe(0);

    let seen: AbortSignal | undefined;
    const leaving = new AbortController();
    const left = group.join(
      "k3",
      (signal) => {
        seen = signal;
        return new Promise(() => {});
      },
      { signal: leaving.signal, error: () => new Error("left") },
    );
    await Promise.resolve();
    leaving.abort();
    await expect(left.promise).rejects.toThrow("left");
    expect(seen?.aborted).toBe(true);
    // The work is stopped with (a copy of) the error its last caller got.
    expect(seen?.reason).toBeInstanceOf(Error);
    expect((seen!.reason as Error).message).toBe("left");
    expect(group.size).toBe(0);
  });
});
