import type { PrometheusClient } from "../client/PrometheusClient.ts";
import { AbortError } from "../errors/AbortError.ts";
import { TimeoutError } from "../errors/TimeoutError.ts";
import type { Logger } from "../observe/logger.ts";
import { bounded } from "./bounded.ts";
import type { ClusterCall, ClusterCallOptions } from "./calls.ts";
import type { Cluster } from "./cluster.ts";

/**
 * Time a function gets past its cluster's deadline to end by itself: the client calls it made
 * with `options` end at the deadline with their own TimeoutError (the cluster's failure), which
 * must reach the fan-out before the fan-out gives up on the function as its own fault.
 */
const MARGIN_MS = 250;

/** How long a function the fan-out gave up on keeps its `maxInFlight` slot and its client. */
const HOLD_GRACE_MS = 1_000;

/** TimeoutErrors meaning the caller's function did not end, as opposed to a cluster's call timing out. */
const functionTimeouts = new WeakSet<Error>();

/** The reasons `options.signal` aborts with when a cluster's deadline has passed. */
const overrunReasons = new WeakSet<object>();

/**
 * A client call of cluster `id` that ended because the deadline's signal aborted it (the
 * function passed `options.signal` but not the time left) timed out on the cluster: as a
 * TimeoutError it counts against the cluster's circuit, as the call given `timeout` would have.
 * Anything else is returned as it is.
 */
export function overrunAsTimeout(error: unknown, id: string): unknown {
  if (!(error instanceof AbortError) || error.cluster !== id) return error;
  const cause: unknown = error.cause;
  if (typeof cause !== "object" || cause === null || !overrunReasons.has(cause)) return error;
  return new TimeoutError(
    `${error.endpoint ?? `cluster "${id}"`} did not complete by the cluster's deadline`,
    {
      endpoint: error.endpoint,
      cluster: id,
    },
  );
}

/** Whether `error` says the caller's own function did not end in time (no fault of the cluster's). */
export function isFunctionTimeout(error: unknown): boolean {
  return error instanceof TimeoutError && functionTimeouts.has(error);
}

/** A caller's function running on one cluster. */
export interface CallerCodeRun<T> {
  /** Its value; or its error; or a TimeoutError once it overran the deadline (see {@link isFunctionTimeout}); or the caller's abort. */
  outcome: Promise<T>;
  /** Settles once the function has ended, or {@link HOLD_GRACE_MS} after the fan-out gave up on it. */
  ended: Promise<void>;
}

/**
 * Runs a caller's `each` function on one cluster. It gets `options` whose `timeout` is read at
 * each spread — the time left then, so a second call in turn gets what the first left — and a
 * `signal` that also aborts shortly after the cluster's deadline, for calls not given a timeout.
 * The fan-out waits for it until then; the slot and the client stay held until it has really
 * ended, for at most a second more (a function that never ends must not hold them for ever).
 */
export function runCallerCode<T>(
  call: ClusterCall<T>,
  client: PrometheusClient,
  cluster: Cluster,
  run: {
    signal: AbortSignal | undefined;
    until: number;
    logger: Logger;
    /** Runs the function inside the cluster's `maxInFlight` slot (see CallLimit.within). */
    withinSlot: <R>(code: () => R) => R;
  },
): CallerCodeRun<T> {
  const budgetMs = Math.max(0, run.until - performance.now()) + MARGIN_MS;
  const overrun = new AbortController();
  const overrunTimer = setTimeout(() => {
    const reason = new TimeoutError(`the deadline of cluster "${cluster.id}" passed`, {
      cluster: cluster.id,
    });
    overrunReasons.add(reason);
    overrun.abort(reason);
  }, budgetMs);
  overrunTimer.unref();
  const options: ClusterCallOptions = {
    signal: run.signal === undefined ? overrun.signal : AbortSignal.any([run.signal, overrun.signal]),
    get timeout() {
      return Math.max(1, run.until - performance.now());
    },
  };
  let functionEnded = false;
  // A synchronous throw becomes the function's rejection, like any other error of its own.
  const work = Promise.resolve().then(() => run.withinSlot(() => call(client, options, cluster)));
  // Registered before bounded()'s own handlers: `functionEnded` is set by the time it settles.
  const markEnded = (): void => {
    functionEnded = true;
    clearTimeout(overrunTimer);
  };
  const workEnded = work.then(markEnded, markEnded);
  const outcome = bounded(
    work,
    budgetMs,
    run.signal,
    `the function for cluster "${cluster.id}"`,
    cluster.id,
  ).catch((error: unknown) => {
    if (error instanceof TimeoutError && !functionEnded) functionTimeouts.add(error);
    throw error;
  });
  const gaveUp = outcome.then(
    () => {},
    () => {},
  );
  const grace = gaveUp.then(
    () =>
      new Promise<void>((resolve) => {
        if (functionEnded) return resolve();
        setTimeout(() => {
          if (!functionEnded) {
            run.logger.warn(
              { cluster: cluster.id },
              "each(): the function still runs past its cluster's deadline; its slot and client are let go",
            );
          }
          resolve();
        }, HOLD_GRACE_MS).unref();
      }),
  );
  return { outcome, ended: Promise.race([workEnded, grace]) };
}
