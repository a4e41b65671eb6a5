import { describe, expect, it } from "vitest";
import { AbortError } from "../../src/index.ts";
import { jsonBody, neverAnswers, withLatency } from "../support/stubServer.ts";
import { collectorPool } from "./collectorHelpers.ts";
import { InFlight, stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A cluster that never answers counts against its circuit whether the function passes all of
 * `options`, only its signal, or a stale copy of it: the call ends by the deadline's signal and
 * is taken as the cluster's timeout.
 */
describe("each() on a hung cluster counts against its circuit", () => {
  it("function passes only options.signal (the client's own timeout is longer)", async () => {
    const s = await stub(neverAnswers());
    const fleet = collector({ registry: [{ id: "a", url: s.url }], timeout: 150, breaker: { failures: 1 } });
    const statuses: string[] = [];
    const messages: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await fleet.each((client, options) => client.query("up", { signal: options.signal }));
      statuses.push(r.get("a")!.status);
      messages.push(r.get("a")!.error?.message ?? "");
    }
    // Expected: the first ends as the cluster's timeout and opens the circuit; later ones are skipped.
    expect({ statuses, messages }).toMatchObject({ statuses: ["timeout", "skipped", "skipped"] });
  });

  it("function spreads options once and reuses the copy: the 2nd (hung) call has a stale timeout", async () => {
    let n = 0;
    const s = await stub((req, res) => {
      n++;
      if (n % 2 === 1) withLatency(300, vectorBody({}, 1))(req, res);
      else neverAnswers()(req, res);
    });
    const fleet = collector({ registry: [{ id: "a", url: s.url }], timeout: 400, breaker: { failures: 1 } });
    const statuses: string[] = [];
    const messages: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await fleet.each(async (client, options) => {
        const o = { ...options };
        await client.query("one", o);
        return client.query("two", o);
      });
      statuses.push(r.get("a")!.status);
      messages.push(r.get("a")!.error?.message ?? "");
    }
    expect({ statuses, messages }).toMatchObject({ statuses: ["timeout", "skipped"] });
  });

  it("passing the options themselves opens the circuit", async () => {
    const s = await stub(neverAnswers());
    const fleet = collector({ registry: [{ id: "a", url: s.url }], timeout: 150, breaker: { failures: 1 } });
    const statuses: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await fleet.each((client, options) => client.query("up", options));
      statuses.push(r.get("a")!.status);
    }
    expect(statuses).toEqual(["timeout", "skipped"]);
  });
});

describe("a fan-out inside each() under maxInFlight", () => {
  it("maxInFlight 1: an each() fanning out to 4 clusters runs them one at a time in its slot", async () => {
    const inflight = new InFlight();
    const servers = await Promise.all(
      ["b1", "b2", "b3", "b4"].map((id) => stub(inflight.wrap(id, withLatency(100, vectorBody({}, 1))))),
    );
    const a = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({
      registry: [{ id: "a", url: a.url }, ...servers.map((s, i) => ({ id: `b${i + 1}`, url: s.url }))],
      maxInFlight: 1,
      timeout: 2_000,
    });
    await fleet.each(
      async (_c, options) =>
        (await fleet.query("up", { clusters: ["b1", "b2", "b3", "b4"], signal: options.signal })).summary()
          .ok,
      { clusters: ["a"] },
    );
    expect(inflight.max).toBe(1);
  });
});

describe("each() edges", () => {
  it("a caller's abort while the function runs rejects at once, aborts its signal, and gives the slot back", async () => {
    const s = await stub(neverAnswers());
    const fleet = collector({ registry: [{ id: "a", url: s.url }], maxInFlight: 1, timeout: 5_000 });
    const ac = new AbortController();
    let inner: AbortSignal | undefined;
    const t0 = performance.now();
    const p = fleet.each(
      async (client, options) => {
        inner = options.signal;
        return client.query("up", options);
      },
      { signal: ac.signal },
    );
    await sleep(50);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(AbortError);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(inner?.aborted).toBe(true);
    await sleep(100);
    expect(fleet.toJSON()).toMatchObject({ inFlight: 0 });
  });

  it("a function resolving right at its cluster's deadline is ok", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "a", url: s.url }], timeout: 200 });
    const r = await fleet.each(async (_c, options) => {
      await sleep(options.timeout);
      return 1;
    });
    expect(r.get("a")).toMatchObject({ status: "ok", value: 1 });
  });

  it("close() during the hold grace: no unhandled rejection, slot and lease let go", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "a", url: s.url }], maxInFlight: 1, timeout: 100 });
    let late: unknown;
    const r = await fleet.each(async (client) => {
      await sleep(500);
      try {
        return await client.query("up", { timeout: 1_000 });
      } catch (e) {
        late = e;
        throw e;
      }
    });
    expect(r.get("a")?.status).toBe("timeout");
    const t0 = performance.now();
    await fleet.close(); // waits for the held lease (the function ends at ~500 ms), at most 1 s
    expect(performance.now() - t0).toBeLessThan(1_200);
    await sleep(400);
    expect(late).toBeUndefined();
    expect(fleet.toJSON()).toMatchObject({ inFlight: 0 });
  });
});

/**
 * Clusters "a" (answering after `fastMs`) and "slow" (after `slowMs`) under maxInFlight 1, with
 * the requests at the servers counted.
 */
async function fastAndSlow(fastMs: number, slowMs: number, timeout: number) {
  const inflight = new InFlight();
  const a = await stub(inflight.wrap("a", withLatency(fastMs, vectorBody({}, 1))));
  const slow = await stub(inflight.wrap("slow", withLatency(slowMs, vectorBody({}, 2))));
  const fleet = collector({
    registry: [
      { id: "a", url: a.url },
      { id: "slow", url: slow.url },
    ],
    maxInFlight: 1,
    timeout,
    breaker: false,
  });
  return { fleet, inflight };
}

describe("what an each() function leaves behind queues for a slot like anyone else", () => {
  it("a timer set by an each() function that has ended waits for a slot", async () => {
    const { fleet, inflight } = await fastAndSlow(20, 400, 2_000);
    let later: Promise<unknown> | undefined;
    // A function that schedules follow-up work (a refresh, a debounce) and ends at once.
    const r = await fleet.each(
      async (client, options) => {
        setTimeout(() => {
          later = fleet.query("up", { clusters: ["slow"] });
        }, 100);
        return (await client.query("up", options)).data;
      },
      { clusters: ["a"] },
    );
    expect(r.get("a")?.status).toBe("ok");
    // The each() is over and its slot given back: someone else takes the only slot now.
    const other = fleet.query("up", { clusters: ["slow"] });
    await sleep(200);
    await Promise.all([other, later]);
    // With maxInFlight: 1, never more than one cluster call in flight.
    expect(inflight.max).toBe(1);
  });

  it("a collector event listener making a fleet call waits for a slot", async () => {
    const { fleet, inflight } = await fastAndSlow(20, 400, 2_000);
    const extra: Promise<unknown>[] = [];
    let once = true;
    // e.g. "on a response from a, also refresh slow"; the listener runs in the emitting context.
    fleet.on("response", () => {
      if (!once) return;
      once = false;
      extra.push(fleet.query("up", { clusters: ["slow"] }));
    });
    await fleet.query("up", { clusters: ["a"] });
    // The listener's call started with a "shared" slot; the slot it shared is free again.
    const other = fleet.query("up", { clusters: ["slow"] });
    await Promise.all([other, ...extra]);
    expect(inflight.max).toBe(1);
  });

  it("a function that outlives its hold grace makes calls that wait for a slot", async () => {
    const { fleet, inflight } = await fastAndSlow(10, 500, 100);
    let nested: Promise<unknown> | undefined;
    const r = await fleet.each(
      async () => {
        await sleep(1_500); // past deadline + 250 ms + 1 s grace: the slot is let go at ~1.35 s
        nested = fleet.query("up", { clusters: ["slow"], timeout: 2_000 });
        await nested;
      },
      { clusters: ["a"] },
    );
    expect(r.get("a")?.status).toBe("timeout");
    await sleep(1_300); // the grace is over: the slot was given back, and the late call queued for one
    const other = fleet.query("up", { clusters: ["slow"], timeout: 2_000 });
    await sleep(300);
    await Promise.all([other, nested]);
    expect(inflight.max).toBe(1);
  });
});
