/**
 * The logger promfleet writes to: pino's call shape (`logger.warn({ endpoint }, "message")`), so a
 * pino, bunyan-like or console-backed object fits. Silent by default. promfleet never puts a
 * secret into the object or the message.
 */
export interface Logger {
  /** Details: retries, cache errors after the first of an outage, failed calls. */
  debug(obj: Record<string, unknown>, msg?: string): void;
  /** State changes: an endpoint staying on GET, TLS files reloaded, caching resumed, a client replaced. */
  info(obj: Record<string, unknown>, msg?: string): void;
  /** Something to look at: `insecureSkipVerify`, the first cache failure of an outage, a failed refresh. */
  warn(obj: Record<string, unknown>, msg?: string): void;
  /** Part of pino's shape; promfleet reports a failed call by rejecting it, not by logging an error. */
  error(obj: Record<string, unknown>, msg?: string): void;
}

const noop = (): void => {};

/** A logger that drops everything: the default. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/**
 * Wraps a user's logger so that a throwing logger never fails a query: logging is best effort.
 */
export function safeLogger(logger: Logger | undefined): Logger {
  if (!logger || logger === silentLogger) return silentLogger;
  const guard =
    (level: keyof Logger) =>
    (obj: Record<string, unknown>, msg?: string): void => {
      try {
        swallowRejection(logger[level](obj, msg));
      } catch {
        // A broken logger must not turn a good answer into a failure.
      }
    };
  return { debug: guard("debug"), info: guard("info"), warn: guard("warn"), error: guard("error") };
}

/**
 * Catches the rejection of what a user's callback returned, when it is a promise: an `async`
 * logger or listener (TypeScript accepts one where `void` is expected) that rejects must not
 * become an unhandled rejection, which ends the process by default.
 */
export function swallowRejection(returned: unknown): void {
  if (typeof (returned as PromiseLike<unknown> | null)?.then === "function") {
    Promise.resolve(returned).catch(() => {});
  }
}
