import { Keyv, type KeyvStoreAdapter } from "keyv";
import { afterAll, describe, expect, it } from "vitest";
import { PrometheusClient } from "../../src/index.ts";
import { jsonBody, neverAnswers, type StubServer, startStubServer } from "../support/stubServer.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const servers: StubServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
const vector = {
  status: "success",
  data: { resultType: "vector", result: [{ metric: {}, value: [1, "1"] }] },
};

function store(opts: { readLagMs?: number; hangWrites?: boolean }): KeyvStoreAdapter & { writes: number } {
  const map = new Map<string, unknown>();
  const s = {
    writes: 0,
    opts: {},
    namespace: undefined,
    get: async (k: string) => {
      if (opts.readLagMs) await sleep(opts.readLagMs);
      return map.get(k);
    },
    getMany: async (ks: string[]) => {
      if (opts.readLagMs) await sleep(opts.readLagMs);
      return ks.map((k) => map.get(k));
    },
    set: async (k: string, v: unknown) => {
      s.writes++;
      if (opts.hangWrites) return new Promise(() => {});
      map.set(k, v);
      return true;
    },
    delete: async (k: string) => map.delete(k),
    clear: async () => map.clear(),
    on: () => s,
  };
  return s as unknown as KeyvStoreAdapter & { writes: number };
}

/**
 * A client whose one query left a background write hanging in its cache (a hung Redis).
 * cacheTimeout 2 s: a write's deadline is at least that (a busy Redis in another zone).
 */
async function clientWithHungWrite(): Promise<PrometheusClient> {
  const s = await startStubServer(jsonBody(200, vector));
  servers.push(s);
  const st = store({ hangWrites: true });
  const client = new PrometheusClient({
    url: s.url,
    cache: new Keyv({ store: st }),
    retry: false,
    cacheTimeout: 2_000,
  });
  await client.query("up");
  expect(st.writes).toBe(1);
  return client;
}

describe("close() and the cache path", () => {
  it("close({graceMs: 0}) during a call's cache read: the call fails as closed, no request is sent", async () => {
    const s = await startStubServer(jsonBody(200, vector));
    servers.push(s);
    const keyv = new Keyv({ store: store({ readLagMs: 200 }) });
    const client = new PrometheusClient({ url: s.url, cache: keyv, retry: false, timeout: 5_000 });
    const call = client.query("up").then(
      () => "ok",
      (e: Error) => e.message,
    );
    await sleep(10);
    const t0 = performance.now();
    await client.close({ graceMs: 0 });
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(await call).toMatch(/closed/);
    expect(s.requests).toBe(0);
  });

  it("a second, shorter close() during a longer one ends within the shorter grace (hung server)", async () => {
    const s = await startStubServer(neverAnswers());
    servers.push(s);
    const client = new PrometheusClient({ url: s.url, retry: false, timeout: 10_000 });
    const call = client.query("up").catch((e: Error) => e.message);
    await sleep(30);
    const first = client.close({ graceMs: 9_000 });
    const t0 = performance.now();
    await client.close({ graceMs: 50 });
    expect(performance.now() - t0).toBeLessThan(1_500); // generous: the failure mode waits 2 s or 9 s
    expect(await call).toMatch(/closed/);
    await first;
  });

  it("a background write to a hung Redis: a first close() returns within its grace", async () => {
    const client = await clientWithHungWrite();
    const t0 = performance.now();
    await client.close({ graceMs: 100 });
    expect(performance.now() - t0).toBeLessThan(1_500); // generous: the failure mode waits 2 s or 9 s
  });

  it("a background write to a hung Redis: a second, shorter close() during a longer one ends within the shorter grace", async () => {
    const client = await clientWithHungWrite();
    // As ClusterClients does: a replaced client retired with its calls' deadline, then fleet.close() (1 s).
    const first = client.close({ graceMs: 9_000 });
    const t0 = performance.now();
    await client.close({ graceMs: 50 });
    const ms = performance.now() - t0;
    await first;
    expect(ms).toBeLessThan(1_500); // generous: the failure mode waits the 2 s write deadline
  });
});
