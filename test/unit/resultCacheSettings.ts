import { Keyv } from "keyv";
import type { ResultCacheSettings } from "../../src/cache/ResultCache.ts";
import { ApiResponse, silentLogger } from "../../src/index.ts";
import { Events } from "../../src/observe/events.ts";

/**
 * Settings of a ResultCache for tests that drive it directly: an in-memory Keyv, a fixed
 * identity, and a `fetch` answering `1` unless overridden.
 */
export function resultCacheSettings(overrides: Partial<ResultCacheSettings>): ResultCacheSettings {
  return {
    keyv: new Keyv(),
    ttlMs: 30_000,
    secret: undefined,
    namespace: "rc",
    alignRanges: true,
    cacheTimeoutMs: 50,
    maxEntryBytes: 1_000_000,
    maxPointsPerSeries: 11_000,
    scope: "east",
    baseUrl: "http://h/",
    headers: [],
    cluster: "east",
    clientTimeoutMs: 1_000,
    logger: silentLogger,
    events: new Events(),
    identity: async () => "id",
    fetch: async () => new ApiResponse<unknown>(1, [], []) as never,
    endpointOf: (s) => `http://h/${s.path}`,
    ...overrides,
  };
}
