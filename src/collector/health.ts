import type { CallOptions } from "../client/callOptions.ts";
import type { PrometheusClient } from "../client/PrometheusClient.ts";
import { PrometheusError } from "../errors/PrometheusError.ts";
import { TimeoutError } from "../errors/TimeoutError.ts";
import type { ClientEndpoints } from "./calls.ts";
import type { Operation } from "./fanout.ts";

/** One cluster's health, as `PrometheusClient.health()` reports it. */
export interface ClusterHealth {
  /** `/-/healthy` answered 200 (or the fallback query succeeded). */
  healthy: boolean;
  /** `/-/ready` answered 200 (or the fallback query succeeded). */
  ready: boolean;
  /** Time the check took, in ms. */
  latencyMs: number;
  /** The server's version, when it says. */
  version?: string | undefined;
  /** `probe`: the health endpoints answered; `query`: they are hidden (a proxy) and `vector(1)` was asked. */
  via: "probe" | "query";
  /** Why it is not healthy. */
  error?: unknown;
}

/** The health fan-out: ok when healthy and ready; the answer is kept in `value` either way. */
export function healthOperation(
  endpoints: (client: PrometheusClient) => ClientEndpoints,
): Operation<ClusterHealth, never> {
  return {
    name: "health",
    bypassBreaker: true,
    call: (client, deadline: CallOptions) => endpoints(client).health(deadline),
    judge(health) {
      if (health.healthy && health.ready) return undefined;
      const cause = health.error;
      const error =
        cause instanceof PrometheusError
          ? cause
          : new PrometheusError(
              typeof cause === "string"
                ? cause
                : cause instanceof Error
                  ? cause.message
                  : `not ${health.healthy ? "ready" : "healthy"}`,
            );
      return { status: error instanceof TimeoutError ? "timeout" : "error", error };
    },
  };
}
