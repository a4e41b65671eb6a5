import type { Keyv } from "keyv";
import { type BreakerTransition, CircuitBreaker } from "./breaker.ts";

/**
 * Wraps a user's Keyv so that it can never fail or stall a query. A stopped Redis makes
 * `keyv.get()` wait for ever with default options, a SIGSTOPped one with every option
 * (TOOLCHAIN.md): only our own timer bounds it. So every call here races a short deadline (a
 * timeout is a miss), an abandoned call's late rejection is caught, and circuit breakers skip
 * the cache while it keeps failing. One guard exists per Keyv instance, shared by every client
 * that uses it, so a fleet over one Redis learns of an outage once.
 *
 * Reads and writes have a breaker each. A Redis that is full (`maxmemory` with `noeviction`)
 * refuses every write and still answers reads, and a write of a few megabytes may be slower than
 * a read's deadline: neither is a reason to stop reading. A dead or hung Redis fails both, and
 * both breakers open.
 */

/** A cache failure as reported in events and logs: our message, no cause (store errors may hold options). */
export class CacheError extends Error {
  override name = "CacheError";
}

/** Where a guarded call reports what happened (the client that made it: its logger and events). */
export interface CacheReporter {
  /** A cache call failed or timed out; `first` is true for the first failure of an outage. */
  failed(error: CacheError, first: boolean): void;
  /** The breaker of reads or of writes opened or closed. */
  transition(state: Exclude<BreakerTransition, undefined>, operation: CacheOperation): void;
}

/** The slowest a write is expected to go, in bytes a millisecond: 10 MB/s (a busy Redis in another zone). */
const SLOWEST_WRITE_BYTES_PER_MS = 10_000;

/**
 * The deadline of a background write of an entry of `chars` characters: the cache's own timeout
 * plus 1 ms for each 10 kB, so an 8 MB entry (the default cap) gets about 0.9 s. No caller waits
 * on a write; with the reads' 75 ms, multi-megabyte writes to a sound Redis timed out and counted
 * as failures.
 */
export function writeTimeoutMs(cacheTimeoutMs: number, chars: number): number {
  return cacheTimeoutMs + Math.ceil(chars / SLOWEST_WRITE_BYTES_PER_MS);
}

/** The fewest writes between two sweeps of expired entries from a Map store. */
const SWEEP_EVERY_WRITES = 64;

/** Which breaker a cache call counts toward. */
export type CacheOperation = "read" | "write";

/** Per call: its deadline, the signal that makes it moot, and whom to tell. */
export interface GuardCall {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  reporter: CacheReporter;
}

/** What a guarded call gave: the value, or why there is none (every reason means "carry on without"). */
export type Outcome<R> = { ok: true; value: R } | { ok: false; reason: "skipped" | "failed" | "aborted" };

type Race<R> =
  | { kind: "value"; value: R }
  | { kind: "error"; error: unknown }
  | { kind: "timeout" }
  | { kind: "aborted" };

/** Settles with whichever comes first: the call, the timer, or the signal. Never rejects. */
function race<R>(promise: Promise<R>, timeoutMs: number, signal: AbortSignal | undefined): Promise<Race<R>> {
  return new Promise((resolve) => {
    const finish = (result: Race<R>) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const onAbort = () => finish({ kind: "aborted" });
    const timer = setTimeout(() => finish({ kind: "timeout" }), timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => finish({ kind: "value", value }),
      (error: unknown) => finish({ kind: "error", error }),
    );
  });
}

/** A store error's message with any `user:password@` of a URL masked. */
export function describeStoreError(error: unknown): string {
  const message =
    error instanceof Error ? error.message : typeof error === "string" ? error : "unknown error";
  return message.replace(/\/\/[^/\s@]*@/g, "//***@").slice(0, 300);
}

const guards = new WeakMap<Keyv, KeyvGuard>();

/** The guard of a Keyv instance, created on first use. */
export function guardFor(keyv: Keyv): KeyvGuard {
  let guard = guards.get(keyv);
  if (!guard) {
    guard = new KeyvGuard(keyv);
    guards.set(keyv, guard);
  }
  return guard;
}

/** Guarded access to one Keyv instance: deadlines, circuit breaker, error accounting. */
export class KeyvGuard {
  readonly #keyv: Keyv;
  /** The breakers of reads (`get`, `getMany`) and of writes (`set`). */
  readonly breakers: Readonly<Record<CacheOperation, CircuitBreaker>> = {
    read: new CircuitBreaker(),
    write: new CircuitBreaker(),
  };
  /** Errors the store emitted (Keyv without `throwOnErrors` swallows them and returns undefined). */
  #storeErrors = 0;
  #lastStoreError: unknown;
  /** With a Map store (Keyv's default): when each entry written expires (Date.now() ms). */
  readonly #expiries: Map<string, number> | undefined;
  /** Writes since the last sweep of the Map store. */
  #writesSinceSweep = 0;
  /** Writes started, and writes neither settled nor given up on: to tell a write's error from a read's. */
  #writesStarted = 0;
  #writesActive = 0;
  /** Per operation: whether it has failed since it last succeeded (only an outage's first failure warns). */
  readonly #inOutage: Record<CacheOperation, boolean> = { read: false, write: false };

  /** Wraps `keyv`; attaches an 'error' listener so a store error is counted, never thrown as an event. */
  constructor(keyv: Keyv) {
    this.#keyv = keyv;
    this.#expiries = keyv.store instanceof Map ? new Map() : undefined;
    keyv.on("error", (error: unknown) => {
      this.#storeErrors++;
      this.#lastStoreError = error;
    });
  }

  /** Reads several keys in one call (generations). */
  getMany(keys: string[], call: GuardCall): Promise<Outcome<unknown[]>> {
    return this.#run(
      "getMany",
      "read",
      () => this.#keyv.getMany<unknown>(keys),
      call,
      (values) =>
        Array.isArray(values) && values.length === keys.length ? undefined : "getMany answered a wrong shape",
    );
  }

  /** Reads one key. */
  get(key: string, call: GuardCall): Promise<Outcome<unknown>> {
    return this.#run(
      "get",
      "read",
      () => this.#keyv.get<unknown>(key),
      call,
      () => undefined,
    );
  }

  /** Writes one key with a TTL in ms. */
  set(key: string, value: string, ttlMs: number | undefined, call: GuardCall): Promise<Outcome<boolean>> {
    this.#noteExpiry(key, ttlMs);
    return this.#run(
      "set",
      "write",
      () => this.#keyv.set(key, value, ttlMs),
      call,
      (stored) => (stored === false ? "set was refused" : undefined),
    );
  }

  async #run<R>(
    op: string,
    operation: CacheOperation,
    start: () => Promise<R>,
    call: GuardCall,
    check: (value: R) => string | undefined,
  ): Promise<Outcome<R>> {
    const breaker = this.breakers[operation];
    if (call.signal?.aborted) return { ok: false, reason: "aborted" };
    if (!breaker.allow()) return { ok: false, reason: "skipped" };
    const errorsBefore = this.#storeErrors;
    const writesBefore = this.#writesStarted;
    const writing = this.#writesActive > 0;
    let promise: Promise<R>;
    try {
      promise = Promise.resolve(start());
    } catch (error) {
      promise = Promise.reject(error);
    }
    // The call may settle long after we stopped waiting (a hung Redis answers when continued).
    promise.catch(() => {});
    // A write counts as active until it settles or is given up on, whichever comes first: one
    // that never settles must not keep every later read from being blamed for its own error.
    let active = operation === "write";
    const ended = (): void => {
      if (!active) return;
      active = false;
      this.#writesActive--;
    };
    if (active) {
      this.#writesStarted++;
      this.#writesActive++;
      promise.then(ended, ended);
    }
    const result = await race(promise, call.timeoutMs, call.signal);
    ended();
    // Whether a write ran beside this read: its 'error' event could not be told from the read's.
    const besideWrite = operation === "read" && (writing || this.#writesStarted !== writesBefore);
    if (result.kind === "aborted") {
      breaker.release();
      return { ok: false, reason: "aborted" };
    }
    let problem: string | undefined;
    if (result.kind === "timeout") problem = `${op} timed out after ${call.timeoutMs} ms`;
    else if (result.kind === "error") problem = `${op} failed: ${describeStoreError(result.error)}`;
    else {
      problem = check(result.value);
      // Without throwOnErrors Keyv answers a failed call with undefined and an 'error' event. The
      // event names no call, so it is only a guess, and only made then: with throwOnErrors a failed
      // call rejects. A read is not blamed when a write ran beside it (a full Redis refusing
      // writes must not stop its reads); a failed write already shows as `false`.
      const swallowed =
        !this.#keyv.throwOnErrors &&
        !besideWrite &&
        this.#storeErrors !== errorsBefore &&
        (result.value ?? undefined) === undefined;
      if (problem === undefined && swallowed) {
        problem = `${op} failed: ${describeStoreError(this.#lastStoreError)}`;
      }
    }
    if (problem === undefined) {
      this.#succeeded(operation, call.reporter);
      return { ok: true, value: (result as { value: R }).value };
    }
    this.#failed(operation, new CacheError(`cache ${problem}`), call.reporter);
    return { ok: false, reason: "failed" };
  }

  /**
   * Keyv's default store, a Map, drops an expired entry only when that key is read again, and
   * promfleet's keys move on (a new `time`, a new aligned range, a new generation): a poller
   * over 40 clusters left about 10 MB an hour behind. For a Map store, the guard remembers when
   * what it wrote expires and deletes the expired entries every so many writes (a quarter of
   * those it tracks, at least {@link SWEEP_EVERY_WRITES}: a constant cost a write).
   */
  #noteExpiry(key: string, ttlMs: number | undefined): void {
    const expiries = this.#expiries;
    if (expiries === undefined) return;
    if (ttlMs !== undefined && ttlMs > 0) expiries.set(key, Date.now() + ttlMs);
    else expiries.delete(key);
    if (++this.#writesSinceSweep < Math.max(SWEEP_EVERY_WRITES, expiries.size / 4)) return;
    this.#writesSinceSweep = 0;
    const now = Date.now();
    for (const [expired, at] of expiries) {
      if (at > now) continue;
      expiries.delete(expired);
      Promise.resolve(this.#keyv.delete(expired)).catch(() => {});
    }
  }

  #succeeded(operation: CacheOperation, reporter: CacheReporter): void {
    this.#inOutage[operation] = false;
    if (this.breakers[operation].success() === "closed") reporter.transition("closed", operation);
  }

  #failed(operation: CacheOperation, error: CacheError, reporter: CacheReporter): void {
    const first = !this.#inOutage[operation];
    this.#inOutage[operation] = true;
    reporter.failed(error, first);
    if (this.breakers[operation].failure() === "opened") reporter.transition("opened", operation);
  }
}
