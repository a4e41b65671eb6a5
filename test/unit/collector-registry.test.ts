import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Cluster, toCluster } from "../../src/collector/cluster.ts";
import { LookupClusterRegistry, StaticClusterRegistry } from "../../src/collector/registry.ts";
import { InvalidArgumentError, noAuth } from "../../src/index.ts";

const SECRET = "hunter2-very-secret";

/** The InvalidArgumentError `fn` throws. */
function caught(fn: () => unknown): InvalidArgumentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).not.toContain(SECRET);
    return error as InvalidArgumentError;
  }
  throw new Error("expected an InvalidArgumentError");
}

describe("StaticClusterRegistry", () => {
  it("lists and finds clusters, keeping their order and labels", () => {
    const registry = new StaticClusterRegistry([
      { id: "east", url: "https://prom.east.example/prometheus", labels: { env: "prod" } },
      { id: "west", url: new URL("http://10.0.0.2:9090") },
    ]);
    expect(registry.size).toBe(2);
    expect(registry.list().map((c) => c.id)).toEqual(["east", "west"]);
    const east = registry.get("east")!;
    expect(east).toBeInstanceOf(Cluster);
    expect(east.url).toBe("https://prom.east.example/prometheus/");
    expect(east.labels).toEqual({ env: "prod" });
    expect(east.matches({ env: "prod" })).toBe(true);
    expect(east.matches({ env: "dev" })).toBe(false);
    expect(east.auth.type).toBe("none");
    expect(registry.get("north")).toBeUndefined();
  });

  it("rejects a missing url, naming the cluster and the field", () => {
    const e = caught(() => new StaticClusterRegistry([{ id: "east" } as never]));
    expect(e.argument).toBe("url");
    expect(e.message).toBe('cluster "east": url is missing');
    expect(e.cluster).toBe("east");
  });

  it("rejects a duplicate id", () => {
    const e = caught(
      () =>
        new StaticClusterRegistry([
          { id: "a", url: "http://127.0.0.1:1" },
          { id: "a", url: "http://127.0.0.1:2" },
        ]),
    );
    expect(e.argument).toBe("id");
    expect(e.message).toMatch(/cluster "a": id is used by more than one cluster/);
  });

  it("rejects an unknown auth type without quoting it", () => {
    const e = caught(
      () => new StaticClusterRegistry([{ id: "east", url: "http://x", auth: { type: SECRET } as never }]),
    );
    expect(e.argument).toBe("auth.type");
    expect(e.message).toMatch(
      /^cluster "east": auth.type must be one of "bearer", "basic", "header", "none"/,
    );
  });

  it("passes bad declarative auth fields on with the cluster's name", () => {
    const e = caught(
      () =>
        new StaticClusterRegistry([
          { id: "east", url: "http://x", auth: { type: "bearer", token: SECRET, tokenFile: "/t" } as never },
        ]),
    );
    expect(e.argument.startsWith("auth")).toBe(true);
    expect(e.message.startsWith('cluster "east": ')).toBe(true);
  });

  it("names a cluster without a usable id by its position", () => {
    expect(caught(() => new StaticClusterRegistry([{ url: "http://x" } as never])).message).toBe(
      "cluster #0: id is missing",
    );
    expect(caught(() => new StaticClusterRegistry([{ id: "", url: "http://x" }])).argument).toBe("id");
    expect(caught(() => new StaticClusterRegistry([null as never])).message).toMatch(
      /cluster #0 must be an object/,
    );
    expect(caught(() => new StaticClusterRegistry("nope" as never)).argument).toBe("clusters");
  });

  it("rejects unknown fields, bad urls, headers, labels and client options, naming them", () => {
    const field = (cluster: object) =>
      caught(() => new StaticClusterRegistry([{ id: "c", url: "http://x", ...cluster } as never])).argument;
    expect(field({ lables: {} })).toBe("lables");
    expect(field({ url: "ftp://x" })).toBe("url");
    expect(field({ url: `http://admin:${SECRET}@x` })).toBe("url");
    expect(field({ headers: { "Bad Header": SECRET } })).toBe("headers");
    expect(field({ headers: { "X-Key": `${SECRET}\n` } })).toBe("headers");
    expect(field({ labels: { env: 1 } })).toBe("labels.env");
    expect(field({ clientOptions: { timeout: -1 } })).toBe("clientOptions.timeout");
    expect(field({ clientOptions: { cache: {} } })).toBe("clientOptions.cache");
    expect(field({ tls: { ca: 1 } })).toBe("tls.ca");
    expect(field({ tls: { ca: ["/etc/a.crt", 2] } })).toBe("tls.ca[1]");
  });

  it("keeps its own copy of a CA list: changing the caller's list later changes nothing", () => {
    const ca = ["/etc/pki/service-ca.crt", "/etc/pki/ingress-ca.crt"];
    const cluster = toCluster({ id: "c", url: "http://x", tls: { ca } });
    ca.push("/tmp/planted.crt");
    expect(cluster.clientSettings().tls?.ca).toEqual(["/etc/pki/service-ca.crt", "/etc/pki/ingress-ca.crt"]);
    expect(Object.isFrozen(cluster.clientSettings().tls?.ca)).toBe(true);
  });

  it("accepts strategies and checked clusters as they are", () => {
    const auth = noAuth();
    const checked = toCluster({ id: "a", url: "http://x", auth });
    const registry = new StaticClusterRegistry([checked, { id: "b", url: "http://y", auth }]);
    expect(registry.get("a")).toBe(checked);
    expect(registry.get("b")!.auth).toBe(auth);
    expect(toCluster(checked)).toBe(checked);
  });

  it("describes clusters without secrets", () => {
    const registry = new StaticClusterRegistry([
      {
        id: "a",
        url: "https://x",
        auth: { type: "basic", username: "admin", password: SECRET },
        headers: { "X-Scope-OrgID": SECRET },
        tls: { ca: "/etc/ca.crt", key: `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----` },
      },
    ]);
    for (const text of [
      inspect(registry, { depth: 10 }),
      JSON.stringify(registry),
      inspect(registry.get("a"), { depth: 10, showHidden: true }),
      JSON.stringify(registry.list()),
    ]) {
      expect(text).not.toContain(SECRET);
    }
    expect(JSON.stringify(registry.get("a"))).toContain('"id":"a"');
    // The settings a client is built from still hold them.
    expect(registry.get("a")!.clientSettings().headers).toEqual({ "X-Scope-OrgID": SECRET });
  });
});

describe("LookupClusterRegistry", () => {
  it("looks each cluster up once while the memo is fresh, and shares concurrent lookups", async () => {
    const calls: string[] = [];
    const registry = new LookupClusterRegistry({
      list: () => ["a", "b"],
      lookup: async (id) => {
        calls.push(id);
        await new Promise((r) => setTimeout(r, 10));
        return { url: `http://${id}.example`, labels: { name: id } };
      },
    });
    const [all, a] = await Promise.all([registry.list(), registry.get("a")]);
    expect(all.map((c) => c.id)).toEqual(["a", "b"]);
    expect(a).toBe(all[0]);
    await registry.get("b");
    await registry.list();
    expect(calls.sort()).toEqual(["a", "b"]);
    expect(JSON.stringify(registry)).toContain('"memoMs":5000');
    expect(inspect(registry)).toMatch(/LookupClusterRegistry/);
  });

  it("asks again once the memo is stale, and does not remember failures", async () => {
    let n = 0;
    const registry = new LookupClusterRegistry({
      list: () => ["a"],
      lookup: () => {
        n++;
        if (n === 1) throw new Error("store unavailable");
        return { url: "http://a" };
      },
      memoMs: 20,
    });
    await expect(registry.get("a")).rejects.toThrow("store unavailable");
    await registry.get("a");
    await registry.get("a");
    expect(n).toBe(2);
    await new Promise((r) => setTimeout(r, 40));
    await registry.get("a");
    expect(n).toBe(3);
    expect((await registry.list()).map((c) => c.id)).toEqual(["a"]);
    expect(await registry.ids()).toEqual(["a"]);
  });

  it("checks what the lookup answers, and treats undefined as no such cluster", async () => {
    const registry = new LookupClusterRegistry({
      list: () => ["gone", "other"],
      lookup: (id) =>
        id === "gone"
          ? undefined
          : id === "other"
            ? { id: "someone-else", url: "http://x" }
            : { url: "nope" },
    });
    expect(await registry.get("gone")).toBeUndefined();
    await expect(registry.get("other")).rejects.toThrow(/answered a different id/);
    await expect(registry.get("bad")).rejects.toThrow(/cluster "bad": url/);
    await expect(registry.list()).rejects.toThrow(/different id/);
  });

  it("refuses a list() that does not answer ids", async () => {
    const registry = new LookupClusterRegistry({
      list: () => [{ id: "x" }] as never,
      lookup: () => undefined,
    });
    await expect(registry.ids()).rejects.toThrow(/array of cluster ids/);
  });

  it("validates its options", () => {
    expect(() => new LookupClusterRegistry({} as never)).toThrow(InvalidArgumentError);
    expect(() => new LookupClusterRegistry({ list: () => [], lookup: () => undefined, memoMs: -1 })).toThrow(
      /memoMs/,
    );
  });
});

describe("LookupClusterRegistry's memo over ids that come and go", () => {
  it("forgets stale answers instead of keeping one for every id ever asked", async () => {
    const registry = new LookupClusterRegistry({
      list: () => [],
      // Unknown ids are remembered too (as "no such cluster") while fresh.
      lookup: (id) => (id.startsWith("gone-") ? undefined : { url: "https://thanos.example:9091" }),
      memoMs: 20,
    });
    for (let i = 0; i < 2_000; i++) await registry.get(i % 4 === 0 ? `gone-${i}` : `ci-${i}`);
    expect((registry.toJSON() as { memoised: number }).memoised).toBeGreaterThan(10);
    await new Promise((resolve) => setTimeout(resolve, 40)); // every answer is now stale
    await registry.get("ci-new");
    expect((registry.toJSON() as { memoised: number }).memoised).toBe(1);
  });
});
