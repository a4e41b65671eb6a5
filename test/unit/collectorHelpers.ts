import type { KeyvStoreAdapter } from "keyv";
import { afterEach } from "vitest";
import type { AuthStrategy } from "../../src/auth/AuthStrategy.ts";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";
import { type ClusterRegistry, LookupClusterRegistry } from "../../src/collector/registry.ts";

/**
 * Makes collectors with retries off (a test's stub answers once, as it is told) and closes every one
 * after each test, so no client, timer or socket outlives the test that opened it.
 */
export function collectorPool(): (
  options: ConstructorParameters<typeof MetricsCollector>[0],
) => MetricsCollector {
  const open: MetricsCollector[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  return (options) => {
    const fleet = new MetricsCollector({ clientOptions: { retry: false }, ...options });
    open.push(fleet);
    return fleet;
  };
}

/** A strategy sending `Bearer <token()>`, whose identity follows the token. */
export function rotatingBearer(token: () => string): AuthStrategy {
  return {
    type: "bearer",
    apply: ({ headers }) => headers.set("authorization", `Bearer ${token()}`),
    identity: () => token(),
    describe: () => "bearer(rotating)",
  };
}

/**
 * A Map-backed Keyv store whose reads (get, getMany) answer after `lagMs()` ms, as a remote or
 * slow Redis does; writes land at once.
 */
export function laggyStore(lagMs: () => number) {
  const map = new Map<string, unknown>();
  const lag = () => new Promise((resolve) => setTimeout(resolve, lagMs()));
  const store = {
    get: async (k: string) => {
      await lag();
      return map.get(k);
    },
    getMany: async (ks: string[]) => {
      await lag();
      return ks.map((k) => map.get(k));
    },
    set: async (k: string, v: unknown) => {
      map.set(k, v);
      return true;
    },
    delete: async (k: string) => map.delete(k),
    clear: async () => map.clear(),
    has: async (k: string) => map.has(k),
    on: () => store,
    opts: {},
    namespace: undefined,
  };
  return store;
}

/**
 * A Keyv store in which every read misses at once and every write does what `write` does: hang
 * (a paused Redis), fail after a while (a full one), ...
 */
export function missingStore(write: () => Promise<unknown>): KeyvStoreAdapter {
  return {
    opts: {},
    namespace: undefined,
    get: async () => undefined,
    getMany: async (keys: string[]) => keys.map(() => undefined),
    set: write,
    delete: async () => true,
    clear: async () => {},
    on: () => {},
  } as unknown as KeyvStoreAdapter;
}

/**
 * One cluster, "a" at `url`, whose bearer token the test rotates: every lookup (no memo) sees the
 * token in force now, so the collector's next call builds a new client and retires the old one.
 */
export function rotatingCluster(
  url: string,
  token: string,
): { registry: LookupClusterRegistry; rotate(next: string): void } {
  let current = token;
  const registry = new LookupClusterRegistry({
    list: () => ["a"],
    lookup: () => ({ url, auth: rotatingBearer(() => current) }),
    memoMs: 0,
  });
  return {
    registry,
    rotate: (next) => {
      current = next;
    },
  };
}

/**
 * A registry whose ids the test changes with `setIds`, with `ids()` so a fan-out over all
 * clusters lists it (and prunes what left). `urlOf` gives each cluster's URL.
 */
export function changingRegistry(
  initial: string[],
  urlOf: (id: string) => string,
): { registry: ClusterRegistry; setIds(next: string[]): void } {
  let ids = initial;
  return {
    registry: {
      ids: () => ids,
      get: (id: string) => (ids.includes(id) ? { id, url: urlOf(id) } : undefined),
      list: () => ids.map((id) => ({ id, url: urlOf(id) })),
    },
    setIds: (next) => {
      ids = next;
    },
  };
}
