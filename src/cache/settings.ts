import type { Keyv } from "keyv";
import type { ApiResponse } from "../decode/response.ts";
import type { Events } from "../observe/events.ts";
import type { Logger } from "../observe/logger.ts";
import type { BodyDecoder } from "../transport/decoder.ts";
import type { RequestSpec } from "../transport/Transport.ts";

/** Everything the result cache needs from its client. */
export interface ResultCacheSettings {
  keyv: Keyv;
  ttlMs: number;
  secret: string | undefined;
  namespace: string;
  alignRanges: boolean;
  cacheTimeoutMs: number;
  maxEntryBytes: number;
  maxPointsPerSeries: number;
  /** Cluster id or redacted base URL. */
  scope: string;
  baseUrl: string;
  headers: ReadonlyArray<readonly [string, string]>;
  cluster: string | undefined;
  /** The client's own deadline: shared upstream calls run under it. */
  clientTimeoutMs: number;
  logger: Logger;
  events: Events;
  /** The client's identity fingerprint (keyed with the secret). */
  identity: () => Promise<string>;
  /** The transport call. */
  fetch: <T>(
    spec: RequestSpec,
    options: {
      signal: AbortSignal | undefined;
      timeoutMs: number;
      bestEffort?: boolean | (() => boolean) | undefined;
    },
    decode: BodyDecoder<T>,
  ) => Promise<ApiResponse<T>>;
  /** The endpoint URL as shown in errors and events. */
  endpointOf: (spec: RequestSpec) => string;
  /**
   * Counts background work (a write after the answer) among the client's calls in flight, so
   * that closing the client lets it finish, and its events reach listeners, within the grace.
   */
  track?: <T>(work: Promise<T>) => Promise<T>;
}

/** Per call: the caller's signal and deadline, and its `cache` option. */
export interface CachedCall {
  signal: AbortSignal | undefined;
  timeoutMs: number;
  /** false: bypass the cache (and coalescing); a number: this call's TTL in ms. */
  cache: boolean | number;
  /**
   * A request of a call made of several (a split range's piece): its failure is not an `error`
   * event of its own. A flight it shares reports its failure if any other caller joined it.
   */
  quiet?: boolean | undefined;
}
