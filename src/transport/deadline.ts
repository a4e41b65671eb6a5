import { AbortError } from "../errors/AbortError.ts";
import { PrometheusError } from "../errors/PrometheusError.ts";
import { TimeoutError } from "../errors/TimeoutError.ts";
import { UnavailableError } from "../errors/UnavailableError.ts";

/** Errors a shared request was stopped with on purpose (see {@link asStopReason}). */
const stopReasons = new WeakSet<object>();

/**
 * Marks `error` as the reason a shared request (a cache single flight every caller left) is
 * aborted with: that request then ends with this very error — a copy of what its last caller
 * got — instead of a bare "aborted". Any other abort reason, a caller's own included, is wrapped
 * in an AbortError as usual.
 */
export function asStopReason<T>(error: T): T {
  if (typeof error === "object" && error !== null) stopReasons.add(error);
  return error;
}

/**
 * One deadline for a whole call — connect, retries, waits and body read — joined with the
 * caller's AbortSignal. Its `signal` is what every fetch and sleep of the call listens to.
 */
export class Deadline {
  readonly timeoutMs: number;
  readonly #controller = new AbortController();
  readonly #endsAt: number;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #closeSignal: AbortSignal | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onCallerAbort: (() => void) | undefined;
  #onClose: (() => void) | undefined;
  /** What ended the call first, once something did. */
  #endedBy: "timeout" | "caller" | "close" | undefined;

  /**
   * Starts the clock now. `closeSignal` aborts when the client is closed and its grace is over:
   * the call then ends at once (even in a wait before a retry) with an UnavailableError.
   */
  constructor(timeoutMs: number, callerSignal?: AbortSignal, closeSignal?: AbortSignal) {
    this.timeoutMs = timeoutMs;
    this.#endsAt = performance.now() + timeoutMs;
    this.#callerSignal = callerSignal;
    this.#closeSignal = closeSignal;
    if (callerSignal?.aborted) {
      this.#end("caller", callerSignal.reason);
      return;
    }
    this.#timer = setTimeout(() => {
      this.#end(
        "timeout",
        new TimeoutError(`deadline of ${Math.round(timeoutMs)} ms exceeded`, { timeoutMs }),
      );
    }, timeoutMs);
    if (callerSignal) {
      this.#onCallerAbort = () => this.#end("caller", callerSignal.reason);
      callerSignal.addEventListener("abort", this.#onCallerAbort, { once: true });
    }
    if (closeSignal) {
      this.#onClose = () => this.#end("close", closeSignal.reason);
      if (closeSignal.aborted) this.#onClose();
      else closeSignal.addEventListener("abort", this.#onClose, { once: true });
    }
  }

  #end(by: "timeout" | "caller" | "close", reason: unknown): void {
    if (this.#endedBy !== undefined) return;
    this.#endedBy = by;
    this.#controller.abort(reason);
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

  /** The error that ends the call now that the signal fired: a TimeoutError, an AbortError or an UnavailableError (closed). */
  error(endpoint: string, cluster?: string): PrometheusError {
    if (this.#endedBy === "close") {
      return new UnavailableError(`${endpoint}: the client was closed during the call`, {
        endpoint,
        cluster,
      });
    }
    if (this.#endedBy === "timeout" || !this.#callerSignal?.aborted) {
      return new TimeoutError(
        `${endpoint} did not complete within the deadline of ${Math.round(this.timeoutMs)} ms`,
        {
          endpoint,
          cluster,
          timeoutMs: this.timeoutMs,
        },
      );
    }
    const reason: unknown = this.#callerSignal.reason;
    if (reason instanceof PrometheusError && stopReasons.has(reason)) return reason;
    return abortedCall(endpoint, cluster, reason);
  }

  /** Clears the timer and the caller listener; call when the call ends. */
  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#onCallerAbort) this.#callerSignal?.removeEventListener("abort", this.#onCallerAbort);
    if (this.#onClose) this.#closeSignal?.removeEventListener("abort", this.#onClose);
  }
}

/** The AbortError of a call to `endpoint` its caller aborted, with the signal's reason as cause. */
export function abortedCall(endpoint: string, cluster: string | undefined, reason: unknown): AbortError {
  return new AbortError(`the call to ${endpoint} was aborted`, { endpoint, cluster, cause: reason });
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
