import * as v from "valibot";
import { ApiResponse } from "../decode/response.ts";
import { InstantSample, RangeSeries, ScalarSample } from "../decode/types.ts";
import { CorruptEntryError, decodeTree, encodeTree } from "./codec.ts";

/**
 * A cache entry is one JSON string, written and read only by promfleet:
 *
 * ```json
 * {"promfleet":1,"key":"…","storedAt":1700000000000,"ttlMs":30000,"infos":[],"data":<tagged tree>}
 * ```
 *
 * `promfleet` is the format version: an entry of another version, another program's value under
 * our key, or a corrupt one is a miss (and the fresh result overwrites it). `key` guards against
 * a value filed under the wrong key. `storedAt` and `ttlMs` are checked on read with our own
 * clock, so a write that lands late (a paused Redis executing a queued SET, which restarts its TTL)
 * is never served as fresh, and a store that ignores TTLs still expires entries.
 */
export const ENTRY_VERSION = 1;

/** Every entry starts with these characters (createRedisCache stores such strings unwrapped). */
export const ENTRY_PREFIX = '{"promfleet":';

/** Entries stamped further in the future than this (clock skew between replicas) are refused. */
const MAX_CLOCK_SKEW_MS = 5_000;

const EntrySchema = v.object({
  promfleet: v.number(),
  key: v.string(),
  storedAt: v.pipe(v.number(), v.finite()),
  ttlMs: v.pipe(v.number(), v.finite(), v.gtValue(0)),
  infos: v.array(v.string()),
  data: v.unknown(),
});

/** Encodes a successful response (no warnings: those are never cached) into an entry string. */
export function encodeEntry(
  key: string,
  response: ApiResponse<unknown>,
  storedAt: number,
  ttlMs: number,
): string {
  // Property order matters: the string must start with ENTRY_PREFIX.
  return JSON.stringify({
    promfleet: ENTRY_VERSION,
    key,
    storedAt,
    ttlMs,
    infos: response.infos,
    data: encodeTree(response.data),
  });
}

/** A usable entry, or why the stored value was not one. */
export type ReadEntry =
  | { ok: true; response: ApiResponse<unknown>; ageMs: number }
  | { ok: false; reason: "absent" | "expired" | "corrupt"; detail?: string };

/** Reads an entry for `key` at time `now` (ms); anything not fully valid is a miss with its reason. */
export function decodeEntry(raw: unknown, key: string, path: string, now: number): ReadEntry {
  if (raw === undefined || raw === null) return { ok: false, reason: "absent" };
  try {
    if (typeof raw !== "string" || !raw.startsWith(ENTRY_PREFIX)) {
      throw new CorruptEntryError("not a promfleet entry");
    }
    const parsed = v.safeParse(EntrySchema, JSON.parse(raw));
    if (!parsed.success) throw new CorruptEntryError(`bad envelope: ${parsed.issues[0].message}`);
    const entry = parsed.output;
    if (entry.promfleet !== ENTRY_VERSION) throw new CorruptEntryError(`format version ${entry.promfleet}`);
    if (entry.key !== key) throw new CorruptEntryError("filed under another key");
    if (entry.storedAt > now + MAX_CLOCK_SKEW_MS) throw new CorruptEntryError("stored in the future");
    const ageMs = Math.max(0, now - entry.storedAt);
    if (ageMs > entry.ttlMs) return { ok: false, reason: "expired" };
    const data = decodeTree(entry.data);
    checkData(path, data);
    return { ok: true, response: new ApiResponse(data, [], entry.infos, { ageMs }), ageMs };
  } catch (error) {
    // JSON.parse's SyntaxError and CorruptEntryError alike: the entry is not usable.
    return { ok: false, reason: "corrupt", detail: (error as Error).message };
  }
}

/** The query endpoints' data must have the shape their decoders produce. */
function checkData(path: string, data: unknown): void {
  if (path !== "api/v1/query" && path !== "api/v1/query_range") return;
  const d = data as { resultType?: unknown; result?: unknown } | null;
  if (typeof d !== "object" || d === null) throw new CorruptEntryError("query data is not an object");
  const { resultType, result } = d;
  const ok =
    resultType === "matrix"
      ? Array.isArray(result) && result.every((s) => s instanceof RangeSeries)
      : path === "api/v1/query_range"
        ? false
        : resultType === "vector"
          ? Array.isArray(result) && result.every((s) => s instanceof InstantSample)
          : resultType === "scalar"
            ? result instanceof ScalarSample && typeof result.value === "number"
            : resultType === "string" && result instanceof ScalarSample && typeof result.value === "string";
  if (!ok) throw new CorruptEntryError(`query data does not hold a valid ${String(resultType)}`);
}
