import { AsyncLocalStorage } from "node:async_hooks";

/** Gives a slot back; calling it twice gives it back once. */
export type Release = () => void;

/**
 * A slot held by work that runs the caller's code (an each() function). While it is active,
 * what that code asks for — a fan-out of its own — takes a free slot if there is one, else
 * shares this one, one call at a time; so it never waits for the slot its own caller holds, and
 * the cap still holds. Inactive once the slot is given back: work the code left behind (a
 * timer, a listener) then queues like anyone else.
 */
export interface SlotHold {
  active: boolean;
  /** The held slot, lent to what the code asks for, one at a time. */
  readonly lent: CallLimit;
}

interface Waiter {
  /** Hands the waiter a slot (a release) or, when it gave up or the limit closed, nothing. */
  settle(release: Release | undefined): void;
}

/**
 * The collector-wide cap on cluster calls in flight (`maxInFlight`), shared by every fan-out of
 * one collector. A fan-out's `concurrency` bounds that fan-out alone, so ten dashboards asking
 * forty clusters at once would otherwise send 160 requests (10 × 16); with this cap they queue,
 * first come first served, and each waits only as long as its fan-out's overall deadline or its
 * caller's signal allows. A cluster's own timeout starts once it has a slot, not while it waits.
 */
export class CallLimit {
  readonly #max: number;
  #inFlight = 0;
  readonly #queue: Waiter[] = [];
  /** Set inside code holding a slot (see {@link CallLimit.within}). */
  readonly #holder = new AsyncLocalStorage<SlotHold>();
  #closed = false;

  /** A limit of `max` calls at once (an integer ≥ 1, checked by the collector's options). */
  constructor(max: number) {
    this.#max = max;
  }

  /** Calls holding a slot now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Calls waiting for a slot now. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Resolves to a {@link Release} once a slot is free, or to `undefined` when the deadline
   * (a `performance.now()` time) passes, `signal` aborts, or the limit is closed first. Never
   * rejects. A waiter that gives up leaves the queue at once: nothing is held for it.
   */
  acquire(deadlineAt: number, signal?: AbortSignal): Promise<Release | undefined> {
    if (this.#closed || signal?.aborted || performance.now() >= deadlineAt) return Promise.resolve(undefined);
    // A fan-out made by code that holds a slot (an each() function) would wait for that very
    // slot: with maxInFlight slots so held, every such call would hang until its deadline.
    const hold = this.#holder.getStore();
    if (hold?.active && (this.#inFlight >= this.#max || this.#queue.length > 0)) {
      return hold.lent.acquire(deadlineAt, signal);
    }
    if (this.#inFlight < this.#max) {
      this.#inFlight++;
      return Promise.resolve(this.#release());
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const giveUp = (): void => {
        const at = this.#queue.indexOf(waiter);
        if (at >= 0) this.#queue.splice(at, 1);
        waiter.settle(undefined);
      };
      const waiter: Waiter = {
        settle: (release) => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", giveUp);
          resolve(release);
        },
      };
      if (Number.isFinite(deadlineAt)) {
        timer = setTimeout(giveUp, Math.max(0, deadlineAt - performance.now()));
        // Like every timer of the collector's: a waiting call alone does not keep a process alive.
        timer.unref();
      }
      signal?.addEventListener("abort", giveUp, { once: true });
      this.#queue.push(waiter);
    });
  }

  /** A hold for a slot just taken, active until {@link SlotHold.active} is set false at its release. */
  hold(): SlotHold {
    return { active: true, lent: new CallLimit(1) };
  }

  /** Runs `code` inside `hold`: the slots it asks for are lent from the held one when none is free. */
  within<T>(hold: SlotHold, code: () => T): T {
    return this.#holder.run(hold, code);
  }

  /** Wakes every waiter with `undefined` (the collector is closing); later acquires get nothing. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#queue.splice(0)) waiter.settle(undefined);
  }

  /** A one-shot release of the slot just taken: it passes straight to the next waiter, if any. */
  #release(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      // The slot changes hands without being counted free: a newcomer cannot jump the queue.
      if (next !== undefined) next.settle(this.#release());
      else this.#inFlight--;
    };
  }
}
