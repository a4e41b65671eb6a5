import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { type DurationInput, formatDuration, toSeconds } from "./params.ts";

/** Options every call takes. */
export interface CallOptions {
  /** Aborts the call; it then fails with an AbortError whose cause is the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Deadline of this call in ms (connect, retries, body read), instead of the client's. */
  timeout?: number | undefined;
  /**
   * With a client `cache`: `false` bypasses it for this call (no read, no write, no sharing with
   * concurrent identical calls); a number is this call's TTL in ms. Ignored by endpoints that are
   * never cached.
   */
  cache?: boolean | number | undefined;
}

/** Extra parameters passed through as they are, for servers with their own (e.g. VictoriaMetrics' `nocache`). */
export type ExtraParams = Record<string, string | number | boolean | ReadonlyArray<string> | undefined>;

/** Options shared by the query endpoints: Prometheus', Thanos' and OpenShift's parameters. */
export interface QueryParamOptions extends CallOptions {
  /** OpenShift tenancy (port 9092): sent in the URL query, and the call uses GET (the port denies POST). */
  namespace?: string | undefined;
  /** Prometheus' `lookback_delta` (2.43+). */
  lookbackDelta?: DurationInput | undefined;
  /** Ask for query statistics (`stats=all`). */
  stats?: boolean | "all" | undefined;
  /** Most series returned (Prometheus 3.2+). */
  limit?: number | undefined;
  /** Thanos: deduplicate replicas. */
  dedup?: boolean | undefined;
  /** Thanos: allow a partial response (its warnings are kept; such results are not cached). */
  partialResponse?: boolean | undefined;
  /** Thanos: `max_source_resolution`, e.g. "5m", "1h" or "auto". */
  maxSourceResolution?: string | undefined;
  /** Extra parameters, sent as given. */
  params?: ExtraParams | undefined;
}

/**
 * The longest deadline, in ms (about 24.8 days): what a Node timer can hold. A longer one would
 * overflow setTimeout, which then fires after 1 ms: the call would time out at once.
 */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** Checks a per-call timeout; returns the deadline in ms. */
export function callTimeout(options: CallOptions | undefined, fallbackMs: number): number {
  const timeout = options?.timeout;
  if (timeout === undefined) return fallbackMs;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0) {
    throw new InvalidArgumentError("timeout", "timeout must be a positive number of milliseconds");
  }
  if (timeout > MAX_TIMEOUT_MS) {
    throw new InvalidArgumentError("timeout", `timeout must be at most ${MAX_TIMEOUT_MS} ms`);
  }
  return timeout;
}

/** Checks a per-call `cache` option: true (the default), false, or a TTL in ms (at most 7 days). */
export function callCache(options: CallOptions | undefined): boolean | number {
  const cache = options?.cache;
  if (cache === undefined || cache === true || cache === false) return cache ?? true;
  if (typeof cache !== "number" || !Number.isFinite(cache) || cache <= 0 || cache > 7 * 24 * 3600_000) {
    throw new InvalidArgumentError("cache", "cache must be true, false, or a TTL in ms (at most 7 days)");
  }
  return cache;
}

/** Checks a per-call signal. */
export function callSignal(options: CallOptions | undefined): AbortSignal | undefined {
  const signal = options?.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError("signal", "signal must be an AbortSignal");
  }
  return signal;
}

/** Appends extra parameters in a stable (sorted) order, so equal calls give equal cache keys. */
export function appendExtraParams(params: Array<[string, string]>, extra: ExtraParams | undefined): void {
  if (extra === undefined) return;
  if (typeof extra !== "object" || extra === null)
    throw new InvalidArgumentError("params", "params must be an object");
  for (const name of Object.keys(extra).sort()) {
    const value = extra[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.push([name, String(item)]);
    else params.push([name, String(value)]);
  }
}

/** The parameters every query endpoint shares, in a fixed order. */
export function queryParams(options: QueryParamOptions | undefined): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  if (!options) return params;
  if (options.lookbackDelta !== undefined) {
    params.push(["lookback_delta", formatDuration(toSeconds(options.lookbackDelta, "lookbackDelta"))]);
  }
  if (options.stats) params.push(["stats", "all"]);
  if (options.limit !== undefined) params.push(["limit", String(checkLimit(options.limit))]);
  if (options.dedup !== undefined) params.push(["dedup", String(options.dedup)]);
  if (options.partialResponse !== undefined)
    params.push(["partial_response", String(options.partialResponse)]);
  if (options.maxSourceResolution !== undefined)
    params.push(["max_source_resolution", options.maxSourceResolution]);
  appendExtraParams(params, options.params);
  return params;
}

/** Checks a `limit` argument: a non-negative integer (0 means no limit, as in Prometheus). */
export function checkLimit(limit: unknown): number {
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 0) {
    throw new InvalidArgumentError("limit", "limit must be a non-negative integer");
  }
  return limit;
}

/** Checks a namespace option (a Kubernetes namespace name). */
export function checkNamespace(namespace: unknown): string | undefined {
  if (namespace === undefined) return undefined;
  if (typeof namespace !== "string" || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) {
    throw new InvalidArgumentError("namespace", "namespace must be a Kubernetes namespace name");
  }
  return namespace;
}
