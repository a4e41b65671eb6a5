import type { PrometheusClient } from "../client/PrometheusClient.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { PrometheusError } from "../errors/PrometheusError.ts";
import type { Events } from "../observe/events.ts";
import type { Logger } from "../observe/logger.ts";
import { abortError, bounded } from "./bounded.ts";
import type { CircuitBreakers } from "./breaker.ts";
import type { CallLimit } from "./callLimit.ts";
import type { ClusterClients } from "./clients.ts";
import type { Cluster } from "./cluster.ts";
import { failedResult, runCluster } from "./clusterCall.ts";
import type { MergeInput } from "./merge.ts";
import { pickTimeout } from "./numbers.ts";
import { runPool } from "./pool.ts";
import type { ClusterRegistry } from "./registry.ts";
import { type ClusterResult, type ClusterStatus, FleetResult } from "./result.ts";
import type { ClusterChecker, Target } from "./selection.ts";

/** What a fan-out needs from its collector. */
export interface FanoutContext {
  registry: ClusterRegistry;
  checker: ClusterChecker;
  clients: ClusterClients;
  breakers: CircuitBreakers | undefined;
  events: Events;
  logger: Logger;
  concurrency: number;
  /** The collector-wide cap on cluster calls in flight, shared with its other fan-outs; none when unset. */
  callLimit: CallLimit | undefined;
  timeoutMs: number;
  deadlineMs: number | undefined;
  clusterLabel: string;
}

/** One call made on every selected cluster. */
export interface Operation<T, M> {
  /** For messages: `query`, `health`, ... */
  name: string;
  /** Makes the call on one cluster's client, within `timeout` ms and the caller's signal. */
  call(
    client: PrometheusClient,
    options: { signal: AbortSignal | undefined; timeout: number },
    cluster: Cluster,
  ): Promise<T>;
  /**
   * The call is the caller's own code (`each`): the client is held until it ends (it may make
   * several calls in turn), and an error it throws that is not a PrometheusError says nothing
   * about the cluster, so it leaves the circuit alone.
   */
  callerCode?: boolean;
  /** How an answer counts (health answers may say the cluster is unhealthy). Default: ok. */
  judge?(value: T): { status: ClusterStatus; error?: PrometheusError } | undefined;
  /** Health checks go to every cluster, open circuits included: they are the probes. */
  bypassBreaker?: boolean;
  /** Joins the ok clusters' answers for `FleetResult.merged()`. */
  merge?: (input: MergeInput<T>) => M;
}

/** Per call: the caller's signal, and per-cluster and overall deadlines overriding the collector's. */
export interface FanoutCall {
  signal?: AbortSignal | undefined;
  timeout?: number | undefined;
  deadline?: number | undefined;
}

/**
 * Fans `op` out over the clusters `listTargets` selects: a pool of `concurrency` slots, each
 * cluster also taking a slot of the collector-wide cap while it runs; each cluster gets its own deadline
 * from its start (lookup, client and call included), capped by the overall deadline; clusters
 * not started when the overall deadline passes are `skipped`. A caller's abort rejects the
 * whole fan-out with an AbortError. Every finished cluster emits a `cluster` event.
 */
export async function fanOut<T, M>(
  ctx: FanoutContext,
  listTargets: () => Promise<readonly Target[]>,
  op: Operation<T, M>,
  call: FanoutCall,
): Promise<FleetResult<T, M>> {
  const started = performance.now();
  const signal = call.signal;
  const callTimeoutMs = pickTimeout(call.timeout, "timeout");
  const deadlineMs = pickTimeout(call.deadline, "deadline") ?? ctx.deadlineMs;
  const deadlineAt = deadlineMs === undefined ? Number.POSITIVE_INFINITY : started + deadlineMs;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError("signal", "signal must be an AbortSignal");
  }
  if (signal?.aborted) throw abortError(signal, `the ${op.name} fan-out`);
  // Listing has no cluster to blame: it must end within the overall deadline, else within one
  // cluster's timeout, and a failure fails the call.
  const listMs = Math.min(deadlineAt - performance.now(), callTimeoutMs ?? ctx.timeoutMs);
  const targets = await bounded(listTargets(), listMs, signal, "listing the registry's clusters");

  const results = new Array<ClusterResult<T>>(targets.length);
  let done = 0;
  const finish = (index: number, result: ClusterResult<T>): void => {
    results[index] = result;
    done++;
    ctx.events.emit("cluster", {
      cluster: result.cluster,
      status: result.status,
      latencyMs: result.latencyMs,
      done,
      total: targets.length,
    });
  };

  const canStart = (): boolean => !signal?.aborted && !ctx.clients.closed && performance.now() < deadlineAt;
  const runOne = async (index: number): Promise<void> => {
    // A slot of the collector-wide cap first: the cluster's own deadline starts once it has one.
    const limit = ctx.callLimit;
    const release = limit === undefined ? noRelease : await limit.acquire(deadlineAt, signal);
    if (release === undefined || !canStart()) {
      release?.();
      skipOne(index);
      return;
    }
    // Work that outlives the cluster's result (an each() function still ending) keeps the slot.
    let held: Promise<void> | undefined;
    const hold = (ended: Promise<void>): void => {
      held = ended;
    };
    // The caller's code runs inside the slot's hold: what it asks for is lent a slot, never waits for its own.
    const slot = limit?.hold();
    const withinSlot = <R>(code: () => R): R => (slot === undefined ? code() : limit!.within(slot, code));
    const end = (): void => {
      if (slot !== undefined) slot.active = false;
      release();
    };
    try {
      finish(
        index,
        await runCluster(ctx, targets[index]!, op, { signal, callTimeoutMs, deadlineAt, hold, withinSlot }),
      );
    } finally {
      if (held === undefined) end();
      else void held.then(end);
    }
  };
  const skipOne = (index: number): void => {
    const id = targets[index]!.id;
    const why = signal?.aborted
      ? "not started: the fan-out was aborted"
      : ctx.clients.closed
        ? "not started: the collector was closed"
        : `not started: the overall deadline of ${Math.round(deadlineMs ?? 0)} ms passed`;
    finish(index, failedResult(id, "skipped", new PrometheusError(why, { cluster: id }), 0));
  };
  await runPool(targets.length, ctx.concurrency, runOne, canStart, skipOne);
  if (signal?.aborted) throw abortError(signal, `the ${op.name} fan-out`);
  return new FleetResult<T, M>(results, {
    durationMs: performance.now() - started,
    clusterLabel: ctx.clusterLabel,
    merge: op.merge,
  });
}

/** The release of a fan-out with no collector-wide cap. */
const noRelease = (): void => {};
