import { describe, expect, it } from "vitest";
import { InvalidArgumentError, PrometheusError } from "../../src/index.ts";
import { jsonBody, withLatency } from "../support/stubServer.ts";
import { collectorPool, rotatingCluster } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

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
    // What was left of the cluster's 200 ms once its client was ready.
    expect(r.get("a")?.error?.message).toMatch(
      /^the call on cluster "a" did not finish within (19\d|200) ms$/,
    );
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
