import { AbortError } from "../errors/AbortError.ts";
import { TimeoutError } from "../errors/TimeoutError.ts";

/**
 * Waits for `promise` at most `ms`, and no longer than `signal` allows: on time it rejects with a
 * TimeoutError saying `what` did not finish, on abort with an AbortError whose cause is the
 * signal's reason. The work itself is not cancelled (a registry lookup cannot be); a late value
 * goes to `onLate` (when given), a late rejection is caught. The timer is unref'd and always
 * cleared.
 */
export function bounded<T>(
  promise: Promise<T>,
  ms: number,
  signal: AbortSignal | undefined,
  what: string,
  cluster?: string,
  onLate?: (value: T) => void,
): Promise<T> {
  let settled = false;
  if (signal?.aborted) {
    promise.then(onLate, () => {});
    return Promise.reject(abortError(signal, what, cluster));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      done();
      reject(abortError(signal!, what, cluster));
    };
    const timer = setTimeout(
      () => {
        done();
        reject(
          new TimeoutError(`${what} did not finish within ${Math.round(ms)} ms`, { cluster, timeoutMs: ms }),
        );
      },
      Math.max(0, ms),
    );
    timer.unref();
    const done = (): void => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        // Given up on already: whoever made the work may need to undo it (a lease to release).
        if (settled) onLate?.(value);
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}

/** The AbortError of a fan-out or of one cluster's part of it. */
export function abortError(signal: AbortSignal, what: string, cluster?: string): AbortError {
  return new AbortError(`${what} was aborted`, { cluster, cause: signal.reason });
}
