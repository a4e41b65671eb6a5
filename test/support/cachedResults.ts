import type { RedisServer } from "./redis.ts";
import { RespConnection } from "./resp.ts";

/**
 * Reads the query results a Redis cache holds, as the Redis fault tests check them: a write that a paused
 * Redis runs late must never be served past its TTL, which only the stored envelope and the key's
 * remaining PTTL can show.
 */

/** One cached result: its envelope's storedAt and ttlMs, and Redis' remaining PTTL of its key. */
export interface CachedResultEntry {
  /** When the client stored it (ms since the epoch). */
  storedAt: number;
  /** The TTL the client gave it (ms). */
  ttlMs: number;
  /** What Redis has left of the key's expiry (ms; negative when it has none or is gone). */
  pttl: number;
}

/** Every result entry (`promfleet:r1:*`) in Redis database `db`, read on a connection of its own. */
export async function cachedResults(server: RedisServer, db: number): Promise<CachedResultEntry[]> {
  const connection = await RespConnection.open(server.port);
  try {
    await connection.send(["SELECT", String(db)]);
    const keys = (await connection.send(["KEYS", "promfleet:r1:*"])) as string[];
    const out: CachedResultEntry[] = [];
    for (const key of keys) {
      const value = JSON.parse(String(await connection.send(["GET", key]))) as {
        storedAt: number;
        ttlMs: number;
      };
      out.push({
        storedAt: value.storedAt,
        ttlMs: value.ttlMs,
        pttl: Number(await connection.send(["PTTL", key])),
      });
    }
    return out;
  } finally {
    connection.close();
  }
}
