import { inspect } from "node:util";
import { Keyv } from "keyv";
import { describe, expect, it } from "vitest";
import {
  alignRange,
  cacheableEndpoint,
  entryKey,
  generationKeys,
  type KeyScope,
  keyedHash,
  RECENT_TTL_MS,
  ttlFor,
} from "../../src/cache/keys.ts";
import { ResultCache, type ResultCacheSettings } from "../../src/cache/ResultCache.ts";
import { ApiResponse, createRedisCache, InvalidArgumentError, PrometheusClient } from "../../src/index.ts";
import type { RequestSpec } from "../../src/transport/Transport.ts";
import { resultCacheSettings } from "./resultCacheSettings.ts";

const scope: KeyScope = {
  namespace: "ns",
  scope: "east/1",
  baseUrl: "http://h/",
  headers: [["X-Scope-OrgID", "team-a"]],
  secret: undefined,
};
const spec = (path: string, params: Array<[string, string]> = []): RequestSpec => ({
  path,
  params,
  method: "form",
});

describe("keys", () => {
  it("knows which endpoints are cached", () => {
    expect(
      [
        "api/v1/query",
        "/api/v1/query_range",
        "api/v1/series",
        "api/v1/labels",
        "api/v1/label/job/values",
        "api/v1/metadata",
      ].map(cacheableEndpoint),
    ).toEqual(["query", "query_range", "series", "labels", "label_values", "metadata"]);
    for (const path of [
      "api/v1/targets",
      "api/v1/rules",
      "-/healthy",
      "api/v1/status/buildinfo",
      "api/v1/query_exemplars",
    ]) {
      expect(cacheableEndpoint(path)).toBeUndefined();
    }
  });

  it("builds keys from scope, identity, generations, endpoint and canonical parameters", () => {
    // A fresh spec on each call, as each key below was built from one.
    const upAtOne = () =>
      spec("api/v1/query", [
        ["query", "up"],
        ["time", "1"],
      ]);
    const a = entryKey(scope, "id", ["g1", "g2"], upAtOne());
    expect(a).toMatch(/^ns:r1:east%2F1:id:g1\.g2:query:[0-9a-f]{32}$/);
    // Parameter order does not matter, values and repeated names do.
    expect(
      entryKey(
        scope,
        "id",
        ["g1", "g2"],
        spec("api/v1/query", [
          ["time", "1"],
          ["query", "up"],
        ]),
      ),
    ).toBe(a);
    expect(
      entryKey(
        scope,
        "id",
        ["g1", "g2"],
        spec("api/v1/query", [
          ["query", "up"],
          ["time", "2"],
        ]),
      ),
    ).not.toBe(a);
    expect(
      entryKey({ ...scope, headers: [["x-scope-orgid", "team-b"]] }, "id", ["g1", "g2"], upAtOne()),
    ).not.toBe(a);
    expect(entryKey({ ...scope, secret: "s" }, "id", ["g1", "g2"], upAtOne())).not.toBe(a);
    const ns = { ...upAtOne(), namespace: "team" };
    expect(entryKey(scope, "id", ["g1", "g2"], ns)).not.toBe(a);
    expect(entryKey(scope, "id", [], spec("api/v1/other"))).toMatch(/:0\.0:other:/);
    expect(keyedHash("x", "k")).not.toBe(keyedHash("x", undefined));
  });

  it("has a query generation only for query endpoints", () => {
    expect(generationKeys(scope, spec("api/v1/series", [["match[]", "up"]]))).toEqual(["ns:gen:east%2F1"]);
    const [cluster, query] = generationKeys(scope, spec("api/v1/query_range", [["query", "up"]]));
    expect(cluster).toBe("ns:gen:east%2F1");
    expect(query).toMatch(/^ns:gen:east%2F1:q:[0-9a-f]{32}$/);
    expect(generationKeys(scope, spec("api/v1/query", []))).toHaveLength(1);
  });

  it("shortens the TTL of results reaching into the last minute", () => {
    const now = 2_000_000_000_000;
    expect(ttlFor(spec("api/v1/query"), 30_000, now)).toBe(30_000);
    expect(ttlFor(spec("api/v1/query", [["time", String(now / 1000 - 30)]]), 30_000, now)).toBe(
      RECENT_TTL_MS,
    );
    expect(ttlFor(spec("api/v1/query", [["time", String(now / 1000 - 30)]]), 1_000, now)).toBe(1_000);
    expect(ttlFor(spec("api/v1/query_range", [["end", String(now / 1000 - 61)]]), 30_000, now)).toBe(30_000);
    expect(ttlFor(spec("api/v1/series", [["end", "soon"]]), 30_000, now)).toBe(30_000);
    // A split range's old piece that evaluates `@ end()` of a range ending now reads recent data.
    const oldPiece = spec("api/v1/query_range", [["end", String(now / 1000 - 3600)]]);
    expect(ttlFor({ ...oldPiece, readsUntil: now / 1000 - 10 }, 30_000, now)).toBe(RECENT_TTL_MS);
    expect(ttlFor({ ...oldPiece, readsUntil: now / 1000 - 7200 }, 30_000, now)).toBe(30_000);
  });

  it("floors range bounds to the step, staying within the points limit", () => {
    const range = (start: string, end: string, step: string) =>
      spec("api/v1/query_range", [
        ["query", "q"],
        ["start", start],
        ["end", end],
        ["step", step],
      ]);
    const params = (s: RequestSpec) => Object.fromEntries(s.params);
    expect(params(alignRange(range("1700000001.5", "1700000050", "15"), 11_000))).toMatchObject({
      start: "1699999995",
      end: "1700000040",
    });
    expect(params(alignRange(range("-7", "7", "5"), 11_000))).toMatchObject({ start: "-10", end: "5" });
    expect(params(alignRange(range("0.9", "11000.5", "1"), 11_000))).toMatchObject({
      start: "0",
      end: "11000",
    });
    expect(params(alignRange(range("0.9", "11000.99", "1"), 10_999))).toMatchObject({
      start: "1",
      end: "11000",
    });
    const odd = range("x", "1", "1");
    expect(alignRange(odd, 11_000)).toBe(odd);
    const instant = spec("api/v1/query", [["start", "1.5"]]);
    expect(alignRange(instant, 11_000)).toBe(instant);
  });
});

describe("options", () => {
  it("checks the cache options and the per-call cache option", async () => {
    const url = "http://127.0.0.1:9";
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ cache: {} }, "cache"],
      [{ cacheTtl: 8 * 24 * 3600_000 }, "cacheTtl"],
      [{ cacheKeySecret: "" }, "cacheKeySecret"],
      [{ cacheNamespace: "" }, "cacheNamespace"],
      [{ cacheTimeout: 0 }, "cacheTimeout"],
      [{ cacheMaxEntryBytes: 1.5 }, "cacheMaxEntryBytes"],
      [{ alignRanges: "yes" }, "alignRanges"],
    ];
    for (const [options, name] of bad) {
      expect(() => new PrometheusClient({ url, ...options })).toThrow(
        expect.objectContaining({ argument: name }) as unknown as Error,
      );
    }
    const client = new PrometheusClient({ url, cache: new Keyv(), cacheKeySecret: "top-secret" });
    for (const cache of [0, -1, Number.NaN, "yes", 8 * 24 * 3600_000]) {
      await expect(client.query("up", { cache: cache as number })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
    }
    expect(inspect(client)).not.toContain("top-secret");
    expect(JSON.stringify(client)).not.toContain("top-secret");
    await new PrometheusClient({ url }).invalidate();
    await client.close();
  });
});

describe("createRedisCache", () => {
  it("checks its arguments and never shows the password", () => {
    expect(() => createRedisCache("not a url")).toThrow(InvalidArgumentError);
    expect(() => createRedisCache("http://h:6379")).toThrow(/redis: or rediss:/);
    expect(() => createRedisCache("redis://h:6379/db")).toThrow(/DB number/);
    expect(() => createRedisCache("redis://h:6379", { connectTimeout: 0 })).toThrow(/connectTimeout/);
    const keyv = createRedisCache(new URL("redis://:hunter2@127.0.0.1:6390/2"), { maxReconnectDelay: 500 });
    expect(inspect(keyv, { depth: 10 })).toBe("Keyv(redis redis://127.0.0.1:6390/2)");
    expect(JSON.stringify({ keyv })).not.toContain("hunter2");
    expect(inspect(keyv.store, { depth: 10 })).not.toContain("hunter2");
    // Entries are stored as they are; other values get Keyv's JSON wrapping, and foreign text is handed on.
    const entry = '{"promfleet":1}';
    expect(keyv.serialize?.({ value: entry })).toBe(entry);
    expect(keyv.deserialize?.(entry)).toEqual({ value: entry });
    expect(keyv.deserialize?.(String(keyv.serialize?.({ value: 5, expires: 9 })))).toEqual({
      value: 5,
      expires: 9,
    });
    expect(keyv.deserialize?.("plain text")).toEqual({ value: "plain text" });
    expect(createRedisCache("rediss://h")).toBeInstanceOf(Keyv);
  });
});

describe("ResultCache", () => {
  const settings = (overrides: Partial<ResultCacheSettings>) =>
    resultCacheSettings({
      fetch: async () => new ApiResponse<unknown>({ value: new Map() }, [], []) as never,
      ...overrides,
    });
  const call = { signal: undefined, timeoutMs: 1_000, cache: true };
  const decode = () => ({ ok: true as const, data: 1, warnings: [], infos: [] });

  it("serves but does not store what it cannot encode, or when the identity is unknown", async () => {
    const keyv = new Keyv();
    let fetched = 0;
    const fetch = async () => {
      fetched++;
      return new ApiResponse<unknown>({ value: new Map() }, [], []) as never;
    };
    const cache = new ResultCache(settings({ keyv, fetch }));
    await cache.run(spec("api/v1/labels"), decode, call);
    await cache.run(spec("api/v1/labels"), decode, call);
    expect(fetched).toBe(2);
    const anonymous = new ResultCache(
      settings({
        keyv,
        identity: () => Promise.reject(new Error("no token")),
        fetch: async () => {
          fetched++;
          return new ApiResponse<unknown>(["a"], [], []) as never;
        },
      }),
    );
    await anonymous.run(spec("api/v1/labels"), decode, call);
    await anonymous.run(spec("api/v1/labels"), decode, call);
    expect(fetched).toBe(4);
    expect([...(keyv.store as Map<string, unknown>).keys()]).toEqual([]);
  });

  it("invalidate() rejects when the cache does not take the write", async () => {
    const hung = new Keyv();
    hung.set = (() => new Promise(() => {})) as unknown as Keyv["set"];
    const cache = new ResultCache(settings({ keyv: hung, cacheTimeoutMs: 10 }));
    await expect(cache.invalidate("up")).rejects.toThrow(/did not take the invalidation/);
  }, 5_000);
});
