import type { CircuitBreakers } from "./breaker.ts";
import type { CallLimit } from "./callLimit.ts";
import type { NormalizedCollectorOptions } from "./options.ts";

/** What a collector holds now, beside its options, for its description. */
export interface CollectorState {
  callLimit: CallLimit | undefined;
  breakers: CircuitBreakers | undefined;
  cache: { owned: boolean } | undefined;
  clients: number;
  closed: boolean;
}

/**
 * The secret-free description `MetricsCollector.toJSON()` and `util.inspect` give: its settings
 * and live counts, never a URL's credentials, a token or TLS material (the registry describes
 * itself the same way, or shows as "custom").
 */
export function describeCollector(
  o: NormalizedCollectorOptions,
  state: CollectorState,
): Record<string, unknown> {
  const registry = o.registry as { toJSON?: () => unknown };
  return {
    registry: typeof registry.toJSON === "function" ? registry.toJSON() : "custom",
    concurrency: o.concurrency,
    maxInFlight: o.maxInFlight,
    inFlight: state.callLimit?.inFlight,
    waiting: state.callLimit?.waiting,
    timeoutMs: o.timeoutMs,
    deadlineMs: o.deadlineMs,
    clusterLabel: o.clusterLabel,
    checkSyntax: o.checkSyntax,
    breaker: o.breaker,
    openCircuits: state.breakers?.openCircuits() ?? {},
    cache: state.cache ? (state.cache.owned ? "redis (owned)" : "keyv") : "none",
    clients: state.clients,
    closed: state.closed,
  };
}
