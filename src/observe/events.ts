/** Emitted when an HTTP attempt starts. */
export interface RequestEvent {
  endpoint: string;
  method: "GET" | "POST";
  attempt: number;
  cluster: string | undefined;
}

/** Emitted when an HTTP attempt got an answer (any status). */
export interface ResponseEvent {
  endpoint: string;
  method: "GET" | "POST";
  attempt: number;
  status: number;
  durationMs: number;
  cluster: string | undefined;
}

/** Emitted before a retry wait. */
export interface RetryEvent {
  endpoint: string;
  attempt: number;
  delayMs: number;
  reason: string;
  cluster: string | undefined;
}

/** Emitted when a call fails, after retries. */
export interface ErrorEvent {
  endpoint: string;
  error: Error;
  cluster: string | undefined;
}

/** Emitted by the cache layer: hit, miss, store, or a cache error (which never fails a query). */
export interface CacheEvent {
  type: "hit" | "miss" | "store" | "error" | "coalesced" | "circuit-open" | "circuit-closed";
  endpoint: string;
  cluster: string | undefined;
  ageMs?: number;
  error?: Error;
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
  request: RequestEvent;
  response: ResponseEvent;
  retry: RetryEvent;
  error: ErrorEvent;
  cache: CacheEvent;
  cluster: ClusterEvent;
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

  /** Calls every listener of `name`; listener errors are swallowed. */
  emit<K extends keyof PromfleetEvents>(name: K, event: PromfleetEvents[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<K>)(event);
      } catch {
        // Observability must never change the outcome of a query.
      }
    }
  }
}
