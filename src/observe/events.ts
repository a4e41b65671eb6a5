import { swallowRejection } from "./logger.ts";

/** Emitted when an HTTP attempt starts. */
export interface RequestEvent {
  /** The endpoint's URL, without credentials or query string. */
  endpoint: string;
  /** The HTTP method of this attempt (POST, or GET for GET-only endpoints and after a fallback). */
  method: "GET" | "POST";
  /**
   * 1 for the first attempt, 2 for the first retry, ...; a GET fallback or a replay after a 401
   * keeps the number (`replay` says which).
   */
  attempt: number;
  /**
   * Set when this request repeats the previous one without being a retry: `get-fallback` (a
   * proxy refused the POST), `after-401` (the credentials were refreshed after a 401).
   */
  replay?: "get-fallback" | "after-401";
  /** The client's `cluster`, when it has one. */
  cluster: string | undefined;
}

/** Emitted when an HTTP attempt got an answer (any status). */
export interface ResponseEvent {
  /** The endpoint's URL, without credentials or query string. */
  endpoint: string;
  /** The HTTP method of this attempt. */
  method: "GET" | "POST";
  /** The attempt's number, as in its {@link RequestEvent}. */
  attempt: number;
  /** As in its {@link RequestEvent}: set when the request was a GET fallback or a replay after a 401. */
  replay?: "get-fallback" | "after-401";
  /** The HTTP status of the answer. */
  status: number;
  /** Time from the attempt's start until its response headers arrived, in ms. */
  durationMs: number;
  /** The client's `cluster`, when it has one. */
  cluster: string | undefined;
}

/** Emitted before a retry wait. */
export interface RetryEvent {
  /** The endpoint's URL, without credentials or query string. */
  endpoint: string;
  /** The attempt that failed (the next one is `attempt + 1`). */
  attempt: number;
  /** The wait before the next attempt, in ms: `Retry-After` (capped) or backoff with jitter. */
  delayMs: number;
  /** Why: the failed attempt's error message (secret-free). */
  reason: string;
  /** The client's `cluster`, when it has one. */
  cluster: string | undefined;
}

/** Emitted when a call fails, after retries. */
export interface ErrorEvent {
  /** The endpoint's URL, without credentials or query string. */
  endpoint: string;
  /** The error the call rejects with: a PrometheusError subclass. */
  error: Error;
  /** The client's `cluster`, when it has one. */
  cluster: string | undefined;
}

/** Emitted by the cache layer: hit, miss, store, or a cache error (which never fails a query). */
export interface CacheEvent {
  /**
   * What happened: `hit` (answered from the cache), `miss`, `store` (an entry was written),
   * `error` (a cache call failed or timed out: a miss for the query), `coalesced` (the call joined
   * an identical one in flight), `circuit-open` / `circuit-closed` (the cache is skipped for a
   * while after repeated failures / used again).
   */
  type: "hit" | "miss" | "store" | "error" | "coalesced" | "circuit-open" | "circuit-closed";
  /** The endpoint's URL, without credentials or query string. */
  endpoint: string;
  /** The client's `cluster`, when it has one. */
  cluster: string | undefined;
  /** On a `hit`: the entry's age in ms. */
  ageMs?: number;
  /** On an `error`: what failed (secret-free). */
  error?: Error;
  /**
   * On `circuit-open` / `circuit-closed`: whose breaker it is. Reads and writes have one each, so
   * a full Redis (`noeviction`) that refuses writes still serves hits.
   */
  operation?: "read" | "write";
}

/** Emitted by a fleet fan-out each time one cluster finishes. */
export interface ClusterEvent {
  /** The cluster id. */
  cluster: string;
  /** How its part ended: `ok`, `error`, `timeout` or `skipped`. */
  status: string;
  /** Time from its start to its end, in ms (0 when skipped). */
  latencyMs: number;
  /** Clusters finished so far in this fan-out, this one included. */
  done: number;
  /** Clusters in this fan-out. */
  total: number;
}

/**
 * Emitted by a fleet's per-cluster circuit breaker when it changes state: `open` (the cluster is
 * skipped for a cool-down after `failures` consecutive failures), `half-open` (one probe goes
 * through), `closed` (a call succeeded again).
 */
export interface CircuitEvent {
  /** The cluster id. */
  cluster: string;
  /** The state the circuit entered. */
  state: "open" | "half-open" | "closed";
  /** Consecutive failures counted so far. */
  failures: number;
  /** Why it opened: the last failure's message (secret-free, as every promfleet error). */
  reason?: string;
  /** When `open`: milliseconds until the next probe. */
  retryInMs?: number;
}

/** Every typed event of promfleet, by name. */
export interface PromfleetEvents {
  /** An HTTP attempt starts. */
  request: RequestEvent;
  /** An HTTP attempt got an answer (any status). */
  response: ResponseEvent;
  /** A retry is about to wait. */
  retry: RetryEvent;
  /** A call failed, after its retries. */
  error: ErrorEvent;
  /** The result cache did something: hit, miss, store, error, ... */
  cache: CacheEvent;
  /** A fleet fan-out finished one cluster (collector only). */
  cluster: ClusterEvent;
  /** A fleet's per-cluster circuit breaker changed state (collector only). */
  circuit: CircuitEvent;
}

/** A listener for event `K`. */
export type Listener<K extends keyof PromfleetEvents> = (event: PromfleetEvents[K]) => void;

/**
 * A small typed event emitter. Unlike Node's EventEmitter, an `error` event without a listener
 * does not throw, and a throwing listener never breaks the call that emitted.
 */
export class Events {
  #listeners = new Map<keyof PromfleetEvents, Set<(event: never) => void>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof PromfleetEvents>(name: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as (event: never) => void);
    return () => this.off(name, listener);
  }

  /** Removes a listener added with {@link Events.on}. */
  off<K extends keyof PromfleetEvents>(name: K, listener: Listener<K>): void {
    this.#listeners.get(name)?.delete(listener as (event: never) => void);
  }

  /** Whether anyone listens to `name` (lets callers skip building payloads). */
  has(name: keyof PromfleetEvents): boolean {
    return (this.#listeners.get(name)?.size ?? 0) > 0;
  }

  /**
   * Calls the listeners of `name` as they were when the event was emitted (as Node's
   * EventEmitter does: one added meanwhile hears the next event, not this one); listener errors,
   * thrown or as a rejected promise, are swallowed.
   */
  emit<K extends keyof PromfleetEvents>(name: K, event: PromfleetEvents[K]): void {
    const set = this.#listeners.get(name);
    if (!set || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        swallowRejection((listener as Listener<K>)(event));
      } catch {
        // Observability must never change the outcome of a query.
      }
    }
  }
}
