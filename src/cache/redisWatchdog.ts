/** What the watchdog needs of a node-redis client. */
export interface PingableClient {
  readonly isReady: boolean;
  ping(): Promise<unknown>;
  destroy(): void;
}

/**
 * Pings a Redis connection every `intervalMs`; one that does not answer within `timeoutMs` is
 * dropped, and the next command connects again. node-redis alone would wait for the kernel to
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
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  /** `onSilent` is told before a silent connection is dropped (for a log line). */
  constructor(client: PingableClient, intervalMs: number, timeoutMs: number, onSilent: () => void) {
    this.#client = client;
    this.#intervalMs = intervalMs;
    this.#timeoutMs = timeoutMs;
    this.#onSilent = onSilent;
  }

  /** Starts the checks (none when the interval is 0). */
  start(): void {
    if (this.#intervalMs <= 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.#check(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the checks for good (the cache is being closed). */
  stop(): void {
    clearInterval(this.#timer);
  }

  async #check(): Promise<void> {
    const client = this.#client;
    // A connection being made or remade is node-redis' business; one check at a time.
    if (this.#checking || !client.isReady) return;
    this.#checking = true;
    let answered = false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const ping = client.ping().then(
        () => {
          answered = true;
        },
        () => {
          answered = true;
        },
      );
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#timeoutMs);
      });
      await Promise.race([ping, late]);
      // After a stall of our own event loop, the answer may be waiting in the socket behind the
      // timer: let I/O run once before calling the connection silent.
      if (!answered) await new Promise((resolve) => setImmediate(resolve));
      if (!answered && client.isReady) {
        this.#onSilent();
        client.destroy();
      }
    } finally {
      clearTimeout(timer);
      this.#checking = false;
    }
  }
}
