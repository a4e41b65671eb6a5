import { PrometheusError, type PrometheusErrorOptions } from "./PrometheusError.ts";

/** The call's deadline passed (connect, retries and body read all count), or Prometheus answered `errorType: timeout`. */
export class TimeoutError extends PrometheusError {
  /** Always `"TimeoutError"`: the class, also in logs, `toJSON()` and minified code. */
  override name = "TimeoutError";
  /** The deadline that ran out, in milliseconds, when the timeout was ours. */
  timeoutMs: number | undefined;

  /** Builds the error; `timeoutMs` is the deadline that expired, when it was ours. */
  constructor(message: string, options: PrometheusErrorOptions & { timeoutMs?: number | undefined } = {}) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
  }
}
