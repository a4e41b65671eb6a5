/** Settings of a {@link CircuitBreaker}. */
export interface BreakerSettings {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** First pause before a probe, ms; doubled after each failed probe up to `maxCooldownMs`. */
  cooldownMs: number;
  /** Longest pause between probes, ms. */
  maxCooldownMs: number;
}

/** Default: open after 5 failures in a row, probe after 1 s, then 2, 4, 8 and at most every 10 s. */
export const DEFAULT_BREAKER: BreakerSettings = {
  failureThreshold: 5,
  cooldownMs: 1_000,
  maxCooldownMs: 10_000,
};

/** A change of state worth reporting. */
export type BreakerTransition = "opened" | "closed" | undefined;

/**
 * A circuit breaker for the cache's reads or for its writes (a guard has one of each): after
 * `failureThreshold` failed calls in a row they are not made at all (a read is a miss, a write is
 * skipped) until a cooldown has passed; then
 * one call is let through as a probe. Its success closes the circuit; its failure opens it again
 * for twice as long. A dead or hung cache thus costs at most a few short deadlines per cooldown.
 */
export class CircuitBreaker {
  readonly #settings: BreakerSettings;
  readonly #now: () => number;
  #failures = 0;
  #openUntil = 0;
  #open = false;
  #cooldownMs: number;
  #probing = false;

  /** Builds a closed breaker; `now` is injectable for tests. */
  constructor(settings: BreakerSettings = DEFAULT_BREAKER, now: () => number = Date.now) {
    this.#settings = settings;
    this.#cooldownMs = settings.cooldownMs;
    this.#now = now;
  }

  /** Whether the circuit is open (the cache is being skipped). */
  get isOpen(): boolean {
    return this.#open;
  }

  /**
   * Whether a cache call may be made now. While open, only one probe is let through once the
   * cooldown has passed; the caller must then report its outcome.
   */
  allow(): boolean {
    if (!this.#open) return true;
    if (this.#probing || this.#now() < this.#openUntil) return false;
    this.#probing = true;
    return true;
  }

  /** Records a successful call; returns "closed" when it closed the circuit. */
  success(): BreakerTransition {
    this.#failures = 0;
    this.#probing = false;
    if (!this.#open) return undefined;
    this.#open = false;
    this.#cooldownMs = this.#settings.cooldownMs;
    return "closed";
  }

  /** Records a failed call (error or timeout); returns "opened" when it opened the circuit. */
  failure(): BreakerTransition {
    if (this.#open) {
      // A failed probe (or a late failure of a call started before opening): wait longer.
      if (this.#probing) {
        this.#probing = false;
        this.#cooldownMs = Math.min(this.#cooldownMs * 2, this.#settings.maxCooldownMs);
        this.#openUntil = this.#now() + this.#cooldownMs;
      }
      return undefined;
    }
    this.#failures++;
    if (this.#failures < this.#settings.failureThreshold) return undefined;
    this.#open = true;
    this.#openUntil = this.#now() + this.#cooldownMs;
    return "opened";
  }

  /** Releases a probe slot whose call ended neither way (the caller gave up first). */
  release(): void {
    this.#probing = false;
  }
}
