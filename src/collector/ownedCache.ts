import type Keyv from "keyv";
import { createRedisCache } from "../cache/redis.ts";
import type { Logger } from "../observe/logger.ts";

/**
 * The collector's cache: a Keyv given by the caller (not ours to close), or one built from a
 * Redis URL with {@link createRedisCache} (ours: disconnected when the collector closes).
 */
export function openCache(cache: Keyv | string, logger: Logger): { keyv: Keyv; owned: boolean } {
  if (typeof cache !== "string") return { keyv: cache, owned: false };
  return { keyv: createRedisCache(cache, { logger }), owned: true };
}
