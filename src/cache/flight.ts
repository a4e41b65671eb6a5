import { asStopReason } from "../transport/deadline.ts";

/**
 * Single flight: concurrent identical calls share one piece of work (a cache lookup and, on a
 * miss, one upstream request). Each caller waits with its own deadline and signal; one giving up
 * does not cancel the work for the others, but the work is aborted when the last one leaves
 * (nobody would read its result). An error goes to the callers that waited for it, each its
 * own copy; the flight is forgotten as soon as it settles, so the next call tries again.
 */

/** What a caller brings: the signal that ends its wait, and the error it then gets. */
export interface FlightWaiter {
  signal: AbortSignal;
  error: () => unknown;
  /** The caller reports a failure itself (a split range's piece): it does not need the work to. */
  quiet?: boolean | undefined;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

class Flight<T> {
  readonly controller = new AbortController();
  readonly waiters = new Set<Waiter<T>>();
  settled = false;
  /** Callers that joined wanting the work to report its failure (every one not `quiet`). */
  loud = 0;
  /** The time the flight's own work was given, in ms. */
  readonly budgetMs: number;

  constructor(budgetMs: number) {
    this.budgetMs = budgetMs;
  }
}

/** A set of flights keyed by request identity. */
export class FlightGroup {
  readonly #flights = new Map<string, Flight<unknown>>();
  readonly #copy: <T>(value: T) => T;

  /** `copy` makes each additional caller's private copy of a shared result. */
  constructor(copy: <T>(value: T) => T) {
    this.#copy = copy;
  }

  /** Flights in progress (for tests and diagnostics). */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * Waits for the flight of `key`, starting it with `start` when none runs. `start` gets a signal
   * that aborts when every waiter has left, and `quiet()`: whether no caller that joined wants
   * the work to report its failure (asked when it fails; callers may join until then).
   * `budgetMs` is the time that work gets: a running flight given less is not joined (a caller
   * allowing more would fail by another caller's deadline), and a new flight takes its place for
   * later callers. `coalesced` says whether the caller joined a running flight.
   */
  join<T>(
    key: string,
    start: (signal: AbortSignal, quiet: () => boolean) => Promise<T>,
    waiter: FlightWaiter,
    budgetMs = Number.POSITIVE_INFINITY,
  ): { promise: Promise<T>; coalesced: boolean } {
    const current = this.#flights.get(key) as Flight<T> | undefined;
    const running = current !== undefined && current.budgetMs >= budgetMs ? current : undefined;
    const flight = running ?? new Flight<T>(budgetMs);
    const promise = new Promise<T>((resolve, reject) => {
      const { signal } = waiter;
      if (signal.aborted) {
        reject(waiter.error());
        return;
      }
      const onAbort = () => {
        flight.waiters.delete(entry);
        const error = waiter.error();
        reject(error);
        // The work ends for the reason the last caller left (its deadline, its abort), so what
        // the request reports — its `error` event — says the same, not a bare "aborted".
        if (flight.waiters.size === 0 && !flight.settled)
          this.#abandon(key, flight, asStopReason(copyError(error)));
      };
      const entry: Waiter<T> = {
        resolve: (value) => {
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        reject: (error) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      flight.waiters.add(entry);
      if (!waiter.quiet) flight.loud++;
      signal.addEventListener("abort", onAbort, { once: true });
    });
    if (!running && flight.waiters.size > 0) {
      this.#flights.set(key, flight as Flight<unknown>);
      this.#start(key, flight, start);
    }
    return { promise, coalesced: running !== undefined };
  }

  #start<T>(
    key: string,
    flight: Flight<T>,
    start: (signal: AbortSignal, quiet: () => boolean) => Promise<T>,
  ): void {
    const forget = () => {
      flight.settled = true;
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    };
    Promise.resolve()
      .then(() => start(flight.controller.signal, () => flight.loud === 0))
      .then(
        (value) => {
          forget();
          const waiters = [...flight.waiters];
          flight.waiters.clear();
          // Copies are made before anyone gets a result: the first caller could otherwise change
          // the original before the others' copies are taken.
          const values = waiters.map((_, i) => (i === 0 ? value : this.#copy(value)));
          waiters.forEach((w, i) => {
            w.resolve(values[i]!);
          });
        },
        (error: unknown) => {
          forget();
          const waiters = [...flight.waiters];
          flight.waiters.clear();
          // Each caller its own error, as its own result: one caller changing it (adding a
          // cluster, trimming warnings) must not change what another caller sees.
          waiters.forEach((w, i) => {
            w.reject(i === 0 ? error : copyError(error));
          });
        },
      );
  }

  /** Every waiter left: forget the flight (the next call starts afresh) and stop its work with `reason`. */
  #abandon(key: string, flight: Flight<unknown>, reason: unknown): void {
    if (this.#flights.get(key) === flight) this.#flights.delete(key);
    flight.controller.abort(reason);
  }
}

/** A copy of an error with the same class, message, stack and fields; its arrays copied too. */
function copyError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const copy = Object.create(Object.getPrototypeOf(error), Object.getOwnPropertyDescriptors(error)) as Error &
    Record<string, unknown>;
  for (const key of Object.keys(copy))
    if (Array.isArray(copy[key])) copy[key] = [...(copy[key] as unknown[])];
  return copy;
}
