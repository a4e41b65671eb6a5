import { afterEach, describe, expect, it } from "vitest";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";
import { LookupClusterRegistry } from "../../src/collector/registry.ts";
import { bearerAuth } from "../../src/index.ts";
import { jsonBody } from "../support/stubServer.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const open: MetricsCollector[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
const collector = (o: ConstructorParameters<typeof MetricsCollector>[0]) => {
  const c = new MetricsCollector({ clientOptions: { retry: false }, ...o });
  open.push(c);
  return c;
};

describe("one bad cluster must not fail the whole fan-out", () => {
  it("label selector over a LookupClusterRegistry: one failing lookup is that cluster's error", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const registry = new LookupClusterRegistry({
      list: () => ["good", "bad"],
      lookup: (id) => {
        if (id === "bad") throw new Error("vault: permission denied for bad");
        return { url: s.url, labels: { env: "prod" } };
      },
    });
    const fleet = collector({ registry });
    // over all clusters (ids() path) this is per cluster:
    const all = await fleet.query("up");
    expect(all.get("good")?.status).toBe("ok");
    expect(all.get("bad")?.status).toBe("error");
    // the same registry with a label selector rejects the whole call instead
    const r = await fleet.query("up", { clusters: { env: "prod" } }).catch((e: unknown) => e);
    expect(r).not.toBeInstanceOf(Error);
  });

  it("a custom registry whose list() holds one malformed entry: the others still answer", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const entries = [
      { id: "good", url: s.url },
      { id: "bad", url: "not a url" },
    ];
    const fleet = collector({
      registry: { get: (id: string) => entries.find((e) => e.id === id), list: () => entries },
    });
    const r = await fleet.query("up").catch((e: unknown) => e);
    expect(r).not.toBeInstanceOf(Error);
  });
});

describe("a registry that updates its cluster objects in place", () => {
  it("picks up a changed url (client replaced when the cluster's URL changes)", async () => {
    const one = await stub(jsonBody(200, vectorBody({ server: "one" }, 1)));
    const two = await stub(jsonBody(200, vectorBody({ server: "two" }, 2)));
    const entry = { id: "a", url: one.url };
    const fleet = collector({ registry: { get: () => entry, list: () => [entry] } });
    expect((await fleet.query("up")).get("a")?.status).toBe("ok");
    entry.url = two.url; // config reload mutating the object
    await fleet.query("up");
    expect(two.requests).toBe(1);
  });

  it("picks up an auth strategy replaced in place by one with the same description", async () => {
    const seen: string[] = [];
    const s = await stub((req, res) => {
      seen.push(req.headers.authorization ?? "");
      jsonBody(200, vectorBody({}, 1))(req, res);
    });
    const entry = { id: "a", url: s.url, auth: bearerAuth({ token: "token-1" }) };
    const fleet = collector({ registry: { get: () => entry, list: () => [entry] } });
    await fleet.query("up");
    entry.auth = bearerAuth({ token: "token-2" }); // describes itself as "bearer(static)" too
    await fleet.query("up");
    expect(seen).toEqual(["Bearer token-1", "Bearer token-2"]);
  });

  it("picks up a rotated declarative bearer token", async () => {
    const seen: string[] = [];
    const s = await stub((req, res) => {
      seen.push(req.headers.authorization ?? "");
      jsonBody(200, vectorBody({}, 1))(req, res);
    });
    const entry = { id: "a", url: s.url, auth: { type: "bearer" as const, token: "token-1" } };
    const fleet = collector({ registry: { get: () => entry, list: () => [entry] } });
    await fleet.query("up");
    entry.auth.token = "token-2";
    await fleet.query("up");
    expect(seen).toEqual(["Bearer token-1", "Bearer token-2"]);
  });
});

describe("per-call timeout bounds", () => {
  it("a timeout beyond what a timer can hold is refused as an argument, not 'timeout'/'error' per cluster", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const registry = new LookupClusterRegistry({
      list: () => ["a"],
      lookup: async () => {
        await new Promise((r) => setTimeout(r, 20));
        return { url: s.url };
      },
    });
    const fleet = collector({ registry });
    const out = await fleet.query("up", { timeout: 3e9 }).then(
      (r) => ({ status: r.get("a")?.status, msg: r.get("a")?.error?.message }),
      (e: Error) => ({ rejected: e.name }),
    );
    // either a clear argument error, or the cluster answers; never an instant timeout
    expect(out).not.toMatchObject({ status: "timeout" });
    expect(out).not.toMatchObject({ status: "error" });
  });
});
