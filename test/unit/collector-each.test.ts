import { describe, expect, it } from "vitest";
import { InvalidArgumentError, PrometheusError } from "../../src/index.ts";
import { jsonBody, withLatency } from "../support/stubServer.ts";
import { collectorPool, rotatingCluster } from "./collectorHelpers.ts";
import { InFlight, stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("fleet.each: the caller's own calls", () => {
  it("a call that ignores its options still ends at the cluster's deadline, as a timeout", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "a", url: s.url }], timeout: 200 });
    const t0 = performance.now();
    const r = await fleet.each(() => new Promise<never>(() => {}));
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(r.get("a")).toMatchObject({ status: "timeout" });
    // What was left of the cluster's 200 ms once its client was ready, and 250 ms to end by itself.
    expect(r.get("a")?.error?.message).toMatch(/^the function for cluster "a" did not finish within \d+ ms$/);
  });

  it("a function that does not end is its own fault: the circuit stays closed", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "a", url: s.url }], timeout: 100, breaker: { failures: 1 } });
    for (let i = 0; i < 2; i++) {
      expect((await fleet.each(() => new Promise<never>(() => {}))).get("a")?.status).toBe("timeout");
    }
    expect((await fleet.each((client, options) => client.query("up", options))).get("a")?.status).toBe("ok");
  });

  it("a value is the caller's data: undefined and null are fine, and its fields are not taken as notes", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "a", url: s.url }] });
    const none = await fleet.each(async (client, options) => {
      await client.query("up", options);
    });
    const nil = await fleet.each(async () => null);
    expect([none.get("a")?.status, nil.get("a")?.status]).toEqual(["ok", "ok"]);
    const data = await fleet.each(async () => ({ cached: true, warnings: "disk almost full" }));
    expect(data.get("a")).toMatchObject({ status: "ok", cached: false, warnings: [], infos: [] });
    expect(data.get("a")?.value).toEqual({ cached: true, warnings: "disk almost full" });
  });

  it("its own errors are that cluster's error, with theirs as the cause, and leave the circuit closed", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "a", url: s.url }], breaker: { failures: 1 } });
    const bug = new TypeError("cannot read properties of undefined");
    for (let i = 0; i < 3; i++) {
      const r = await fleet.each(async () => {
        throw bug;
      });
      expect(r.get("a")).toMatchObject({ status: "error" });
      expect(r.get("a")?.error).toBeInstanceOf(PrometheusError);
      expect(r.get("a")?.error?.message).toBe('cluster "a": cannot read properties of undefined');
      expect(r.get("a")?.error?.cause).toBe(bug);
    }
    // A synchronous throw counts the same; the cluster itself is still asked.
    const sync = await fleet.each((client) => {
      if (client) throw new RangeError("sync");
      return Promise.resolve(1);
    });
    expect(sync.get("a")?.error?.message).toBe('cluster "a": sync');
    expect((await fleet.each((client, options) => client.query("up", options))).get("a")?.status).toBe("ok");
  });

  it("a client's own failure counts for the circuit as any fan-out's does", async () => {
    const s = await stub(jsonBody(503, { status: "error", errorType: "unavailable", error: "down" }));
    const fleet = collector({ registry: [{ id: "a", url: s.url }], breaker: { failures: 1 } });
    const first = await fleet.each((client, options) => client.query("up", options));
    expect(first.get("a")?.status).toBe("error");
    const second = await fleet.each((client, options) => client.query("up", options));
    expect(second.get("a")).toMatchObject({ status: "skipped" });
  });

  it("holds its client until it ends: a second call after a token rotation still runs on it", async () => {
    const s = await stub(withLatency(150, vectorBody({}, 1)));
    const { registry, rotate } = rotatingCluster(s.url, "t1");
    const fleet = collector({ registry, timeout: 5_000 });
    const slow = fleet.each(async (client, options) => {
      await client.query("first", options);
      await sleep(300); // meanwhile the token rotates and another call replaces this client
      return (await client.query("second", options)).data.resultType;
    });
    await sleep(50);
    rotate("t2");
    expect((await fleet.query("up")).get("a")?.status).toBe("ok");
    const r = await slow;
    expect(r.get("a")).toMatchObject({ status: "ok", value: "vector" });
  });

  it("refuses what is not a function before any lookup", async () => {
    const fleet = collector({ registry: [{ id: "a", url: "http://127.0.0.1:1" }] });
    await expect(fleet.each("targets" as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe("fleet.each under maxInFlight", () => {
  it("keeps its slot until the function has ended, even past the cluster's deadline", async () => {
    const inflight = new InFlight();
    const s = await stub(inflight.wrap("a", withLatency(300, vectorBody({}, 1))));
    const fleet = collector({
      registry: [{ id: "a", url: s.url }],
      maxInFlight: 1,
      timeout: 100,
      breaker: false,
    });
    let lateDone = false;
    const first = fleet.each(async (client) => {
      await sleep(150); // past the cluster's deadline
      const r = await client.query("late", { timeout: 2_000 }); // ignoring its options
      lateDone = true;
      return r;
    });
    expect((await first).get("a")?.status).toBe("timeout");
    await sleep(60);
    // Waits for the slot the late function still holds.
    expect((await fleet.query("up", { timeout: 2_000 })).get("a")?.status).toBe("ok");
    expect(lateDone).toBe(true);
    expect(inflight.max).toBe(1);
  });

  it("gives each call in turn the time left, through `options`", async () => {
    const inflight = new InFlight();
    const s = await stub(inflight.wrap("a", withLatency(200, vectorBody({}, 1))));
    const fleet = collector({
      registry: [{ id: "a", url: s.url }],
      maxInFlight: 1,
      timeout: 300,
      breaker: false,
    });
    const sent: number[] = [];
    const first = fleet.each(async (client, options) => {
      sent.push(options.timeout);
      await client.query("one", { ...options });
      sent.push(options.timeout);
      return client.query("two", { ...options });
    });
    await sleep(320);
    const second = fleet.query("up", { timeout: 2_000 });
    const [r1, r2] = await Promise.all([first, second]);
    expect([r1.get("a")?.status, r2.get("a")?.status]).toEqual(["timeout", "ok"]);
    // The second call gets what the first (200 ms at the server) left, not the whole 300 ms again.
    expect(sent[0]).toBeGreaterThan(150);
    expect(sent[1]).toBeLessThan(sent[0]! - 150);
    expect(inflight.max).toBe(1);
  });

  it("a fan-out made inside the function shares its slot instead of waiting for it", async () => {
    const a = await stub(withLatency(5, vectorBody({}, 1)));
    const b = await stub(withLatency(5, vectorBody({}, 2)));
    const fleet = collector({
      registry: [
        { id: "a", url: a.url },
        { id: "b", url: b.url },
      ],
      maxInFlight: 1,
      timeout: 2_000,
    });
    const t0 = performance.now();
    const r = await fleet.each(
      async (_client, options) =>
        (await fleet.query("up", { clusters: ["b"], signal: options.signal })).summary().ok,
      { clusters: ["a"] },
    );
    expect(r.get("a")).toMatchObject({ status: "ok", value: 1 });
    expect(performance.now() - t0).toBeLessThan(1_500);
  });

  it("close() skips clusters still waiting; a function that never ends gives its slot back after a grace", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({
      registry: [
        { id: "a", url: s.url },
        { id: "b", url: s.url },
      ],
      maxInFlight: 1,
      timeout: 500,
    });
    const running = fleet.each(() => new Promise<never>(() => {}));
    await sleep(50);
    expect(fleet.toJSON()).toMatchObject({ inFlight: 1, waiting: 1 });
    await fleet.close();
    const r = await running;
    expect(r.get("b")?.error?.message).toBe("not started: the collector was closed");
    expect(r.get("a")?.status).toBe("timeout");
    await sleep(1_300);
    expect(fleet.toJSON()).toMatchObject({ inFlight: 0, waiting: 0 });
  });
});
