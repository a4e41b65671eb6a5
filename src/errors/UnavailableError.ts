import { PrometheusError, type PrometheusErrorOptions } from "./PrometheusError.ts";

/**
 * The server could not be reached, or kept answering 5xx or 429 until retries or the deadline ran
 * out. After 429s, `retryAfterMs` holds the server's last Retry-After.
 */
export class UnavailableError extends PrometheusError {
  /** Always `"UnavailableError"`: the class, also in logs, `toJSON()` and minified code. */
  override name = "UnavailableError";
  /** The last Retry-After the server asked for, in milliseconds, when it sent one. */
  retryAfterMs: number | undefined;

  /** Builds the error; `retryAfterMs` is the server's last Retry-After, if any. */
  constructor(message: string, options: PrometheusErrorOptions & { retryAfterMs?: number | undefined } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}
