import type Keyv from "keyv";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";

/**
 * The collector's cache: a Keyv given by the caller (not ours to close), or one built from a
 * Redis URL (ours: closed with the collector).
 */
export function openCache(cache: Keyv | string): { keyv: Keyv; owned: boolean } {
  if (typeof cache !== "string") return { keyv: cache, owned: false };
  throw new InvalidArgumentError("cache", "cache as a Redis URL needs createRedisCache (not available yet)");
}
