import { AbortError } from "../errors/AbortError.ts";
import { BadQueryError } from "../errors/BadQueryError.ts";
import type { Events } from "../observe/events.ts";
import type { Logger } from "../observe/logger.ts";

/** Settings of the per-cluster circuit breaker. */
export interface BreakerOptions {
  /** Consecutive failures after which a cluster is skipped (default 5). */
  failures?: number;
  /** How long it is skipped before one probe is let through, in ms (default 30,000). */
  coolDownMs?: number;
}

/** Whether a call may go to a cluster; `probe` marks the one half-open call after a cool-down. */
export type Admission = { admitted: true; probe: boolean } | { admitted: false; reason: string };

/** How a call ended, as far as the breaker cares. */
export type Outcome = "success" | "failure" | "neutral";

interface State {
  failures: number;
  /** performance.now() when the circuit opened; undefined while closed. */
  openedAt: number | undefined;
  probing: boolean;
  lastError: string;
}

/**
 * Whether a failure says something about the cluster. A query the server refused (400/422) or a
 * caller's abort does not: the next query may well succeed.
 */
export function outcomeOf(error: unknown): Outcome {
  if (error instanceof BadQueryError || error instanceof AbortError) return "neutral";
  return "failure";
}

/**
 * One circuit breaker per cluster: after `failures` consecutive failures the cluster is skipped
 * for `coolDownMs`, then one call goes through as a probe (half-open). The probe's success
 * closes the circuit; its failure opens it for another cool-down. Time is read from the clock
 * on each call: no timer runs, so nothing keeps a process alive.
 */
export class CircuitBreakers {
  readonly #failures: number;
  readonly #coolDownMs: number;
  readonly #states = new Map<string, State>();
  readonly #events: Events;
  readonly #logger: Logger;

  /** Builds the breakers with checked settings. */
  constructor(options: Required<BreakerOptions>, events: Events, logger: Logger) {
    this.#failures = options.failures;
    this.#coolDownMs = options.coolDownMs;
    this.#events = events;
    this.#logger = logger;
  }

  /** Forgets the state of clusters no longer in the registry (`ids` is all it has now). */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#states.keys()) if (!ids.has(id)) this.#states.delete(id);
  }

  /** Decides whether a call may go to `cluster` now. An admitted probe must be settled. */
  admit(cluster: string): Admission {
    const state = this.#states.get(cluster);
    if (state?.openedAt === undefined) return { admitted: true, probe: false };
    const waitMs = state.openedAt + this.#coolDownMs - performance.now();
    if (waitMs > 0) {
      return {
        admitted: false,
        reason:
          `circuit open after ${state.failures} consecutive failures (last: ${state.lastError}); ` +
          `next probe in ${Math.ceil(waitMs / 1000)} s`,
      };
    }
    if (state.probing) {
      return { admitted: false, reason: "circuit half-open: a probe of this cluster is in flight" };
    }
    state.probing = true;
    this.#emit(cluster, "half-open", state);
    return { admitted: true, probe: true };
  }

  /**
   * Records how a call to `cluster` ended; `probe` says whether it was the half-open probe
   * {@link CircuitBreakers.admit} let through. A call admitted before the circuit opened may end
   * while the probe runs: its failure counts, but does not stand for the probe's.
   */
  settle(cluster: string, outcome: Outcome, error?: Error, probe = false): void {
    const state = this.#states.get(cluster);
    if (outcome === "success") {
      if (!state) return;
      this.#states.delete(cluster);
      if (state.openedAt !== undefined) this.#emit(cluster, "closed", { ...state, failures: 0 });
      return;
    }
    if (outcome === "neutral") {
      // A probe that proved nothing frees the slot: the next call probes again.
      if (state && probe) state.probing = false;
      return;
    }
    const next = state ?? { failures: 0, openedAt: undefined, probing: false, lastError: "" };
    this.#states.set(cluster, next);
    next.failures++;
    next.lastError = error?.message ?? "failure";
    const wasProbe = probe && next.probing;
    if (wasProbe) next.probing = false;
    if (wasProbe || (next.openedAt === undefined && next.failures >= this.#failures)) {
      next.openedAt = performance.now();
      this.#emit(cluster, "open", next);
    }
  }

  /** The state of `cluster`'s circuit. */
  state(cluster: string): "closed" | "open" | "half-open" {
    const state = this.#states.get(cluster);
    if (state?.openedAt === undefined) return "closed";
    return state.probing || state.openedAt + this.#coolDownMs <= performance.now() ? "half-open" : "open";
  }

  /** Clusters whose circuit is not closed, for descriptions. */
  openCircuits(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const cluster of this.#states.keys()) {
      const state = this.state(cluster);
      if (state !== "closed") out[cluster] = state;
    }
    return out;
  }

  #emit(cluster: string, state: "open" | "half-open" | "closed", s: State): void {
    const event =
      state === "open"
        ? { cluster, state, failures: s.failures, reason: s.lastError, retryInMs: this.#coolDownMs }
        : { cluster, state, failures: s.failures };
    this.#events.emit("circuit", event);
    const log = state === "open" ? this.#logger.warn : this.#logger.info;
    log(event, `circuit ${state} for cluster ${cluster}`);
  }
}
