import { AbortError } from "../errors/AbortError.ts";
import type { PrometheusError } from "../errors/PrometheusError.ts";
import { TimeoutError } from "../errors/TimeoutError.ts";

/**
 * One deadline for a whole call — connect, retries, waits and body read — joined with the
 * caller's AbortSignal. Its `signal` is what every fetch and sleep of the call listens to.
 */
export class Deadline {
  readonly timeoutMs: number;
  readonly #controller = new AbortController();
  readonly #endsAt: number;
  readonly #callerSignal: AbortSignal | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onCallerAbort: (() => void) | undefined;
  #timedOut = false;

  /** Starts the clock now. */
  constructor(timeoutMs: number, callerSignal?: AbortSignal) {
    this.timeoutMs = timeoutMs;
    this.#endsAt = performance.now() + timeoutMs;
    this.#callerSignal = callerSignal;
    if (callerSignal?.aborted) {
      this.#controller.abort(callerSignal.reason);
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(
        new TimeoutError(`deadline of ${Math.round(timeoutMs)} ms exceeded`, { timeoutMs }),
      );
    }, timeoutMs);
    if (callerSignal) {
      this.#onCallerAbort = () => this.#controller.abort(callerSignal.reason);
      callerSignal.addEventListener("abort", this.#onCallerAbort, { once: true });
    }
  }

  /** Aborts when the deadline passes or the caller aborts. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Milliseconds left, never below zero. */
  remaining(): number {
    return Math.max(0, this.#endsAt - performance.now());
  }

  /** Whether the call must stop now. */
  get done(): boolean {
    return this.#controller.signal.aborted;
  }

  /** The error that ends the call now that the signal fired: a TimeoutError or an AbortError. */
  error(endpoint: string, cluster?: string): PrometheusError {
    if (this.#timedOut || !this.#callerSignal?.aborted) {
      return new TimeoutError(
        `${endpoint} did not complete within the deadline of ${Math.round(this.timeoutMs)} ms`,
        {
          endpoint,
          cluster,
          timeoutMs: this.timeoutMs,
        },
      );
    }
    return new AbortError(`the call to ${endpoint} was aborted`, {
      endpoint,
      cluster,
      cause: this.#callerSignal.reason,
    });
  }

  /** Clears the timer and the caller listener; call when the call ends. */
  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#onCallerAbort) this.#callerSignal?.removeEventListener("abort", this.#onCallerAbort);
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Settles like `promise`, or rejects with the signal's reason as soon as it aborts — even when
 * `promise` never settles. undici does not always settle an aborted fetch: a request still queued
 * for a connection waits for the connector first (nodejs/undici#386), which let a call run far
 * past its deadline. A late rejection of `promise` is caught here.
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
