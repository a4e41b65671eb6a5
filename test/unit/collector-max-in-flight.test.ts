import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CallLimit, type Release } from "../../src/collector/callLimit.ts";
import { AbortError, InvalidArgumentError } from "../../src/index.ts";
import { neverAnswers, withLatency } from "../support/stubServer.ts";
import { collectorPool } from "./collectorHelpers.ts";
import { InFlight, stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stub clusters answering one sample after `ms`, counted by `inflight`. */
async function slowClusters(count: number, ms: number, inflight = new InFlight()) {
  const servers = await Promise.all(
    Array.from({ length: count }, (_, i) => stub(inflight.wrap(`c${i}`, withLatency(ms, vectorBody({}, i))))),
  );
  return servers.map((s, i) => ({ id: `c${i}`, url: s.url }));
}

describe("CallLimit", () => {
  it("hands slots out first come first served, a released slot straight to the next waiter", async () => {
    const limit = new CallLimit(2);
    const order: string[] = [];
    const take = async (name: string): Promise<Release> => {
      const release = await limit.acquire(Number.POSITIVE_INFINITY);
      order.push(name);
      return release!;
    };
    const a = await take("a");
    const b = await take("b");
    const c = take("c");
    const d = take("d");
    expect({ inFlight: limit.inFlight, waiting: limit.waiting }).toEqual({ inFlight: 2, waiting: 2 });
    a();
    a(); // a second call gives nothing back twice
    const released = await c;
    expect({ inFlight: limit.inFlight, waiting: limit.waiting }).toEqual({ inFlight: 2, waiting: 1 });
    // A newcomer does not jump the queue: d is served before e.
    const e = take("e");
    b();
    (await d)();
    released();
    (await e)();
    expect(order).toEqual(["a", "b", "c", "d", "e"]);
    expect({ inFlight: limit.inFlight, waiting: limit.waiting }).toEqual({ inFlight: 0, waiting: 0 });
  });

  it("a waiter gives up at its deadline or its signal and leaves the queue; close() wakes the rest", async () => {
    const limit = new CallLimit(1);
    const held = (await limit.acquire(Number.POSITIVE_INFINITY))!;
    const t0 = performance.now();
    expect(await limit.acquire(performance.now() + 50)).toBeUndefined();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    const controller = new AbortController();
    const aborted = limit.acquire(Number.POSITIVE_INFINITY, controller.signal);
    controller.abort();
    expect(await aborted).toBeUndefined();
    expect(limit.waiting).toBe(0);
    const waiting = limit.acquire(Number.POSITIVE_INFINITY);
    limit.close();
    expect(await waiting).toBeUndefined();
    expect(await limit.acquire(Number.POSITIVE_INFINITY)).toBeUndefined();
    held();
    expect(limit.inFlight).toBe(0);
  });
});

describe("CallLimit accounting at the edges", () => {
  it("a waiter whose deadline passes just as the slot frees leaves the counts exact", async () => {
    for (let i = 0; i < 30; i++) {
      const limit = new CallLimit(1);
      const held = (await limit.acquire(Number.POSITIVE_INFINITY))!;
      const waiting = limit.acquire(performance.now() + 20);
      const third = limit.acquire(Number.POSITIVE_INFINITY);
      await sleep(20 + (i % 3) - 1);
      held();
      (await waiting)?.();
      const last = await third;
      expect(last).toBeTypeOf("function");
      last!();
      expect({ inFlight: limit.inFlight, waiting: limit.waiting }).toEqual({ inFlight: 0, waiting: 0 });
    }
  });

  it("code inside a hold is lent its slot, one call at a time, only while the hold is active", async () => {
    const limit = new CallLimit(1);
    const held = (await limit.acquire(Number.POSITIVE_INFINITY))!;
    const hold = limit.hold();
    const order: string[] = [];
    await limit.within(hold, async () => {
      // No slot is free: the held one is lent, to one call at a time.
      const first = (await limit.acquire(Number.POSITIVE_INFINITY))!;
      const second = limit.acquire(Number.POSITIVE_INFINITY).then((r) => {
        order.push("second");
        return r!;
      });
      await sleep(20);
      order.push("first done");
      first();
      (await second)();
    });
    expect(order).toEqual(["first done", "second"]);
    // Work left behind after the hold ended queues like anyone else.
    hold.active = false;
    const later = limit.within(hold, () => limit.acquire(performance.now() + 50));
    expect(limit.waiting).toBe(1);
    expect(await later).toBeUndefined();
    held();
    expect(limit.inFlight).toBe(0);
  });

  it("code inside a hold takes a free slot first", async () => {
    const limit = new CallLimit(2);
    const held = (await limit.acquire(Number.POSITIVE_INFINITY))!;
    const hold = limit.hold();
    const free = await limit.within(hold, () => limit.acquire(Number.POSITIVE_INFINITY));
    expect(limit.inFlight).toBe(2);
    free!();
    held();
    expect(limit.inFlight).toBe(0);
  });
});

describe("CallLimit's wait timer", () => {
  it("does not keep a process alive, as no timer of the collector does", () => {
    const file = resolve("src/collector/callLimit.ts");
    const script = `
      const { CallLimit } = await import(${JSON.stringify(file)});
      const limit = new CallLimit(1);
      await limit.acquire(Number.POSITIVE_INFINITY);
      void limit.acquire(performance.now() + 20000); // a waiter with a 20 s deadline
    `;
    const t0 = performance.now();
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(out.status).toBe(0);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

describe("maxInFlight: one cap over every fan-out of a collector", () => {
  it("overlapping fan-outs never have more than maxInFlight requests at the servers", async () => {
    const inflight = new InFlight();
    const fleet = collector({
      registry: await slowClusters(6, 40, inflight),
      concurrency: 4,
      maxInFlight: 3,
    });
    const results = await Promise.all([fleet.query("up"), fleet.query("up"), fleet.query("up")]);
    expect(results.map((r) => r.summary().ok)).toEqual([6, 6, 6]);
    expect(inflight.max).toBe(3);
    expect(fleet.toJSON()).toMatchObject({ maxInFlight: 3, inFlight: 0, waiting: 0 });
  });

  it("a cluster's timeout starts when it gets a slot, not while it waits for one", async () => {
    // One at a time, 250 ms each: the third starts after ~500 ms, past the 400 ms timeout.
    const fleet = collector({ registry: await slowClusters(3, 250), maxInFlight: 1, timeout: 400 });
    const r = await fleet.query("up");
    expect(r.summary()).toMatchObject({ ok: 3 });
  });

  it("clusters still waiting when the overall deadline passes are skipped, on time", async () => {
    const stuck = await stub(neverAnswers());
    const quick = await slowClusters(2, 0);
    const fleet = collector({
      registry: [{ id: "stuck", url: stuck.url }, ...quick],
      maxInFlight: 1,
      timeout: 5_000,
      breaker: false,
    });
    const blocking = fleet.query("up", { clusters: ["stuck"] });
    await sleep(50);
    const t0 = performance.now();
    const r = await fleet.query("up", { clusters: ["c0", "c1"], deadline: 200 });
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(r.summary()).toMatchObject({ skipped: 2 });
    expect(r.get("c0")?.error?.message).toBe("not started: the overall deadline of 200 ms passed");
    expect(fleet.toJSON()).toMatchObject({ inFlight: 1, waiting: 0 });
    await fleet.close();
    expect((await blocking).summary()).toMatchObject({ ok: 0 });
  });

  it("an aborted fan-out stops waiting at once and leaves nothing queued", async () => {
    const stuck = await stub(neverAnswers());
    const quick = await slowClusters(1, 0);
    const fleet = collector({ registry: [{ id: "stuck", url: stuck.url }, ...quick], maxInFlight: 1 });
    void fleet.query("up", { clusters: ["stuck"] }).catch(() => {});
    await sleep(50);
    const controller = new AbortController();
    const waiting = fleet.query("up", { clusters: ["c0"], signal: controller.signal });
    await sleep(20);
    expect(fleet.toJSON()).toMatchObject({ waiting: 1 });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    expect(fleet.toJSON()).toMatchObject({ waiting: 0 });
  });

  it("close() skips the clusters still waiting, naming the closed collector", async () => {
    const stuck = await stub(neverAnswers());
    const quick = await slowClusters(1, 0);
    const fleet = collector({ registry: [{ id: "stuck", url: stuck.url }, ...quick], maxInFlight: 1 });
    const blocking = fleet.query("up", { clusters: ["stuck"] });
    await sleep(50);
    const waiting = fleet.query("up", { clusters: ["c0"] });
    await sleep(20);
    await fleet.close();
    const r = await waiting;
    expect(r.get("c0")).toMatchObject({ status: "skipped" });
    expect(r.get("c0")?.error?.message).toBe("not started: the collector was closed");
    expect((await blocking).get("stuck")?.status).not.toBe("ok");
  });

  it("is checked like the other options", () => {
    for (const bad of [0, 1.5, -1, "8"]) {
      expect(() => collector({ registry: [], maxInFlight: bad as number })).toThrow(InvalidArgumentError);
    }
    expect(collector({ registry: [] }).toJSON()).toMatchObject({ maxInFlight: undefined });
  });
});
