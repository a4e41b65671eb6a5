import type { CacheReporter } from "../../src/cache/guard.ts";

/** What a guard reported: each failure with whether it began an outage, each breaker transition. */
export interface RecordingReporter extends CacheReporter {
  failures: Array<[message: string, first: boolean]>;
  /** `"<operation> <state>"`, e.g. `"write opened"`. */
  transitions: string[];
}

/** A CacheReporter that records what it is told, for the guard's tests. */
export function recordingReporter(): RecordingReporter {
  const r: RecordingReporter = {
    failures: [],
    transitions: [],
    failed: (error, first) => r.failures.push([error.message, first]),
    transition: (state, operation) => r.transitions.push(`${operation} ${state}`),
  };
  return r;
}
