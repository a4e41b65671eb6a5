import Keyv from "keyv";
import { describe, expect, it } from "vitest";
import type { ClusterEvent } from "../../src/observe/events.ts";
import { neverAnswers, withLatency } from "../support/stubServer.ts";
import { collectorPool } from "./collectorHelpers.ts";
import { InFlight, stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the pool, with and without a cache", () => {
  for (const withCache of [true, false]) {
    it(`never has more than \`concurrency\` requests at the servers, and none past the per-cluster timeout (${withCache ? "a cache" : "no cache"})`, async () => {
      const inflight = new InFlight();
      const servers = await Promise.all(
        Array.from({ length: 6 }, (_, i) => stub(inflight.wrap(`c${i}`, neverAnswers()))),
      );
      const fleet = collector({
        registry: servers.map((s, i) => ({ id: `c${i}`, url: s.url })),
        concurrency: 2,
        timeout: 300,
        breaker: false,
        ...(withCache ? { cache: new Keyv() } : {}),
      });
      const t0 = performance.now();
      const r = await fleet.query("up");
      const wall = performance.now() - t0;
      expect(r.summary()).toMatchObject({ timeout: 6 });
      expect(wall).toBeLessThan(3 * 300 + 1_000);
      await sleep(300);
      expect({ maxAtServers: inflight.max, stillOpenAfter: inflight.now }).toEqual({
        maxAtServers: 2,
        stillOpenAfter: 0,
      });
    });
  }
});

describe("cluster events under overlapping fan-outs", () => {
  it("each fan-out's events count done 1..total once per cluster", async () => {
    const servers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => stub(withLatency(10 + ((i * 37) % 50), vectorBody({}, i)))),
    );
    const fleet = collector({
      registry: servers.map((s, i) => ({ id: `c${i}`, url: s.url, labels: { parity: String(i % 2) } })),
      concurrency: 3,
    });
    const events: ClusterEvent[] = [];
    fleet.on("cluster", (e) => events.push(e));
    const results = await Promise.all([
      fleet.query("up"),
      fleet.query("up", { clusters: { parity: "0" } }),
      fleet.query("up", { clusters: ["c1", "c3", "nope"] }),
      fleet.query("up", { deadline: 15 }),
    ]);
    const totals = results.map((r) => r.size);
    expect(totals).toEqual([8, 4, 3, 8]);
    expect(events.length).toBe(8 + 4 + 3 + 8);
    // Every total's done values, in order of emission, 1..total per fan-out: with two fan-outs of
    // equal total (8) the sequences interleave but the multiset is {1..8} twice.
    const byTotal = new Map<number, number[]>();
    for (const e of events) byTotal.set(e.total, [...(byTotal.get(e.total) ?? []), e.done]);
    expect(byTotal.get(4)).toEqual([1, 2, 3, 4]);
    expect(byTotal.get(3)).toEqual([1, 2, 3]);
    expect([...(byTotal.get(8) ?? [])].sort((a, b) => a - b)).toEqual([
      1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8,
    ]);
  });
});
