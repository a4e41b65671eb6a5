/** What the watchdog needs of a node-redis client. */
export interface PingableClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  ping(): Promise<unknown>;
  destroy(): void;
}

/** Lateness of a timer beyond which our own event loop was blocked, not Redis slow, in ms. */
const LOOP_LAG_MS = 50;

/**
 * Pings a Redis connection every `intervalMs`; one that does not answer within `timeoutMs` is
 * dropped and a new one is made at once. node-redis alone would wait for the kernel to
 * give up on the socket — about fifteen minutes of TCP retransmissions — when a NAT, a load
 * balancer or a cloud Redis' fail-over drops a connection without closing it: every cache call
 * of that time would end at its cache deadline and the cache would be off. A PING that fails
 * (a reset, an error reply) is node-redis' own to handle. The timer is unref'd.
 */
export class RedisWatchdog {
  readonly #client: PingableClient;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #onSilent: () => void;
  readonly #reconnect: () => void;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  #stopped = false;

  /**
   * `onSilent` is told before a silent connection is dropped (for a log line); `reconnect` is
   * called right after, so the next cache call finds a connection instead of paying for one.
   */
  constructor(
    client: PingableClient,
    intervalMs: number,
    timeoutMs: number,
    onSilent: () => void,
    reconnect: () => void = () => {},
  ) {
    this.#client = client;
    this.#intervalMs = intervalMs;
    this.#timeoutMs = timeoutMs;
    this.#onSilent = onSilent;
    this.#reconnect = reconnect;
  }

  /** Starts the checks (none when the interval is 0). */
  start(): void {
    if (this.#intervalMs <= 0 || this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => {
      // A check never throws, but a rejection here would be unhandled: make sure of it.
      this.#check().catch(() => {});
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the checks for good (the cache is being closed); a check under way drops nothing. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  /** Drops the connection now, whatever its state (closing a cache whose Redis went silent). */
  drop(): void {
    try {
      this.#client.destroy();
    } catch {
      // Already closed: nothing to drop.
    }
  }

  async #check(): Promise<void> {
    const client = this.#client;
    // A connection being made, remade or closed is node-redis' business; one check at a time.
    if (this.#checking || this.#stopped || !client.isOpen || !client.isReady) return;
    this.#checking = true;
    let answered = false;
    try {
      const ping = client.ping().then(
        () => {
          answered = true;
        },
        () => {
          answered = true;
        },
      );
      // A timer that fired late says our event loop was blocked (a big synchronous parse), maybe
      // before the PING was even written: the answer gets a full timeout from then, once more.
      for (let wait = 0; wait < 2 && !answered; wait++) {
        const late = await waitFor(ping, this.#timeoutMs);
        if (answered || late <= LOOP_LAG_MS) break;
      }
      // The answer may be waiting in the socket behind the timer: let I/O run once more.
      if (!answered) await new Promise((resolve) => setImmediate(resolve));
      if (!answered && !this.#stopped && client.isOpen && client.isReady) {
        this.#onSilent();
        this.drop();
        this.#reconnect();
      }
    } finally {
      this.#checking = false;
    }
  }
}

/** Waits for `promise` or `ms`, whichever first; resolves to how late the timer fired (0 when the promise won). */
async function waitFor(promise: Promise<void>, ms: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const due = performance.now() + ms;
  const timeout = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(Math.max(0, performance.now() - due)), ms);
  });
  try {
    return await Promise.race([promise.then(() => 0), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
