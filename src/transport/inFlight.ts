/**
 * Counts the calls a client has in flight, so that `close()` can let them finish for a short
 * grace and then cut them, rather than wait for each one's whole deadline.
 */
export class InFlight {
  #count = 0;
  readonly #idle = new Set<() => void>();
  readonly #cut = new AbortController();

  /** Aborts once {@link InFlight.cut} is called: every call's deadline listens to it. */
  get cutSignal(): AbortSignal {
    return this.#cut.signal;
  }

  /** Ends every call still in flight (their grace is over), wherever each is: a fetch, a body read, a wait. */
  cut(): void {
    this.#cut.abort();
  }

  /** Counts `promise` until it settles; returns it unchanged. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.#count++;
    const done = (): void => {
      if (--this.#count > 0) return;
      for (const wake of this.#idle) wake();
      this.#idle.clear();
    };
    promise.then(done, done);
    return promise;
  }

  /** Resolves true once nothing is in flight, or false when `timeoutMs` passed first. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#idle.delete(wake);
        resolve(false);
      }, timeoutMs);
      // The calls themselves keep the process alive while they run; this wait must not.
      timer.unref();
      this.#idle.add(wake);
    });
  }
}
