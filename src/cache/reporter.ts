import type { Events } from "../observe/events.ts";
import type { Logger } from "../observe/logger.ts";
import type { CacheReporter } from "./guard.ts";

/**
 * Where a client's cache calls report: `cache` events for each failure and breaker transition,
 * and the logger — the first failure of an outage at `warn`, the rest at `debug`, so an outage
 * reads as one warning for reads and one for writes, not one per query.
 */
export function cacheReporter(
  endpoint: string,
  cluster: string | undefined,
  events: Events,
  logger: Logger,
): CacheReporter {
  return {
    failed(error, first) {
      events.emit("cache", { type: "error", endpoint, cluster, error });
      if (first) logger.warn({ cluster, error: error.message }, "the cache failed; queries go on without it");
      else logger.debug({ cluster, error: error.message }, "cache call failed");
    },
    transition(state, operation) {
      const what = operation === "read" ? "reads" : "writes";
      if (state === "opened") {
        events.emit("cache", { type: "circuit-open", endpoint, cluster, operation });
        logger.warn(
          { cluster, operation },
          `cache ${what} keep failing: they are skipped for a while, then probed again`,
        );
      } else {
        events.emit("cache", { type: "circuit-closed", endpoint, cluster, operation });
        logger.info({ cluster, operation }, `cache ${what} succeed again: resumed`);
      }
    },
  };
}
