import { describe, expect, it } from "vitest";
import type { AuthStrategy } from "../../src/auth/AuthStrategy.ts";
import type { MetricsCollector } from "../../src/collector/MetricsCollector.ts";
import { LookupClusterRegistry } from "../../src/collector/registry.ts";
import { AbortError, InvalidArgumentError, PrometheusError } from "../../src/index.ts";
import { jsonBody } from "../support/stubServer.ts";
import { collectorPool } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();

describe("selection", () => {
  it("selects all clusters, a list of ids, a label selector or a predicate", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({
      registry: [
        { id: "east", url: s.url, labels: { env: "prod", region: "us-east" } },
        { id: "west", url: s.url, labels: { env: "prod", region: "us-west" } },
        { id: "lab", url: s.url, labels: { env: "dev" } },
      ],
    });
    const ids = async (clusters?: Parameters<MetricsCollector["query"]>[1]) =>
      [...(await fleet.query("up", clusters))].map((c) => c.cluster);
    expect(await ids()).toEqual(["east", "west", "lab"]);
    expect(await ids({ clusters: ["west", "east", "west"] })).toEqual(["west", "east"]);
    expect(await ids({ clusters: { env: "prod" } })).toEqual(["east", "west"]);
    expect(await ids({ clusters: { env: "prod", region: "us-west" } })).toEqual(["west"]);
    expect(await ids({ clusters: (c) => c.id.startsWith("l") })).toEqual(["lab"]);
    expect(await ids({ clusters: [] })).toEqual([]);
    const unknown = await fleet.query("up", { clusters: ["east", "nope"] });
    expect(unknown.get("east")?.status).toBe("ok");
    expect(unknown.get("nope")?.status).toBe("error");
    expect(unknown.get("nope")?.error?.message).toMatch(/unknown cluster "nope"/);
    await expect(fleet.query("up", { clusters: [""] })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(fleet.query("up", { clusters: { env: 1 } as never })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(fleet.query("up", { clusters: 3 as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect((await fleet.clusters({ env: "dev" })).map((c) => c.id)).toEqual(["lab"]);
  });
});

describe("edge cases of a cluster's part", () => {
  const never = () => new Promise<never>(() => {});

  it("bounds a hanging registry lookup and a hanging identity by the cluster's deadline", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const slowIdentity: AuthStrategy = {
      type: "slow",
      apply: () => {},
      identity: never,
      describe: () => "slow",
    };
    const fleet = collector({
      registry: {
        get: (id) => (id === "hangs" ? never() : { id, url: s.url, auth: slowIdentity }),
        list: () => [],
      },
      timeout: 150,
    });
    const r = await fleet.query("up", { clusters: ["hangs", "identity"] });
    expect(r.get("hangs")).toMatchObject({ status: "timeout" });
    expect(r.get("hangs")?.error?.message).toMatch(/the lookup did not finish within 150 ms/);
    expect(r.get("identity")?.status).toBe("timeout");
    expect(r.get("identity")?.error?.message).toMatch(/the client did not finish/);
  });

  it("rejects with an AbortError when aborted during a lookup", async () => {
    const fleet = collector({ registry: { get: never, list: () => [] } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(fleet.query("up", { clusters: ["x"], signal: controller.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
  });

  it("turns a registry's own failure into that cluster's error", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({
      registry: {
        get: (id) => {
          if (id === "throws") throw new TypeError("secret store unreachable");
          if (id === "liar") return { id: "someone-else", url: s.url };
          if (id === "bad") return { id, url: "not a url" };
          return undefined;
        },
        list: () => [],
      },
    });
    const r = await fleet.query("up", { clusters: ["throws", "liar", "bad"] });
    expect(r.get("throws")?.status).toBe("error");
    expect(r.get("throws")?.error).toBeInstanceOf(PrometheusError);
    expect(r.get("throws")?.error?.message).toBe('cluster "throws": secret store unreachable');
    expect(r.get("liar")?.error?.message).toMatch(/answered a different id/);
    expect(r.get("bad")?.error?.message).toMatch(/^cluster "bad": url/);
  });

  it("looks clusters up inside the pool when the registry lists ids: one slow lookup is that cluster's timeout", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const registry = new LookupClusterRegistry({
      list: () => ["fast", "stuck", "gone"],
      lookup: (id) => (id === "stuck" ? never() : id === "gone" ? undefined : { url: s.url }),
    });
    const fleet = collector({ registry, timeout: 200 });
    const r = await fleet.query("up");
    expect(r.summary()).toEqual({ ok: 1, error: 1, timeout: 1, skipped: 0 });
    expect(r.get("stuck")?.error?.message).toMatch(/the lookup did not finish/);
    expect(r.get("gone")?.error?.message).toMatch(/unknown cluster "gone"/);
  });

  it("bounds listing the registry by the overall deadline", async () => {
    const fleet = collector({ registry: { get: () => undefined, list: never }, deadline: 100 });
    await expect(fleet.query("up")).rejects.toThrow(
      /listing the registry's clusters did not finish within 100 ms/,
    );
  });

  it("fails the whole call when listing the registry fails", async () => {
    const fleet = collector({
      registry: {
        get: () => undefined,
        list: () => {
          throw new Error("cannot list");
        },
      },
    });
    await expect(fleet.query("up")).rejects.toThrow("cannot list");
  });

  it("checks the fan-out's own options", async () => {
    const fleet = collector({ registry: [] });
    await expect(fleet.query("up", { signal: "stop" as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(fleet.query("up", "all" as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(fleet.labelValues("", {})).rejects.toBeInstanceOf(InvalidArgumentError);
    expect((await fleet.query("up")).size).toBe(0);
  });

  it("stops calling a listener removed with off()", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "a", url: s.url }] });
    let calls = 0;
    const listener = () => calls++;
    fleet.on("cluster", listener);
    await fleet.query("up");
    fleet.off("cluster", listener);
    await fleet.query("up");
    expect(calls).toBe(1);
  });
});
