import type { HealthStatus } from "../client/health.ts";
import { PrometheusError } from "../errors/PrometheusError.ts";
import { TimeoutError } from "../errors/TimeoutError.ts";
import type { FleetOptions } from "./calls.ts";
import type { Operation } from "./fanout.ts";

/** One cluster's health, as `PrometheusClient.health()` reports it: healthy, ready, latency, version, via, error. */
export type ClusterHealth = HealthStatus;

/**
 * The health fan-out: a cluster is `ok` when healthy and ready; otherwise `error`, or `timeout`
 * when its check ran out of time. The cluster's answer is kept in `value` either way.
 */
export function healthOperation(namespace: string | undefined): Operation<ClusterHealth, never> {
  return {
    name: "health",
    bypassBreaker: true,
    call: (client, deadline) => client.health({ ...deadline, namespace }),
    judge(health) {
      if (health.healthy && health.ready) return undefined;
      const error = health.error ?? new PrometheusError(`not ${health.healthy ? "ready" : "healthy"}`);
      return { status: error instanceof TimeoutError ? "timeout" : "error", error };
    },
  };
}

/** Options of `MetricsCollector.health`: the fan-out's, and the tenancy namespace of `health()`. */
export interface FleetHealthOptions extends FleetOptions {
  /** OpenShift tenancy (port 9092): the namespace each cluster's fallback query is asked in. */
  namespace?: string | undefined;
}
