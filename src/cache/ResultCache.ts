import type { ApiResponse } from "../decode/response.ts";
import { UnavailableError } from "../errors/UnavailableError.ts";
import { Deadline, raceSignal } from "../transport/deadline.ts";
import type { BodyDecoder } from "../transport/decoder.ts";
import type { RequestSpec } from "../transport/Transport.ts";
import { cloneResult } from "./clone.ts";
import { UnencodableError } from "./codec.ts";
import { decodeEntry, encodeEntry } from "./entry.ts";
import { estimateBytes } from "./estimate.ts";
import { FlightGroup } from "./flight.ts";
import { type Generations, generationsFor, QUERY_GENERATION_TTL_MS } from "./generations.ts";
import { type CacheReporter, guardFor, type KeyvGuard, writeTimeoutMs } from "./guard.ts";
import {
  alignRange,
  cacheableEndpoint,
  clusterGenerationKey,
  entryKey,
  generationKeys,
  type KeyScope,
  queryGenerationKey,
  ttlFor,
} from "./keys.ts";
import { cacheReporter } from "./reporter.ts";
import type { CachedCall, ResultCacheSettings } from "./settings.ts";

export type { CachedCall, ResultCacheSettings } from "./settings.ts";

/** Shortest budget given to invalidation writes, which are awaited (reads are not worth waiting for). */
const INVALIDATE_TIMEOUT_MS = 1_000;

/**
 * The result cache of one client: keys, single flight, guarded reads and writes. Nothing here
 * can fail a query: every cache problem becomes a miss (or a skipped write) and is reported.
 */
export class ResultCache {
  readonly #s: ResultCacheSettings;
  readonly #secret: string | undefined;
  readonly #guard: KeyvGuard;
  readonly #generations: Generations;
  readonly #flights = new FlightGroup(cloneResult);
  readonly #scope: KeyScope;

  /** Builds the cache of a client. */
  constructor(settings: ResultCacheSettings) {
    this.#s = settings;
    this.#secret = settings.secret;
    this.#guard = guardFor(settings.keyv);
    this.#generations = generationsFor(this.#guard);
    this.#scope = {
      namespace: settings.namespace,
      scope: settings.scope,
      baseUrl: settings.baseUrl,
      headers: settings.headers,
      secret: this.#secret,
    };
  }

  /** Whether a range query made with this per-call `cache` option has its range floored to its step. */
  aligns(cache: boolean | number): boolean {
    return this.#s.alignRanges && cache !== false;
  }

  /** Runs a request through alignment, the cache and single flight (or straight through when not cacheable). */
  async run<T>(spec: RequestSpec, decode: BodyDecoder<T>, call: CachedCall): Promise<ApiResponse<T>> {
    const s = this.#s;
    // A call that does not use the cache shares no entry: nothing to align for, exact bounds sent.
    if (cacheableEndpoint(spec.path) === undefined || call.cache === false) {
      return s.fetch(
        spec,
        { signal: call.signal, timeoutMs: call.timeoutMs, bestEffort: call.quiet },
        decode,
      );
    }
    const aligned = s.alignRanges ? alignRange(spec, s.maxPointsPerSeries) : spec;
    const deadline = new Deadline(call.timeoutMs, call.signal);
    const endpoint = s.endpointOf(aligned);
    const reporter = this.#reporter(endpoint);
    try {
      const identity = await this.#identity(deadline.signal);
      const genKeys = generationKeys(this.#scope, aligned);
      const gens =
        identity === undefined || deadline.done
          ? undefined
          : await raceSignal(
              this.#generations.read(genKeys, { timeoutMs: s.cacheTimeoutMs, reporter }),
              deadline.signal,
            ).catch(() => undefined);
      if (deadline.done) throw deadline.error(endpoint, s.cluster);
      const tokens = gens?.ok ? gens.value : undefined;
      const key = entryKey(this.#scope, identity ?? "unknown", tokens ?? ["-", "-"], aligned);
      // Without an identity or generations the cache cannot be used safely; calls still coalesce.
      const flightKey = tokens ? key : `uncached\u0000${key}`;
      const flightMs = Math.max(s.clientTimeoutMs, call.timeoutMs);
      const { promise, coalesced } = this.#flights.join(
        flightKey,
        (signal, quiet) =>
          this.#resolve(aligned, decode, {
            key: tokens ? key : undefined,
            genKeys,
            tokens,
            signal,
            endpoint,
            reporter,
            timeoutMs: flightMs,
            ttlMs: typeof call.cache === "number" ? call.cache : undefined,
            quiet,
          }),
        // A split range's piece reports its failure through its call; anyone else wants the
        // flight's `error` event (also one who left: an abandoned flight reports its error).
        { signal: deadline.signal, error: () => deadline.error(endpoint, s.cluster), quiet: call.quiet },
        flightMs,
      );
      if (coalesced) this.#emit("coalesced", endpoint);
      return await promise;
    } finally {
      deadline.dispose();
    }
  }

  /**
   * The identity fingerprint, or undefined when it fails, or takes longer than a cache read may
   * (a token provider fetching a token), or the caller gives up: the call then goes without the
   * cache, and the transport applies auth under the call's own deadline. A hung provider would
   * otherwise hold the call here, where no deadline reaches.
   */
  async #identity(signal: AbortSignal): Promise<string | undefined> {
    const bounded = AbortSignal.any([signal, AbortSignal.timeout(this.#s.cacheTimeoutMs)]);
    try {
      return await raceSignal(this.#s.identity(), bounded);
    } catch {
      return undefined;
    }
  }

  /**
   * Invalidates this client's cluster (every entry of every identity), or one PromQL text's
   * entries, by writing a new generation token. This process stops serving the old entries at
   * once; other replicas within their memo time (≤ 1 s). Rejects with an UnavailableError when
   * the cache did not take the write: this process still never serves the old entries, and writes
   * the new token again on its later reads; until one write lands, other replicas may serve them.
   */
  async invalidate(query?: string): Promise<void> {
    const s = this.#s;
    const key =
      query === undefined ? clusterGenerationKey(this.#scope) : queryGenerationKey(this.#scope, query);
    const endpoint = `cache:${s.namespace}`;
    const outcome = await this.#generations.bump(key, query === undefined ? 0 : QUERY_GENERATION_TTL_MS, {
      timeoutMs: Math.max(s.cacheTimeoutMs, INVALIDATE_TIMEOUT_MS),
      reporter: this.#reporter(endpoint),
    });
    if (!outcome.ok) {
      throw new UnavailableError(
        `the cache did not take the invalidation (${outcome.reason}); this process no longer serves the old entries and will write it again, other replicas may serve them until then`,
        { endpoint, cluster: s.cluster },
      );
    }
  }

  /** One flight's work: a cache lookup, and on a miss the upstream call and a write. */
  async #resolve<T>(
    spec: RequestSpec,
    decode: BodyDecoder<T>,
    f: {
      key: string | undefined;
      genKeys: readonly string[];
      tokens: readonly string[] | undefined;
      signal: AbortSignal;
      endpoint: string;
      reporter: CacheReporter;
      timeoutMs: number;
      ttlMs: number | undefined;
      /** Asked when the request fails: whether no caller wants an `error` event. */
      quiet: () => boolean;
    },
  ): Promise<ApiResponse<T>> {
    const s = this.#s;
    if (f.key !== undefined) {
      const read = await this.#guard.get(f.key, {
        timeoutMs: s.cacheTimeoutMs,
        signal: f.signal,
        reporter: f.reporter,
      });
      if (read.ok) {
        const now = Date.now();
        const entry = decodeEntry(read.value, f.key, spec.path, now);
        // Also by this call's own TTL: a long one chosen by another call or replica must not
        // make this call accept data older than it would have kept ("last minute" ranges: 5 s).
        if (entry.ok && entry.ageMs <= (f.ttlMs ?? ttlFor(spec, s.ttlMs, now - entry.ageMs))) {
          this.#emit("hit", f.endpoint, entry.ageMs);
          return entry.response as ApiResponse<T>;
        }
        if (!entry.ok && entry.reason === "corrupt") {
          s.logger.debug(
            { endpoint: f.endpoint, cluster: s.cluster, reason: entry.detail },
            "ignoring a cache entry that is corrupt or not promfleet's; it will be overwritten",
          );
        }
      }
      this.#emit("miss", f.endpoint);
    }
    // The entry is about the moment the request was sent: its age and TTL count from then (a
    // query about "now" that ran for a minute must still get the short TTL).
    const sentAt = Date.now();
    const response = await s.fetch(
      spec,
      { signal: f.signal, timeoutMs: f.timeoutMs, bestEffort: f.quiet },
      decode,
    );
    if (f.key !== undefined) this.#store(spec, response, { ...f, sentAt });
    return response;
  }

  /**
   * Encodes the result now (before any caller can change it) and writes it in the background.
   * Not stored: results with warnings (partial), over the size cap, or whose generation this
   * process invalidated meanwhile (the key would be dead anyway).
   */
  #store(
    spec: RequestSpec,
    response: ApiResponse<unknown>,
    f: { key?: string | undefined; genKeys: readonly string[]; tokens: readonly string[] | undefined } & {
      endpoint: string;
      reporter: CacheReporter;
      ttlMs: number | undefined;
      sentAt: number;
    },
  ): void {
    const s = this.#s;
    const key = f.key!;
    if (response.warnings.length > 0) return;
    const moot = f.genKeys.some((genKey, i) => {
      const current = this.#generations.current(genKey);
      return current !== undefined && current !== f.tokens?.[i];
    });
    if (moot || !fitsEstimate(response.data, s.maxEntryBytes)) return;
    const ttlMs = f.ttlMs ?? ttlFor(spec, s.ttlMs, f.sentAt);
    let text: string;
    try {
      text = encodeEntry(key, response, f.sentAt, ttlMs);
    } catch (error) {
      // UnencodableError (data the codec cannot keep), or a RangeError for a string too long for V8.
      const reason = error instanceof UnencodableError ? error.message : String(error);
      s.logger.debug({ endpoint: f.endpoint, reason }, "result not cached");
      return;
    }
    if (text.length > s.maxEntryBytes || Buffer.byteLength(text) > s.maxEntryBytes) return;
    const write = this.#guard
      .set(key, text, ttlMs, {
        timeoutMs: writeTimeoutMs(s.cacheTimeoutMs, text.length),
        reporter: f.reporter,
      })
      .then((outcome) => {
        if (outcome.ok) this.#emit("store", f.endpoint);
      });
    void (s.track ? s.track(write) : write);
  }

  #emit(type: "hit" | "miss" | "store" | "coalesced", endpoint: string, ageMs?: number): void {
    const { events, cluster } = this.#s;
    if (!events.has("cache")) return;
    events.emit(
      "cache",
      ageMs === undefined ? { type, endpoint, cluster } : { type, endpoint, cluster, ageMs },
    );
  }

  #reporter(endpoint: string): CacheReporter {
    const { events, logger, cluster } = this.#s;
    return cacheReporter(endpoint, cluster, events, logger);
  }
}

/** Whether a result may fit the size cap; a result too deep to measure (a RangeError) is not cached. */
function fitsEstimate(data: unknown, maxBytes: number): boolean {
  try {
    return estimateBytes(data) <= maxBytes;
  } catch {
    return false;
  }
}
