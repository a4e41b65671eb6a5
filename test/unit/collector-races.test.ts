import { describe, expect, it } from "vitest";
import { jsonBody, withLatency } from "../support/stubServer.ts";
import { changingRegistry, collectorPool } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a client replaced between its hand-out and the call", () => {
  it("two fan-outs started together, seeing the token before and after a rotation, both succeed", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    let n = 0;
    const fleet = collector({
      // each lookup sees the secret store at a different moment: the token changes between them
      registry: {
        get: (id: string) => ({ id, url: s.url, auth: { type: "bearer", token: `tok-${n++}` } }),
        list: () => [],
      },
    });
    const [r1, r2] = await Promise.all([
      fleet.query("up", { clusters: ["a"] }),
      fleet.query("up", { clusters: ["a"] }),
    ]);
    const out = [r1, r2].map((r) => ({ status: r.get("a")?.status, error: r.get("a")?.error?.message }));
    expect(out).toEqual([
      { status: "ok", error: undefined },
      { status: "ok", error: undefined },
    ]);
  });

  it("a cluster removed then re-added between two overlapping fan-outs: each gets an answer", async () => {
    const s = await stub(withLatency(200, vectorBody({}, 1)));
    const { registry, setIds } = changingRegistry(["a", "b"], () => s.url);
    const fleet = collector({ registry });
    const f1 = fleet.query("up"); // a, b in flight
    await sleep(50);
    setIds(["a"]);
    const f2 = fleet.query("up"); // prunes b while f1 runs on it
    await sleep(50);
    setIds(["a", "b"]);
    const f3 = fleet.query("up", { clusters: ["b"] }); // a new client for b
    const [r1, r2, r3] = await Promise.all([f1, f2, f3]);
    expect([r1.get("b")?.status, r2.get("b"), r3.get("b")?.status]).toEqual(["ok", undefined, "ok"]);
    await sleep(100);
    expect(fleet.toJSON().clients).toBe(2);
  });
});

describe("LookupClusterRegistry and a lookup that never settles", () => {
  it("a hung lookup of one cluster is tried again later, not shared forever", async () => {
    const { LookupClusterRegistry } = await import("../../src/collector/registry.ts");
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    let calls = 0;
    const registry = new LookupClusterRegistry({
      list: () => ["a"],
      // the first read of the secret store hangs (a request without a timeout); later ones answer
      lookup: () => (calls++ === 0 ? new Promise<never>(() => {}) : { url: s.url }),
      memoMs: 100,
    });
    const fleet = collector({ registry, timeout: 200, breaker: false });
    expect((await fleet.query("up")).get("a")?.status).toBe("timeout");
    await sleep(1_100); // past the in-flight sharing window
    const r = (await fleet.query("up")).get("a");
    expect({ status: r?.status, lookups: calls }).toEqual({ status: "ok", lookups: 2 });
  });

  it("a hung list() is tried again later, not shared by every later fan-out", async () => {
    const { LookupClusterRegistry } = await import("../../src/collector/registry.ts");
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    let calls = 0;
    const registry = new LookupClusterRegistry({
      list: () => (calls++ === 0 ? new Promise<never>(() => {}) : ["a"]),
      lookup: () => ({ url: s.url }),
      memoMs: 100,
    });
    const fleet = collector({ registry, timeout: 200, breaker: false });
    await expect(fleet.query("up")).rejects.toThrow(/listing/);
    await sleep(1_100);
    const r = await fleet.query("up").then(
      (x) => x.get("a")?.status,
      (e: Error) => e.message,
    );
    expect({ r, lists: calls }).toEqual({ r: "ok", lists: 2 });
  });
});

describe("one broken registry entry", () => {
  it("fleet.clusters() and fleet.invalidate() still work for the others", async () => {
    const Keyv = (await import("keyv")).default;
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const entries = [
      { id: "a", url: s.url },
      { id: "bad", url: "not a url" },
    ];
    const fleet = collector({
      registry: { get: (id: string) => entries.find((e) => e.id === id), list: () => entries },
      cache: new Keyv(),
    });
    const r = await fleet.query("up");
    expect(r.get("a")?.status).toBe("ok");
    expect(r.get("bad")?.status).toBe("error");
    const listed = await fleet.clusters().then(
      (cs) => cs.map((c) => c.id),
      (e: Error) => e.message,
    );
    const inv = await fleet.invalidate().then(
      () => "ok",
      (e: Error) => e.message,
    );
    expect({ listed, inv }).toEqual({ listed: ["a"], inv: "ok" });
  });
});

describe("a stale listing snapshot replacing a newer client", () => {
  it("a fan-out listed before a rotation does not swap the cluster back to the old credentials", async () => {
    const seen: string[] = [];
    const slow = await stub(withLatency(300, vectorBody({}, 0)));
    const s = await stub((req, res) => {
      seen.push(String(req.headers.authorization));
      jsonBody(200, vectorBody({}, 1))(req, res);
    });
    let token = "old";
    const replaced: string[] = [];
    const noop = () => {};
    const fleet = collector({
      // a secret store: every read answers the token in force now
      registry: {
        get: (id: string) => ({ id, url: id === "x" ? slow.url : s.url, auth: { type: "bearer", token } }),
        list: () =>
          ["x", "a"].map((id) => ({
            id,
            url: id === "x" ? slow.url : s.url,
            auth: { type: "bearer", token },
          })),
      },
      concurrency: 1,
      logger: { debug: noop, warn: noop, error: noop, info: (_o, msg) => replaced.push(`${String(msg)}`) },
    });
    const f1 = fleet.query("up", { clusters: () => true }); // lists now (old token), reaches "a" after ~300 ms
    await sleep(100);
    token = "new";
    expect((await fleet.query("up", { clusters: ["a"] })).get("a")?.status).toBe("ok"); // new token
    await f1;
    expect((await fleet.query("up", { clusters: ["a"] })).get("a")?.status).toBe("ok");
    expect(seen).toEqual(["Bearer new", "Bearer new", "Bearer new"]);
    // "a"'s client was never switched back and forth.
    expect(replaced.filter((m) => m.includes("client replaced"))).toEqual([]);
  });
});
