import { PrometheusError, type PrometheusErrorOptions } from "./PrometheusError.ts";

/** The caller aborted the call through its `AbortSignal`; `cause` is the signal's reason. */
export class AbortError extends PrometheusError {
  /** Always `"AbortError"`: the class, also in logs, `toJSON()` and minified code. */
  override name = "AbortError";

  /** Builds the error from the aborting signal's reason. */
  constructor(message: string, options: PrometheusErrorOptions = {}) {
    super(message, options);
  }
}
