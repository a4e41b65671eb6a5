import Keyv from "keyv";
import { describe, expect, it } from "vitest";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";
import { jsonBody, withLatency } from "../support/stubServer.ts";
import { changingRegistry, laggyStore, rotatingCluster } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("retired clients and fleet.close()", () => {
  it("fleet.close() also ends calls still running on a client that was replaced (token rotated)", async () => {
    // first request answers after 4 s; later ones at once
    let n = 0;
    const s = await stub((req, res) => {
      const delay = n++ === 0 ? 4_000 : 0;
      withLatency(delay, vectorBody({}, 1))(req, res);
    });
    const { registry, rotate } = rotatingCluster(s.url, "t1");
    const fleet = new MetricsCollector({ registry, clientOptions: { retry: false }, timeout: 8_000 });
    const slow = fleet.query("up");
    await sleep(200);
    rotate("t2");
    expect((await fleet.query("up")).get("a")?.status).toBe("ok"); // replaces the client
    const t0 = performance.now();
    await fleet.close();
    const r = await slow;
    const settledAfterClose = performance.now() - t0;
    // README: close() gives calls in flight 1 s, then cuts them. Generous bound: 2.5 s.
    expect({ settledAfterClose: settledAfterClose < 2_500, status: r.get("a")?.status }).toEqual({
      settledAfterClose: true,
      status: expect.any(String),
    });
  });

  it("fleet.close() also closes a client pruned by retain() whose call is still running", async () => {
    let n = 0;
    const s = await stub((req, res) => {
      const delay = n++ === 0 ? 4_000 : 0;
      withLatency(delay, vectorBody({}, 1))(req, res);
    });
    const other = await stub(jsonBody(200, vectorBody({}, 2)));
    const { registry, setIds } = changingRegistry(["a", "b"], (id) => (id === "a" ? s.url : other.url));
    const fleet = new MetricsCollector({
      registry,
      clientOptions: { retry: false },
      timeout: 8_000,
    });
    const slow = fleet.query("up", { clusters: ["a"] });
    await sleep(200);
    setIds(["b"]);
    await fleet.query("up"); // lists the registry: "a" is pruned, its client retired with an 8 s grace
    const t0 = performance.now();
    await fleet.close();
    await slow;
    const settledAfterClose = performance.now() - t0;
    expect(settledAfterClose).toBeLessThan(2_500);
  });
});

describe("a replaced client's calls in their cache phase", () => {
  it("a call reading a (slow) cache when its client is replaced still succeeds", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const { registry, rotate } = rotatingCluster(s.url, "t1");
    const keyv = new Keyv({ store: laggyStore(() => 300) as never });
    const fleet = new MetricsCollector({
      registry,
      cache: keyv,
      clientOptions: { retry: false, cacheTimeout: 2_000 },
      timeout: 5_000,
    });
    try {
      const first = fleet.query("up"); // reads the cache for ~600 ms before sending
      await sleep(100);
      rotate("t2");
      await fleet.client("a"); // replaces (and closes) the old client
      const r = (await first).get("a");
      expect({ status: r?.status, error: r?.error?.message }).toEqual({ status: "ok", error: undefined });
    } finally {
      await fleet.close();
    }
  });

  it("fleet.close() gives a call in its cache phase the 1 s grace instead of cutting it at once", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const keyv = new Keyv({ store: laggyStore(() => 200) as never });
    const fleet = new MetricsCollector({
      registry: [{ id: "a", url: s.url }],
      cache: keyv,
      clientOptions: { retry: false, cacheTimeout: 2_000 },
    });
    const first = fleet.query("up"); // ~400 ms in the cache, then a fast request
    await sleep(50);
    await fleet.close();
    const r = (await first).get("a");
    expect({ status: r?.status, error: r?.error?.message }).toEqual({ status: "ok", error: undefined });
  });
});

describe("health() on a client being replaced, behind a proxy that hides /-/healthy", () => {
  it("the fallback query after the probes is not cut", async () => {
    // kube-rbac-proxy style: /-/healthy and /-/ready answer 403; the fallback query answers after 100 ms
    const s = await stub((req, res) => {
      if (req.url?.startsWith("/-/")) {
        req.resume();
        setTimeout(() => jsonBody(403, { status: "error" })(req, res), 150);
        return;
      }
      if (req.url?.includes("buildinfo")) return jsonBody(404, {})(req, res);
      return withLatency(100, vectorBody({}, 1))(req, res);
    });
    const { registry, rotate } = rotatingCluster(s.url, "t1");
    const fleet = new MetricsCollector({ registry, clientOptions: { retry: false }, timeout: 5_000 });
    try {
      const h = fleet.health();
      // let the probes go out, then rotate; the probes end (403) and the fallback query follows
      await sleep(60);
      rotate("t2");
      await fleet.client("a");
      const r = (await h).get("a");
      expect({ status: r?.status, error: r?.error?.message }).toEqual({ status: "ok", error: undefined });
    } finally {
      await fleet.close();
    }
  });
});
