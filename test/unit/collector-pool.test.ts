import { describe, expect, it } from "vitest";
import { AbortError, InvalidArgumentError } from "../../src/index.ts";
import { neverAnswers, withLatency } from "../support/stubServer.ts";
import { collectorPool } from "./collectorHelpers.ts";
import { InFlight, stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();

describe("the pool", () => {
  it("never runs more than `concurrency` clusters at once, and fills every slot", async () => {
    const flight = new InFlight();
    const clusters = [];
    for (let i = 0; i < 12; i++) {
      const s = await stub(flight.wrap(`c${i}`, withLatency(60, vectorBody({}, i))));
      clusters.push({ id: `c${i}`, url: s.url });
    }
    const fleet = collector({ registry: clusters, concurrency: 4 });
    const r = await fleet.query("up");
    expect(r.ok()).toHaveLength(12);
    expect(flight.max).toBe(4);
  });

  it("starts the next cluster as soon as a slot frees, not in waves", async () => {
    const flight = new InFlight();
    const slow = await stub(flight.wrap("slow", withLatency(1_000, vectorBody({}, 0))));
    const clusters = [{ id: "slow", url: slow.url }];
    for (let i = 0; i < 5; i++) {
      const s = await stub(flight.wrap(`fast${i}`, withLatency(30, vectorBody({}, i))));
      clusters.push({ id: `fast${i}`, url: s.url });
    }
    const fleet = collector({ registry: clusters, concurrency: 2 });
    const r = await fleet.query("up");
    const slowEnd = flight.arrivals[0]!.at + 1_000;
    // With waves, fast2..fast4 would wait for the slow one; in a pool they all start during it.
    expect(flight.arrivals.map((a) => a.label)[0]).toBe("slow");
    expect(flight.arrivals.every((a) => a.at < slowEnd - 100)).toBe(true);
    expect(r.get("fast4")!.latencyMs).toBeLessThan(600);
  });

  it("skips clusters not started when the overall deadline passes", async () => {
    const clusters = [];
    for (let i = 0; i < 4; i++) {
      const s = await stub(withLatency(400, vectorBody({}, i)));
      clusters.push({ id: `c${i}`, url: s.url });
    }
    const fleet = collector({ registry: clusters, concurrency: 1, deadline: 600 });
    const started = performance.now();
    const r = await fleet.query("up");
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(r.get("c0")?.status).toBe("ok");
    // c1 started before the deadline and was cut by it.
    expect(r.get("c1")?.status).toBe("timeout");
    expect(r.get("c2")?.status).toBe("skipped");
    expect(r.get("c3")?.status).toBe("skipped");
    expect(r.get("c3")?.error?.message).toMatch(/overall deadline of 600 ms/);
    expect(r.get("c3")?.latencyMs).toBe(0);
  });

  it("rejects with an AbortError when the caller aborts, and ends promptly", async () => {
    const dead = await stub(neverAnswers());
    const fleet = collector({ registry: [{ id: "d", url: dead.url }], timeout: 30_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user left")), 100);
    const started = performance.now();
    const error = await fleet.query("up", { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBeInstanceOf(Error);
    expect(performance.now() - started).toBeLessThan(5_000);
    await expect(fleet.query("up", { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });

  it("takes a per-call timeout and deadline over the collector's", async () => {
    const slow = await stub(withLatency(500, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "s", url: slow.url }], timeout: 10_000 });
    const r = await fleet.query("up", { timeout: 100 });
    expect(r.get("s")?.status).toBe("timeout");
    await expect(fleet.query("up", { timeout: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(fleet.query("up", { deadline: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("uses a cluster's own timeout unless the call sets one", async () => {
    const slow = await stub(withLatency(400, vectorBody({}, 1)));
    const fleet = collector({
      registry: [{ id: "s", url: slow.url, clientOptions: { timeout: 100 } }],
      timeout: 10_000,
    });
    expect((await fleet.query("up")).get("s")?.status).toBe("timeout");
    expect((await fleet.query("up", { timeout: 5_000 })).get("s")?.status).toBe("ok");
  });
});
