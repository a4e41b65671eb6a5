import { describe } from "vitest";
import { cacheEntryContract } from "./cache-contract-entries.ts";
import type { CacheHarness } from "./cache-contract-fixture.ts";
import { cacheHitContract } from "./cache-contract-hits.ts";
import { cacheKeyContract } from "./cache-contract-keys.ts";

/**
 * The cache contract: what any Keyv store must give promfleet's result cache. Run against a memory
 * Keyv (test/unit/cache-memory.test.ts) and a real redis-server through createRedisCache
 * (test/integration/cache-redis.test.ts), with a counting loopback upstream. Its parts live in
 * test/unit/cache-contract-*.ts; listing them here once keeps every store running all of them.
 */

export type { CacheHarness } from "./cache-contract-fixture.ts";

/** Registers every part of the contract; `setup` runs once before each part (a fresh store each). */
export function cacheContract(name: string, setup: () => Promise<CacheHarness>): void {
  describe(`cache contract: ${name}`, () => {
    cacheHitContract(setup);
    cacheKeyContract(setup);
    cacheEntryContract(setup);
  });
}
