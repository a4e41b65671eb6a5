import type { PrometheusClient } from "../client/PrometheusClient.ts";
import { AbortError } from "../errors/AbortError.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { PrometheusError } from "../errors/PrometheusError.ts";
import { TimeoutError } from "../errors/TimeoutError.ts";
import type { Events } from "../observe/events.ts";
import type { Logger } from "../observe/logger.ts";
import { abortError, bounded } from "./bounded.ts";
import { type CircuitBreakers, type Outcome, outcomeOf } from "./breaker.ts";
import { isFunctionTimeout, runCallerCode } from "./callerCode.ts";
import type { CallLimit } from "./callLimit.ts";
import type { ClusterClients } from "./clients.ts";
import type { Cluster } from "./cluster.ts";
import type { MergeInput } from "./merge.ts";
import { pickTimeout } from "./numbers.ts";
import { runPool } from "./pool.ts";
import type { ClusterRegistry } from "./registry.ts";
import { type ClusterResult, type ClusterStatus, FleetResult } from "./result.ts";
import { type ClusterChecker, lookupCluster, type Target } from "./selection.ts";

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
 * Any failure as a PrometheusError that names the cluster. `ownCause`: the error came from the
 * caller's own code (`each`), so it is handed back to them as the `cause`.
 */
function asPrometheusError(error: unknown, cluster: string, ownCause: boolean): PrometheusError {
  if (error instanceof PrometheusError) {
    error.cluster ??= cluster;
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new PrometheusError(`cluster "${cluster}": ${message}`, {
    cluster,
    ...(ownCause ? { cause: error } : {}),
  });
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
    const work = () => runCluster(ctx, targets[index]!, op, { signal, callTimeoutMs, deadlineAt, hold });
    try {
      // Calls made inside it (a fan-out from an each() function) share its slot.
      finish(index, await (limit === undefined ? work() : limit.holding(work)));
    } finally {
      if (held === undefined) release();
      else void held.then(release);
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

function failedResult<T>(
  cluster: string,
  status: ClusterStatus,
  error: PrometheusError,
  latencyMs: number,
  value?: T,
): ClusterResult<T> {
  return {
    cluster,
    status,
    value,
    error,
    latencyMs,
    cached: false,
    warnings: error.warnings,
    infos: error.infos,
  };
}

/** One cluster's part: breaker, lookup, client, call — all inside the cluster's deadline. */
async function runCluster<T, M>(
  ctx: FanoutContext,
  target: Target,
  op: Operation<T, M>,
  run: {
    signal: AbortSignal | undefined;
    callTimeoutMs: number | undefined;
    deadlineAt: number;
    /** Told when work of this cluster (an each() function) goes on after its result. */
    hold: (ended: Promise<void>) => void;
  },
): Promise<ClusterResult<T>> {
  const id = target.id;
  const start = performance.now();
  const admission = op.bypassBreaker ? undefined : ctx.breakers?.admit(id);
  if (admission && !admission.admitted) {
    return failedResult(id, "skipped", new PrometheusError(admission.reason, { cluster: id }), 0);
  }
  // Time left for this cluster, given its own deadline and the overall one.
  const left = (ownMs: number): number => Math.min(start + ownMs, run.deadlineAt) - performance.now();
  const probe = admission?.probe === true;
  // Before the lookup the cluster's own timeout is not known yet: the call's or the collector's bounds it.
  const lookupMs = run.callTimeoutMs ?? ctx.timeoutMs;
  // Whether the caller gave this cluster less time than its own timeout (a per-call timeout or
  // the overall deadline): a timeout then says nothing about the cluster. Until the lookup tells
  // the cluster's own timeout, the collector's stands for it.
  let curtailed = Math.min(lookupMs, run.deadlineAt - start) < ctx.timeoutMs;
  try {
    if (target.error !== undefined) throw target.error;
    // When the registry was asked: a client built from a later answer is not replaced by this one.
    const seenAt = target.seenAt ?? performance.now();
    const cluster: Cluster =
      target.cluster ??
      (await bounded(
        // An unknown id is this cluster's error, not the fan-out's.
        lookupCluster(ctx.registry, ctx.checker, id, "clusters"),
        left(lookupMs),
        run.signal,
        "the lookup",
        id,
      ));
    const ownMs = run.callTimeoutMs ?? cluster.timeout ?? ctx.timeoutMs;
    const until = Math.min(start + ownMs, run.deadlineAt);
    // Compared as budgets: (start + ownMs) - start need not give back ownMs in floating point.
    curtailed = Math.min(ownMs, run.deadlineAt - start) < (cluster.timeout ?? ctx.timeoutMs);
    const lease = await bounded(
      ctx.clients.lease(cluster, until, seenAt),
      left(ownMs),
      run.signal,
      "the client",
      id,
      (late) => late.release(),
    );
    // At least 1 ms: when the time ran out just now, the client's own deadline says so.
    const timeout = Math.max(1, left(ownMs));
    let value: T;
    if (op.callerCode) {
      // The caller's code may make several calls in turn: the client is held until it has ended.
      const code = runCallerCode(op.call, lease.client, cluster, {
        signal: run.signal,
        until,
        logger: ctx.logger,
      });
      void code.ended.then(() => lease.release());
      run.hold(code.ended);
      value = await code.outcome;
    } else {
      let pending: Promise<T>;
      try {
        pending = op.call(lease.client, { signal: run.signal, timeout }, cluster);
      } finally {
        // The call is counted in flight by its client as soon as it starts: the lease can go.
        lease.release();
      }
      value = await pending;
    }
    const latencyMs = performance.now() - start;
    const verdict = op.judge?.(value);
    if (verdict && verdict.status !== "ok") {
      const error = verdict.error ?? new PrometheusError(`cluster "${id}" is not healthy`, { cluster: id });
      // A check the caller cut short proves nothing, as for any other call (a probe's slot is freed).
      const cutShort = curtailed && verdict.status === "timeout";
      if (!cutShort || probe) ctx.breakers?.settle(id, cutShort ? "neutral" : "failure", error, probe);
      return failedResult(id, verdict.status, error, latencyMs, value);
    }
    ctx.breakers?.settle(id, "success", undefined, probe);
    // A client's answer carries its cache state and the server's notes; a caller's value is just data.
    const notes = op.callerCode
      ? undefined
      : (value as { cached?: boolean; warnings?: string[]; infos?: string[] });
    return {
      cluster: id,
      status: "ok",
      value,
      latencyMs,
      cached: notes?.cached === true,
      warnings: notes?.warnings ?? [],
      infos: notes?.infos ?? [],
    };
  } catch (caught) {
    // The caller's own code failing its own way (a TypeError, a check of its own, not ending) is
    // not the cluster's fault.
    const callersOwn =
      op.callerCode === true && (!(caught instanceof PrometheusError) || isFunctionTimeout(caught));
    const error = asPrometheusError(caught, id, callersOwn);
    const aborted = error instanceof AbortError && run.signal?.aborted === true;
    // One caller's short deadline must not open the circuit for every other caller.
    const cutShort = curtailed && error instanceof TimeoutError;
    const outcome: Outcome = aborted || cutShort || callersOwn ? "neutral" : outcomeOf(error);
    // A neutral end only matters to a probe (it frees the probe slot); never release someone else's.
    if (outcome !== "neutral" || probe) ctx.breakers?.settle(id, outcome, error, probe);
    const status: ClusterStatus = error instanceof TimeoutError ? "timeout" : "error";
    ctx.logger.debug({ cluster: id, status, error: error.message }, `${op.name} failed on a cluster`);
    return failedResult(id, status, error, performance.now() - start);
  }
}
