/**
 * One cluster's part of a fan-out: its circuit, its registry lookup, its client and the call,
 * all inside the cluster's own deadline, ending as one {@link ClusterResult} whatever happens.
 */
import { AbortError } from "../errors/AbortError.ts";
import { PrometheusError } from "../errors/PrometheusError.ts";
import { TimeoutError } from "../errors/TimeoutError.ts";
import { bounded } from "./bounded.ts";
import { type Outcome, outcomeOf } from "./breaker.ts";
import { isFunctionTimeout, overrunAsTimeout, runCallerCode } from "./callerCode.ts";
import type { Cluster } from "./cluster.ts";
import type { FanoutContext, Operation } from "./fanout.ts";
import type { ClusterResult, ClusterStatus } from "./result.ts";
import { lookupCluster, type Target } from "./selection.ts";

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

/** The result of a cluster that did not answer ok: failed, timed out or skipped, and why. */
export function failedResult<T>(
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

/** How one cluster's part of a fan-out runs: its signal, deadlines and `maxInFlight` slot. */
export interface ClusterRun {
  signal: AbortSignal | undefined;
  callTimeoutMs: number | undefined;
  deadlineAt: number;
  /** Told when work of this cluster (an each() function) goes on after its result. */
  hold: (ended: Promise<void>) => void;
  /** Runs the caller's code inside this cluster's `maxInFlight` slot. */
  withinSlot: <R>(code: () => R) => R;
}

/** One cluster's part: breaker, lookup, client, call — all inside the cluster's deadline. */
export async function runCluster<T, M>(
  ctx: FanoutContext,
  target: Target,
  op: Operation<T, M>,
  run: ClusterRun,
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
        withinSlot: run.withinSlot,
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
    // A call of this cluster's that the function left to the deadline's signal: the cluster's timeout.
    const error = asPrometheusError(op.callerCode ? overrunAsTimeout(caught, id) : caught, id, callersOwn);
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
